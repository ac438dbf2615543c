/**
 * Population stability index (PSI) of input features, for a node's own drift alert.
 *
 *   PSI = Σ_i (a_i − e_i) · ln(a_i / e_i)
 *
 * over bins i, where e are the baseline proportions and a the current ones (Siddiqi,
 * "Credit Risk Scorecards", 2006). The usual reading: below 0.1 stable, 0.1–0.2 a moderate
 * shift, above 0.2 a significant one. PSI is symmetric in e and a and zero only when the
 * binned distributions are equal. Pure maths: the node's drift monitor feeds it datasets.
 */
import { CohortError } from '../errors.js';

/** Proportions below this are raised to it, so a bin empty on one side adds a large but finite term. */
export const PSI_FLOOR = 1e-4;

/** The drift threshold unless the node's operator says otherwise ("significant shift"). */
export const DEFAULT_PSI_THRESHOLD = 0.2;

/** Equal-width bins per feature unless the node's operator says otherwise. */
export const DEFAULT_PSI_BINS = 10;

/**
 * PSI of two histograms given as counts over the same bins (each normalised by its own
 * total). Throws `invalid_argument` for mismatched lengths, negative or non-finite counts,
 * or an empty histogram.
 */
export function psi(expected: ArrayLike<number>, actual: ArrayLike<number>): number {
  if (expected.length !== actual.length) throw new CohortError('invalid_argument', `PSI needs histograms over the same bins, got ${expected.length} and ${actual.length}`);
  return psiAt(expected, actual, 0, expected.length);
}

/** PSI over bins [from, from + n) of two count arrays (a feature's slice of a flat histogram). */
function psiAt(expected: ArrayLike<number>, actual: ArrayLike<number>, from: number, n: number): number {
  let te = 0;
  let ta = 0;
  for (let i = from; i < from + n; i++) {
    const e = expected[i] as number;
    const a = actual[i] as number;
    if (!(e >= 0 && a >= 0 && Number.isFinite(e) && Number.isFinite(a))) throw new CohortError('invalid_argument', `PSI counts must be finite and non-negative, got ${e} and ${a}`);
    te += e;
    ta += a;
  }
  if (te === 0 || ta === 0) throw new CohortError('invalid_argument', 'PSI of an empty histogram is undefined');
  let sum = 0;
  for (let i = from; i < from + n; i++) {
    const pe = Math.max((expected[i] as number) / te, PSI_FLOOR);
    const pa = Math.max((actual[i] as number) / ta, PSI_FLOOR);
    sum += (pa - pe) * Math.log(pa / pe);
  }
  return sum;
}

/**
 * Bins fixed from a baseline: per feature, `bins` equal-width bins over the baseline's
 * [min, max], plus one bin below and one above, so later data outside the baseline's
 * range is counted where it shows (a shift past the old maximum is drift, not clamping).
 */
export interface FeatureBins {
  readonly features: number;
  readonly bins: number;
  readonly lo: Float64Array;
  readonly hi: Float64Array;
  readonly width: Float64Array;
}

/** Slots per feature in a histogram: the interior bins plus underflow and overflow. */
export function slotsPerFeature(b: FeatureBins): number {
  return b.bins + 2;
}

function checkShape(x: Float32Array, features: number): number {
  if (!Number.isInteger(features) || features < 1) throw new CohortError('invalid_argument', `features must be a positive integer, got ${features}`);
  if (x.length % features !== 0) throw new CohortError('invalid_argument', `${x.length} values are not whole rows of ${features} features`);
  return x.length / features;
}

/** Fix the bins of every feature from baseline rows `x` (row-major, `features` per row). */
export function fixBins(x: Float32Array, features: number, bins: number = DEFAULT_PSI_BINS): FeatureBins {
  const rows = checkShape(x, features);
  if (!Number.isInteger(bins) || bins < 1 || bins > 1000) throw new CohortError('invalid_argument', `bins must be an integer in [1, 1000], got ${bins}`);
  if (rows === 0) throw new CohortError('invalid_argument', 'cannot fix bins from an empty baseline');
  const lo = new Float64Array(features).fill(Infinity);
  const hi = new Float64Array(features).fill(-Infinity);
  for (let r = 0; r < rows; r++) {
    const base = r * features;
    for (let f = 0; f < features; f++) {
      const v = x[base + f] as number;
      // Non-finite values carry no range; they are counted in the overflow bin later.
      if (!Number.isFinite(v)) continue;
      if (v < (lo[f] as number)) lo[f] = v;
      if (v > (hi[f] as number)) hi[f] = v;
    }
  }
  const width = new Float64Array(features);
  for (let f = 0; f < features; f++) {
    if (!Number.isFinite(lo[f] as number)) {
      lo[f] = 0;
      hi[f] = 0;
    }
    width[f] = ((hi[f] as number) - (lo[f] as number)) / bins;
  }
  return { features, bins, lo, hi, width };
}

/**
 * Count rows `x` into `b`'s bins: a flat array of `features × slotsPerFeature(b)` counts,
 * feature-major. A constant baseline feature has zero width: its value goes to the first
 * interior bin and anything else to underflow or overflow.
 */
export function histogram(b: FeatureBins, x: Float32Array): Float64Array {
  const rows = checkShape(x, b.features);
  const slots = slotsPerFeature(b);
  const counts = new Float64Array(b.features * slots);
  const { lo, hi, width, bins, features } = b;
  for (let r = 0; r < rows; r++) {
    const base = r * features;
    for (let f = 0; f < features; f++) {
      const v = x[base + f] as number;
      const l = lo[f] as number;
      let slot: number;
      if (v < l) slot = 0;
      else if (v <= (hi[f] as number)) {
        const w = width[f] as number;
        slot = w > 0 ? 1 + Math.min(bins - 1, Math.floor((v - l) / w)) : 1;
      } else slot = bins + 1; // above the range, +Infinity and NaN
      counts[f * slots + slot] = (counts[f * slots + slot] as number) + 1;
    }
  }
  return counts;
}

/** PSI of every feature between two histograms made with the same bins. */
export function psiByFeature(b: FeatureBins, expected: Float64Array, actual: Float64Array): Float64Array {
  const slots = slotsPerFeature(b);
  if (expected.length !== b.features * slots || actual.length !== b.features * slots) {
    throw new CohortError('invalid_argument', `histograms must have ${b.features * slots} counts, got ${expected.length} and ${actual.length}`);
  }
  const out = new Float64Array(b.features);
  for (let f = 0; f < b.features; f++) out[f] = psiAt(expected, actual, f * slots, slots);
  return out;
}

/** What one drift check found. */
export interface DriftSummary {
  /** Largest per-feature PSI. */
  readonly maxPsi: number;
  /** Index of the feature with the largest PSI. */
  readonly worstFeature: number;
  /** Features whose PSI is above the threshold. */
  readonly drifted: number;
  readonly features: number;
}

/** Summarise per-feature PSI against `threshold`. */
export function summarizeDrift(values: Float64Array, threshold: number): DriftSummary {
  let maxPsi = 0;
  let worstFeature = 0;
  let drifted = 0;
  for (let f = 0; f < values.length; f++) {
    const v = values[f] as number;
    if (v > maxPsi) {
      maxPsi = v;
      worstFeature = f;
    }
    if (v > threshold) drifted += 1;
  }
  return { maxPsi, worstFeature, drifted, features: values.length };
}
