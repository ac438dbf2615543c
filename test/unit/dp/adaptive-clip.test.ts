import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bitNoiseMultiplier, centredClipBit, DEFAULT_ADAPTIVE_CLIP, nextClipNorm, updateNoiseMultiplier } from '../../../shared/dp/adaptive-clip.js';

describe('dp: adaptive clipping (Andrew et al. 2021)', function () {
  it('splits the noise so that the two queries compose to the operator\'s z', function () {
    fc.assert(
      fc.property(fc.double({ min: 0.1, max: 10, noNaN: true }), fc.double({ min: 1, max: 1000, noNaN: true }), (z, expected) => {
        const sb = bitNoiseMultiplier(expected, z);
        const su = updateNoiseMultiplier(z, sb);
        assert.ok(su >= z, 'the update needs at least z');
        assert.ok(Math.abs((su ** -2 + (2 * sb) ** -2) ** -0.5 - z) < 1e-9 * z);
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it('uses expected/20 bit noise, as the paper recommends, when that is enough', function () {
    assert.equal(bitNoiseMultiplier(100, 1), 5);
    // σ_Δ = (1 − 1/100)^(−1/2) for z = 1, σ_b = 5.
    assert.ok(Math.abs(updateNoiseMultiplier(1, 5) - 1 / Math.sqrt(0.99)) < 1e-12);
    assert.equal(bitNoiseMultiplier(10, 2), 2);
  });

  it('refuses bit noise that leaves nothing for the update', function () {
    assert.throws(() => updateNoiseMultiplier(2, 1), /2σ_b > z/);
  });

  it('moves the clip norm geometrically toward the target quantile', function () {
    const c = DEFAULT_ADAPTIVE_CLIP;
    // The sum of centred bits b − 1/2 over 10 expected participants: 0 is half within.
    assert.equal(nextClipNorm(2, 0, 10, c), 2, 'exactly at the median: unchanged');
    assert.ok(Math.abs(nextClipNorm(2, 5, 10, c) - 2 * Math.exp(-0.1)) < 1e-12, 'all within: shrink by e^(-η/2)');
    assert.ok(Math.abs(nextClipNorm(2, -5, 10, c) - 2 * Math.exp(0.1)) < 1e-12, 'none within: grow by e^(η/2)');
    assert.deepEqual([true, false].map(centredClipBit), [0.5, -0.5]);
  });
});
