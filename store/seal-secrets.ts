import { sealedPrefix, type SecretBox } from '../core/secret-box.js';
import type { Database } from './query.js';

/** How many destinations' current secrets each key sealed, by key id. */
export async function sealedKeyIds(db: Database): Promise<Map<string, number>> {
  const { rows } = await db.query<{ key_id: string; n: number }>(
    `select split_part(secret, ':', 2) as key_id, count(*)::int as n from destinations
      where secret like '${sealedPrefix}%' and deleted_at is null group by 1`,
  );
  return new Map(rows.map((row) => [row.key_id, row.n]));
}

/**
 * Seals the signing secrets stored before secrets were sealed at rest. Each row is changed only
 * if it still holds what was read, so a rotation at the same moment is not undone. Returns how
 * many destinations were sealed.
 */
export async function sealStoredSecrets(db: Database, box: SecretBox): Promise<number> {
  const unsealed = `not like '${sealedPrefix}%'`;
  const { rows } = await db.query<{ id: string; secret: string | null; previous_secret: string | null }>(
    `select id, secret, previous_secret from destinations
      where secret ${unsealed} or previous_secret ${unsealed}`,
  );
  let sealed = 0;
  for (const row of rows) {
    const seal = (value: string | null) => (value === null || box.isSealed(value) ? value : box.seal(value, row.id));
    const { rowCount } = await db.query(
      `update destinations set secret = $2, previous_secret = $3
        where id = $1 and secret is not distinct from $4 and previous_secret is not distinct from $5`,
      [row.id, seal(row.secret), seal(row.previous_secret), row.secret, row.previous_secret],
    );
    sealed += rowCount ?? 0;
  }
  return sealed;
}
