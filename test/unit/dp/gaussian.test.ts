import assert from 'node:assert/strict';
import { gaussianNoise } from '../../../shared/dp/gaussian.js';
import { logNormalCdf } from '../../../shared/dp/special.js';
import { CohortError } from '../../../shared/errors.js';
import { SeededRandom, secureRandom } from '../../../shared/random.js';

/** Kolmogorov–Smirnov statistic of `sample` against N(0, std²). */
function ksStatistic(sample: Float32Array, std: number): number {
  const sorted = Float64Array.from(sample).sort();
  const n = sorted.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const cdf = Math.exp(logNormalCdf((sorted[i] as number) / std));
    d = Math.max(d, (i + 1) / n - cdf, cdf - i / n);
  }
  return d;
}

/**
 * Critical value of √n·D at level α from the Kolmogorov limit distribution,
 * P(√n·D > x) ≈ 2·Σ_{k≥1} (−1)^{k−1} e^{−2k²x²}; the first term dominates at small α, so
 * x = √(ln(2/α)/2). At α = 1e-4 a correct sampler fails this test once in 10 000 runs.
 */
function ksCritical(alpha: number): number {
  return Math.sqrt(Math.log(2 / alpha) / 2);
}

describe('dp/gaussianNoise', function () {
  this.timeout(60_000);

  it('passes a Kolmogorov–Smirnov test with secureRandom (n = 200 000, α = 1e-4)', function () {
    const n = 200_000;
    const std = 2.5;
    const out = new Float32Array(n);
    gaussianNoise(out, std, secureRandom);
    const d = ksStatistic(out, std);
    assert.ok(Math.sqrt(n) * d < ksCritical(1e-4), `√n·D = ${Math.sqrt(n) * d} ≥ ${ksCritical(1e-4)}`);
  });

  it('a KS test this size does detect a 2% error in std (it can fail)', function () {
    const n = 200_000;
    const out = new Float32Array(n);
    gaussianNoise(out, 1.02, new SeededRandom(7));
    assert.ok(Math.sqrt(n) * ksStatistic(out, 1) > ksCritical(1e-4));
  });

  it('is deterministic for a seeded source and scales with std', function () {
    const a = new Float32Array(1001);
    const b = new Float32Array(1001);
    gaussianNoise(a, 1, new SeededRandom(42));
    gaussianNoise(b, 3, new SeededRandom(42));
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs((b[i] as number) - 3 * (a[i] as number)) <= 1e-6 * Math.abs(b[i] as number) + 1e-30);
    const zeros = new Float32Array(5).fill(7);
    gaussianNoise(zeros, 0, new SeededRandom(1));
    assert.deepEqual(Array.from(zeros), [0, 0, 0, 0, 0]);
  });

  it('never calls Math.random', function () {
    const original = Math.random;
    Math.random = () => {
      throw new Error('Math.random used');
    };
    try {
      gaussianNoise(new Float32Array(100), 1, secureRandom);
    } finally {
      Math.random = original;
    }
  });

  it('rejects a negative or non-finite std', function () {
    for (const std of [-1, Number.NaN, Infinity]) {
      assert.throws(() => gaussianNoise(new Float32Array(2), std, secureRandom), (e: unknown) => e instanceof CohortError && e.code === 'invalid_argument');
    }
  });
});
