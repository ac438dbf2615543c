/** Federated averaging (McMahan et al. 2017): the example-weighted mean of node updates. */
import { gaussianNoise } from '../../shared/dp/gaussian.js';
import { CohortError } from '../../shared/errors.js';
import type { RandomSource } from '../../shared/random.js';

/**
 * Streaming FedAvg: each update is added into one float64 accumulator as it arrives,
 * so memory is O(d) whatever the number of nodes.
 */
export class FedAvgAccumulator {
  private readonly sum: Float64Array;
  private totalWeight = 0;
  private count = 0;

  constructor(readonly length: number) {
    this.sum = new Float64Array(length);
  }

  /** Number of updates added. */
  get updates(): number {
    return this.count;
  }

  /** Sum of the weights added. */
  get weight(): number {
    return this.totalWeight;
  }

  /** Add `update` with weight `weight` (its number of examples). */
  add(update: Float32Array, weight: number): void {
    if (update.length !== this.length) {
      throw new CohortError('invalid_argument', `update has ${update.length} values, expected ${this.length}`);
    }
    if (!(weight > 0) || !Number.isFinite(weight)) throw new CohortError('invalid_argument', `weight must be positive, got ${weight}`);
    const sum = this.sum;
    for (let i = 0; i < sum.length; i++) sum[i] = (sum[i] as number) + weight * (update[i] as number);
    this.totalWeight += weight;
    this.count += 1;
  }

  /** Add Gaussian noise N(0, std²) to every coordinate of the sum (central DP). */
  addNoise(std: number, rng: RandomSource): void {
    const noise = new Float32Array(this.length);
    gaussianNoise(noise, std, rng);
    const sum = this.sum;
    for (let i = 0; i < sum.length; i++) sum[i] = (sum[i] as number) + (noise[i] as number);
  }

  /** New global weights: `global + Σ w_i Δ_i / Σ w_i` (or over `divisor` when given), written into a new vector. */
  apply(global: Float32Array, divisor?: number): Float32Array {
    if (this.count === 0) throw new CohortError('failed_precondition', 'no updates to average');
    if (global.length !== this.length) throw new RangeError('global weights have the wrong length');
    if (divisor !== undefined && !(divisor > 0 && Number.isFinite(divisor))) throw new CohortError('invalid_argument', `divisor must be a positive number, got ${divisor}`);
    const out = new Float32Array(this.length);
    const inv = 1 / (divisor ?? this.totalWeight);
    const sum = this.sum;
    for (let i = 0; i < out.length; i++) out[i] = (global[i] as number) + (sum[i] as number) * inv;
    return out;
  }
}
