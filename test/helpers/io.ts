/** A CliIo that records output, for running CLI commands in-process. */
import { systemClock } from '../../shared/clock.js';
import type { CliIo } from '../../cli/io.js';

/** Recorded CLI output. */
export interface RecordedIo {
  readonly io: CliIo;
  out(): string;
  err(): string;
}

/** Make a recording CliIo (not a TTY, real clock, never asked to shut down unless `signal` is given). */
export function recordingIo(signal: AbortSignal = new AbortController().signal): RecordedIo {
  let out = '';
  let err = '';
  return {
    io: { out: (s) => void (out += s), err: (s) => void (err += s), isTty: false, clock: systemClock, shutdown: signal },
    out: () => out,
    err: () => err,
  };
}
