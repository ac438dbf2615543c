import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CohortError } from '../../../shared/errors.js';
import { SeededRandom } from '../../../shared/random.js';
import { gaussianNoise } from '../../../shared/dp/gaussian.js';
import { CappedFedAvg, capMix, createAggregator, MAX_ROBUST_VALUES, RobustAggregator, robustMemoryRefusal } from '../../../server/core/aggregators.js';

/** Spacing of float32 values near |x| (subnormal spacing below the normal range). */
function ulp32(x: number): number {
  const a = Math.abs(x);
  if (a < 2 ** -126) return 2 ** -149;
  return 2 ** (Math.floor(Math.log2(a)) - 23);
}

const finite32 = fc.float({ min: -1000, max: 1000, noNaN: true, noDefaultInfinity: true });

const updatesOf = (d: number) =>
  fc.array(fc.record({ delta: fc.array(finite32, { minLength: d, maxLength: d }), weight: fc.integer({ min: 1, max: 10_000_000 }) }), { minLength: 1, maxLength: 8 });

/** Check `out` against `global + Σ cᵢΔᵢ` computed naively in float64. */
function assertStep(out: Float32Array, global: Float32Array, updates: ReadonlyArray<{ delta: number[]; weight: number }>, coefficients: readonly number[]): void {
  for (let i = 0; i < global.length; i++) {
    let step = 0;
    let scale = Math.abs(global[i] as number);
    updates.forEach((u, k) => {
      const x = Math.fround(u.delta[i] as number);
      step += (coefficients[k] as number) * x;
      scale += Math.abs(x);
    });
    const expected = (global[i] as number) + step;
    // One float32 rounding of the result, plus float64 rounding noise relative to the terms' size.
    const tol = ulp32(expected) + 1e-12 * scale;
    assert.ok(Math.abs((out[i] as number) - expected) <= tol, `index ${i}: got ${out[i]}, expected ${expected} ± ${tol}`);
  }
}

describe('capMix (share cap of one node)', () => {
  it('keeps example weights when no node passes the cap, and goes uniform when the cap is below 1/m', () => {
    assert.equal(capMix(100, 25, 4, 0.25), 1);
    assert.equal(capMix(100, 40, 4, 0.25), (0.25 - 0.25) / (0.4 - 0.25));
    assert.equal(capMix(100, 40, 3, 0.25), 0, '3 nodes cannot be capped at a quarter: uniform');
    assert.equal(capMix(0, 0, 0, 0.25), 1);
  });

  it('caps the largest share at exactly max(c, 1/m), and shares still sum to 1 (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 10_000_000 }), { minLength: 1, maxLength: 30 }), fc.double({ min: 0.01, max: 1, noNaN: true }), (counts, c) => {
        const total = counts.reduce((a, b) => a + b, 0);
        const max = Math.max(...counts);
        const m = counts.length;
        const alpha = capMix(total, max, m, c);
        assert.ok(alpha >= 0 && alpha <= 1);
        const shares = counts.map((n) => (alpha * n) / total + (1 - alpha) / m);
        const sum = shares.reduce((a, b) => a + b, 0);
        assert.ok(Math.abs(sum - 1) < 1e-9, `shares sum to ${sum}`);
        const largest = Math.max(...shares);
        assert.ok(largest <= Math.max(c, 1 / m) + 1e-9, `largest share ${largest} over cap ${c} with ${m} nodes`);
        if (max / total <= c) assert.equal(alpha, 1, 'nothing to cap: weights untouched');
      }),
      { seed: 7, numRuns: 500 },
    );
  });
});

describe('CappedFedAvg', () => {
  it('without a cap equals the example-weighted mean computed naively in float64 (property)', () => {
    const input = fc.integer({ min: 1, max: 40 }).chain((d) => fc.record({ global: fc.array(finite32, { minLength: d, maxLength: d }), updates: updatesOf(d) }));
    fc.assert(
      fc.property(input, ({ global, updates }) => {
        const acc = new CappedFedAvg(global.length, 1);
        for (const u of updates) acc.add(Float32Array.from(u.delta), u.weight);
        assert.equal(acc.updates, updates.length);
        const total = updates.reduce((n, u) => n + u.weight, 0);
        assert.equal(acc.weight, total);
        const g32 = Float32Array.from(global);
        const out = acc.apply(g32);
        assert.notEqual(out, g32);
        assertStep(out, g32, updates, updates.map((u) => u.weight / total));
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it('with a cap equals the capped blend computed naively in float64 (property)', () => {
    const input = fc
      .integer({ min: 1, max: 20 })
      .chain((d) => fc.record({ global: fc.array(finite32, { minLength: d, maxLength: d }), updates: updatesOf(d), cap: fc.double({ min: 0.05, max: 0.99, noNaN: true }) }));
    fc.assert(
      fc.property(input, ({ global, updates, cap }) => {
        const acc = new CappedFedAvg(global.length, cap);
        for (const u of updates) acc.add(Float32Array.from(u.delta), u.weight);
        const total = updates.reduce((n, u) => n + u.weight, 0);
        const alpha = capMix(total, Math.max(...updates.map((u) => u.weight)), updates.length, cap);
        assert.equal(acc.mix, alpha);
        const g32 = Float32Array.from(global);
        assertStep(acc.apply(g32), g32, updates, updates.map((u) => (alpha * u.weight) / total + (1 - alpha) / updates.length));
      }),
      { seed: 43, numRuns: 300 },
    );
  });

  it('gives a node that claims 10M examples exactly the capped share', () => {
    const acc = new CappedFedAvg(1, 0.25);
    for (let k = 0; k < 7; k++) acc.add(Float32Array.of(0), 1000);
    acc.add(Float32Array.of(8), 10_000_000);
    // Its share is exactly 0.25: the step is 0.25 · 8.
    assert.equal(acc.apply(Float32Array.of(0))[0], 2);
  });

  it('gives the exact known answer on dyadic values', () => {
    const acc = new CappedFedAvg(3, 1);
    acc.add(Float32Array.of(1, 0, -8), 1);
    acc.add(Float32Array.of(0, 2, 0), 3);
    acc.add(Float32Array.of(0.5, -1, 2), 4);
    // (1·1 + 4·0.5)/8 = 0.375, (3·2 − 4)/8 = 0.25, (−8 + 8)/8 = 0
    assert.deepEqual(acc.apply(Float32Array.of(10, 20, 30)), Float32Array.of(10.375, 20.25, 30));
  });

  it('adds central noise to the sum of a private round (weights 1) as uncapped FedAvg did', () => {
    const updates = [Float32Array.of(1, 2, 3, 4), Float32Array.of(-1, 0, 1, 2), Float32Array.of(0.5, 0.5, 0.5, 0.5)];
    const acc = new CappedFedAvg(4, 0.25);
    for (const u of updates) acc.add(u, 1);
    acc.addNoise(3, new SeededRandom(5));
    const noise = new Float32Array(4);
    gaussianNoise(noise, 3, new SeededRandom(5));
    const out = acc.apply(new Float32Array(4));
    for (let i = 0; i < 4; i++) {
      const sum = updates.reduce((s, u) => s + (u[i] as number), 0);
      assert.ok(Math.abs((out[i] as number) - (sum + (noise[i] as number)) / 3) < 1e-6);
    }
  });

  it('does not modify the global vector it is applied to', () => {
    const acc = new CappedFedAvg(2, 0.5);
    acc.add(Float32Array.of(1, 1), 2);
    const g = Float32Array.of(5, 6);
    acc.apply(g);
    assert.deepEqual(g, Float32Array.of(5, 6));
  });

  it('rejects an update of the wrong length, or a bad weight, and leaves the sum untouched', () => {
    const acc = new CappedFedAvg(3, 0.25);
    assert.throws(() => acc.add(new Float32Array(2), 1), (e: unknown) => e instanceof CohortError && e.code === 'invalid_argument' && /2 values, expected 3/.test(e.message));
    for (const w of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => acc.add(Float32Array.of(1, 1, 1), w), (e: unknown) => e instanceof CohortError && /weight must be positive/.test(e.message));
    }
    assert.equal(acc.updates, 0);
    assert.equal(acc.weight, 0);
    assert.throws(() => acc.apply(new Float32Array(3)), (e: unknown) => e instanceof CohortError && e.code === 'failed_precondition');
    acc.add(Float32Array.of(1, 2, 3), 1);
    assert.throws(() => acc.apply(new Float32Array(4)), RangeError);
  });

  it('refuses a share cap outside (0, 1]', () => {
    for (const c of [0, -0.1, 1.5, Number.NaN]) assert.throws(() => new CappedFedAvg(1, c), RangeError);
  });
});

describe('RobustAggregator', () => {
  it('computes coordinate-wise medians (odd and even counts) and trimmed means', () => {
    const rows = [Float32Array.of(1, 10), Float32Array.of(3, -2), Float32Array.of(2, 4), Float32Array.of(100, 0)];
    const median = new RobustAggregator(2, 'median');
    for (const r of rows.slice(0, 3)) median.add(r);
    assert.deepEqual(median.apply(Float32Array.of(0, 0)), Float32Array.of(2, 4));
    median.add(rows[3] as Float32Array);
    assert.deepEqual(median.apply(Float32Array.of(0, 0)), Float32Array.of(2.5, 2));
    const trimmed = new RobustAggregator(2, 'trimmed-mean', 0.25);
    for (const r of rows) trimmed.add(r);
    // One value cut at each end of each coordinate: (2 + 3)/2 and (0 + 4)/2.
    assert.deepEqual(trimmed.apply(Float32Array.of(1, 1)), Float32Array.of(3.5, 3));
  });

  it('copies each update, so a reused buffer does not change what was added', () => {
    const agg = new RobustAggregator(1, 'median');
    const buffer = Float32Array.of(1);
    agg.add(buffer);
    buffer[0] = 99;
    agg.add(Float32Array.of(3));
    agg.add(Float32Array.of(2));
    assert.deepEqual(agg.apply(Float32Array.of(0)), Float32Array.of(2));
  });

  it('stays within the honest values of every coordinate up to its breakdown point (property)', () => {
    const input = fc.record({
      honest: fc.array(fc.array(fc.float({ min: -1, max: 1, noNaN: true }), { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 12 }),
      attack: fc.float({ min: Math.fround(-1e30), max: Math.fround(1e30), noNaN: true, noDefaultInfinity: true }),
      trim: fc.double({ min: 0.05, max: 0.45, noNaN: true }),
    });
    fc.assert(
      fc.property(input, ({ honest, attack, trim }) => {
        for (const kind of ['median', 'trimmed-mean'] as const) {
          // Corrupted nodes tolerated: median ⌈m/2⌉ − 1, trimmed mean ⌊β·m⌋ (m counts them too).
          let bad = 0;
          for (let f = 0; ; f++) {
            const m = honest.length + f;
            const tolerated = kind === 'median' ? Math.ceil(m / 2) - 1 : Math.floor(trim * m);
            if (f > tolerated) break;
            bad = f;
          }
          const agg = new RobustAggregator(3, kind, trim);
          for (const h of honest) agg.add(Float32Array.from(h));
          for (let f = 0; f < bad; f++) agg.add(Float32Array.of(attack, -attack, attack));
          const out = agg.apply(new Float32Array(3));
          for (let i = 0; i < 3; i++) {
            const values = honest.map((h) => Math.fround(h[i] as number));
            assert.ok((out[i] as number) >= Math.min(...values) - 1e-6 && (out[i] as number) <= Math.max(...values) + 1e-6, `${kind} with ${bad} bad of ${honest.length + bad}: ${out[i]}`);
          }
        }
      }),
      { seed: 9, numRuns: 300 },
    );
  });

  it('refuses differential-privacy noise and a trim outside [0, 0.5)', () => {
    const agg = new RobustAggregator(1, 'median');
    assert.throws(() => agg.addNoise(), (e: unknown) => e instanceof CohortError && /does not support differential privacy/.test(e.message));
    assert.throws(() => new RobustAggregator(1, 'trimmed-mean', 0.5), RangeError);
    assert.throws(() => agg.apply(Float32Array.of(0)), (e: unknown) => e instanceof CohortError && e.code === 'failed_precondition');
  });

  it('is refused for a round whose updates would pass 256 MiB, naming the need; fedavg never is', () => {
    assert.equal(MAX_ROBUST_VALUES * 4, 256 * 2 ** 20);
    assert.equal(robustMemoryRefusal('median', 64, 1_048_576), undefined, 'exactly at the limit');
    assert.equal(
      robustMemoryRefusal('median', 65, 1_048_576),
      'median keeps every update: 65 nodes × 1048576 parameters need 260 MiB, over the limit of 256 MiB (use fedavg, fewer nodes or a lower sample rate)',
    );
    assert.match(robustMemoryRefusal('trimmed-mean', 50, 1_500_000) ?? '', /^trimmed-mean keeps every update: 50 nodes × 1500000 parameters need 286 MiB/);
    assert.equal(robustMemoryRefusal('fedavg', 10_000, 10_000_000), undefined);
  });

  it('is what createAggregator builds for each kind', () => {
    assert.ok(createAggregator('fedavg', 2, { maxWeightShare: 0.25, trimFraction: 0.1 }) instanceof CappedFedAvg);
    const m = createAggregator('median', 2, { maxWeightShare: 0.25, trimFraction: 0.1 });
    assert.ok(m instanceof RobustAggregator && m.kind === 'median');
  });
});
