/**
 * A trainer's stdout and stderr, line by line into the node's log, tagged with the
 * stream. Bounded whatever the trainer writes: lines are cut at `maxLineChars`, a line
 * without an end never holds more than that in memory, and beyond `linesPerSecond`
 * the rest of each second's lines are counted and reported, not logged. The stream is
 * always drained, so a chatty trainer never blocks on a full pipe.
 */
import type { Readable } from 'node:stream';
import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';

/** Output limits (see the proto's PROCESS section). */
export interface OutputLimits {
  readonly maxLineChars: number;
  readonly linesPerSecond: number;
}

/** Defaults written in the contract. */
export const DEFAULT_OUTPUT_LIMITS: OutputLimits = { maxLineChars: 2000, linesPerSecond: 200 };

/** Logs one stream of a trainer; keeps its last few lines for failure reports. */
export class TrainerOutput {
  /** The stream's last lines (at most 5), newest last. */
  readonly tail: string[] = [];
  private partial = '';
  /** True while skipping the rest of an over-long line. */
  private skipping = false;
  private windowStart = 0;
  private windowLines = 0;
  private suppressed = 0;

  constructor(
    stream: Readable,
    private readonly name: 'stdout' | 'stderr',
    private readonly log: Logger,
    private readonly clock: Clock,
    private readonly limits: OutputLimits = DEFAULT_OUTPUT_LIMITS,
    /** Called for each line counted but not logged. */
    private readonly onSuppressed: () => void = () => undefined,
  ) {
    stream.setEncoding('utf8');
    stream.on('data', (text: string) => this.push(text));
    stream.on('end', () => this.end());
    stream.on('error', () => this.end());
  }

  private push(text: string): void {
    let at = 0;
    while (at < text.length) {
      const nl = text.indexOf('\n', at);
      const piece = nl < 0 ? text.slice(at) : text.slice(at, nl);
      if (!this.skipping) {
        this.partial += piece.slice(0, this.limits.maxLineChars + 1 - this.partial.length);
        if (this.partial.length > this.limits.maxLineChars) {
          this.line(`${this.partial.slice(0, this.limits.maxLineChars)}… (line cut at ${this.limits.maxLineChars} characters)`);
          this.partial = '';
          this.skipping = true;
        }
      }
      if (nl < 0) break;
      if (!this.skipping) this.line(this.partial);
      this.partial = '';
      this.skipping = false;
      at = nl + 1;
    }
  }

  private end(): void {
    if (this.partial !== '' && !this.skipping) this.line(this.partial);
    this.partial = '';
    this.report();
  }

  private line(text: string): void {
    const line = text.endsWith('\r') ? text.slice(0, -1) : text;
    this.tail.push(line.slice(0, 300));
    if (this.tail.length > 5) this.tail.shift();
    const now = this.clock.now();
    if (now - this.windowStart >= 1000) {
      this.report();
      this.windowStart = now;
      this.windowLines = 0;
    }
    if (this.windowLines >= this.limits.linesPerSecond) {
      this.suppressed += 1;
      this.onSuppressed();
      return;
    }
    this.windowLines += 1;
    this.log.info({ stream: this.name }, line);
  }

  private report(): void {
    if (this.suppressed === 0) return;
    this.log.warn({ stream: this.name, suppressed: this.suppressed }, `trainer ${this.name}: ${this.suppressed} line(s) not logged (over ${this.limits.linesPerSecond} lines a second)`);
    this.suppressed = 0;
  }
}
