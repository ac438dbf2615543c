import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CohortError } from '../../../shared/errors.js';
import { FedAvgAccumulator } from '../../../server/core/fedavg.js';

/** Spacing of float32 values near |x| (subnormal spacing below the normal range). */
function ulp32(x: number): number {
  const a = Math.abs(x);
  if (a < 2 ** -126) return 2 ** -149;
  return 2 ** (Math.floor(Math.log2(a)) - 23);
}

const finite32 = fc.float({ min: -1000, max: 1000, noNaN: true, noDefaultInfinity: true });

describe('FedAvgAccumulator', () => {
  it('equals the example-weighted mean computed naively in float64 (property)', () => {
    const input = fc
      .integer({ min: 1, max: 40 })
      .chain((d) =>
        fc.record({
          global: fc.array(finite32, { minLength: d, maxLength: d }),
          updates: fc.array(
            fc.record({ delta: fc.array(finite32, { minLength: d, maxLength: d }), weight: fc.integer({ min: 1, max: 100_000 }) }),
            { minLength: 1, maxLength: 8 },
          ),
        }),
      );
    fc.assert(
      fc.property(input, ({ global, updates }) => {
        const d = global.length;
        const acc = new FedAvgAccumulator(d);
        for (const u of updates) acc.add(Float32Array.from(u.delta), u.weight);
        assert.equal(acc.updates, updates.length);
        const total = updates.reduce((n, u) => n + u.weight, 0);
        assert.equal(acc.weight, total);
        const g32 = Float32Array.from(global);
        const out = acc.apply(g32);
        assert.equal(out.length, d);
        assert.notEqual(out, g32);
        for (let i = 0; i < d; i++) {
          let num = 0;
          let scale = Math.abs(g32[i] as number);
          for (const u of updates) {
            const x = Math.fround(u.delta[i] as number);
            num += u.weight * x;
            scale += Math.abs(x);
          }
          const expected = (g32[i] as number) + num / total;
          // One float32 rounding of the result, plus float64 rounding noise relative to the terms' size.
          const tol = ulp32(expected) + 1e-12 * scale;
          assert.ok(Math.abs((out[i] as number) - expected) <= tol, `index ${i}: got ${out[i]}, expected ${expected} ± ${tol}`);
        }
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it('gives the exact known answer on dyadic values', () => {
    const acc = new FedAvgAccumulator(3);
    acc.add(Float32Array.of(1, 0, -8), 1);
    acc.add(Float32Array.of(0, 2, 0), 3);
    acc.add(Float32Array.of(0.5, -1, 2), 4);
    // (1·1 + 4·0.5)/8 = 0.375, (3·2 − 4)/8 = 0.25, (−8 + 8)/8 = 0
    assert.deepEqual(acc.apply(Float32Array.of(10, 20, 30)), Float32Array.of(10.375, 20.25, 30));
  });

  it('does not modify the global vector it is applied to', () => {
    const acc = new FedAvgAccumulator(2);
    acc.add(Float32Array.of(1, 1), 2);
    const g = Float32Array.of(5, 6);
    acc.apply(g);
    assert.deepEqual(g, Float32Array.of(5, 6));
  });

  it('rejects an update of the wrong length and leaves the sum untouched', () => {
    const acc = new FedAvgAccumulator(3);
    assert.throws(() => acc.add(new Float32Array(2), 1), (e: unknown) => e instanceof CohortError && e.code === 'invalid_argument' && /2 values, expected 3/.test(e.message));
    assert.throws(() => acc.add(new Float32Array(4), 1), (e: unknown) => e instanceof CohortError && e.code === 'invalid_argument');
    assert.equal(acc.updates, 0);
    assert.equal(acc.weight, 0);
  });

  it('rejects a non-positive or non-finite weight', () => {
    const acc = new FedAvgAccumulator(1);
    for (const w of [0, -1, -0, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => acc.add(Float32Array.of(1), w), (e: unknown) => e instanceof CohortError && e.code === 'invalid_argument' && /weight must be positive/.test(e.message));
    }
    assert.equal(acc.updates, 0);
    acc.add(Float32Array.of(4), 2);
    assert.deepEqual(acc.apply(Float32Array.of(0)), Float32Array.of(4));
  });

  it('refuses to apply an empty aggregate', () => {
    const acc = new FedAvgAccumulator(2);
    assert.throws(() => acc.apply(new Float32Array(2)), (e: unknown) => e instanceof CohortError && e.code === 'failed_precondition' && /no updates/.test(e.message));
  });

  it('refuses to apply to global weights of another length', () => {
    const acc = new FedAvgAccumulator(2);
    acc.add(Float32Array.of(1, 2), 1);
    assert.throws(() => acc.apply(new Float32Array(3)), RangeError);
  });
});
