/**
 * FedAvg aggregation cost: `CappedFedAvg.add` (with the default share cap, so it keeps
 * Σ nᵢΔᵢ and Σ Δᵢ) over 10 updates of d = 1M against a bare `acc[i] += x[i]`
 * Float32Array loop over the same data, measured in the same run. The accumulator does
 * more per element than the bare loop (it multiplies by the node's example count,
 * accumulates in float64 so that 50+ updates lose no precision, and keeps the unweighted
 * sum the cap needs); a second baseline with the single weighted float64 sum shows what
 * the class and the cap cost.
 */
import { SeededRandom } from '../shared/random.js';
import { CappedFedAvg, DEFAULT_MAX_WEIGHT_SHARE } from '../server/core/aggregators.js';
import { median, timeRuns, type BenchFigure } from './report.js';

const PARAMETERS = 1_000_000;
const UPDATES = 10;
const REPEATS = 15;

/** The baseline: a plain float32 accumulate. */
function bareFloat32(acc: Float32Array, updates: readonly Float32Array[]): void {
  for (const x of updates) {
    for (let i = 0; i < acc.length; i++) acc[i] = (acc[i] as number) + (x[i] as number);
  }
}

/** The same arithmetic as the accumulator (weighted, float64), without the class. */
function bareWeightedFloat64(acc: Float64Array, updates: readonly Float32Array[], weights: readonly number[]): void {
  for (let u = 0; u < updates.length; u++) {
    const x = updates[u] as Float32Array;
    const w = weights[u] as number;
    for (let i = 0; i < acc.length; i++) acc[i] = (acc[i] as number) + w * (x[i] as number);
  }
}

/** Figure 2: ours/bare time of aggregating 10 updates of d = 1M. */
export async function benchFedAvg(): Promise<BenchFigure[]> {
  const rng = new SeededRandom(11);
  const updates = Array.from({ length: UPDATES }, () => Float32Array.from({ length: PARAMETERS }, () => rng.nextFloat() - 0.5));
  const weights = updates.map((_, i) => 100 + i);

  // Same result check first: the weighted float64 sums of ours and of the bare loop agree.
  const ours = new CappedFedAvg(PARAMETERS, DEFAULT_MAX_WEIGHT_SHARE);
  for (let u = 0; u < UPDATES; u++) ours.add(updates[u] as Float32Array, weights[u] as number);
  const check = new Float64Array(PARAMETERS);
  bareWeightedFloat64(check, updates, weights);
  const zero = new Float32Array(PARAMETERS);
  const mean = ours.apply(zero);
  const total = weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < PARAMETERS; i += 9973) {
    const expected = (check[i] as number) / total;
    if (Math.abs((mean[i] as number) - expected) > 1e-6) throw new Error(`FedAvg disagrees with the reference at ${i}: ${mean[i]} vs ${expected}`);
  }

  const acc = new CappedFedAvg(PARAMETERS, DEFAULT_MAX_WEIGHT_SHARE);
  const f32 = new Float32Array(PARAMETERS);
  const f64 = new Float64Array(PARAMETERS);
  const runs = {
    ours: () => {
      for (let u = 0; u < UPDATES; u++) acc.add(updates[u] as Float32Array, weights[u] as number);
    },
    bare: () => bareFloat32(f32, updates),
    weighted: () => bareWeightedFloat64(f64, updates, weights),
  };
  // The three alternate run by run, so a burst of load on the machine hits all of them alike.
  const times = { ours: [] as number[], bare: [] as number[], weighted: [] as number[] };
  for (let r = 0; r < REPEATS + 2; r++) {
    for (const key of ['ours', 'bare', 'weighted'] as const) {
      const ms = (await timeRuns(runs[key], 1, 0))[0] as number;
      if (r >= 2) times[key].push(ms);
    }
  }
  const oursMs = median(times.ours);
  const bareMs = median(times.bare);
  const weightedMs = median(times.weighted);
  const ratio = oursMs / bareMs;
  const r1 = (x: number): number => Math.round(x * 10) / 10;
  const r2 = (x: number): number => Math.round(x * 100) / 100;
  return [
    {
      section: 'fedavg',
      name: `CappedFedAvg.add × ${UPDATES} updates, d=1M, share cap ${DEFAULT_MAX_WEIGHT_SHARE}`,
      value: r1(oursMs),
      unit: 'ms',
      baseline: r1(bareMs),
      baselineName: 'bare Float32Array loop acc[i] += x[i] over the same updates',
      ratio: r2(ratio),
      ratioMeaning: 'our time / bare time',
      target: '≤ 1.5×',
      met: ratio <= 1.5,
    },
    {
      section: 'fedavg',
      name: `CappedFedAvg.add × ${UPDATES} updates, d=1M, share cap ${DEFAULT_MAX_WEIGHT_SHARE}, against the single weighted float64 sum`,
      value: r1(oursMs),
      unit: 'ms',
      baseline: r1(weightedMs),
      baselineName: 'bare Float64Array loop acc[i] += w·x[i] (uncapped FedAvg\'s arithmetic, without the class)',
      ratio: r2(oursMs / weightedMs),
      ratioMeaning: 'our time / bare time',
    },
  ];
}
