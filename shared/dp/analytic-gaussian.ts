/**
 * Exact (ε, δ) curve of the Gaussian mechanism (Balle & Wang 2018, "Improving the Gaussian
 * Mechanism for Differential Privacy", Thm 8). T rounds with noise multiplier σ and no
 * subsampling compose to a single Gaussian mechanism with μ = √T/σ, whose privacy loss is
 * N(μ²/2, μ²): δ(ε) = Φ(−ε/μ + μ/2) − e^ε·Φ(−ε/μ − μ/2).
 */
import { CohortError } from '../errors.js';
import { logNormalCdf } from './special.js';

/** δ(ε) of the Gaussian mechanism with sensitivity/std ratio μ. */
export function gaussianDelta(mu: number, epsilon: number): number {
  const a = logNormalCdf(-epsilon / mu + mu / 2);
  const b = epsilon + logNormalCdf(-epsilon / mu - mu / 2);
  return b >= a ? 0 : Math.exp(a) * -Math.expm1(b - a);
}

/** Smallest ε ≥ 0 with gaussianDelta(mu, ε) ≤ delta, by bisection, rounded up (never below the exact value). */
export function gaussianEpsilon(mu: number, delta: number): number {
  if (!(mu > 0) || !Number.isFinite(mu)) throw new CohortError('invalid_argument', `mu must be a finite number > 0, got ${mu}`);
  if (gaussianDelta(mu, 0) <= delta) return 0;
  let lo = 0;
  let hi = 1;
  while (gaussianDelta(mu, hi) > delta) {
    lo = hi;
    hi *= 2;
  }
  // δ(ε) is strictly decreasing; 200 halvings reach adjacent doubles, keeping hi on the safe side.
  for (let i = 0; i < 200 && hi - lo > 0; i++) {
    const mid = lo + (hi - lo) / 2;
    if (mid === lo || mid === hi) break;
    if (gaussianDelta(mu, mid) > delta) lo = mid;
    else hi = mid;
  }
  return hi;
}
