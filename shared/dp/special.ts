/**
 * Special functions for the accountants, accurate in the far tails. The accountants take
 * second differences of Gaussian tail probabilities as small as 1e-30, so `1 - erf(x)`
 * (which loses all relative precision past x ≈ 6) is not good enough: erfc is computed
 * directly, in log space.
 */

const LN2 = Math.LN2;
const HALF_LOG_PI = 0.5 * Math.log(Math.PI);
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const SQRT1_2 = Math.SQRT1_2;
/** Below this erf comes from its power series, above it erfc from its continued fraction. */
const SERIES_LIMIT = 1.5;

/** erf(x) for 0 ≤ x < SERIES_LIMIT: the all-positive series 2/√π·e^{-x²}·Σ (2x²)^n x / (2n+1)!!. */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 0; n < 200; n++) {
    term *= (2 * x2) / (2 * n + 3);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
}

/**
 * log(e^{x²}·erfc(x)·√π) for x ≥ SERIES_LIMIT via the continued fraction
 * erfc(x) = e^{-x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), evaluated by modified Lentz.
 */
function logScaledErfcCf(x: number): number {
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 500; n++) {
    const a = n / 2;
    d = x + a * d;
    d = d === 0 ? tiny : 1 / d;
    c = x + a / c;
    if (c === 0) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return -Math.log(f);
}

/** erf(x) for any finite x, with full relative precision near 0. */
export function erf(x: number): number {
  const a = Math.abs(x);
  const v = a < SERIES_LIMIT ? erfSeries(a) : 1 - Math.exp(-a * a - HALF_LOG_PI + logScaledErfcCf(a));
  return x < 0 ? -v : v;
}

/** log(erfc(x)), finite and accurate for every finite x (erfc(30) ≈ 1e-393 underflows, this does not). */
export function logErfc(x: number): number {
  if (x >= SERIES_LIMIT) return -x * x - HALF_LOG_PI + logScaledErfcCf(x);
  if (x >= 0) return Math.log1p(-erfSeries(x));
  // erfc(x) = 1 + erf(|x|) ∈ (1, 2] for x < 0.
  return Math.log1p(erf(-x));
}

/** log P(Z > x) for a standard normal Z. */
export function logNormalSf(x: number): number {
  return logErfc(x * SQRT1_2) - LN2;
}

/** log P(Z ≤ x) for a standard normal Z. */
export function logNormalCdf(x: number): number {
  return logErfc(-x * SQRT1_2) - LN2;
}

/** log(e^a + e^b) without overflow; -Infinity is the log of 0. */
export function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}
