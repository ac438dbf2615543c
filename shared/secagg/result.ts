/** Results for protocol steps: a rejected message is a value, never a throw. */
import { CohortError, type ErrorCode } from '../errors.js';

/** Either a value or the error that refused the step. */
export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: CohortError };

/** A successful result. */
export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

/** A refused result with a closed error code and a message safe to show the peer. */
export function fail<T = never>(code: ErrorCode, message: string): Result<T> {
  return { ok: false, error: new CohortError(code, message) };
}
