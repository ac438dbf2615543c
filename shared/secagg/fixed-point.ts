/**
 * Fixed-point encoding of clipped, noised float updates into Z_{2^32}, so that the
 * secure sum (which wraps mod 2^32) decodes back to the float sum. The scale is a power
 * of two (so scaling is exact in floating point) chosen so that the sum of `maxSummands`
 * encoded values can never leave the signed 32-bit range.
 */
import { CohortError } from '../errors.js';
import type { RandomSource } from '../random.js';

/** Validated encoding parameters. */
export interface FixedPointParams {
  readonly clipNorm: number;
  readonly noiseBound: number;
  readonly maxSummands: number;
  readonly bits: 32;
  /** Encoded integer = value · scale (stochastically rounded). */
  readonly scale: number;
  /** Per-coordinate bound: values are clamped to ±(clipNorm + noiseBound) before encoding. */
  readonly bound: number;
}

/** The part of the encoding a round's configuration carries (every node must use the same). */
export type FixedPointSpec = Pick<FixedPointParams, 'clipNorm' | 'noiseBound' | 'maxSummands' | 'scale'>;

/** Options for `fixedPointParams`; `scale` overrides the derived scale (it is still checked). */
export interface FixedPointOptions {
  clipNorm: number;
  noiseBound: number;
  maxSummands: number;
  bits?: number;
  scale?: number;
}

const TWO_31 = 2 ** 31;
const ENCODE_CHUNK = 4096;

/**
 * Derive the scale from clip norm C, noise bound B and max summands m. Each encoded
 * coordinate has |q| ≤ (C + B)·scale + 1 (the +1 is stochastic rounding), so the sum
 * stays in the int32 range when m·((C + B)·scale + 1) < 2^31; settings that cannot
 * satisfy this (or that leave less than one unit of resolution) are refused.
 */
export function fixedPointParams(opts: FixedPointOptions): FixedPointParams {
  const { clipNorm, noiseBound, maxSummands } = opts;
  const bits = opts.bits ?? 32;
  if (bits !== 32) throw new CohortError('invalid_argument', `fixed point: only bits = 32 is supported, got ${String(bits)}`);
  if (typeof clipNorm !== 'number' || !Number.isFinite(clipNorm) || clipNorm <= 0) {
    throw new CohortError('invalid_argument', `fixed point: clipNorm must be a finite number > 0, got ${String(clipNorm)}`);
  }
  if (typeof noiseBound !== 'number' || !Number.isFinite(noiseBound) || noiseBound < 0) {
    throw new CohortError('invalid_argument', `fixed point: noiseBound must be a finite number ≥ 0, got ${String(noiseBound)}`);
  }
  if (!Number.isSafeInteger(maxSummands) || maxSummands < 1) {
    throw new CohortError('invalid_argument', `fixed point: maxSummands must be an integer ≥ 1, got ${String(maxSummands)}`);
  }
  const bound = clipNorm + noiseBound;
  const limit = (TWO_31 / maxSummands - 1) / bound; // scale must be strictly below this
  let scale: number;
  if (opts.scale !== undefined) {
    scale = opts.scale;
    if (typeof scale !== 'number' || !Number.isFinite(scale) || scale <= 0) {
      throw new CohortError('invalid_argument', `fixed point: scale must be a finite number > 0, got ${String(scale)}`);
    }
    if (maxSummands * (bound * scale + 1) >= TWO_31) {
      throw new CohortError(
        'invalid_argument',
        `fixed point would overflow: maxSummands·((clipNorm + noiseBound)·scale + 1) = ${maxSummands * (bound * scale + 1)} ≥ 2^31; ` +
          'lower maxSummands, clipNorm, noiseBound or scale',
      );
    }
  } else {
    if (!(limit > 0)) {
      throw new CohortError('invalid_argument', `fixed point would overflow: maxSummands = ${maxSummands} leaves no room in 32 bits`);
    }
    scale = 2 ** Math.floor(Math.log2(limit));
    if (scale >= limit) scale /= 2; // limit itself a power of two: stay strictly below
  }
  if (bound * scale < 1) {
    throw new CohortError(
      'invalid_argument',
      `fixed point: resolution too coarse (clipNorm + noiseBound = ${bound} is less than one unit at scale ${scale}); ` +
        'lower maxSummands',
    );
  }
  return { clipNorm, noiseBound, maxSummands, bits: 32, scale, bound };
}

/**
 * Encode with unbiased stochastic rounding: v·scale rounds up with probability equal to
 * its fractional part (53-bit uniforms), so E[decode(encode(v))] = v. Values are clamped
 * to ±bound first (noise tails beyond the bound would otherwise risk wrap-around);
 * non-finite values are refused.
 */
export function encode(update: Float32Array, params: FixedPointParams, rng: RandomSource, out?: Uint32Array): Uint32Array {
  const words = out ?? new Uint32Array(update.length);
  if (words.length !== update.length) {
    throw new CohortError('invalid_argument', `output has ${words.length} words, update has ${update.length}`);
  }
  const { scale, bound } = params;
  // Uniforms are drawn in bulk (two words → 53 bits each, as `nextFloat`): one call per
  // chunk instead of one per coordinate keeps this loop allocation-free.
  const random = new Uint32Array(2 * Math.min(ENCODE_CHUNK, update.length));
  const randomBytes = new Uint8Array(random.buffer);
  for (let start = 0; start < update.length; start += ENCODE_CHUNK) {
    const end = Math.min(update.length, start + ENCODE_CHUNK);
    rng.fillBytes(randomBytes.subarray(0, 8 * (end - start)));
    for (let i = start, r = 0; i < end; i++, r += 2) {
      let x = update[i] as number;
      if (!Number.isFinite(x)) throw new CohortError('invalid_argument', `update coordinate ${i} is not finite`);
      if (x > bound) x = bound;
      else if (x < -bound) x = -bound;
      const v = x * scale;
      const f = Math.floor(v);
      const u = (((random[r] as number) >>> 5) * 67108864 + ((random[r + 1] as number) >>> 6)) / 9007199254740992;
      // A negative integer stored into a Uint32Array wraps to its two's complement.
      words[i] = u < v - f ? f + 1 : f;
    }
  }
  return words;
}

/** Decode a sum in Z_{2^32} (read as signed int32 two's complement) back to floats. */
export function decodeSum(sum: Uint32Array, params: FixedPointParams, out?: Float32Array): Float32Array {
  const values = out ?? new Float32Array(sum.length);
  if (values.length !== sum.length) throw new CohortError('invalid_argument', `output has ${values.length} values, sum has ${sum.length}`);
  const scale = params.scale;
  for (let i = 0; i < sum.length; i++) values[i] = ((sum[i] as number) | 0) / scale;
  return values;
}
