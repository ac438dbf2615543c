import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CohortError } from '../../../shared/errors.js';
import { SeededRandom } from '../../../shared/random.js';
import { decodeTensor, encodedBytes, encodeTensor, QUANT_BLOCK, TensorDecoder, type TensorEncoding } from '../../../shared/tensor/codec.js';

function invalid(pattern: RegExp): (err: unknown) => boolean {
  return (err) => err instanceof CohortError && err.code === 'invalid_argument' && pattern.test(err.message);
}

const bits = (v: Float32Array): Uint32Array => new Uint32Array(v.buffer, v.byteOffset, v.length);

/** Decode `payload` fed in pieces cut at `cuts` (sorted offsets). */
function decodeInPieces(payload: Uint8Array, n: number, encoding: TensorEncoding, cuts: number[], base?: Float32Array): Float32Array {
  const target = base ? base.slice() : new Float32Array(n);
  const d = new TensorDecoder(target, encoding, base ? 'add' : 'set');
  let from = 0;
  for (const c of [...cuts, payload.byteLength]) {
    d.write(payload.subarray(from, c));
    from = c;
  }
  return d.finish();
}

/** binary16 reference from the bit layout, independent of the codec's table. */
function halfValue(h: number): number {
  const e = (h >> 10) & 31;
  const m = h & 1023;
  const s = h & 0x8000 ? -1 : 1;
  if (e === 0) return s * m * 2 ** -24;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

describe('tensor codec: f32, int8 and fp16 encodings (bulk.proto TensorEncoding)', () => {
  const rng = new SeededRandom(7);
  const next32 = (): number => rng.next32();

  it('has the payload sizes the contract states', () => {
    assert.equal(encodedBytes(1_000_000, 'f32'), 4_000_000);
    assert.equal(encodedBytes(1_000_000, 'int8'), 4 * 977 + 1_000_000);
    assert.equal(encodedBytes(1_000_000, 'fp16'), 4 * 977 + 2_000_000);
    assert.equal(encodedBytes(1024, 'int8'), 4 + 1024);
    assert.equal(encodedBytes(1025, 'int8'), 8 + 1025);
    assert.ok(encodedBytes(1_000_000, 'int8') / encodedBytes(1_000_000, 'f32') < 0.26);
  });

  it('float32 round-trips bit for bit however the payload is cut (property)', () => {
    fc.assert(
      fc.property(fc.float32Array({ noDefaultInfinity: true, noNaN: true, minLength: 1, maxLength: 200 }), fc.array(fc.nat(), { maxLength: 6 }), (values, rawCuts) => {
        const payload = encodeTensor(values, 'f32', next32);
        const cuts = [...new Set(rawCuts.map((c) => c % payload.byteLength))].sort((a, b) => a - b);
        assert.deepEqual(bits(decodeInPieces(payload, values.length, 'f32', cuts)), bits(values));
      }),
      { seed: 1, numRuns: 200 },
    );
  });

  for (const encoding of ['int8', 'fp16'] as const) {
    it(`${encoding}: decoding does not depend on where the payload is cut (property)`, () => {
      fc.assert(
        fc.property(fc.float32Array({ noDefaultInfinity: true, noNaN: true, min: -1e6, max: 1e6, minLength: 1, maxLength: 2100 }), fc.array(fc.nat(), { maxLength: 8 }), (values, rawCuts) => {
          const payload = encodeTensor(values, encoding, next32);
          assert.equal(payload.byteLength, encodedBytes(values.length, encoding));
          const whole = decodeTensor(payload, new Float32Array(values.length), encoding);
          const cuts = [...new Set(rawCuts.map((c) => c % payload.byteLength))].sort((a, b) => a - b);
          assert.deepEqual(bits(decodeInPieces(payload, values.length, encoding, cuts)), bits(whole));
        }),
        { seed: 2, numRuns: 150 },
      );
    });

    it(`${encoding}: every decoded value is a neighbour on its block's grid, within one step of the original`, () => {
      const x = new Float32Array(3000);
      const r = new SeededRandom(3);
      for (let i = 0; i < x.length; i++) x[i] = (r.nextFloat() - 0.5) * (i < 1024 ? 1e-3 : i < 2048 ? 50 : 1e-30);
      x[5] = 0;
      const payload = encodeTensor(x, encoding, next32);
      const y = decodeTensor(payload, new Float32Array(x.length), encoding);
      for (let b = 0; b < 3; b++) {
        const scale = payload.readFloatLE(b * (4 + QUANT_BLOCK * (encoding === 'int8' ? 1 : 2)));
        let maxAbs = 0;
        for (let i = b * QUANT_BLOCK; i < Math.min(x.length, (b + 1) * QUANT_BLOCK); i++) maxAbs = Math.max(maxAbs, Math.abs(x[i] as number));
        assert.ok(scale * (encoding === 'int8' ? 127 : 32768) >= maxAbs, 'the scale covers the block');
        for (let i = b * QUANT_BLOCK; i < Math.min(x.length, (b + 1) * QUANT_BLOCK); i++) {
          const yi = y[i] as number;
          const xi = x[i] as number;
          // int8: one step is the scale; fp16: one binary16 spacing at x/scale, relative 2^-10 (or 2^-24 absolute).
          const step = encoding === 'int8' ? scale : scale * Math.max(2 ** -24, 2 ** (Math.floor(Math.log2(Math.max(Math.abs(xi / scale), 2 ** -14))) - 10));
          assert.ok(Math.abs(yi - xi) <= step * (1 + 1e-6) + 1e-45, `value ${i}: ${xi} decoded as ${yi}, step ${step}`);
        }
      }
      assert.equal(y[5], 0);
    });

    it(`${encoding}: stochastic rounding is unbiased (mean error over 4000 encodings within 5 standard errors)`, () => {
      // Values a fraction f of a grid step above a grid point: the block's scale is exact
      // (int8: 1/128, fp16: 2^-15) and so is every x, so the only error is the rounding.
      const fractions = [0.1, 0.25, 0.5, 0.75, 0.9];
      const step = encoding === 'int8' ? 1 / 128 : 2 ** -15;
      const x = new Float32Array(QUANT_BLOCK);
      x[0] = encoding === 'int8' ? 127 / 128 : 1;
      fractions.forEach((f, k) => {
        x[k + 1] = (encoding === 'int8' ? 40 - 20 * k + f : 1500 + 100 * k + f) * step;
      });
      const trials = 4000;
      const sums = fractions.map(() => 0);
      for (let t = 0; t < trials; t++) {
        const y = decodeTensor(encodeTensor(x, encoding, next32), new Float32Array(x.length), encoding);
        fractions.forEach((_, k) => {
          sums[k] = (sums[k] as number) + (y[k + 1] as number) - (x[k + 1] as number);
        });
      }
      fractions.forEach((f, k) => {
        const mean = (sums[k] as number) / trials;
        const se = step * Math.sqrt((f * (1 - f)) / trials);
        // Round-to-nearest would be off by min(f, 1 − f) steps: at least 25 standard errors here.
        assert.ok(Math.abs(mean) <= 5 * se, `f = ${f}: mean error ${mean / step} steps, standard error ${se / step}`);
      });
    });

    it(`${encoding}: a delta added to its base gives exactly float32(base + value)`, () => {
      const base = new Float32Array(2500);
      const delta = new Float32Array(2500);
      const r = new SeededRandom(5);
      for (let i = 0; i < base.length; i++) {
        base[i] = (r.nextFloat() - 0.5) * 10;
        delta[i] = (r.nextFloat() - 0.5) * 1e-2;
      }
      const payload = encodeTensor(delta, encoding, next32);
      const values = decodeTensor(payload, new Float32Array(delta.length), encoding);
      const expected = new Float32Array(base.length);
      for (let i = 0; i < base.length; i++) expected[i] = Math.fround((base[i] as number) + (values[i] as number));
      assert.deepEqual(bits(decodeInPieces(payload, base.length, encoding, [3, 1029, 1030, 2057], base)), bits(expected));
    });
  }

  it('fp16 decodes every finite binary16 pattern to its value (scale 1)', () => {
    const payload = Buffer.alloc(4 + 2);
    payload.writeFloatLE(1, 0);
    for (const h of [0x0000, 0x0001, 0x03ff, 0x0400, 0x3c00, 0x3c01, 0x7bff, 0x8001, 0xbc00, 0xfbff]) {
      payload.writeUInt16LE(h, 4);
      assert.equal(decodeTensor(payload, new Float32Array(1), 'fp16')[0], Math.fround(halfValue(h)), `bits 0x${h.toString(16)}`);
    }
  });

  it('refuses what the contract refuses, saying where', () => {
    const int8 = Buffer.alloc(4 + 3);
    int8.writeFloatLE(0.5, 0);
    int8[6] = 0x80;
    assert.throws(() => decodeTensor(int8, new Float32Array(3), 'int8'), invalid(/value 2 is the int8 -128/));
    for (const s of [Number.NaN, -1, Number.POSITIVE_INFINITY, 3e38]) {
      const p = Buffer.alloc(4 + 3);
      p.writeFloatLE(s, 0);
      assert.throws(() => decodeTensor(p, new Float32Array(3), 'int8'), invalid(/block 0 has scale/), String(s));
    }
    const fp16 = Buffer.alloc(4 + 4);
    fp16.writeFloatLE(1, 0);
    fp16.writeUInt16LE(0x7c00, 6); // +Infinity
    assert.throws(() => decodeTensor(fp16, new Float32Array(2), 'fp16'), invalid(/value 1 is not a finite binary16/));
    const nan = new Float32Array([1, Number.NaN, 2]);
    assert.throws(() => decodeTensor(Buffer.from(nan.buffer), new Float32Array(3), 'f32'), invalid(/value 1 is NaN/));
    assert.throws(() => new TensorDecoder(new Float32Array(3), 'f32').finish(), invalid(/truncated: received 0 of 12 bytes/));
    assert.throws(() => new TensorDecoder(new Float32Array(1), 'f32').write(new Uint8Array(5)), invalid(/longer than the 4 bytes/));
    // A delta that pushes a value past float32's range.
    const big = Buffer.alloc(4 + 1);
    big.writeFloatLE(1e36, 0);
    big[4] = 127;
    assert.throws(() => decodeTensor(big, new Float32Array([3e38]), 'int8', 'add'), invalid(/value 0 overflows float32/));
  });

  it('refuses to encode a non-finite value', () => {
    assert.throws(() => encodeTensor(new Float32Array([0, Number.POSITIVE_INFINITY]), 'int8', next32), invalid(/value 1 is not finite/));
  });

  it('masked words skip the finiteness check', () => {
    const words = new Uint32Array([0x7fc00000, 0xffffffff, 7]);
    const out = new Float32Array(3);
    const d = new TensorDecoder(out, 'f32', 'set', false);
    d.write(new Uint8Array(words.buffer));
    assert.deepEqual(new Uint32Array(d.finish().buffer), words);
  });
});
