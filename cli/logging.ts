/** The pino-backed Logger handed out by composition roots: JSON lines on stderr. */
import { pino } from 'pino';
import { CohortError } from '../shared/errors.js';
import type { LogFields, Logger } from '../shared/logger.js';

/** Accepted --log-level values. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Parse --log-level. */
export function parseLogLevel(v: string): LogLevel {
  if (!(LOG_LEVELS as readonly string[]).includes(v)) {
    throw new CohortError('usage', `--log-level must be one of ${LOG_LEVELS.join(', ')}, got "${v}"`);
  }
  return v as LogLevel;
}

function wrap(p: pino.Logger): Logger {
  return {
    debug: (f: LogFields, m: string) => p.debug(f, m),
    info: (f: LogFields, m: string) => p.info(f, m),
    warn: (f: LogFields, m: string) => p.warn(f, m),
    error: (f: LogFields, m: string) => p.error(f, m),
    child: (f: LogFields) => wrap(p.child(f)),
  };
}

/** A logger writing JSON lines to stderr (fd 2) at `level`, with `component` on every line. */
export function createLogger(level: LogLevel, component: string): Logger {
  const p = pino(
    {
      level,
      base: { component },
      // Defence in depth: these field names must never carry secrets into logs.
      redact: { paths: ['key', 'keyPem', 'privateKey', 'secret', 'share', 'shares', 'weights', 'update'], censor: '[redacted]' },
    },
    pino.destination({ fd: 2, sync: true }),
  );
  return wrap(p);
}
