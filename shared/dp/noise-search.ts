/**
 * Inverse accountant: the smallest noise multiplier σ whose ε after T rounds is at most a
 * target. ε(σ) falls monotonically with σ, so the search brackets the answer by doubling
 * or halving and then narrows the bracket (bisection sped up by regula falsi), always keeping
 * an upper end that meets the target.
 */
import { CohortError } from '../errors.js';
import { checkDelta, checkSampleRate, checkSteps } from './params.js';
import { epsilonPld } from './pld.js';
import { epsilonRdp } from './rdp.js';

/** Which accountant to use. */
export type AccountantName = 'rdp' | 'pld';

/** Noise multipliers are returned rounded up to a multiple of this. */
export const NOISE_PRECISION = 1e-4;
/** Search range for σ: outside it a target is reported as unreachable. */
export const MIN_NOISE_MULTIPLIER = 0.01;
export const MAX_NOISE_MULTIPLIER = 1e5;

/** ε after `steps` rounds with the named accountant. */
export function epsilonFor(accountant: AccountantName, p: { q: number; sigma: number; steps: number; delta: number }): number {
  return accountant === 'rdp' ? epsilonRdp(p).epsilon : epsilonPld(p).epsilon;
}

/** Answer of the inverse accountant. */
export interface NoiseResult {
  /** Smallest σ meeting the target, rounded up to a multiple of NOISE_PRECISION. */
  noiseMultiplier: number;
  /** The ε that σ actually gives (≤ the target). */
  epsilon: number;
}

/** Smallest noise multiplier with ε(σ) ≤ targetEpsilon, rounded up to NOISE_PRECISION; throws when unreachable. */
export function noiseForEpsilon(p: { targetEpsilon: number; q: number; steps: number; delta: number; accountant?: AccountantName }): NoiseResult {
  const { targetEpsilon, q, steps, delta } = p;
  const accountant = p.accountant ?? 'rdp';
  if (typeof targetEpsilon !== 'number' || !Number.isFinite(targetEpsilon) || !(targetEpsilon > 0)) {
    throw new CohortError('invalid_argument', `target epsilon must be a finite number > 0, got ${String(targetEpsilon)}`);
  }
  if (accountant !== 'rdp' && accountant !== 'pld') throw new CohortError('invalid_argument', `accountant must be rdp or pld, got ${String(accountant)}`);
  checkSampleRate(q);
  checkSteps(steps);
  checkDelta(delta);
  const eps = (sigma: number): number => epsilonFor(accountant, { q, sigma, steps, delta });
  const meets = (sigma: number): boolean => eps(sigma) <= targetEpsilon;

  // PLD queries are costly; the RDP answer (PLD is at least as tight) is a good first upper end.
  let hi = accountant === 'pld' ? noiseForEpsilon({ ...p, accountant: 'rdp' }).noiseMultiplier : 1;
  let lo: number;
  // Below the RDP answer the PLD one is usually within 15%; step down gently to avoid costly small-σ queries.
  const down = accountant === 'pld' ? 0.85 : 0.5;
  if (meets(hi)) {
    for (;;) {
      lo = Math.max(hi * down, MIN_NOISE_MULTIPLIER);
      if (!meets(lo)) break;
      if (lo === MIN_NOISE_MULTIPLIER) {
        throw new CohortError(
          'invalid_argument',
          `target epsilon ${targetEpsilon} is met by every noise multiplier ≥ ${MIN_NOISE_MULTIPLIER}; it bounds nothing useful at q=${q}, steps=${steps}, delta=${delta}`,
        );
      }
      hi = lo;
    }
  } else {
    for (;;) {
      lo = hi;
      hi = Math.min(hi * 2, MAX_NOISE_MULTIPLIER);
      if (meets(hi)) break;
      if (hi === MAX_NOISE_MULTIPLIER) {
        throw new CohortError(
          'invalid_argument',
          `target epsilon ${targetEpsilon} is unreachable: it would need a noise multiplier above ${MAX_NOISE_MULTIPLIER} at q=${q}, steps=${steps}, delta=${delta}`,
        );
      }
    }
  }
  // Invariant: eps(lo) > target ≥ eps(hi). Regula falsi with the Illinois fix on
  // g = log ε − log target (close to linear in σ) cuts the number of costly ε evaluations;
  // every third step is a plain bisection, so the bracket at least halves that often.
  const g = (sigma: number): number => Math.log(Math.max(eps(sigma), Number.MIN_VALUE)) - Math.log(targetEpsilon);
  let gLo = g(lo);
  let gHi = g(hi);
  let lastSide = 0;
  for (let step = 0; hi - lo > NOISE_PRECISION / 2; step++) {
    let x = (lo + hi) / 2;
    if (step % 3 !== 2 && gLo > gHi) {
      const secant = hi - (gHi * (hi - lo)) / (gHi - gLo);
      x = Math.min(hi - NOISE_PRECISION / 4, Math.max(lo + NOISE_PRECISION / 4, secant));
    }
    const gx = g(x);
    if (gx <= 0) {
      hi = x;
      gHi = gx;
      if (lastSide === -1) gLo /= 2;
      lastSide = -1;
    } else {
      lo = x;
      gLo = gx;
      if (lastSide === 1) gHi /= 2;
      lastSide = 1;
    }
  }
  // Integer multiples divided by the integer scale print as short decimals (1.5132, not 1.5132000000000001).
  const scale = Math.round(1 / NOISE_PRECISION);
  let units = Math.ceil(hi * scale);
  let achieved = eps(units / scale);
  // Guard against the rounding landing a hair below hi (or a non-monotone PLD grid effect).
  while (achieved > targetEpsilon) {
    units += 1;
    achieved = eps(units / scale);
  }
  const sigma = units / scale;
  return { noiseMultiplier: sigma, epsilon: achieved };
}
