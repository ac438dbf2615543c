/**
 * Tensor encodings of the bulk channel (proto/cohort/v1/bulk.proto, TensorEncoding): plain
 * little-endian float32, and 8- or 16-bit quantisation in blocks of 1024 values with one
 * float32 scale per block and unbiased stochastic rounding, so the decoded value equals the
 * original in expectation and averaging many updates averages the rounding noise away.
 *
 * Decoding is streaming: bytes are taken in whatever pieces the socket delivers and written
 * straight into a preallocated vector, every value checked to be finite on the way, so an
 * update is decoded with one pass and no intermediate copy.
 */
import { endianness } from 'node:os';
import { CohortError } from '../errors.js';

if (endianness() !== 'LE') throw new Error('Cohort requires a little-endian host');

/** How a tensor's values are laid out on the wire. */
export type TensorEncoding = 'f32' | 'int8' | 'fp16';

/** Values per quantisation block (one scale each). */
export const QUANT_BLOCK = 1024;
const SCALE_BYTES = 4;
const INT8_MAX = 127;
/** FP16 blocks are scaled so their largest magnitude is 2^15: far from the 65504 limit, well above the subnormals. */
const FP16_TARGET = 32768;

/** True for the encodings the wire knows. */
export function isTensorEncoding(x: unknown): x is TensorEncoding {
  return x === 'f32' || x === 'int8' || x === 'fp16';
}

/** Exact payload size of `n` values in `encoding`. */
export function encodedBytes(n: number, encoding: TensorEncoding): number {
  if (encoding === 'f32') return 4 * n;
  const blocks = Math.ceil(n / QUANT_BLOCK);
  return blocks * SCALE_BYTES + n * (encoding === 'int8' ? 1 : 2);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The smallest float32 scale s with s · limit ≥ maxAbs, so no value leaves the grid. */
function blockScale(maxAbs: number, limit: number): number {
  f32[0] = maxAbs / limit;
  while ((f32[0] as number) * limit < maxAbs) u32[0] = (u32[0] as number) + 1;
  return f32[0] as number;
}

const f64 = new Float64Array(1);
const f64Words = new Uint32Array(f64.buffer);

/** floor(log2 |y|) of a finite, non-zero double, read from its exponent bits (y ≥ 2^-1022). */
function exponentOf(y: number): number {
  f64[0] = y;
  return ((((f64Words[1] as number) >>> 20) & 0x7ff) - 1023) | 0;
}

/**
 * Quantise `x` into `encoding` (float32 values are returned as a zero-copy view). `next32`
 * seeds the rounding noise, once per block (not secret: plain rounds only).
 */
export function encodeTensor(x: Float32Array, encoding: TensorEncoding, next32: () => number): Buffer {
  if (encoding === 'f32') return Buffer.from(x.buffer, x.byteOffset, x.byteLength);
  const n = x.length;
  // Unpooled, so the 16-bit view below is aligned (every block's values start at an even offset).
  const out = Buffer.allocUnsafeSlow(encodedBytes(n, encoding));
  const int8 = new Int8Array(out.buffer, out.byteOffset, out.byteLength);
  const scales = new DataView(out.buffer, out.byteOffset, out.byteLength);
  let pos = 0;
  for (let start = 0; start < n; start += QUANT_BLOCK) {
    const end = Math.min(n, start + QUANT_BLOCK);
    let maxAbs = 0;
    for (let i = start; i < end; i++) {
      const a = Math.abs(x[i] as number);
      if (a > maxAbs) maxAbs = a;
    }
    if (!Number.isFinite(maxAbs)) throw new CohortError('invalid_argument', `value ${firstNonFinite(x, start, end)} is not finite: cannot encode it`);
    const scale = maxAbs === 0 ? 0 : blockScale(maxAbs, encoding === 'int8' ? INT8_MAX : FP16_TARGET);
    scales.setFloat32(pos, scale, true);
    pos += SCALE_BYTES;
    const m = end - start;
    if (scale === 0) {
      out.fill(0, pos, pos + m * (encoding === 'int8' ? 1 : 2));
      pos += m * (encoding === 'int8' ? 1 : 2);
      continue;
    }
    // xorshift32 noise, seeded per block: uniform u in [0, 1) with 32 bits.
    const seed = next32() | 1;
    if (encoding === 'int8') {
      int8Block(x, start, end, 1 / scale, seed, int8, pos);
      pos += m;
    } else {
      halfBlock(x, start, end, 1 / scale, seed, new Uint16Array(out.buffer, out.byteOffset + pos, m));
      pos += 2 * m;
    }
  }
  return out;
}

/** int8 values of x[start, end) · inv, stochastically rounded, written from out[pos]. */
function int8Block(x: Float32Array, start: number, end: number, inv: number, seed: number, out: Int8Array, pos: number): void {
  let r = seed;
  for (let i = start, k = pos; i < end; i++, k++) {
    r ^= r << 13;
    r ^= r >>> 17;
    r ^= r << 5;
    // floor(y + u): rounds up with probability frac(y), so E = y. Shifted by 128 the sum is
    // positive, so truncation (| 0) is the floor; the clamp only guards against y one
    // rounding step past ±127.
    const q = (((x[i] as number) * inv + (r >>> 0) * 2.3283064365386963e-10 + 128) | 0) - 128;
    out[k] = q > INT8_MAX ? INT8_MAX : q < -INT8_MAX ? -INT8_MAX : q;
  }
}

/** binary16 bits of x[start, end) · inv, stochastically rounded, into out. */
function halfBlock(x: Float32Array, start: number, end: number, inv: number, seed: number, out: Uint16Array): void {
  let r = seed;
  for (let i = start, j = 0; i < end; i++, j++) {
    r ^= r << 13;
    r ^= r >>> 17;
    r ^= r << 5;
    out[j] = toHalfStochastic((x[i] as number) * inv, (r >>> 0) * 2.3283064365386963e-10);
  }
}

/**
 * binary16 bits of y (|y| ≤ 2^15) rounded to a neighbouring binary16 value: up with
 * probability equal to the distance from the lower one in units of the spacing.
 */
function toHalfStochastic(y: number, u: number): number {
  if (y === 0) return 0;
  const sign = y < 0 ? 0x8000 : 0;
  const a = y < 0 ? -y : y;
  if (a < 6.103515625e-5) {
    // Subnormal range (below 2^-14): spacing 2^-24; k = 1024 is the smallest normal, whose bits are also 1024.
    return sign | Math.floor(a * 16777216 + u);
  }
  const e = exponentOf(a);
  // Spacing 2^(e−10) in [2^e, 2^(e+1)): k ∈ [1024, 2048]; k = 2048 is 2^(e+1), and the
  // bit formula carries into the exponent exactly then. |y| ≤ 2^15 keeps k·2^(e−10) ≤ 2^15.
  const k = Math.floor(a * (POW2[35 - e] as number) + u);
  return sign | (((e + 15) << 10) + k - 1024);
}

/** POW2[i] = 2^(i − 25), for the spacing of binary16 binades. */
const POW2: Float64Array = Float64Array.from({ length: 64 }, (_, i) => 2 ** (i - 25));

// s·q is exact in binary64; storing into the Float32Array is the one rounding (two with
// add, as the contract says). Bytes are read as uint8 and sign-extended: faster than an
// Int8Array view per piece. Each returns the offset of the first -128, or -1.

function setInt8(t: Float32Array, at: number, data: Uint8Array, p: number, m: number, s: number): number {
  let bad = 0;
  for (let j = 0; j < m; j++) {
    const b = data[p + j] as number;
    bad |= b === 0x80 ? 1 : 0;
    t[at + j] = s * ((b << 24) >> 24);
  }
  return bad === 0 ? -1 : data.subarray(p, p + m).indexOf(0x80);
}

function addInt8(t: Float32Array, at: number, data: Uint8Array, p: number, m: number, s: number): number {
  let bad = 0;
  for (let j = 0; j < m; j++) {
    const b = data[p + j] as number;
    bad |= b === 0x80 ? 1 : 0;
    t[at + j] = (t[at + j] as number) + Math.fround(s * ((b << 24) >> 24));
  }
  return bad === 0 ? -1 : data.subarray(p, p + m).indexOf(0x80);
}

function nonFiniteHalf(i: number, h: number): CohortError {
  return new CohortError('invalid_argument', `value ${i} is not a finite binary16 number (bits 0x${h.toString(16)})`);
}

/** binary16 value of every 16-bit pattern (exact in binary32); NaN for infinities and NaNs (refused when decoding). */
const HALF_VALUES: Float32Array = (() => {
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >>> 10) & 0x1f;
    const man = h & 0x3ff;
    t[h] = exp === 0x1f ? Number.NaN : exp === 0 ? sign * man * 2 ** -24 : sign * (1024 + man) * 2 ** (exp - 25);
  }
  return t;
})();

/**
 * Σ v[i]² over `v[from, to)` in float64, four sums interleaved (memory speed). NaN or
 * Infinity exactly when a value is not finite: x² of a finite float32 is at most 1.2e77.
 */
export function sumOfSquares(v: Float32Array, from: number, to: number): number {
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  let i = from;
  for (; i + 3 < to; i += 4) {
    const x0 = v[i] as number;
    const x1 = v[i + 1] as number;
    const x2 = v[i + 2] as number;
    const x3 = v[i + 3] as number;
    a += x0 * x0;
    b += x1 * x1;
    c += x2 * x2;
    d += x3 * x3;
  }
  for (; i < to; i++) {
    const x = v[i] as number;
    a += x * x;
  }
  return a + b + c + d;
}

/** Index of the first NaN or ±Infinity in `v[from, to)`, or -1. */
export function firstNonFinite(v: Float32Array, from = 0, to = v.length): number {
  // The squares' sum is finite exactly when every value is (the same memory-speed scan);
  // only a range that holds a bad value is searched again for where.
  const sq = sumOfSquares(v, from, to);
  if (sq - sq === 0) return -1;
  for (let j = from; j < to; j++) {
    const x = v[j] as number;
    if (x - x !== 0) return j;
  }
  return -1;
}

/**
 * Decodes one payload into `target`, piece by piece. With `add`, decoded values are added to
 * what `target` holds (a model delta on its base: target[i] = float32(target[i] + value)).
 * Errors are `invalid_argument` with a message that says what was wrong and where.
 */
export class TensorDecoder {
  private readonly bytes: Uint8Array;
  private readonly total: number;
  private received = 0;
  /** f32: values already checked. Quantised: values written so far. */
  private done = 0;
  /** Σ x² of the values decoded so far (set mode with checks); non-finite values are refused before. */
  private squares = 0;
  /** Quantised: the current block's scale and values left in it (−1: reading the scale). */
  private scale = 0;
  private left = -1;
  /** Bytes of a scale or value split across pieces. */
  private readonly carry = new Uint8Array(4);
  private readonly carryView = new DataView(this.carry.buffer);
  private carried = 0;

  constructor(
    private readonly target: Float32Array,
    readonly encoding: TensorEncoding,
    private readonly mode: 'set' | 'add' = 'set',
    /**
     * False for masked secure-aggregation words, where every bit pattern is valid, and for
     * models a node checks against their sha256 anyway (the hash, not this scan, is what
     * makes them the committed model).
     */
    private readonly checkFinite = true,
  ) {
    if (encoding === 'f32' && mode === 'add') throw new RangeError('float32 payloads are whole models, not deltas');
    this.bytes = new Uint8Array(target.buffer, target.byteOffset, target.byteLength);
    this.total = encodedBytes(target.length, encoding);
  }

  /** Payload bytes still expected. */
  get remaining(): number {
    return this.total - this.received;
  }

  /** Take the next `data` bytes of the payload. */
  write(data: Uint8Array): void {
    if (data.byteLength > this.remaining) {
      throw new CohortError('invalid_argument', `payload longer than the ${this.total} bytes its header announced`);
    }
    if (this.encoding === 'f32') this.writeF32(data);
    else this.writeQuantised(data, this.encoding);
    this.received += data.byteLength;
  }

  /**
   * Σ x² of the decoded values (set mode with checks), taken while they were decoded, so a
   * norm needs no second pass: sqrt of it is the L2 norm (summed in another order than
   * shared/dp/clip.ts l2Norm, which can differ in the last bits).
   */
  get sumOfSquares(): number {
    return this.squares;
  }

  /** The decoded vector; throws if bytes are missing. */
  finish(): Float32Array {
    if (this.received !== this.total) {
      throw new CohortError('invalid_argument', `payload truncated: received ${this.received} of ${this.total} bytes`);
    }
    return this.target;
  }

  private writeF32(data: Uint8Array): void {
    this.bytes.set(data, this.received);
    if (!this.checkFinite) return;
    const complete = (this.received + data.byteLength) >>> 2;
    this.check(this.done, complete);
    this.done = complete;
  }

  /** Refuse a non-finite value in [from, to) and add the squares (one pass, values still in cache). */
  private check(from: number, to: number): void {
    const sq = sumOfSquares(this.target, from, to);
    if (sq - sq !== 0) {
      const bad = firstNonFinite(this.target, from, to);
      throw new CohortError('invalid_argument', `value ${bad} is ${String(this.target[bad])}: values must be finite`);
    }
    this.squares += sq;
  }

  private writeQuantised(data: Uint8Array, encoding: 'int8' | 'fp16'): void {
    const t = this.target;
    const add = this.mode === 'add';
    let p = 0;
    const n = data.byteLength;
    while (p < n) {
      if (this.left < 0) {
        // The block's scale, possibly split across pieces.
        const need = SCALE_BYTES - this.carried;
        const take = Math.min(need, n - p);
        this.carry.set(data.subarray(p, p + take), this.carried);
        this.carried += take;
        p += take;
        if (this.carried < SCALE_BYTES) return;
        this.carried = 0;
        const s = this.carryView.getFloat32(0, true);
        const limit = encoding === 'int8' ? INT8_MAX : 65504;
        if (!(s >= 0) || !Number.isFinite(Math.fround(s * limit))) {
          throw new CohortError('invalid_argument', `block ${Math.floor(this.done / QUANT_BLOCK)} has scale ${s}: scales must be finite, >= 0, and keep every value finite`);
        }
        this.scale = s;
        this.left = Math.min(QUANT_BLOCK, t.length - this.done);
        continue;
      }
      const s = this.scale;
      const from = this.done;
      let i = from;
      if (encoding === 'int8') {
        const m = Math.min(this.left, n - p);
        const low = add ? addInt8(t, i, data, p, m, s) : setInt8(t, i, data, p, m, s);
        if (low >= 0) throw new CohortError('invalid_argument', `value ${i + low} is the int8 -128, outside [-127, 127]`);
        i += m;
        this.left -= m;
        p += m;
      } else {
        if (this.carried === 1) {
          // The second byte of a value split across pieces.
          const h = (this.carry[0] as number) | ((data[p++] as number) << 8);
          const v = Math.fround(s * (HALF_VALUES[h] as number));
          if (v - v !== 0) throw nonFiniteHalf(i, h);
          t[i] = add ? (t[i] as number) + v : v;
          i += 1;
          this.carried = 0;
          this.left -= 1;
        }
        const m = Math.min(this.left, (n - p) >>> 1);
        for (let k = 0; k < m; k++, p += 2, i++) {
          const h = (data[p] as number) | ((data[p + 1] as number) << 8);
          const v = Math.fround(s * (HALF_VALUES[h] as number));
          // NaN (an fp16 infinity or NaN) fails this; finite scales keep the rest finite.
          if (v - v !== 0) throw nonFiniteHalf(i, h);
          t[i] = add ? (t[i] as number) + v : v;
        }
        this.left -= m;
        if (this.left > 0 && p < n) {
          this.carry[0] = data[p++] as number;
          this.carried = 1;
        }
      }
      if (!this.checkFinite) {
        // Nothing to check.
      } else if (add) this.checkRange(from, i);
      else this.squares += sumOfSquares(t, from, i);
      this.done = i;
      if (this.left === 0) this.left = -1;
    }
  }

  private checkRange(from: number, to: number): void {
    const bad = firstNonFinite(this.target, from, to);
    if (bad >= 0) throw new CohortError('invalid_argument', `value ${bad} overflows float32 after adding the delta`);
  }
}

/** Decode a whole payload at once (tests, the coordinator's own compressed commit). */
export function decodeTensor(payload: Uint8Array, target: Float32Array, encoding: TensorEncoding, mode: 'set' | 'add' = 'set'): Float32Array {
  const d = new TensorDecoder(target, encoding, mode);
  d.write(payload);
  return d.finish();
}
