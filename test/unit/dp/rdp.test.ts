import assert from 'node:assert/strict';
import fc from 'fast-check';
import { gaussianEpsilon } from '../../../shared/dp/analytic-gaussian.js';
import { DEFAULT_ORDERS, computeRdp, epsilonRdp, rdpToEpsilon } from '../../../shared/dp/rdp.js';
import { CohortError } from '../../../shared/errors.js';
import { mpmathVectors, referencePoints, relErr } from './vectors.js';

/** The grid: q ∈ {1, 0.1, 0.01, 0.001}, σ ∈ [0.5, 4], T ≤ 10⁴, δ ∈ {1e-5, 1e-6}. */
const qs = fc.constantFrom(1, 0.1, 0.01, 0.001);
const sigmas = fc.double({ min: 0.5, max: 4, noNaN: true });
const deltas = fc.constantFrom(1e-5, 1e-6);

describe('dp/rdp', function () {
  it('has the reference order list: 1.1..10.9 step 0.1, 11..63, 128, 256, 512, 1024', function () {
    assert.equal(DEFAULT_ORDERS.length, 99 + 53 + 4);
    assert.equal(DEFAULT_ORDERS[0], 1.1);
    assert.equal(DEFAULT_ORDERS[98], 10.9);
    assert.equal(DEFAULT_ORDERS[99], 11);
    assert.deepEqual(DEFAULT_ORDERS.slice(-5), [63, 128, 256, 512, 1024]);
  });

  it('matches the published current-conversion figures within 1%, never more than 0.5% below', function () {
    for (const p of referencePoints()) {
      const { epsilon } = epsilonRdp({ q: p.sampleRate, sigma: p.noiseMultiplier, steps: p.steps, delta: p.delta });
      const rel = relErr(epsilon, p.rdpEpsilonCurrentConversion);
      assert.ok(Math.abs(rel) <= 0.01 && rel >= -0.005, `${p.source} σ=${p.noiseMultiplier}: ${epsilon} vs ${p.rdpEpsilonCurrentConversion}`);
    }
  });

  it('is tighter than the older published figures (older conversion, coarser orders)', function () {
    for (const p of referencePoints()) {
      const { epsilon } = epsilonRdp({ q: p.sampleRate, sigma: p.noiseMultiplier, steps: p.steps, delta: p.delta });
      assert.ok(epsilon < p.rdpEpsilonPublished, `${epsilon} ≥ ${p.rdpEpsilonPublished}`);
    }
  });

  it('matches per-step RDP from mpmath (exact sums and quadrature) to 1e-5 relative, never below by more than 1e-7', function () {
    // Above: the series stops at 1e-6 of A−1 and adds a bound on the rest. Below: only float64
    // rounding of log A ≈ 1e-16 absolute, which is 1e-8 relative when RDP is 5e-8.
    for (const v of mpmathVectors().rdp) {
      const [ours] = computeRdp(v.q, v.sigma, 1, [v.order]);
      const rel = relErr(ours as number, v.rdp);
      assert.ok(Math.abs(rel) < 1e-5 && rel > -1e-7, `q=${v.q} σ=${v.sigma} α=${v.order}: ${ours} vs ${v.rdp}`);
    }
  });

  it('is exactly T·α/(2σ²) for q = 1 (the unsampled Gaussian)', function () {
    fc.assert(
      fc.property(sigmas, fc.integer({ min: 1, max: 10_000 }), (sigma, steps) => {
        const rdp = computeRdp(1, sigma, steps);
        DEFAULT_ORDERS.forEach((a, i) => assert.ok(Math.abs((rdp[i] as number) - (steps * a) / (2 * sigma * sigma)) <= 1e-12 * (rdp[i] as number)));
      }),
      { seed: 42, numRuns: 20 },
    );
  });

  it('fractional series and integer sum agree at (near-)integer orders, and q → 1 meets the closed form', function () {
    for (const [q, sigma] of [
      [0.1, 0.7],
      [0.01, 1.3],
      [0.001, 3],
      [0.3, 2],
    ] as const) {
      for (const k of [2, 3, 7, 10]) {
        const [atInt, below, above] = computeRdp(q, sigma, 1, [k, k - 1e-9, k + 1e-9]) as [number, number, number];
        assert.ok(Math.abs(below / atInt - 1) < 1e-6 && Math.abs(above / atInt - 1) < 1e-6, `q=${q} σ=${sigma} α=${k}: ${below} ${atInt} ${above}`);
      }
    }
    const [nearOne] = computeRdp(1 - 1e-12, 1.5, 1, [4.5]);
    assert.ok(Math.abs((nearOne as number) / (4.5 / (2 * 1.5 * 1.5)) - 1) < 1e-9);
  });

  it('RDP grows with q at every order (subsampling only helps)', function () {
    fc.assert(
      fc.property(fc.double({ min: 1e-4, max: 1, noNaN: true }), fc.double({ min: 1e-4, max: 1, noNaN: true }), sigmas, (a, b, sigma) => {
        const lo = computeRdp(Math.min(a, b), sigma, 1);
        const hi = computeRdp(Math.max(a, b), sigma, 1);
        lo.forEach((r, i) => assert.ok(r <= (hi[i] as number) * (1 + 1e-9), `order ${DEFAULT_ORDERS[i]}: ${r} > ${hi[i]}`));
      }),
      { seed: 42, numRuns: 30 },
    );
  });

  it('ε grows with T', function () {
    fc.assert(
      fc.property(qs, sigmas, fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 10_000 }), deltas, (q, sigma, t1, t2, delta) => {
        const a = epsilonRdp({ q, sigma, steps: Math.min(t1, t2), delta }).epsilon;
        const b = epsilonRdp({ q, sigma, steps: Math.max(t1, t2), delta }).epsilon;
        assert.ok(a <= b, `${a} > ${b}`);
      }),
      { seed: 42, numRuns: 60 },
    );
  });

  it('ε falls as σ grows', function () {
    fc.assert(
      fc.property(qs, sigmas, sigmas, fc.integer({ min: 1, max: 10_000 }), deltas, (q, s1, s2, steps, delta) => {
        const a = epsilonRdp({ q, sigma: Math.max(s1, s2), steps, delta }).epsilon;
        const b = epsilonRdp({ q, sigma: Math.min(s1, s2), steps, delta }).epsilon;
        assert.ok(a <= b, `${a} > ${b}`);
      }),
      { seed: 42, numRuns: 60 },
    );
  });

  it('never reports less than the exact ε of the unsampled Gaussian (q = 1)', function () {
    fc.assert(
      fc.property(sigmas, fc.integer({ min: 1, max: 10_000 }), deltas, (sigma, steps, delta) => {
        const rdp = epsilonRdp({ q: 1, sigma, steps, delta }).epsilon;
        const exact = gaussianEpsilon(Math.sqrt(steps) / sigma, delta);
        assert.ok(rdp >= exact, `${rdp} < exact ${exact}`);
      }),
      { seed: 42, numRuns: 60 },
    );
  });

  it('answers for every valid input on a wide grid: finite, ≥ 0, never below the q = 1 bound nor a crash', function () {
    // Regression: q = 0.5, σ = 2·10⁴ threw "did not converge" (the fractional series decays
    // polynomially near q = 1/2); such orders are now bounded by the next integer order.
    const logUniform = (lo: number, hi: number): fc.Arbitrary<number> => fc.double({ min: Math.log(lo), max: Math.log(hi), noNaN: true }).map(Math.exp);
    const q = fc.oneof(logUniform(1e-6, 1), fc.double({ min: 0.45, max: 0.55, noNaN: true }), fc.constantFrom(0.5, 1));
    fc.assert(
      fc.property(q, logUniform(0.05, 1e5), fc.integer({ min: 1, max: 1_000_000 }), logUniform(1e-12, 0.5), (q, sigma, steps, delta) => {
        const { epsilon } = epsilonRdp({ q: Math.min(q, 1), sigma, steps, delta });
        assert.ok(Number.isFinite(epsilon) && epsilon >= 0, `q=${q} σ=${sigma} T=${steps} δ=${delta}: ε = ${epsilon}`);
        const unsampled = epsilonRdp({ q: 1, sigma, steps, delta }).epsilon;
        assert.ok(epsilon <= unsampled * (1 + 1e-9) + 1e-12, `q=${q} σ=${sigma} T=${steps} δ=${delta}: ε ${epsilon} above the unsampled ${unsampled}`);
      }),
      { seed: 7, numRuns: 150 },
    );
    for (const sigma of [2e4, 5e4, 1e5]) {
      const { epsilon } = epsilonRdp({ q: 0.5, sigma, steps: 1, delta: 1e-5 });
      assert.ok(Number.isFinite(epsilon) && epsilon <= epsilonRdp({ q: 0.5, sigma: 1e4, steps: 1, delta: 1e-5 }).epsilon);
    }
  });

  it('rdpToEpsilon applies the improved conversion and picks the best order', function () {
    const delta = 1e-5;
    // One order: ε = r + log((α−1)/α) − (log δ + log α)/(α−1), by hand for α = 5, r = 1.
    const hand = 1 + Math.log(4 / 5) - (Math.log(1e-5) + Math.log(5)) / 4;
    assert.ok(Math.abs(rdpToEpsilon([5], [1], delta).epsilon - hand) < 1e-14);
    const r = rdpToEpsilon([2, 5, 50], [0.5, 1, 30], delta);
    assert.equal(r.order, 5);
    // Tiny RDP: the KL bound already gives (0, δ).
    assert.equal(rdpToEpsilon([2], [1e-12], delta).epsilon, 0);
    // Orders too close to 1 are skipped (unstable bound).
    assert.equal(rdpToEpsilon([1.005], [0.1], delta).epsilon, Infinity);
  });

  it('rejects bad parameters with invalid_argument naming them', function () {
    const bad: [() => unknown, RegExp][] = [
      [() => computeRdp(0, 1, 1), /sample rate/],
      [() => computeRdp(1.5, 1, 1), /sample rate/],
      [() => computeRdp(0.1, 0, 1), /noise multiplier/],
      [() => computeRdp(0.1, Number.NaN, 1), /noise multiplier/],
      [() => computeRdp(0.1, 1, 0), /steps/],
      [() => computeRdp(0.1, 1, 2.5), /steps/],
      [() => computeRdp(0.1, 1, 1, [1]), /order/],
      [() => epsilonRdp({ q: 0.1, sigma: 1, steps: 1, delta: 0 }), /delta/],
      [() => epsilonRdp({ q: 0.1, sigma: 1, steps: 1, delta: 1 }), /delta/],
      [() => rdpToEpsilon([2, 3], [1], 1e-5), /same length/],
      [() => rdpToEpsilon([2], [-1], 1e-5), /rdp/],
    ];
    for (const [f, re] of bad) {
      assert.throws(f, (e: unknown) => e instanceof CohortError && e.code === 'invalid_argument' && re.test(e.message));
    }
  });
});
