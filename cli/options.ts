/** Parsers for option values: each names the option and what is expected, and exits 2 via `usage`. */
import { CohortError } from '../shared/errors.js';

/** A bad-usage error (exit code 2) with a message that says what to do. */
export function usage(message: string): CohortError {
  return new CohortError('usage', message);
}

/** Parse a positive integer option. */
export function intOption(name: string, min = 1, max = Number.MAX_SAFE_INTEGER): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!/^-?\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw usage(`${name} must be an integer between ${min} and ${max}, got "${v}"`);
    }
    return n;
  };
}

/** Parse a finite number option in [min, max]. */
export function numberOption(name: string, min = -Infinity, max = Infinity): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
      throw usage(`${name} must be a number between ${min} and ${max}, got "${v}"`);
    }
    return n;
  };
}

/** Parse an option that must be one of `choices`. */
export function choiceOption<T extends string>(name: string, choices: readonly T[]): (v: string) => T {
  return (v) => {
    const c = choices.find((x) => x === v.trim());
    if (c === undefined) throw usage(`${name} must be one of ${choices.join(', ')}, got "${v}"`);
    return c;
  };
}

/** Parse HOST:PORT. */
export function parseHostPort(v: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(v.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) throw usage(`--coordinator must be HOST:PORT (e.g. 127.0.0.1:7443), got "${v}"`);
  return { host: (m[1] as string).replace(/^\[|\]$/g, ''), port };
}
