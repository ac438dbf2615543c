/** The pino-backed Logger handed out by composition roots: JSON lines on stderr. */
import { format } from 'node:util';
import * as grpc from '@grpc/grpc-js';
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

/** True when the user asked grpc-js for its own diagnostics on stderr. */
function grpcVerbosityFromEnv(): boolean {
  return process.env['GRPC_VERBOSITY'] !== undefined || process.env['GRPC_NODE_VERBOSITY'] !== undefined;
}

/**
 * grpc-js prints its own errors to stderr (e.g. "E No address added out of total 1
 * resolved" just before our "port in use" message), which a user cannot act on: the CLI
 * reports every failure itself. GRPC_VERBOSITY in the environment keeps grpc-js's output.
 */
export function quietGrpcLogs(): void {
  if (!grpcVerbosityFromEnv()) grpc.setLogVerbosity(grpc.logVerbosity.NONE);
}

/** Keep grpc-js's error lines in the daemon's own log, at debug level, instead of dropping them. */
export function routeGrpcLogs(log: Logger): void {
  if (grpcVerbosityFromEnv()) return;
  const line = (m: unknown, ...rest: unknown[]): void => log.debug({ grpc: format(m, ...rest) }, 'grpc-js');
  grpc.setLogger({ error: line, info: line, debug: line });
  grpc.setLogVerbosity(grpc.logVerbosity.ERROR);
}
