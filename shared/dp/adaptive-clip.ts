/**
 * Adaptive clipping (Andrew, Thakkar, McMahan, Ramaswamy, NeurIPS 2021, "Differentially
 * private learning with adaptive clipping"): each node also reports whether its update
 * was within the clip norm C; the noised fraction b̄ moves C geometrically toward the
 * target quantile γ: C ← C·exp(−η·(b̄ − γ)). The bit sum is a second Gaussian query on
 * the same data, so the update noise is raised to keep the combined mechanism at the
 * operator's noise multiplier z (their Theorem 1): (σ_Δ⁻² + (2σ_b)⁻²)^(−1/2) = z.
 *
 * That theorem counts the bit query with sensitivity 1/2, which holds only for the centred
 * bit b − 1/2 ∈ {−1/2, +1/2}: a node's contribution, or its absence, moves the sum by at
 * most 1/2. A raw bit b ∈ {0, 1} moves it by 1, and the same σ_b would then buy only half
 * the privacy (at z = 1 the round really had z = 0.756). So nodes send the centred bit
 * (`centredClipBit`), the coordinator sums centred bits, and the estimator adds 1/2 back.
 */
import { CohortError } from '../errors.js';

/** Operator settings of adaptive clipping. */
export interface AdaptiveClipConfig {
  /** γ: the fraction of updates that should fall within the clip norm. */
  readonly targetQuantile: number;
  /** η: geometric learning rate of the clip norm. */
  readonly learningRate: number;
}

/** The defaults Andrew et al. use in their experiments: median, η = 0.2. */
export const DEFAULT_ADAPTIVE_CLIP: AdaptiveClipConfig = { targetQuantile: 0.5, learningRate: 0.2 };

/** Check operator input; the message names the option. */
export function checkAdaptiveClip(c: AdaptiveClipConfig): void {
  if (!(c.targetQuantile > 0 && c.targetQuantile < 1)) throw new CohortError('invalid_argument', `clip-quantile must be in (0, 1), got ${c.targetQuantile}`);
  if (!(c.learningRate > 0 && c.learningRate <= 10)) throw new CohortError('invalid_argument', `clip-learning-rate must be in (0, 10], got ${c.learningRate}`);
}

/**
 * Noise multiplier σ_b of the bit sum: expected participants / 20 as recommended, but
 * above z/2 with margin so the update noise stays finite (σ_b ≥ z gives σ_Δ ≤ 1.16·z).
 */
export function bitNoiseMultiplier(expectedParticipants: number, z: number): number {
  if (!(z > 0)) throw new CohortError('invalid_argument', `noise multiplier must be > 0, got ${z}`);
  return Math.max(expectedParticipants / 20, z);
}

/** σ_Δ such that the update query (σ_Δ) and the centred bit query (σ_b, sensitivity 1/2) compose to z. */
export function updateNoiseMultiplier(z: number, sigmaB: number): number {
  const rest = z ** -2 - (2 * sigmaB) ** -2;
  if (!(rest > 0)) throw new CohortError('invalid_argument', `bit noise ${sigmaB} is too small for noise multiplier ${z} (need 2σ_b > z)`);
  return rest ** -0.5;
}

/** A node's contribution to the bit query: +1/2 when its update was within the clip norm, −1/2 when it was clipped. */
export function centredClipBit(withinClip: boolean): number {
  return withinClip ? 0.5 : -0.5;
}

/**
 * The next clip norm from the noised sum of centred bits Σ(b_i − 1/2) + N(0, σ_b²): the
 * within-clip fraction is estimated as that sum over the expected number of participants,
 * plus 1/2 (a fixed denominator, so the estimate is post-processing of the noised sum).
 */
export function nextClipNorm(clipNorm: number, noisedCentredSum: number, expectedParticipants: number, c: AdaptiveClipConfig): number {
  const fraction = noisedCentredSum / expectedParticipants + 0.5;
  return clipNorm * Math.exp(-c.learningRate * (fraction - c.targetQuantile));
}
