import assert from 'node:assert/strict';
import fc from 'fast-check';
import { NOISE_PRECISION, epsilonFor, noiseForEpsilon } from '../../../shared/dp/noise-search.js';
import { CohortError } from '../../../shared/errors.js';

const SCALE = Math.round(1 / NOISE_PRECISION);

describe('dp/noise-search', function () {
  this.timeout(60_000);

  it('RDP: ε(σ) ≤ target, σ is on the 1e-4 grid, and 2e-4 less noise misses the target', function () {
    fc.assert(
      fc.property(
        fc.double({ min: 0.3, max: 10, noNaN: true }),
        fc.constantFrom(1, 0.1, 0.01, 0.001),
        fc.integer({ min: 1, max: 10_000 }),
        fc.constantFrom(1e-5, 1e-6),
        (target, q, steps, delta) => {
          const r = noiseForEpsilon({ targetEpsilon: target, q, steps, delta, accountant: 'rdp' });
          const sigma = r.noiseMultiplier;
          assert.ok(Number.isInteger(Math.round(sigma * SCALE)) && Math.abs(sigma * SCALE - Math.round(sigma * SCALE)) < 1e-6);
          const eps = epsilonFor('rdp', { q, sigma, steps, delta });
          assert.equal(eps, r.epsilon);
          assert.ok(eps <= target, `ε(${sigma}) = ${eps} > ${target}`);
          const less = sigma - 2 * NOISE_PRECISION;
          if (less > 0) assert.ok(epsilonFor('rdp', { q, sigma: less, steps, delta }) > target, `σ=${less} also meets ${target}`);
        },
      ),
      { seed: 42, numRuns: 40 },
    );
  });

  it('PLD: inverts the PLD accountant and needs less noise than RDP', function () {
    const p = { targetEpsilon: 2, q: 0.01, steps: 200, delta: 1e-5 };
    const pld = noiseForEpsilon({ ...p, accountant: 'pld' });
    const rdp = noiseForEpsilon({ ...p, accountant: 'rdp' });
    assert.ok(pld.epsilon <= 2);
    assert.ok(epsilonFor('pld', { q: p.q, sigma: pld.noiseMultiplier - 2 * NOISE_PRECISION, steps: p.steps, delta: p.delta }) > 2);
    assert.ok(pld.noiseMultiplier <= rdp.noiseMultiplier);
  });

  it('reports unreachable targets clearly', function () {
    assert.throws(
      () => noiseForEpsilon({ targetEpsilon: 1e-9, q: 1, steps: 10, delta: 1e-5 }),
      (e: unknown) => e instanceof CohortError && e.code === 'invalid_argument' && /unreachable/.test(e.message),
    );
    // A target so loose that even σ = 0.01 meets it bounds nothing useful.
    assert.throws(
      () => noiseForEpsilon({ targetEpsilon: 1e5, q: 0.001, steps: 1, delta: 1e-5 }),
      (e: unknown) => e instanceof CohortError && e.code === 'invalid_argument' && /every noise multiplier/.test(e.message),
    );
  });

  it('rejects bad inputs naming them', function () {
    const cases: [Parameters<typeof noiseForEpsilon>[0], RegExp][] = [
      [{ targetEpsilon: 0, q: 0.1, steps: 10, delta: 1e-5 }, /target epsilon/],
      [{ targetEpsilon: Number.NaN, q: 0.1, steps: 10, delta: 1e-5 }, /target epsilon/],
      [{ targetEpsilon: 1, q: 0, steps: 10, delta: 1e-5 }, /sample rate/],
      [{ targetEpsilon: 1, q: 0.1, steps: 0, delta: 1e-5 }, /steps/],
      [{ targetEpsilon: 1, q: 0.1, steps: 10, delta: 0 }, /delta/],
      [{ targetEpsilon: 1, q: 0.1, steps: 10, delta: 1e-5, accountant: 'moments' as 'rdp' }, /accountant/],
    ];
    for (const [p, re] of cases) assert.throws(() => noiseForEpsilon(p), (e: unknown) => e instanceof CohortError && re.test(e.message));
  });
});
