/** L2 clipping of a model update, the step that bounds each node's sensitivity to the clip norm. */
import { CohortError } from '../errors.js';

/**
 * Shrink factor applied on top of clipNorm/norm: after scaling, each float32 element is rounded
 * with relative error ≤ 2^-24, so the stored norm could exceed clipNorm by that much; shrinking
 * by 2^-22 first keeps the clipped norm ≤ clipNorm, which is what the DP analysis assumes.
 */
const SAFETY = 1 - 2 ** -22;

/**
 * Clip `update` in place to L2 norm at most `clipNorm`; returns whether it was scaled and its
 * norm before clipping. The norm is accumulated in float64. Non-finite entries are rejected:
 * a NaN norm would compare false with clipNorm and skip clipping silently.
 */
export function clipL2(update: Float32Array, clipNorm: number): { clipped: boolean; norm: number } {
  if (typeof clipNorm !== 'number' || !Number.isFinite(clipNorm) || !(clipNorm > 0)) {
    throw new CohortError('invalid_argument', `clip norm must be a finite number > 0, got ${String(clipNorm)}`);
  }
  // Scaled sum of squares (as in BLAS nrm2) so that huge entries neither overflow nor lose precision.
  let scale = 0;
  let ssq = 1;
  for (let i = 0; i < update.length; i++) {
    const v = update[i] as number;
    if (!Number.isFinite(v)) throw new CohortError('invalid_argument', `update has a non-finite entry at index ${i}`);
    if (v !== 0) {
      const a = Math.abs(v);
      if (scale < a) {
        ssq = 1 + ssq * (scale / a) * (scale / a);
        scale = a;
      } else {
        ssq += (a / scale) * (a / scale);
      }
    }
  }
  const norm = scale * Math.sqrt(ssq);
  if (norm <= clipNorm) return { clipped: false, norm };
  const factor = (clipNorm / norm) * SAFETY;
  for (let i = 0; i < update.length; i++) update[i] = (update[i] as number) * factor;
  return { clipped: true, norm };
}
