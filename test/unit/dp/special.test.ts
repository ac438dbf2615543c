import assert from 'node:assert/strict';
import fc from 'fast-check';
import { erf, logAddExp, logErfc, logNormalCdf, logNormalSf } from '../../../shared/dp/special.js';
import { mpmathVectors } from './vectors.js';

describe('dp/special', function () {
  it('logErfc matches mpmath to 1e-14 relative in erfc, including erfc(100) ≈ 1e-4346', function () {
    for (const [x, ref] of mpmathVectors().logErfc) {
      const err = Math.abs(Math.expm1(logErfc(x) - ref));
      assert.ok(err < 1e-14, `logErfc(${x}) = ${logErfc(x)}, mpmath ${ref}`);
    }
  });

  it('erf is odd, bounded and continuous across the series/continued-fraction switch', function () {
    fc.assert(
      fc.property(fc.double({ min: -30, max: 30, noNaN: true }), (x) => {
        assert.ok(erf(-x) === -erf(x));
        assert.ok(Math.abs(erf(x)) <= 1);
      }),
      { seed: 42, numRuns: 500 },
    );
    assert.ok(Math.abs(erf(1.5 - 1e-12) - erf(1.5 + 1e-12)) < 1e-11);
  });

  it('normal tails: Φ(x) + Φ̄(x) = 1 and Φ̄(x) = Φ(−x)', function () {
    fc.assert(
      fc.property(fc.double({ min: -8, max: 8, noNaN: true }), (x) => {
        const sum = Math.exp(logNormalCdf(x)) + Math.exp(logNormalSf(x));
        assert.ok(Math.abs(sum - 1) < 1e-14, `x=${x}: ${sum}`);
        assert.equal(logNormalSf(x), logNormalCdf(-x));
      }),
      { seed: 42, numRuns: 500 },
    );
  });

  it('logAddExp handles −Infinity and huge gaps', function () {
    assert.equal(logAddExp(-Infinity, 3), 3);
    assert.equal(logAddExp(3, -Infinity), 3);
    assert.equal(logAddExp(1000, 0), 1000);
    assert.ok(Math.abs(logAddExp(Math.log(2), Math.log(3)) - Math.log(5)) < 1e-15);
  });
});
