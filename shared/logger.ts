/** The logging interface the core depends on; the composition root backs it with pino. */

/** Structured context attached to log lines (round id, node name, stage, ...). */
export type LogFields = Record<string, unknown>;

/** Minimal structured logger. Never pass keys, shares, tensors or unmasked updates. */
export interface Logger {
  debug(fields: LogFields, msg: string): void;
  info(fields: LogFields, msg: string): void;
  warn(fields: LogFields, msg: string): void;
  error(fields: LogFields, msg: string): void;
  child(fields: LogFields): Logger;
}

/** A logger that drops everything. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};

/** One captured log line. */
export interface CapturedLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  fields: LogFields;
}

/** A logger that records lines in memory, for tests that assert on what was logged. */
export class MemoryLogger implements Logger {
  constructor(
    readonly lines: CapturedLine[] = [],
    private readonly base: LogFields = {},
  ) {}

  private push(level: CapturedLine['level'], fields: LogFields, msg: string): void {
    this.lines.push({ level, msg, fields: { ...this.base, ...fields } });
  }

  debug(fields: LogFields, msg: string): void {
    this.push('debug', fields, msg);
  }
  info(fields: LogFields, msg: string): void {
    this.push('info', fields, msg);
  }
  warn(fields: LogFields, msg: string): void {
    this.push('warn', fields, msg);
  }
  error(fields: LogFields, msg: string): void {
    this.push('error', fields, msg);
  }
  child(fields: LogFields): Logger {
    return new MemoryLogger(this.lines, { ...this.base, ...fields });
  }
}
