/** L2 clipping of a model update, the step that bounds each node's sensitivity to the clip norm. */
import { CohortError } from '../errors.js';

/**
 * Shrink factor applied on top of clipNorm/norm: after scaling, each float32 element is rounded
 * with relative error ≤ 2^-24, so the stored norm could exceed clipNorm by that much; shrinking
 * by 2^-22 first keeps the clipped norm ≤ clipNorm, which is what the DP analysis assumes.
 */
const SAFETY = 1 - 2 ** -22;

/** Squares summed per block, then blocks summed: rounding error grows with block + n/block, not n. */
const NORM_BLOCK = 1024;

/**
 * L2 norm of a float32 vector, summed in float64. No scaling is needed: a float32 square is
 * at most 1.2e77 and at least 2e-90, so a float64 sum of any realistic number of them
 * neither overflows nor underflows. NaN or Infinity if an entry is not finite.
 */
export function l2Norm(v: Float32Array): number {
  let sq = 0;
  for (let start = 0; start < v.length; start += NORM_BLOCK) {
    const end = Math.min(v.length, start + NORM_BLOCK);
    let block = 0;
    for (let i = start; i < end; i++) {
      const x = v[i] as number;
      block += x * x;
    }
    sq += block;
  }
  return Math.sqrt(sq);
}

/**
 * Clip `update` in place to L2 norm at most `clipNorm`; returns whether it was scaled and its
 * norm before clipping. Non-finite entries are rejected: a NaN norm would compare false with
 * clipNorm and skip clipping silently. `knownNorm`: the update's norm when the caller has
 * already summed it (the coordinator does while decoding), saving a pass.
 */
export function clipL2(update: Float32Array, clipNorm: number, knownNorm?: number): { clipped: boolean; norm: number } {
  if (typeof clipNorm !== 'number' || !Number.isFinite(clipNorm) || !(clipNorm > 0)) {
    throw new CohortError('invalid_argument', `clip norm must be a finite number > 0, got ${String(clipNorm)}`);
  }
  const norm = knownNorm ?? l2Norm(update);
  if (!Number.isFinite(norm)) {
    const i = update.findIndex((v) => !Number.isFinite(v));
    throw new CohortError('invalid_argument', `update has a non-finite entry at index ${i}`);
  }
  if (norm <= clipNorm) return { clipped: false, norm };
  const factor = (clipNorm / norm) * SAFETY;
  for (let i = 0; i < update.length; i++) update[i] = (update[i] as number) * factor;
  return { clipped: true, norm };
}
