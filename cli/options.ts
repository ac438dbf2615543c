/** Parsers for option values: each names the option and what is expected, and exits 2 via `usage`. */
import { CohortError } from '../shared/errors.js';

/** A bad-usage error (exit code 2) with a message that says what to do. */
export function usage(message: string): CohortError {
  return new CohortError('usage', message);
}

/** A number as a person writes it: 1,000,000 and 0.001, never 1e+6 or 5e-324. */
function plain(n: number): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: 20 });
}

/**
 * What an option accepts, in words: "a positive number up to 1,000,000", "a whole number
 * from 1 to 64". `min` Number.MIN_VALUE stands for "greater than 0".
 */
export function describeRange(min: number, max: number, integer: boolean): string {
  const noun = integer ? 'whole number' : 'number';
  const positive = min === Number.MIN_VALUE || (integer && min === 1);
  const unbounded = max === Infinity || (integer && max === Number.MAX_SAFE_INTEGER);
  if (positive) return unbounded ? `a positive ${noun}` : `a positive ${noun} up to ${plain(max)}`;
  if (min === -Infinity) return unbounded ? `a ${noun}` : `a ${noun} up to ${plain(max)}`;
  if (unbounded) return min === 0 ? `a ${noun}, 0 or more` : `a ${noun} of at least ${plain(min)}`;
  return `a ${noun} from ${plain(min)} to ${plain(max)}`;
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

/** Parse an integer option in [min, max]. */
export function intOption(name: string, min = 1, max = Number.MAX_SAFE_INTEGER): (v: string) => number {
  return (v) => {
    const n = parseDecimal(v);
    if (n === undefined || !/^[+-]?\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw usage(`${name} must be ${describeRange(min, max, true)}, got "${v}"`);
    }
    return n;
  };
}

/** Parse a finite decimal number option in [min, max] (min Number.MIN_VALUE: greater than 0). */
export function numberOption(name: string, min = -Infinity, max = Infinity): (v: string) => number {
  return (v) => {
    const n = parseDecimal(v);
    if (n === undefined || n < min || n > max) {
      throw usage(`${name} must be ${describeRange(min, max, false)}, got "${v}"`);
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
