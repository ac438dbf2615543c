import assert from 'node:assert/strict';
import fc from 'fast-check';
import { clipL2, l2Norm } from '../../../shared/dp/clip.js';
import { CohortError } from '../../../shared/errors.js';

function norm64(v: Float32Array): number {
  let s = 0;
  for (const x of v) s += x * x;
  return Math.sqrt(s);
}

describe('dp/clipL2', function () {
  it('leaves an update within the norm untouched', function () {
    const v = Float32Array.from([3, 4]);
    assert.deepEqual(clipL2(v, 5), { clipped: false, norm: 5 });
    assert.deepEqual(Array.from(v), [3, 4]);
    assert.deepEqual(clipL2(new Float32Array(10), 1), { clipped: false, norm: 0 });
  });

  it('scales an update above the norm to at most the norm, keeping its direction', function () {
    const v = Float32Array.from([30, -40, 0]);
    const r = clipL2(v, 1);
    assert.deepEqual(r, { clipped: true, norm: 50 });
    assert.ok(norm64(v) <= 1 && norm64(v) > 1 - 1e-6);
    assert.ok(Math.abs((v[0] as number) / (v[1] as number) + 0.75) < 1e-6);
    assert.equal(v[2], 0);
  });

  it('never leaves a norm above the clip norm, even after float32 rounding', function () {
    fc.assert(
      fc.property(
        fc.float32Array({ minLength: 1, maxLength: 300, noDefaultInfinity: true, noNaN: true }),
        fc.double({ min: 1e-6, max: 1e6, noNaN: true }),
        (values, clip) => {
          const v = Float32Array.from(values);
          const before = norm64(Float32Array.from(values));
          const r = clipL2(v, clip);
          assert.ok(norm64(v) <= clip, `norm ${norm64(v)} > ${clip}`);
          assert.equal(r.clipped, r.norm > clip);
          if (Number.isFinite(before)) assert.ok(Math.abs(r.norm - before) <= 1e-9 * before);
        },
      ),
      { seed: 42, numRuns: 300 },
    );
  });

  it('accumulates in float64 (a float32 sum of 2^20 squares would be off by ~1e-4)', function () {
    const n = 1 << 20;
    const v = new Float32Array(n).fill(0.1);
    const exact = Math.fround(0.1) * Math.sqrt(n);
    const { norm } = clipL2(v, 1e9);
    assert.ok(Math.abs(norm - exact) / exact < 1e-12);
  });

  it('handles entries near the float32 maximum without overflow', function () {
    const v = Float32Array.from([3.4e38, 3.4e38]);
    const r = clipL2(v, 1);
    assert.ok(Math.abs(r.norm - 3.4e38 * Math.SQRT2) / r.norm < 1e-6);
    assert.ok(norm64(v) <= 1);
  });

  it('rejects non-finite entries and bad clip norms (a NaN norm would skip clipping)', function () {
    for (const bad of [Number.NaN, Infinity, -Infinity]) {
      assert.throws(() => clipL2(Float32Array.from([1, bad]), 1), (e: unknown) => e instanceof CohortError && e.code === 'invalid_argument');
    }
    for (const c of [0, -1, Number.NaN, Infinity]) {
      assert.throws(() => clipL2(Float32Array.from([1]), c), (e: unknown) => e instanceof CohortError && e.code === 'invalid_argument');
    }
  });
});

describe('dp/l2Norm', function () {
  it('is exact on small integers, across block boundaries, and NaN or Infinity for non-finite entries', function () {
    assert.equal(l2Norm(Float32Array.from([3, 4, 12])), 13);
    assert.equal(l2Norm(new Float32Array(0)), 0);
    const ones = new Float32Array(1024 * 3 + 7).fill(1);
    assert.equal(l2Norm(ones), Math.sqrt(ones.length));
    assert.ok(Number.isNaN(l2Norm(Float32Array.from([1, Number.NaN]))));
    assert.equal(l2Norm(Float32Array.from([1, -Infinity])), Infinity);
  });
});
