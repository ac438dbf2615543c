import assert from 'node:assert/strict';
import { ManualClock } from '../../../shared/clock.js';
import { RateLimiter } from '../../../server/grpc/rate-limit.js';

describe('RateLimiter', function () {
  it('allows a burst, then the sustained rate, per caller and method', function () {
    const clock = new ManualClock(0);
    const limiter = new RateLimiter(clock, { perSecond: 2, burst: 3 });
    assert.deepEqual([1, 2, 3, 4].map(() => limiter.take('a', 'M')), [true, true, true, false]);
    assert.equal(limiter.take('b', 'M'), true, 'another caller has its own bucket');
    assert.equal(limiter.take('a', 'N'), true, 'another method has its own bucket');
    clock.advance(500);
    assert.deepEqual([limiter.take('a', 'M'), limiter.take('a', 'M')], [true, false], 'half a second refills one token');
    clock.advance(10_000);
    assert.deepEqual([1, 2, 3, 4].map(() => limiter.take('a', 'M')), [true, true, true, false], 'never more than the burst');
  });
});
