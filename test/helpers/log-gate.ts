/** A logger tests can wait on: "resolve once N lines like this were logged", instead of sleeping. */
import { deferred, type Deferred } from '../../shared/async.js';
import { type CapturedLine, type LogFields, type Logger, MemoryLogger } from '../../shared/logger.js';

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

  /** Called after each line is recorded. */
  arrived(): void {
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

/** Records every line with a MemoryLogger, and resolves `waitFor` promises as lines arrive. */
export class LogGate implements Logger {
  constructor(
    private readonly sink = new Sink(),
    private readonly recorder: Logger = new MemoryLogger(sink.lines),
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

  debug(fields: LogFields, msg: string): void {
    this.recorder.debug(fields, msg);
    this.sink.arrived();
  }
  info(fields: LogFields, msg: string): void {
    this.recorder.info(fields, msg);
    this.sink.arrived();
  }
  warn(fields: LogFields, msg: string): void {
    this.recorder.warn(fields, msg);
    this.sink.arrived();
  }
  error(fields: LogFields, msg: string): void {
    this.recorder.error(fields, msg);
    this.sink.arrived();
  }
  child(fields: LogFields): Logger {
    return new LogGate(this.sink, this.recorder.child(fields));
  }
}
