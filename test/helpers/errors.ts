/** Matchers for the errors Cohort throws. */
import assert from 'node:assert/strict';
import { CohortError, type ErrorCode } from '../../shared/errors.js';

/** An assert.throws / assert.rejects matcher for a CohortError with `code` whose message matches every pattern. */
export function coded(code: ErrorCode, ...patterns: RegExp[]): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof CohortError, `not a CohortError: ${String(err)}`);
    assert.equal(err.code, code, err.message);
    for (const p of patterns) assert.match(err.message, p);
    return true;
  };
}
