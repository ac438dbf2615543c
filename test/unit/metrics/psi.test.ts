import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CohortError } from '../../../shared/errors.js';
import { fixBins, histogram, PSI_FLOOR, psi, psiByFeature, slotsPerFeature, summarizeDrift } from '../../../shared/metrics/psi.js';

/** Known answers computed independently with Python's math.log from the definition Σ (a−e)·ln(a/e), floor 1e-4. */
const KNOWN: readonly { expected: number[]; actual: number[]; psi: number }[] = [
  { expected: [25, 25, 25, 25], actual: [10, 20, 30, 40], psi: 0.22821740957339182 },
  { expected: [10, 20, 30, 40], actual: [40, 30, 20, 10], psi: 0.9128696382935673 },
  { expected: [10, 10, 10, 10, 10, 10, 10, 10, 10, 10], actual: [5, 5, 8, 9, 10, 11, 12, 13, 13, 14], psi: 0.10863147250567731 },
  // Empty bins on either side are floored at 1e-4.
  { expected: [50, 50, 0], actual: [50, 0, 50], psi: 8.515489752777954 },
  { expected: [1, 1, 1, 1], actual: [1, 1, 1, 1], psi: 0 },
];

describe('PSI (shared/metrics/psi)', function () {
  it('matches known answers', function () {
    for (const k of KNOWN) assert.ok(Math.abs(psi(k.expected, k.actual) - k.psi) < 1e-12, `${k.expected} vs ${k.actual}: ${psi(k.expected, k.actual)} != ${k.psi}`);
  });

  it('reads counts, not proportions: scaling either histogram changes nothing', function () {
    assert.ok(Math.abs(psi([250, 250, 250, 250], [1, 2, 3, 4]) - 0.22821740957339182) < 1e-12);
  });

  it('refuses mismatched, negative, non-finite and empty histograms', function () {
    for (const [e, a] of [
      [[1, 2], [1, 2, 3]],
      [[1, -1], [1, 1]],
      [[1, NaN], [1, 1]],
      [[1, Infinity], [1, 1]],
      [[0, 0], [1, 1]],
      [[1, 1], [0, 0]],
    ] as const) {
      assert.throws(() => psi(e, a), (err: unknown) => err instanceof CohortError && err.code === 'invalid_argument');
    }
  });

  it('is non-negative, symmetric, and zero between proportional histograms (property)', function () {
    const counts = fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 20 });
    fc.assert(
      fc.property(counts, fc.integer({ min: 1, max: 50 }), fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 20, maxLength: 20 }), (e, k, other) => {
        fc.pre(e.some((c) => c > 0));
        const a = other.slice(0, e.length);
        fc.pre(a.some((c) => c > 0));
        const p = psi(e, a);
        assert.ok(p >= 0, `negative PSI ${p}`);
        assert.ok(Math.abs(p - psi(a, e)) <= 1e-9 * Math.max(1, p), 'not symmetric');
        assert.ok(Math.abs(psi(e, e.map((c) => c * k))) < 1e-12, 'not zero on a scaled copy');
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it('grows as the actual distribution moves away (property: mixing toward the baseline lowers PSI)', function () {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 2, maxLength: 12 }), fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 12, maxLength: 12 }), (e, other) => {
        const a = other.slice(0, e.length);
        const te = e.reduce((s, c) => s + c, 0);
        const ta = a.reduce((s, c) => s + c, 0);
        // Halfway between the proportions: PSI is convex in a and zero at e, so it cannot increase.
        const half = e.map((c, i) => c / te + (a[i] as number) / ta);
        assert.ok(psi(e, half) <= psi(e, a) + 1e-12);
      }),
      { seed: 42, numRuns: 200 },
    );
  });
});

describe('feature bins and per-feature PSI (shared/metrics/psi)', function () {
  const ramp = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + i);

  it('puts each of 0..9 in its own of 10 bins, and outliers in the under/overflow bins', function () {
    const bins = fixBins(Float32Array.from(ramp(0, 10)), 1, 10);
    assert.equal(slotsPerFeature(bins), 12);
    assert.deepEqual([...histogram(bins, Float32Array.from(ramp(0, 10)))], [0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
    assert.deepEqual([...histogram(bins, Float32Array.from([-1, -Infinity, 10, Infinity, NaN, 4.5]))], [2, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 3]);
  });

  it('keeps a constant feature in one bin and counts any change as out of range', function () {
    const bins = fixBins(Float32Array.from([3, 3, 3]), 1, 4);
    assert.deepEqual([...histogram(bins, Float32Array.from([3, 2, 4, 3]))], [1, 2, 0, 0, 0, 1]);
  });

  it('bins row-major data per feature', function () {
    // Two features: the first ramps 0..9, the second is constant 7.
    const x = Float32Array.from(ramp(0, 10).flatMap((v) => [v, 7]));
    const bins = fixBins(x, 2, 10);
    const h = histogram(bins, x);
    assert.deepEqual([...h.subarray(0, 12)], [0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
    assert.deepEqual([...h.subarray(12, 24)], [0, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('gives known PSI for shifted data, per feature', function () {
    const base = Float32Array.from(ramp(0, 10).flatMap((v) => [v, v]));
    const bins = fixBins(base, 2, 10);
    // Feature 0: 0..4 twice each (3.7969973521315503); feature 1: shifted to 5..14 (7.708168638240554).
    const now = Float32Array.from([0, 1, 2, 3, 4, 0, 1, 2, 3, 4].flatMap((v, i) => [v, 5 + i]));
    const values = psiByFeature(bins, histogram(bins, base), histogram(bins, now));
    assert.ok(Math.abs((values[0] as number) - 3.7969973521315503) < 1e-12, String(values[0]));
    assert.ok(Math.abs((values[1] as number) - 7.708168638240554) < 1e-12, String(values[1]));
    const summary = summarizeDrift(values, 0.2);
    assert.deepEqual({ ...summary, maxPsi: Math.round(summary.maxPsi * 1e6) / 1e6 }, { maxPsi: 7.708169, worstFeature: 1, drifted: 2, features: 2 });
    assert.equal(summarizeDrift(psiByFeature(bins, histogram(bins, base), histogram(bins, base)), 0.2).drifted, 0);
  });

  it('stays below the threshold for a fresh sample of the same distribution and above it after a shift', function () {
    // Deterministic "samples": a fine ramp and the same ramp offset by a quarter step.
    const n = 2000;
    const base = Float32Array.from({ length: n }, (_, i) => i / n);
    const same = Float32Array.from({ length: n }, (_, i) => (i + 0.25) / n);
    const shifted = Float32Array.from({ length: n }, (_, i) => 0.3 + i / n);
    const bins = fixBins(base, 1, 10);
    const e = histogram(bins, base);
    assert.ok((psiByFeature(bins, e, histogram(bins, same))[0] as number) < 0.01);
    assert.ok((psiByFeature(bins, e, histogram(bins, shifted))[0] as number) > 0.2);
  });

  it('checks shapes', function () {
    assert.throws(() => fixBins(new Float32Array(5), 2), /whole rows/);
    assert.throws(() => fixBins(new Float32Array(0), 2), /empty baseline/);
    assert.throws(() => fixBins(new Float32Array(4), 2, 0), /bins/);
    const bins = fixBins(new Float32Array(4), 2);
    assert.throws(() => psiByFeature(bins, new Float64Array(3), new Float64Array(3)), /counts/);
    assert.ok(PSI_FLOOR > 0);
  });
});
