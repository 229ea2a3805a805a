import { Type } from 'typebox';
import type { DestinationRow } from '../store/destinations.js';
import { SafeInteger } from './schemas.js';

/**
 * A destination's alerts in /api/v1/destinations: its own thresholds for `destination.failing`
 * (null: the streamer's, STREAMER_ALERT_AFTER_FAILURES and STREAMER_ALERT_AFTER_MS) and, in an
 * answer, whether an alert is raised for its current failure run.
 */
export const AlertSettings = Type.Object(
  {
    after_failures: Type.Optional(
      Type.Union([
        SafeInteger({ minimum: 1, maximum: 1_000_000, description: 'Failed attempts in a row that publish `destination.failing`.' }),
        Type.Null(),
      ]),
    ),
    after_ms: Type.Optional(
      Type.Union([
        SafeInteger({
          minimum: 0,
          maximum: 604_800_000,
          description:
            'A failure run this long, in ms, publishes `destination.failing`, checked at each failed attempt and every 5 s between them.',
        }),
        Type.Null(),
      ]),
    ),
  },
  { additionalProperties: false, description: "When `destination.failing` is published; a null or absent threshold is the deployment's." },
);

export const AlertsAnswer = Type.Object({
  after_failures: Type.Union([Type.Integer(), Type.Null()]),
  after_ms: Type.Union([Type.Integer(), Type.Null()]),
  raised_at: Type.Union([
    Type.String({
      format: 'date-time',
      description: 'When `destination.failing` was published for the current failure run; null once `destination.recovered` was.',
    }),
    Type.Null(),
  ]),
});

type Thresholds = Pick<DestinationRow, 'alert_after_failures' | 'alert_after_ms'>;

/** The thresholds to store: those the request gives, the stored ones for those it leaves out. */
export function alertSettingsOf(
  given: { readonly after_failures?: number | null; readonly after_ms?: number | null } | undefined,
  stored: Thresholds | null,
): Thresholds {
  return {
    alert_after_failures: given?.after_failures === undefined ? (stored?.alert_after_failures ?? null) : given.after_failures,
    alert_after_ms: given?.after_ms === undefined ? (stored?.alert_after_ms ?? null) : given.after_ms,
  };
}

/** The `alerts` of an answer. */
export function alertsAnswerOf(row: Thresholds & Pick<DestinationRow, 'alerted_at'>) {
  return {
    after_failures: row.alert_after_failures,
    after_ms: row.alert_after_ms,
    raised_at: row.alerted_at?.toISOString() ?? null,
  };
}
