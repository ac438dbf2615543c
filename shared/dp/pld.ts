/**
 * Privacy-loss-distribution (PLD) accountant for the Poisson-subsampled Gaussian mechanism,
 * add/remove neighbouring relation.
 *
 * One step is discretised pessimistically with "connect the dots" (Doroshenko, Ghazi,
 * Kamath, Kumar, Manurangsi 2022): probability mass is placed on the grid ε_i = i·Δ so that
 * the discrete PLD's hockey-stick curve δ(ε) equals the exact one at every grid point and,
 * because the exact curve is convex in e^ε, lies above it in between. A PLD that dominates
 * in this sense still dominates after composition, so the composed ε is an upper bound.
 * Unlike rounding each loss up to the grid (privacy buckets), this does not shift the mean
 * loss by Δ/2 per step, which over 10⁴ steps would add ~0.5 to ε at Δ = 1e-4.
 *
 * T-fold composition raises the discrete Fourier transform to the T-th power (one forward
 * and one inverse radix-2 FFT for both directions together). The FFT window is chosen from
 * Chernoff bounds on the composed loss; mass above the window is added to δ (never dropped),
 * mass below it wraps onto higher losses, which can only increase δ.
 */
import { CohortError } from '../errors.js';
import { gaussianEpsilon } from './analytic-gaussian.js';
import { Fft } from './fft.js';
import { logNormalCdf, logNormalSf } from './special.js';
import { checkDelta, checkMechanism } from './params.js';

/** Default discretisation interval of the loss grid. */
export const DEFAULT_PLD_INTERVAL = 1e-4;
/** Single-step mass left beyond each end of the loss grid (upper tail goes to the +∞ atom). */
const SINGLE_TAIL = 1e-20;
/** Bound on the composed mass above the FFT window; it is added to δ. */
const COMPOSED_TAIL = 1e-15;
/** Largest single-step grid and FFT; past these the interval is doubled (still pessimistic). */
const MAX_GRID = 1 << 21;
const MAX_FFT = 1 << 20;
/** Most steps the PLD accountant composes (see epsilonPldDiscretised). */
export const MAX_PLD_STEPS = 1e9;
/** Bins of the coarse grid used to estimate the composed window before the real discretisation. */
const PROBE_GRID = 1 << 14;

/** Exact single-step hockey-stick divergence δ(ε) = sup_S P(S) − e^ε Q(S) of one direction. */
type HockeyStick = (eps: number) => number;

/**
 * log((e^u − 1 + q)/q), the threshold ratio r of both curves: exactly u when q = 1 (where
 * expm1(u) + 1 would lose e^u for u < −37), and without overflowing e^u for large u.
 */
function logThresholdRatio(u: number, q: number): number {
  if (q === 1) return u;
  return u > 1 ? u + Math.log1p(-(1 - q) * Math.exp(-u)) - Math.log(q) : Math.log((Math.expm1(u) + q) / q);
}

/**
 * Remove direction: P = (1−q)N(0,σ²) + qN(1,σ²), Q = N(0,σ²). The loss log(p/q)(x) grows with
 * x; above the threshold x' = σ²·log r + 1/2, r = (e^ε − 1 + q)/q, δ = q·[Φ̄((x'−1)/σ) − r·Φ̄(x'/σ)].
 */
function removeCurve(q: number, sigma: number): HockeyStick {
  const minLoss = q < 1 ? Math.log1p(-q) : -Infinity;
  return (eps) => {
    if (eps <= minLoss) return -Math.expm1(eps);
    const logR = logThresholdRatio(eps, q);
    const x = sigma * sigma * logR + 0.5;
    const a = logNormalSf((x - 1) / sigma);
    const b = logR + logNormalSf(x / sigma);
    return b >= a ? 0 : q * Math.exp(a) * -Math.expm1(b - a);
  };
}

/**
 * Add direction: P = N(0,σ²), Q = (1−q)N(0,σ²) + qN(1,σ²). The loss falls with x and is at
 * most −log(1−q); below x' = σ²·log r + 1/2, r = (e^{−ε} − 1 + q)/q, δ = e^ε q·[r·Φ(x'/σ) − Φ((x'−1)/σ)].
 */
function addCurve(q: number, sigma: number): HockeyStick {
  const maxLoss = q < 1 ? -Math.log1p(-q) : Infinity;
  return (eps) => {
    if (eps >= maxLoss) return 0;
    const logR = logThresholdRatio(-eps, q);
    const x = sigma * sigma * logR + 0.5;
    const a = logR + logNormalCdf(x / sigma);
    const b = logNormalCdf((x - 1) / sigma);
    return b >= a ? 0 : Math.exp(eps + Math.log(q) + a) * -Math.expm1(b - a);
  };
}

/** A discrete PLD: mass `masses[k]` at loss (offset + k)·interval, plus an atom at +∞. */
interface DiscretePld {
  offset: number;
  interval: number;
  masses: Float64Array;
  infMass: number;
}

/** Real-valued loss range outside which one step's curve is within SINGLE_TAIL of trivial. */
interface LossRange {
  lo: number;
  hi: number;
}

/** Smallest x ≥ start (searching upwards by doubling, then bisecting) with pred(x) true. */
function searchUp(pred: (x: number) => boolean, start: number, cap: number): number {
  let lo = 0;
  let hi = start;
  while (!pred(hi)) {
    lo = hi;
    hi *= 2;
    if (hi > cap) throw new CohortError('invalid_argument', 'privacy loss range too wide: noise multiplier too small for the PLD accountant');
  }
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (pred(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * Loss range of one direction. Above `hi` the curve is below SINGLE_TAIL (that mass becomes the
 * +∞ atom); below `lo` the excess e^ε·δ_other(−ε) = δ(ε) − (1 − e^ε) is below SINGLE_TAIL.
 */
function lossRange(self: HockeyStick, other: HockeyStick): LossRange {
  const cap = 1e6;
  const hi = searchUp((x) => self(x) <= SINGLE_TAIL, 1, cap);
  const lo = -searchUp((x) => Math.exp(-x) * other(x) <= SINGLE_TAIL, 1, cap);
  return { lo, hi };
}

/**
 * Connect-the-dots masses on the grid i·Δ, i ∈ [⌊lo/Δ⌋, ⌈hi/Δ⌉]. With t = e^ε and chord slopes
 * s of δ(t), the mass at grid point i is t_i·(s_right − s_left); the atom at +∞ is δ(t_max);
 * left of the grid the chord runs to the point (t = 0, δ = 1). Since t_{i+1} − t_i = t_i(e^Δ − 1),
 * t_i·(s_right − s_left) = [(f_{i+1} − f_i) − e^Δ(f_i − f_{i−1})]/(e^Δ − 1), which never forms e^ε
 * (it overflows past ε ≈ 709). Differences are taken of δ for ε ≥ 0 and of the excess
 * δ − (1 − t) for ε < 0 (the same second differences, without cancellation against 1 − t).
 */
function discretise(self: HockeyStick, other: HockeyStick, range: LossRange, interval: number): DiscretePld {
  const iLo = Math.min(-1, Math.floor(range.lo / interval));
  const iHi = Math.max(1, Math.ceil(range.hi / interval));
  const n = iHi - iLo + 1;
  const f = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const eps = (iLo + k) * interval;
    f[k] = eps < 0 ? Math.exp(eps) * other(-eps) : self(eps);
  }
  const dt = Math.expm1(interval);
  const growth = Math.exp(interval);
  /** Value of grid point k in the representation of point `repOf` (δ for ε ≥ 0, excess for ε < 0). */
  const valueIn = (k: number, repOf: number): number => {
    const v = f[k] as number;
    const kExcess = iLo + k < 0;
    const wantExcess = iLo + repOf < 0;
    if (kExcess === wantExcess) return v;
    const expm1Eps = Math.expm1((iLo + k) * interval);
    return kExcess ? v - expm1Eps : v + expm1Eps;
  };
  const masses = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const fk = f[k] as number;
    // t_k times the chord slopes right and left of point k (left of the grid: chord to (0, 1), excess 0).
    const right = k === n - 1 ? 0 : (valueIn(k + 1, k) - fk) / dt;
    const left = k === 0 ? fk : (growth * (fk - valueIn(k - 1, k))) / dt;
    masses[k] = Math.max(0, right - left);
  }
  return { offset: iLo, interval, masses, infMass: f[n - 1] as number };
}

/** The support of a discrete PLD as (grid index, log mass) pairs, with the index variance. */
interface Support {
  index: Float64Array;
  logMass: Float64Array;
  variance: number;
}

function support(pld: DiscretePld): Support {
  let count = 0;
  for (const m of pld.masses) if (m > 0) count++;
  const index = new Float64Array(count);
  const logMass = new Float64Array(count);
  let total = 0;
  let mean = 0;
  let second = 0;
  let j = 0;
  for (let k = 0; k < pld.masses.length; k++) {
    const m = pld.masses[k] as number;
    if (m > 0) {
      // Moments relative to the grid origin stay small: |offset + k| is at most a few million.
      const i = pld.offset + k;
      index[j] = i;
      logMass[j++] = Math.log(m);
      total += m;
      mean += m * i;
      second += m * i * i;
    }
  }
  mean /= total;
  return { index, logMass, variance: Math.max(second / total - mean * mean, 1e-12) };
}

/** K(λ) = log Σ_k m_k e^{λ·k} over the finite masses (k the grid index). */
function logMgf(s: Support, lambda: number): number {
  let max = -Infinity;
  for (let j = 0; j < s.index.length; j++) {
    const v = (s.logMass[j] as number) + lambda * (s.index[j] as number);
    if (v > max) max = v;
  }
  let sum = 0;
  for (let j = 0; j < s.index.length; j++) sum += Math.exp((s.logMass[j] as number) + lambda * (s.index[j] as number) - max);
  return max + Math.log(sum);
}

/**
 * Chernoff bound on the grid index of the T-fold sum: P(S ≥ u) ≤ exp(T·K(λ) − λu) for λ > 0.
 * `dir` = +1 gives the smallest such u with bound COMPOSED_TAIL, −1 the largest lower bound.
 * u(λ) = (T·K(λ) − log τ)/λ is quasi-convex in λ (K is convex and u(λ) ≤ a ⟺ T·K(λ) − log τ − aλ ≤ 0,
 * a convex condition), so a golden-section search on log λ finds its minimum; it starts from
 * the Gaussian approximation λ ≈ √(2·log(1/τ)/(T·Var)). Any λ gives a valid bound.
 */
function chernoffIndex(s: Support, steps: number, dir: 1 | -1): { index: number; logTail: number } {
  const logTau = Math.log(COMPOSED_TAIL);
  const guess = Math.sqrt((2 * -logTau) / (steps * s.variance));
  const bound = (logLambda: number): number => {
    const lambda = Math.exp(logLambda);
    return (steps * logMgf(s, dir * lambda) - logTau) / lambda;
  };
  const golden = (Math.sqrt(5) - 1) / 2;
  let a = Math.log(guess) - 10;
  let b = Math.log(guess) + 10;
  let c = b - golden * (b - a);
  let d = a + golden * (b - a);
  let fc = bound(c);
  let fd = bound(d);
  for (let i = 0; i < 40 && b - a > 0.05; i++) {
    if (fc <= fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - golden * (b - a);
      fc = bound(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + golden * (b - a);
      fd = bound(d);
    }
  }
  const logLambda = fc <= fd ? c : d;
  const lambda = Math.exp(logLambda);
  const index = dir * Math.ceil(Math.min(fc, fd));
  // The bound achieved at the rounded index (≤ COMPOSED_TAIL).
  const logTail = steps * logMgf(s, dir * lambda) - lambda * dir * index;
  return { index, logTail };
}

/** Smallest power of two ≥ n. */
function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** Composed PLD on the window of grid indices [lower, lower + masses.length). */
interface ComposedPld {
  lower: number;
  interval: number;
  masses: Float64Array;
  infMass: number;
}

/** Number of FFT bins the T-fold composition of `pld` needs. */
function windowSize(pld: DiscretePld, steps: number): { lower: number; upper: number; logTail: number } {
  const sup = support(pld);
  const up = chernoffIndex(sup, steps, 1);
  const low = chernoffIndex(sup, steps, -1);
  const maxIndex = steps * (pld.offset + pld.masses.length - 1);
  const minIndex = steps * pld.offset;
  const upper = Math.min(up.index, maxIndex);
  const lower = Math.max(low.index, minIndex);
  return { lower, upper, logTail: upper === maxIndex ? -Infinity : up.logTail };
}

/** z^T for a complex z = x + iy with |z| ≤ 1, in polar form; powers that underflow are 0, as a direct product would be. */
function complexPow(x: number, y: number, steps: number, out: Float64Array): void {
  const logRT = 0.5 * steps * Math.log(x * x + y * y);
  if (logRT < -745) {
    out[0] = 0;
    out[1] = 0;
    return;
  }
  const rT = Math.exp(logRT);
  const theta = steps * Math.atan2(y, x);
  out[0] = rT * Math.cos(theta);
  out[1] = rT * Math.sin(theta);
}

/** A discretised direction with the window its composition needs. */
interface Prepared {
  pld: DiscretePld;
  window: { lower: number; upper: number; logTail: number };
}

/** Add the masses into `out` modulo its length: the cyclic convolution of folded arrays is the fold of the linear one. */
function fold(masses: Float64Array, out: Float64Array): void {
  const n = out.length;
  for (let k = 0; k < masses.length; k++) out[k % n] = (out[k % n] as number) + (masses[k] as number);
}

/** Read the composed masses of one direction out of the cyclic result, in window order. */
function unfold(cyclic: Float64Array, p: Prepared, steps: number): ComposedPld {
  const size = cyclic.length;
  const masses = new Float64Array(size);
  // Position j holds the mass of grid index steps·offset + j (mod size).
  const base = steps * p.pld.offset;
  for (let s = 0; s < size; s++) {
    const j = (((p.window.lower + s - base) % size) + size) % size;
    masses[s] = Math.max(0, cyclic[j] as number);
  }
  const infMass = -Math.expm1(steps * Math.log1p(-p.pld.infMass)) + Math.exp(p.window.logTail);
  return { lower: p.window.lower, interval: p.pld.interval, masses, infMass };
}

/**
 * T-fold self-composition of both directions with one forward and one inverse FFT: the two
 * real mass vectors ride as the real and imaginary parts of one complex vector, are separated
 * in the frequency domain by Hermitian symmetry (X_k = (Z_k + conj Z_{N−k})/2,
 * Y_k = (Z_k − conj Z_{N−k})/2i), each raised to the T-th power, and recombined as X^T + iY^T.
 */
function composePair(a: Prepared, b: Prepared, steps: number): [ComposedPld, ComposedPld] {
  const size = nextPow2(Math.max(a.window.upper - a.window.lower + 1, b.window.upper - b.window.lower + 1));
  const fft = new Fft(size);
  const re = new Float64Array(size);
  const im = new Float64Array(size);
  fold(a.pld.masses, re);
  fold(b.pld.masses, im);
  fft.forward(re, im);
  const p = new Float64Array(2);
  const q = new Float64Array(2);
  for (let k = 0; k <= size >> 1; k++) {
    const m = (size - k) % size;
    const zr = re[k] as number;
    const zi = im[k] as number;
    const wr = re[m] as number;
    const wi = im[m] as number;
    complexPow((zr + wr) / 2, (zi - wi) / 2, steps, p);
    complexPow((zi + wi) / 2, (wr - zr) / 2, steps, q);
    const p0 = p[0] as number;
    const p1 = p[1] as number;
    const q0 = q[0] as number;
    const q1 = q[1] as number;
    re[k] = p0 - q1;
    im[k] = p1 + q0;
    if (m !== k) {
      re[m] = p0 + q1;
      im[m] = q0 - p1;
    }
  }
  fft.inverse(re, im);
  return [unfold(re, a, steps), unfold(im, b, steps)];
}

/**
 * Smallest ε ≥ 0 with δ(ε) = infMass + Σ_{l>ε} m_l(1 − e^{ε−l}) ≤ delta, scanning the grid from
 * the top; between grid points δ(ε) is explicit, so the crossing is solved exactly.
 */
function epsilonForDelta(pld: ComposedPld, delta: number): number {
  if (pld.infMass >= delta) return Infinity;
  const m = pld.masses;
  const shrink = Math.exp(-pld.interval);
  let above = 0; // Σ m_k for k ≥ i
  let scaled = 0; // Σ m_k e^{-(l_k − l_i)} for k ≥ i
  for (let i = m.length - 1; i >= 0; i--) {
    above += m[i] as number;
    scaled = scaled * shrink + (m[i] as number);
    const excess = pld.infMass + above - delta;
    // δ just below l_i is excess + delta − e^{−Δ}·scaled; the crossing is in [l_{i−1}, l_i) when that exceeds delta.
    if (excess > shrink * scaled || i === 0) {
      if (excess <= 0 || scaled <= 0) return 0;
      const li = (pld.lower + i) * pld.interval;
      return Math.max(0, li + Math.log(excess / scaled));
    }
  }
  return 0;
}

/** Result of a PLD query, with the grid interval actually used. */
export interface PldEpsilon {
  epsilon: number;
  /** The discretisation interval used: the requested one, doubled as often as needed to fit MAX_FFT bins. */
  interval: number;
}

/** Power-of-two multiple of `base` that is at least `needed`. */
function coarsen(base: number, needed: number): number {
  return needed <= base ? base : base * 2 ** Math.ceil(Math.log2(needed / base));
}

/** Discretise one direction, coarsening the interval until its composition fits MAX_FFT bins. */
function prepare(self: HockeyStick, other: HockeyStick, steps: number, interval: number): Prepared {
  const range = lossRange(self, other);
  let dx = coarsen(interval, (range.hi - range.lo) / MAX_GRID);
  // A coarse probe of the composed width avoids discretising finely only to coarsen afterwards.
  const probeDx = coarsen(interval, (range.hi - range.lo) / PROBE_GRID);
  if (probeDx > dx) {
    const probe = windowSize(discretise(self, other, range, probeDx), steps);
    if (!Number.isFinite(probe.upper - probe.lower)) throw new CohortError('internal', 'PLD window is not finite');
    dx = Math.max(dx, coarsen(interval, ((probe.upper - probe.lower + 1) * probeDx) / MAX_FFT));
  }
  for (;;) {
    const pld = discretise(self, other, range, dx);
    const window = windowSize(pld, steps);
    const width = window.upper - window.lower + 1;
    if (!Number.isFinite(width)) throw new CohortError('internal', 'PLD window is not finite');
    if (width <= MAX_FFT) return { pld, window };
    dx = coarsen(dx, (width * dx) / MAX_FFT);
  }
}

/**
 * PLD query that always goes through discretisation and FFT composition, even for q = 1
 * (where `epsilonPld` uses the exact closed form); exported so tests can check one against the other.
 */
export function epsilonPldDiscretised(p: { q: number; sigma: number; steps: number; delta: number; interval?: number }): PldEpsilon {
  checkMechanism(p);
  checkDelta(p.delta);
  const interval = p.interval ?? DEFAULT_PLD_INTERVAL;
  if (!(interval > 0 && interval <= 1)) throw new CohortError('invalid_argument', `PLD interval must be in (0, 1], got ${interval}`);
  // Composed grid indices reach steps × MAX_GRID and must stay exact integers in a double.
  if (p.steps > MAX_PLD_STEPS) throw new CohortError('invalid_argument', `the PLD accountant supports at most ${MAX_PLD_STEPS} steps, got ${p.steps}; use rdp`);
  const remove = removeCurve(p.q, p.sigma);
  const add = addCurve(p.q, p.sigma);
  const r = prepare(remove, add, p.steps, interval);
  const a = prepare(add, remove, p.steps, interval);
  const [cr, ca] = composePair(r, a, p.steps);
  return { epsilon: Math.max(epsilonForDelta(cr, p.delta), epsilonForDelta(ca, p.delta)), interval: Math.max(r.pld.interval, a.pld.interval) };
}

/**
 * Accountant query: (ε, δ) after `steps` rounds by the PLD accountant (max over add and
 * remove). For q = 1 the T rounds are exactly one Gaussian mechanism with μ = √T/σ, so the
 * exact curve is used (interval 0); otherwise the pessimistic discretisation above.
 */
export function epsilonPld(p: { q: number; sigma: number; steps: number; delta: number; interval?: number }): PldEpsilon {
  checkMechanism(p);
  checkDelta(p.delta);
  if (p.q === 1) return { epsilon: gaussianEpsilon(Math.sqrt(p.steps) / p.sigma, p.delta), interval: 0 };
  return epsilonPldDiscretised(p);
}

/** The exact single-step hockey-stick curves, exported for tests of the discretisation. */
export const hockeyStick = { remove: removeCurve, add: addCurve };
