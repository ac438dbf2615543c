/**
 * Gaussian noise for the DP step, drawn from an injected RandomSource (secureRandom in
 * production, never Math.random).
 *
 * Marsaglia's polar method on pairs of 53-bit uniforms: exact in distribution up to the
 * float64 rounding of the uniforms, with tails out to ≈ 12σ (probability beyond is < 1e-32).
 * Caveat (Mironov 2012, "On Significance of the Least Significant Bits for Differential
 * Privacy"): textbook floating-point samplers produce an irregular set of values, and an
 * attacker who sees x + noise exactly can sometimes rule out inputs. Here each sample is
 * rounded to float32 and then, before it leaves the node, fixed-point encoded with stochastic
 * rounding and masked, which hides the low-order bit pattern in practice; it is not a proof.
 * The rigorous fix is a discrete Gaussian on the fixed-point grid (Canonne, Kamath, Steinke
 * 2020), not implemented here.
 */
import { CohortError } from '../errors.js';
import type { RandomSource } from '../random.js';

/** Overwrite `out` with independent N(0, std²) samples drawn from `rng`. */
export function gaussianNoise(out: Float32Array, std: number, rng: RandomSource): void {
  if (typeof std !== 'number' || !Number.isFinite(std) || std < 0) {
    throw new CohortError('invalid_argument', `noise std must be a finite number ≥ 0, got ${String(std)}`);
  }
  if (std === 0) {
    out.fill(0);
    return;
  }
  let i = 0;
  while (i < out.length) {
    const u = 2 * rng.nextFloat() - 1;
    const v = 2 * rng.nextFloat() - 1;
    const s = u * u + v * v;
    if (s >= 1 || s === 0) continue;
    const f = std * Math.sqrt((-2 * Math.log(s)) / s);
    out[i++] = u * f;
    if (i < out.length) out[i++] = v * f;
  }
}
