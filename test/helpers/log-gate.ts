/** A logger tests can wait on: "resolve once N lines like this were logged", instead of sleeping. */
import { deferred, type Deferred } from '../../shared/async.js';
import type { CapturedLine, LogFields, Logger } from '../../shared/logger.js';

/** What a waited-for line must look like: its message and, optionally, some fields. */
export interface LinePattern {
  readonly msg: string;
  readonly fields?: LogFields;
}

interface Waiter {
  readonly pattern: LinePattern;
  readonly count: number;
  readonly done: Deferred<CapturedLine[]>;
}

function matches(line: CapturedLine, p: LinePattern): boolean {
  return line.msg === p.msg && Object.entries(p.fields ?? {}).every(([k, v]) => line.fields[k] === v);
}

/** Shared by a logger and all its children. */
class Sink {
  readonly lines: CapturedLine[] = [];
  readonly waiters = new Set<Waiter>();

  add(line: CapturedLine): void {
    this.lines.push(line);
    for (const w of [...this.waiters]) this.check(w);
  }

  check(w: Waiter): void {
    const found = this.lines.filter((l) => matches(l, w.pattern));
    if (found.length >= w.count) {
      this.waiters.delete(w);
      w.done.resolve(found);
    }
  }
}

/** Records every line like MemoryLogger, and resolves `waitFor` promises as lines arrive. */
export class LogGate implements Logger {
  constructor(
    private readonly sink = new Sink(),
    private readonly base: LogFields = {},
  ) {}

  /** Every line so far (children included). */
  get lines(): readonly CapturedLine[] {
    return this.sink.lines;
  }

  /** Lines so far that match `pattern`. */
  matching(pattern: LinePattern): CapturedLine[] {
    return this.sink.lines.filter((l) => matches(l, pattern));
  }

  /** Resolves with the matching lines once at least `count` match (including lines already logged). */
  waitFor(pattern: LinePattern, count = 1): Promise<CapturedLine[]> {
    const w: Waiter = { pattern, count, done: deferred<CapturedLine[]>() };
    this.sink.waiters.add(w);
    this.sink.check(w);
    return w.done.promise;
  }

  private push(level: CapturedLine['level'], fields: LogFields, msg: string): void {
    this.sink.add({ level, msg, fields: { ...this.base, ...fields } });
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
    return new LogGate(this.sink, { ...this.base, ...fields });
  }
}
