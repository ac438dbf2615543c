import assert from 'node:assert/strict';
import { poissonSample } from '../../../server/core/sampling.js';
import { type RandomSource, SeededRandom } from '../../../shared/random.js';

/** A source that must not be touched. */
const untouchable: RandomSource = {
  nextFloat: () => assert.fail('q = 1 must not draw randomness'),
  nextInt: () => assert.fail('unexpected nextInt'),
  fillBytes: () => assert.fail('unexpected fillBytes'),
};

describe('poissonSample', () => {
  const names = Array.from({ length: 20 }, (_, i) => `node-${String(i).padStart(2, '0')}`);

  it('q = 1 selects every candidate, in order, without drawing randomness', () => {
    const out = poissonSample(names, 1, untouchable);
    assert.deepEqual(out, names);
    assert.notEqual(out, names);
    assert.deepEqual(poissonSample([], 1, untouchable), []);
  });

  it('refuses q outside (0, 1]', () => {
    for (const q of [0, -0.1, 1.0000001, 2, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => poissonSample(names, q, new SeededRandom(1)), RangeError, `q = ${q}`);
    }
  });

  it('includes a candidate exactly when its uniform draw is below q', () => {
    const draws = [0.1, 0.3, 0.29999, 0.9, 0];
    let k = 0;
    const scripted: RandomSource = { ...untouchable, nextFloat: () => draws[k++] as number };
    assert.deepEqual(poissonSample(['a', 'b', 'c', 'd', 'e'], 0.3, scripted), ['a', 'c', 'e']);
    assert.equal(k, 5, 'one draw per candidate');
  });

  it('q = 0.3: selection count is Binomial(n, q) in mean and variance; each inclusion frequency is q', () => {
    const n = names.length;
    const q = 0.3;
    const trials = 20_000;
    const rng = new SeededRandom(2024);
    const counts = new Float64Array(trials);
    const hits = new Map<string, number>(names.map((name) => [name, 0]));
    for (let t = 0; t < trials; t++) {
      const picked = poissonSample(names, q, rng);
      counts[t] = picked.length;
      let last = -1;
      for (const p of picked) {
        const at = names.indexOf(p);
        assert.ok(at > last, 'selection keeps candidate order without repeats');
        last = at;
        hits.set(p, (hits.get(p) as number) + 1);
      }
    }
    let sum = 0;
    for (const c of counts) sum += c;
    const mean = sum / trials;
    let ss = 0;
    for (const c of counts) ss += (c - mean) ** 2;
    const variance = ss / (trials - 1);

    // Binomial(n, q): mean nq, variance nq(1−q), fourth central moment nq(1−q)(1 + 3(n−2)q(1−q)).
    const mu = n * q;
    const sigma2 = n * q * (1 - q);
    const mu4 = sigma2 * (1 + 3 * (n - 2) * q * (1 - q));
    const seMean = Math.sqrt(sigma2 / trials);
    // Var(s²) = (μ4 − σ⁴ (T−3)/(T−1)) / T for the unbiased sample variance.
    const seVar = Math.sqrt((mu4 - (sigma2 ** 2 * (trials - 3)) / (trials - 1)) / trials);
    assert.ok(Math.abs(mean - mu) <= 4 * seMean, `mean ${mean} vs ${mu} ± ${4 * seMean}`);
    assert.ok(Math.abs(variance - sigma2) <= 4 * seVar, `variance ${variance} vs ${sigma2} ± ${4 * seVar}`);

    // Each inclusion is Bernoulli(q): frequency within 4 standard errors (with 20 candidates the
    // chance that any one fair frequency falls outside is about 20 · 6.3e-5 ≈ 0.13%).
    const seFreq = Math.sqrt((q * (1 - q)) / trials);
    for (const [name, h] of hits) {
      assert.ok(Math.abs(h / trials - q) <= 4 * seFreq, `${name}: frequency ${h / trials} vs ${q} ± ${4 * seFreq}`);
    }
  });
});
