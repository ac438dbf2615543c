/** What a CLI command may touch, injected so commands are unit-testable with fakes. */
import type { Clock } from '../shared/clock.js';

/** Output sinks and ambient services for CLI commands. */
export interface CliIo {
  /** Write to standard output (results; exactly one JSON object with --json). */
  out(text: string): void;
  /** Write to standard error (human messages). */
  err(text: string): void;
  /** True when standard output is a terminal (progress bars only then). */
  readonly isTty: boolean;
  readonly clock: Clock;
  /** Resolves when the user asks the process to stop (SIGINT/SIGTERM). */
  readonly shutdown: AbortSignal;
}

/** Print `value` as the single JSON object of a `--json` command. */
export function printJson(io: CliIo, value: unknown): void {
  io.out(`${JSON.stringify(value, null, 2)}\n`);
}
