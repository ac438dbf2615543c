import assert from 'node:assert/strict';
import fc from 'fast-check';
import { gaussianDelta, gaussianEpsilon } from '../../../shared/dp/analytic-gaussian.js';
import { epsilonPld, epsilonPldDiscretised, hockeyStick } from '../../../shared/dp/pld.js';
import { epsilonRdp } from '../../../shared/dp/rdp.js';
import { CohortError } from '../../../shared/errors.js';
import { mpmathVectors, referencePoints, relErr } from './vectors.js';

describe('dp/pld', function () {
  this.timeout(60_000);

  it('matches the published PLD figures (interval 1e-4, add/remove) within 2%, never more than 0.5% below', function () {
    for (const p of referencePoints()) {
      const r = epsilonPld({ q: p.sampleRate, sigma: p.noiseMultiplier, steps: p.steps, delta: p.delta });
      assert.equal(r.interval, 1e-4);
      const rel = relErr(r.epsilon, p.pldEpsilon);
      assert.ok(Math.abs(rel) <= 0.02 && rel >= -0.005, `${p.source} σ=${p.noiseMultiplier}: ${r.epsilon} vs ${p.pldEpsilon}`);
    }
  });

  it('single-step hockey-stick curves match mpmath to 1e-10 relative, down to δ ≈ 1e-199', function () {
    for (const v of mpmathVectors().hockeyStick) {
      const ours = hockeyStick[v.direction](v.q, v.sigma)(v.epsilon);
      if (v.delta === 0) assert.equal(ours, 0);
      else assert.ok(Math.abs(relErr(ours, v.delta)) < 1e-10, `${JSON.stringify(v)}: ${ours}`);
    }
  });

  it('the two directions satisfy δ_remove(ε) = 1 − e^ε + e^ε·δ_add(−ε)', function () {
    fc.assert(
      fc.property(fc.constantFrom(1, 0.1, 0.01, 0.001), fc.double({ min: 0.5, max: 4, noNaN: true }), fc.double({ min: -3, max: 3, noNaN: true }), (q, sigma, eps) => {
        const lhs = hockeyStick.remove(q, sigma)(eps);
        const rhs = -Math.expm1(eps) + Math.exp(eps) * hockeyStick.add(q, sigma)(-eps);
        assert.ok(Math.abs(lhs - rhs) < 1e-12, `${lhs} vs ${rhs}`);
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it('curves stay finite and in [0, 1] far out (e^ε overflows past ε ≈ 709), and agree for q = 1', function () {
    fc.assert(
      fc.property(fc.constantFrom(1, 0.1, 0.01, 0.001), fc.double({ min: 0.02, max: 4, noNaN: true }), fc.double({ min: -50, max: 3000, noNaN: true }), (q, sigma, eps) => {
        for (const curve of [hockeyStick.remove, hockeyStick.add]) {
          const d = curve(q, sigma)(eps);
          assert.ok(d >= 0 && d <= 1 + 1e-15, `q=${q} σ=${sigma} ε=${eps}: ${d}`);
        }
        if (q === 1) {
          const r = hockeyStick.remove(1, sigma)(eps);
          assert.ok(Math.abs(r - hockeyStick.add(1, sigma)(eps)) <= 1e-12 * r + 1e-300);
        }
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it('q = 1: the exact Gaussian curve (Balle & Wang 2018) matches mpmath', function () {
    for (const v of mpmathVectors().gaussianEpsilon) {
      const ours = epsilonPld({ q: 1, sigma: v.sigma, steps: v.steps, delta: v.delta });
      assert.equal(ours.interval, 0);
      assert.ok(Math.abs(relErr(ours.epsilon, v.epsilon)) < 1e-12, `σ=${v.sigma} T=${v.steps}: ${ours.epsilon} vs ${v.epsilon}`);
      assert.ok(gaussianDelta(Math.sqrt(v.steps) / v.sigma, ours.epsilon) <= v.delta);
    }
  });

  it('q = 1 through discretisation and FFT composition: never below the closed form, within 0.1% (2% required)', function () {
    for (const [sigma, steps, delta] of [
      [4, 1000, 1e-5],
      [2, 100, 1e-6],
      // Tiny σ: losses past 709 (where e^ε overflows) and an interval coarsened to fit the FFT.
      [0.02, 3, 1e-5],
    ] as const) {
      const exact = gaussianEpsilon(Math.sqrt(steps) / sigma, delta);
      const r = epsilonPldDiscretised({ q: 1, sigma, steps, delta });
      const rel = relErr(r.epsilon, exact);
      assert.ok(rel >= 0 && rel < 1e-3, `σ=${sigma} T=${steps}: ${r.epsilon} vs exact ${exact}`);
    }
  });

  it('a coarser grid is never tighter (its curve dominates the finer one)', function () {
    const p = { q: 0.01, sigma: 1, steps: 500, delta: 1e-5 };
    const fine = epsilonPldDiscretised({ ...p, interval: 1e-4 }).epsilon;
    const coarse = epsilonPldDiscretised({ ...p, interval: 1.6e-3 }).epsilon;
    const coarser = epsilonPldDiscretised({ ...p, interval: 1.28e-2 }).epsilon;
    assert.ok(fine <= coarse && coarse <= coarser, `${fine} ${coarse} ${coarser}`);
  });

  it('PLD ≤ RDP (PLD is the tighter accountant)', function () {
    fc.assert(
      fc.property(
        fc.constantFrom(0.1, 0.01, 0.001),
        fc.double({ min: 0.7, max: 4, noNaN: true }),
        fc.integer({ min: 1, max: 300 }),
        fc.constantFrom(1e-5, 1e-6),
        (q, sigma, steps, delta) => {
          const pld = epsilonPld({ q, sigma, steps, delta }).epsilon;
          const rdp = epsilonRdp({ q, sigma, steps, delta }).epsilon;
          assert.ok(pld <= rdp * 1.005, `q=${q} σ=${sigma} T=${steps}: PLD ${pld} > RDP ${rdp}`);
        },
      ),
      { seed: 42, numRuns: 8 },
    );
  });

  it('ε grows with T and falls with σ', function () {
    fc.assert(
      fc.property(
        fc.constantFrom(0.1, 0.01, 0.001),
        fc.double({ min: 0.8, max: 4, noNaN: true }),
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 1, max: 100 }),
        (q, sigma, t1, t2) => {
          const delta = 1e-5;
          const fewer = epsilonPld({ q, sigma, steps: Math.min(t1, t2), delta }).epsilon;
          const more = epsilonPld({ q, sigma, steps: Math.max(t1, t2), delta }).epsilon;
          assert.ok(fewer <= more, `T: ${fewer} > ${more}`);
          const noisier = epsilonPld({ q, sigma: sigma * 1.1, steps: t1, delta }).epsilon;
          const base = epsilonPld({ q, sigma, steps: t1, delta }).epsilon;
          assert.ok(noisier <= base, `σ: ${noisier} > ${base}`);
        },
      ),
      { seed: 42, numRuns: 4 },
    );
  });

  it('rejects bad parameters with invalid_argument', function () {
    for (const p of [
      { q: 0, sigma: 1, steps: 1, delta: 1e-5 },
      { q: 0.1, sigma: -1, steps: 1, delta: 1e-5 },
      { q: 0.1, sigma: 1, steps: 0, delta: 1e-5 },
      { q: 0.1, sigma: 1, steps: 1, delta: 1.5 },
      { q: 0.1, sigma: 1, steps: 1, delta: 1e-5, interval: 0 },
      { q: 0.1, sigma: 1, steps: 2e9, delta: 1e-5 },
    ]) {
      assert.throws(() => epsilonPld(p), (e: unknown) => e instanceof CohortError && e.code === 'invalid_argument');
    }
  });
});
