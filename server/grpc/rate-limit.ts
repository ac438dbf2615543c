/** Per-caller, per-method token buckets: a misbehaving or compromised peer cannot flood the coordinator. */
import type { Clock } from '../../shared/clock.js';

/** Sustained rate and burst of one bucket. */
export interface RateLimit {
  readonly perSecond: number;
  readonly burst: number;
}

/** Far above what a well-behaved node or operator sends (a few calls per round), far below a flood. */
export const DEFAULT_RATE_LIMIT: RateLimit = { perSecond: 20, burst: 200 };

interface Bucket {
  tokens: number;
  at: number;
}

/** Token buckets keyed by caller and method. */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly clock: Clock,
    private readonly limit: RateLimit = DEFAULT_RATE_LIMIT,
  ) {}

  /** Take one token for `caller` calling `method`; false when the bucket is empty. */
  take(caller: string, method: string): boolean {
    const key = `${caller}\u0000${method}`;
    const now = this.clock.now();
    const b = this.buckets.get(key) ?? { tokens: this.limit.burst, at: now };
    b.tokens = Math.min(this.limit.burst, b.tokens + ((now - b.at) / 1000) * this.limit.perSecond);
    b.at = now;
    if (b.tokens < 1) {
      this.buckets.set(key, b);
      return false;
    }
    b.tokens -= 1;
    this.buckets.set(key, b);
    return true;
  }
}
