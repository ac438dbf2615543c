/**
 * Rényi-DP accountant for the Poisson-subsampled Gaussian mechanism.
 *
 * RDP at order α is log(A_α)/(α−1) with A_α = E_{z∼N(0,σ²)}[((1−q) + q·e^{(2z−1)/(2σ²)})^α]
 * (Mironov, Talwar, Zhang 2019, "Rényi Differential Privacy of the Sampled Gaussian
 * Mechanism", §3.3): a finite binomial sum for integer α, and for fractional α two
 * alternating binomial series split at the point z₀ where (1−q)·N(0,σ²) = q·N(1,σ²).
 * Everything is summed in log space so that α = 1024 and q = 1e-6 neither overflow nor
 * round A_α − 1 away.
 */
import { CohortError } from '../errors.js';
import { logAddExp, logErfc } from './special.js';
import { checkDelta, checkMechanism } from './params.js';

/** The default orders: 1.1..10.9 step 0.1, 11..63, 128, 256, 512, 1024 (as in current reference accountants). */
export const DEFAULT_ORDERS: readonly number[] = Object.freeze([
  ...Array.from({ length: 99 }, (_, i) => (i + 11) / 10),
  ...Array.from({ length: 53 }, (_, i) => i + 11),
  128,
  256,
  512,
  1024,
]);

/** Sum of exponentials kept as s·e^m so that terms spanning 600 orders of magnitude add safely. */
class LogSum {
  private m = -Infinity;
  private s = 0;

  add(logTerm: number): void {
    if (logTerm === -Infinity) return;
    if (logTerm > this.m) {
      this.s = this.s * Math.exp(this.m - logTerm) + 1;
      this.m = logTerm;
    } else {
      this.s += Math.exp(logTerm - this.m);
    }
  }

  /** log of the sum (−Infinity when empty). */
  log(): number {
    return this.s === 0 ? -Infinity : this.m + Math.log(this.s);
  }
}

/** log A_α for integer α ≥ 2: Σ_k C(α,k)(1−q)^{α−k} q^k e^{(k²−k)/(2σ²)}. */
function logAInteger(q: number, sigma: number, alpha: number): number {
  const logQ = Math.log(q);
  const log1mQ = Math.log1p(-q);
  const inv2s2 = 1 / (2 * sigma * sigma);
  const sum = new LogSum();
  let logBinom = 0;
  for (let k = 0; k <= alpha; k++) {
    sum.add(logBinom + (alpha - k) * log1mQ + k * logQ + (k * k - k) * inv2s2);
    logBinom += Math.log((alpha - k) / (k + 1));
  }
  return sum.log();
}

/** Relative truncation error accepted on A_α − 1 in the fractional series. */
const SERIES_REL_TOL = 1e-6;
/** Absolute floor on a term below which the fractional series stops regardless (e^-80 ≈ 2e-35). */
const SERIES_LOG_FLOOR = -80;
/**
 * Terms summed before giving up on the fractional series. Near q = 1/2 with a large σ the
 * second series decays only polynomially (about σ·k^(−α−2)), so at σ = 2·10⁴ it needs more
 * than 10⁷ terms; past this cap the order's RDP is bounded by the next integer order instead.
 */
const SERIES_MAX_TERMS = 20_000;

/**
 * log A_α for fractional α > 1 (MTZ 2019 §3.3). Term k of the first series is
 * C(α,k)(1−q)^{α−k}q^k e^{(k²−k)/(2σ²)}·P(N(k,σ²) ≤ z₀); of the second, with j = α−k,
 * C(α,k)q^j(1−q)^k e^{(j²−j)/(2σ²)}·P(N(j,σ²) > z₀). For k > α the binomial coefficients
 * alternate in sign and both series decrease in magnitude, so the truncation error is
 * below the first omitted terms — which are added to the result to keep it an upper bound.
 */
function logAFractional(q: number, sigma: number, alpha: number): number | undefined {
  const logQ = Math.log(q);
  const log1mQ = Math.log1p(-q);
  const inv2s2 = 1 / (2 * sigma * sigma);
  const z0 = sigma * sigma * (Math.log(1 / q - 1)) + 0.5;
  const invSqrt2Sigma = 1 / (Math.SQRT2 * sigma);
  const pos = new LogSum();
  const neg = new LogSum();
  let logCoef = 0;
  let coefSign = 1;
  for (let k = 0; k < SERIES_MAX_TERMS; k++) {
    const j = alpha - k;
    const s0 = logCoef + k * logQ + j * log1mQ + (k * k - k) * inv2s2 + logErfc((k - z0) * invSqrt2Sigma) - Math.LN2;
    const s1 = logCoef + j * logQ + k * log1mQ + (j * j - j) * inv2s2 + logErfc((z0 - j) * invSqrt2Sigma) - Math.LN2;
    const acc = coefSign > 0 ? pos : neg;
    acc.add(s0);
    acc.add(s1);
    const termMax = Math.max(s0, s1);
    // Until the positive part dominates, A − 1 is lost in rounding: keep summing.
    if (k > alpha && pos.log() > neg.log()) {
      const logA = logSub(pos.log(), neg.log());
      // log|A − 1|, computed without cancellation from log A.
      const logAm1 = logA > 0 ? logA + Math.log(-Math.expm1(-logA)) : Math.log(-Math.expm1(logA));
      if (termMax < SERIES_LOG_FLOOR || termMax < logAm1 + Math.log(SERIES_REL_TOL)) {
        // The next terms bound the remainder of each alternating tail; add both (upper bound).
        const nextLogCoef = logCoef + Math.log(Math.abs((alpha - k) / (k + 1)));
        return logAddExp(logA, nextLogCoef - logCoef + termMax + Math.LN2);
      }
    }
    const ratio = (alpha - k) / (k + 1);
    if (ratio === 0) return logSub(pos.log(), neg.log());
    if (ratio < 0) coefSign = -coefSign;
    logCoef += Math.log(Math.abs(ratio));
  }
  return undefined;
}

/** log(e^a − e^b) for a ≥ b. */
function logSub(a: number, b: number): number {
  if (b === -Infinity) return a;
  if (b >= a) throw new CohortError('internal', 'RDP series sum is not positive');
  return a + Math.log(-Math.expm1(b - a));
}

/**
 * RDP of one step of the Poisson-subsampled Gaussian at order α. When the fractional series
 * does not settle within SERIES_MAX_TERMS, the RDP at ⌈α⌉ is returned: Rényi divergence does
 * not decrease with the order (van Erven & Harremoës 2014, Thm 3), so it is an upper bound.
 */
function rdpOneStep(q: number, sigma: number, alpha: number): number {
  if (q === 1) return alpha / (2 * sigma * sigma);
  if (Number.isInteger(alpha)) return Math.max(0, logAInteger(q, sigma, alpha)) / (alpha - 1);
  const logA = logAFractional(q, sigma, alpha);
  if (logA === undefined) return rdpOneStep(q, sigma, Math.ceil(alpha));
  return Math.max(0, logA) / (alpha - 1);
}

function checkOrders(orders: readonly number[]): void {
  if (orders.length === 0) throw new CohortError('invalid_argument', 'orders must not be empty');
  for (const a of orders) {
    if (!Number.isFinite(a) || !(a > 1)) throw new CohortError('invalid_argument', `every order must be a finite number > 1, got ${a}`);
  }
}

/** RDP of `steps` compositions of the q-subsampled Gaussian with noise multiplier sigma, at each order. */
export function computeRdp(q: number, sigma: number, steps: number, orders: readonly number[] = DEFAULT_ORDERS): number[] {
  checkMechanism({ q, sigma, steps });
  checkOrders(orders);
  return orders.map((alpha) => steps * rdpOneStep(q, sigma, alpha));
}

/** An (ε, δ) guarantee obtained from RDP, with the order that gave it. */
export interface RdpEpsilon {
  epsilon: number;
  order: number;
}

/**
 * Smallest ε over the orders by the improved RDP→(ε, δ) conversion
 * ε = rdp + log((α−1)/α) − (log δ + log α)/(α−1) (Balle et al. 2020, Thm 21; Canonne,
 * Kamath, Steinke 2020, Prop 12). An order whose RDP is below −log(1−δ²) gives ε = 0, since
 * then the KL divergence alone bounds the total-variation distance by δ (Bretagnolle–Huber).
 * Orders ≤ 1.01 are skipped: the bound is numerically unstable as α → 1.
 */
export function rdpToEpsilon(orders: readonly number[], rdp: readonly number[], delta: number): RdpEpsilon {
  checkDelta(delta);
  checkOrders(orders);
  if (rdp.length !== orders.length) throw new CohortError('invalid_argument', 'orders and rdp must have the same length');
  let best: RdpEpsilon = { epsilon: Infinity, order: orders[0] as number };
  for (let i = 0; i < orders.length; i++) {
    const a = orders[i] as number;
    const r = rdp[i] as number;
    if (Number.isNaN(r) || r < 0) throw new CohortError('invalid_argument', `rdp must be ≥ 0, got ${r} at order ${a}`);
    let eps: number;
    if (delta * delta + Math.expm1(-r) > 0) eps = 0;
    else if (a > 1.01) eps = r + Math.log1p(-1 / a) - Math.log(delta * a) / (a - 1);
    else eps = Infinity;
    if (eps < best.epsilon) best = { epsilon: eps, order: a };
  }
  return { epsilon: Math.max(0, best.epsilon), order: best.order };
}

/** Accountant query: (ε, δ) after `steps` rounds, by RDP with the default orders. */
export function epsilonRdp(p: { q: number; sigma: number; steps: number; delta: number; orders?: readonly number[] }): RdpEpsilon {
  checkDelta(p.delta);
  const orders = p.orders ?? DEFAULT_ORDERS;
  return rdpToEpsilon(orders, computeRdp(p.q, p.sigma, p.steps, orders), p.delta);
}
