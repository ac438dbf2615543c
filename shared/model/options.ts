/**
 * Operator options for trainers (`cohort round launch --config KEY=VALUE`): free-form
 * strings the daemon passes to the site's trainer untouched, so a learning-rate schedule
 * or a model option needs no code change at the sites. Bounded, because they travel in
 * every task.
 */
import { CohortError } from '../errors.js';

/** Option names: short and plain, so they read the same in every language. */
export const OPTION_KEY = /^[A-Za-z0-9_.-]{1,64}$/;
/** Most options per round. */
export const MAX_OPTIONS = 64;
/** Longest value, in UTF-8 bytes. */
export const MAX_OPTION_VALUE_BYTES = 4096;
/** All keys and values together, in UTF-8 bytes. */
export const MAX_OPTIONS_BYTES = 16 * 1024;

/** Operator options, checked. */
export type TrainerOptions = Readonly<Record<string, string>>;

/** Check untrusted options (a plain object of strings); `where` starts every message. */
export function parseTrainerOptions(input: unknown, where = 'trainer options'): TrainerOptions {
  if (input === undefined || input === null) return {};
  if (typeof input !== 'object' || Array.isArray(input) || Object.getPrototypeOf(input) !== Object.prototype) {
    throw bad(`${where} must be an object of strings`);
  }
  const entries = Object.entries(input as Record<string, unknown>);
  if (entries.length > MAX_OPTIONS) throw bad(`${where}: ${entries.length} options, more than the limit of ${MAX_OPTIONS}`);
  const out: Record<string, string> = {};
  let total = 0;
  for (const [key, value] of entries) {
    if (!OPTION_KEY.test(key)) throw bad(`${where}: option name ${JSON.stringify(key.slice(0, 80))} must be 1 to 64 of A-Z a-z 0-9 _ . -`);
    if (typeof value !== 'string') throw bad(`${where}: option ${key} must be a string, got ${typeof value}`);
    const size = Buffer.byteLength(value, 'utf8');
    if (size > MAX_OPTION_VALUE_BYTES) throw bad(`${where}: option ${key} has ${size} bytes, more than the limit of ${MAX_OPTION_VALUE_BYTES}`);
    total += size + key.length;
    out[key] = value;
  }
  if (total > MAX_OPTIONS_BYTES) throw bad(`${where}: ${total} bytes of options, more than the limit of ${MAX_OPTIONS_BYTES}`);
  return Object.freeze(out);
}

function bad(message: string): CohortError {
  return new CohortError('invalid_argument', message);
}
