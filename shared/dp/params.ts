/** Checks on accountant inputs; each failure names the parameter and the range it must be in. */
import { CohortError } from '../errors.js';

/** The parameters of T rounds of the Poisson-subsampled Gaussian mechanism. */
export interface MechanismParams {
  /** Poisson sampling rate, in (0, 1]. */
  q: number;
  /** Noise multiplier: noise std divided by the L2 sensitivity (the clip norm). */
  sigma: number;
  /** Number of rounds composed. */
  steps: number;
}

function bad(message: string): CohortError {
  return new CohortError('invalid_argument', message);
}

/** Throw `invalid_argument` unless q ∈ (0, 1]. */
export function checkSampleRate(q: number): void {
  if (typeof q !== 'number' || !(q > 0 && q <= 1)) throw bad(`sample rate q must be in (0, 1], got ${String(q)}`);
}

/** Throw `invalid_argument` unless sigma is finite and > 0. */
export function checkNoiseMultiplier(sigma: number): void {
  if (typeof sigma !== 'number' || !Number.isFinite(sigma) || !(sigma > 0)) {
    throw bad(`noise multiplier sigma must be a finite number > 0, got ${String(sigma)}`);
  }
}

/** Throw `invalid_argument` unless steps is a safe integer ≥ 1. */
export function checkSteps(steps: number): void {
  if (!Number.isSafeInteger(steps) || steps < 1) throw bad(`steps must be an integer ≥ 1, got ${String(steps)}`);
}

/** Throw `invalid_argument` unless delta ∈ (0, 1). */
export function checkDelta(delta: number): void {
  if (typeof delta !== 'number' || !(delta > 0 && delta < 1)) throw bad(`delta must be in (0, 1), got ${String(delta)}`);
}

/** Check q, sigma and steps together. */
export function checkMechanism(p: MechanismParams): void {
  checkSampleRate(p.q);
  checkNoiseMultiplier(p.sigma);
  checkSteps(p.steps);
}
