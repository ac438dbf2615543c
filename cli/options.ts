/** Parsers for option values: each names the option and what is expected, and exits 2 via `usage`. */
import { CohortError } from '../shared/errors.js';

/** A bad-usage error (exit code 2) with a message that says what to do. */
export function usage(message: string): CohortError {
  return new CohortError('usage', message);
}

/** A plain decimal number: optional sign, digits with an optional fraction, optional exponent. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * The number a plain decimal string denotes, or undefined. `Number()` alone also accepts
 * hex, octal and binary ("0x10" is 16), "Infinity" and the empty string (0).
 */
export function parseDecimal(v: string): number | undefined {
  const t = v.trim();
  if (!DECIMAL.test(t)) return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

/** Parse a positive integer option. */
export function intOption(name: string, min = 1, max = Number.MAX_SAFE_INTEGER): (v: string) => number {
  return (v) => {
    const n = parseDecimal(v);
    if (n === undefined || !/^[+-]?\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw usage(`${name} must be an integer between ${min} and ${max}, got "${v}"`);
    }
    return n;
  };
}

/** Parse a finite decimal number option in [min, max]. */
export function numberOption(name: string, min = -Infinity, max = Infinity): (v: string) => number {
  return (v) => {
    const n = parseDecimal(v);
    if (n === undefined || n < min || n > max) {
      throw usage(`${name} must be a number between ${min} and ${max}, got "${v}"`);
    }
    return n;
  };
}

/** Parse HOST:PORT. */
export function parseHostPort(v: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(v.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) throw usage(`--coordinator must be HOST:PORT (e.g. 127.0.0.1:7443), got "${v}"`);
  return { host: (m[1] as string).replace(/^\[|\]$/g, ''), port };
}
