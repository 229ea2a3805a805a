import { pino, type Logger, type LevelWithSilent } from 'pino';

/** The context keys a child logger may bind; message text stays constant, variables go here. */
export interface LogFields {
  service?: string;
  topic?: string;
  partition?: number;
  offset?: string;
  eventId?: string;
  entityType?: string;
  entityId?: string;
  destinationId?: string;
  deliveryId?: string;
  attempt?: number;
}

export type { Logger };

/**
 * The one root logger: JSON lines on stderr, pretty-printed when stderr is a terminal. stdout is
 * left to command output (status, keys) so scripts can read it.
 */
export function createLogger(level: LevelWithSilent, fields: LogFields = {}): Logger {
  const pretty = process.stderr.isTTY === true;
  const logger = pretty
    ? pino({
        level,
        transport: {
          target: 'pino-pretty',
          options: { destination: 2, colorize: true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss.l' },
        },
      })
    : pino({ level, base: null }, pino.destination({ dest: 2, sync: true }));
  return Object.keys(fields).length > 0 ? logger.child(fields) : logger;
}
