/** Poisson sampling of round participants (PLAN §2.1). */
import type { RandomSource } from '../../shared/random.js';

/**
 * Include each candidate independently with probability `q`. This, not a fixed-size
 * sample, is what the privacy accountant's subsampling analysis assumes, so the
 * number selected varies from round to round. Use a secure source in production:
 * a predictable selection would void the amplification the accountant credits.
 */
export function poissonSample<T>(candidates: readonly T[], q: number, rng: RandomSource): T[] {
  if (!(q > 0 && q <= 1)) throw new RangeError(`sampling rate must be in (0, 1], got ${q}`);
  if (q === 1) return [...candidates];
  return candidates.filter(() => rng.nextFloat() < q);
}
