import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CohortError } from '../../../shared/errors.js';
import { SeededRandom } from '../../../shared/random.js';
import { decodeSum, encode, fixedPointParams } from '../../../shared/secagg/fixed-point.js';

function refused(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof CohortError && err.code === 'invalid_argument' && pattern.test(err.message));
}

describe('secagg fixed point', () => {
  it('derives a power-of-two scale that keeps m_max summands inside int32', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-3, max: 1e3, noNaN: true }), fc.double({ min: 0, max: 1e3, noNaN: true }), fc.integer({ min: 1, max: 100_000 }), (c, b, m) => {
        let p;
        try {
          p = fixedPointParams({ clipNorm: c, noiseBound: b, maxSummands: m });
        } catch (err) {
          // Only refusals for coarse resolution are acceptable in this range.
          assert.ok(err instanceof CohortError && /too coarse/.test(err.message));
          return;
        }
        assert.equal(Math.log2(p.scale) % 1, 0);
        assert.ok(m * ((c + b) * p.scale + 1) < 2 ** 31);
        // The next power of two would break the bound: the scale is the largest safe one.
        assert.ok(m * ((c + b) * p.scale * 2 + 1) >= 2 ** 31);
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it('refuses configurations that could overflow, naming the problem', () => {
    refused(() => fixedPointParams({ clipNorm: 1, noiseBound: 1, maxSummands: 100, scale: 2 ** 24 }), /would overflow/);
    refused(() => fixedPointParams({ clipNorm: 1, noiseBound: 0, maxSummands: 2 ** 31 }), /overflow/);
    refused(() => fixedPointParams({ clipNorm: 1, noiseBound: 0, maxSummands: 2 ** 30 }), /too coarse/);
    refused(() => fixedPointParams({ clipNorm: 0, noiseBound: 0, maxSummands: 10 }), /clipNorm/);
    refused(() => fixedPointParams({ clipNorm: 1, noiseBound: -1, maxSummands: 10 }), /noiseBound/);
    refused(() => fixedPointParams({ clipNorm: 1, noiseBound: 0, maxSummands: 1.5 }), /maxSummands/);
    refused(() => fixedPointParams({ clipNorm: 1, noiseBound: 0, maxSummands: 10, bits: 16 }), /bits = 32/);
    refused(() => fixedPointParams({ clipNorm: Infinity, noiseBound: 0, maxSummands: 10 }), /clipNorm/);
    // The explicit scale just below the limit is accepted.
    const ok = fixedPointParams({ clipNorm: 1, noiseBound: 1, maxSummands: 100, scale: 2 ** 22 });
    assert.equal(ok.scale, 2 ** 22);
  });

  it('the sum of m_max extreme encodings decodes without wrapping', () => {
    const p = fixedPointParams({ clipNorm: 1, noiseBound: 0.5, maxSummands: 1000 });
    const rng = new SeededRandom(1);
    for (const sign of [1, -1]) {
      const x = new Float32Array([sign * 1.5, sign * 100]); // 100 is clamped to the bound
      const sum = new Uint32Array(2);
      for (let i = 0; i < 1000; i++) {
        const e = encode(x, p, rng);
        sum[0] = (sum[0] as number) + (e[0] as number);
        sum[1] = (sum[1] as number) + (e[1] as number);
      }
      const dec = decodeSum(sum, p);
      assert.ok(Math.abs((dec[0] as number) - sign * 1500) <= 1000 / p.scale + 1e-3, `decoded ${dec[0]}`);
      assert.ok(Math.abs((dec[1] as number) - sign * 1500) <= 1000 / p.scale + 1e-3, `decoded ${dec[1]}`);
    }
  });

  it('round-trips within one unit per summand, for negative values too', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.float({ min: -1, max: 1, noNaN: true }), { minLength: 8, maxLength: 8 }), { minLength: 1, maxLength: 20 }), fc.integer(), (rows, seed) => {
        const p = fixedPointParams({ clipNorm: 1, noiseBound: 0, maxSummands: 20 });
        const rng = new SeededRandom(seed);
        const sum = new Uint32Array(8);
        const exact = new Float64Array(8);
        for (const row of rows) {
          const e = encode(Float32Array.from(row), p, rng);
          for (let i = 0; i < 8; i++) {
            sum[i] = (sum[i] as number) + (e[i] as number);
            exact[i] = (exact[i] as number) + Math.fround(row[i] as number);
          }
        }
        const dec = decodeSum(sum, p);
        for (let i = 0; i < 8; i++) {
          // Rounding moves each summand by < 1 unit; float32 output adds its own rounding.
          const tol = rows.length / p.scale + Math.abs(exact[i] as number) * 2 ** -23;
          assert.ok(Math.abs((dec[i] as number) - (exact[i] as number)) <= tol, `coordinate ${i}: ${dec[i]} vs ${exact[i]}`);
        }
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it('stochastic rounding is unbiased: mean error over many trials is near 0', () => {
    // Scale 4 makes rounding error large (up to 0.25) so bias would show.
    const p = fixedPointParams({ clipNorm: 1, noiseBound: 0, maxSummands: 10, scale: 4 });
    const rng = new SeededRandom(7);
    const values = [0.3, -0.3, 0.1, 0.9, -0.77];
    const trials = 40_000;
    for (const v of values) {
      const x = new Float32Array([v]);
      let total = 0;
      for (let i = 0; i < trials; i++) total += decodeSum(encode(x, p, rng), p)[0] as number;
      const mean = total / trials;
      // Error per trial is Bernoulli times 1/scale: std ≤ 0.125, so the mean's std ≤ 0.125/√N ≈ 6.3e-4; 5σ bound.
      const err = mean - Math.fround(v);
      assert.ok(Math.abs(err) < 5 * (0.125 / Math.sqrt(trials)), `value ${v}: mean error ${err}`);
    }
  });

  it('refuses non-finite values and mismatched buffers', () => {
    const p = fixedPointParams({ clipNorm: 1, noiseBound: 0, maxSummands: 10 });
    refused(() => encode(new Float32Array([0, NaN]), p, new SeededRandom(1)), /not finite/);
    refused(() => encode(new Float32Array([Infinity]), p, new SeededRandom(1)), /not finite/);
    refused(() => encode(new Float32Array(3), p, new SeededRandom(1), new Uint32Array(2)), /output/);
    refused(() => decodeSum(new Uint32Array(3), p, new Float32Array(2)), /output/);
  });
});
