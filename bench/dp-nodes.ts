/**
 * Accuracy under node-level DP against the number of nodes: the same 10,000 MNIST digits
 * split over 10, 100 and 1,000 simulated nodes, trained for the same rounds at the same ε.
 * The noise a round needs (σ·C on the sum) does not depend on how many nodes share the data,
 * but the mean update it is added to is averaged over all of them, so the noise per node
 * shrinks as 1/N: this is why node-level DP needs many nodes.
 *
 * An in-process simulation without sockets, built from the code a real round runs: each
 * node's local training (the built-in trainer on its MNIST shard, through TrainerWork), the node's clipping
 * (clippedForCentralNoise), the coordinator's streaming sum and central Gaussian noise
 * (CappedFedAvg, as the coordinator runs it), Poisson sampling and the fixed denominator for q < 1, σ from the
 * inverse RDP accountant for the target ε, and federated evaluation as the example-weighted
 * mean over every node's held-out split. With distributed noise the sum carries the same
 * noise when at least m nodes survive, so the figures hold for both modes.
 */
import { clippedForCentralNoise, type IncomingTask } from '../client/core/agent.js';
import { BuiltinTrainer } from '../client/trainer/builtin.js';
import { TrainerWork } from '../client/trainer/work.js';
import { builtinModel } from '../shared/model/model.js';
import { loadLocalData } from '../client/data/index.js';
import { noiseForEpsilon } from '../shared/dp/noise-search.js';
import { privacyPlan } from '../shared/dp/plan.js';
import { silentLogger } from '../shared/logger.js';
import { initParameters, parameterCount, parseModelSpec } from '../shared/model/spec.js';
import { DEFAULT_TRAIN_CONFIG } from '../shared/model/train.js';
import { SeededRandom } from '../shared/random.js';
import { CappedFedAvg, DEFAULT_MAX_WEIGHT_SHARE } from '../server/core/aggregators.js';
import { poissonSample } from '../server/core/sampling.js';
import type { PrivacyTask } from '../server/core/types.js';
import type { BenchFigure } from './report.js';

/** What to simulate; the defaults are what the README's table reports. */
export interface DpNodesOptions {
  readonly nodes: readonly number[];
  readonly rounds: number;
  readonly sampleRate: number;
  readonly clipNorm: number;
  readonly targets: readonly number[];
  readonly delta: number;
}

export const DP_NODES_DEFAULTS: DpNodesOptions = { nodes: [10, 100, 1000], rounds: 30, sampleRate: 1, clipNorm: 1, targets: [8, 1], delta: 1e-5 };

const SPEC = parseModelSpec({ kind: 'logreg' });
const MODEL = builtinModel(SPEC);

/** Federated accuracy after `rounds` rounds of `nodes` nodes at noise multiplier `sigma` (0: plain FedAvg, no clipping). */
async function simulate(works: readonly TrainerWork[], o: DpNodesOptions, sigma: number): Promise<number> {
  const d = parameterCount(SPEC);
  let global = initParameters(SPEC, new SeededRandom(1));
  const sampling = new SeededRandom(2);
  const noise = new SeededRandom(3);
  const seeds = new SeededRandom(4);
  const privacy: PrivacyTask | undefined = sigma > 0 ? { clipNorm: o.clipNorm, noiseMultiplier: sigma, minSurvivors: 1, noise: 'central' } : undefined;
  const expected = o.sampleRate * works.length;
  for (let round = 1; round <= o.rounds; round++) {
    const task: IncomingTask = { round, kind: 'train', model: MODEL, train: DEFAULT_TRAIN_CONFIG, numParameters: d, modelVersion: { round: 0, sha256: Buffer.alloc(32) }, updateEncoding: 'f32', deadlineMs: Number.MAX_SAFE_INTEGER, seed: 0 };
    const selected = poissonSample(works, o.sampleRate, sampling);
    if (selected.length === 0) continue;
    const sum = new CappedFedAvg(d, DEFAULT_MAX_WEIGHT_SHARE);
    for (const work of selected) {
      const update = await work.train({ ...task, seed: seeds.nextInt(2 ** 32) }, global);
      if (privacy) sum.add(clippedForCentralNoise(update, privacy, silentLogger).delta, 1);
      else sum.add(update.delta, update.numExamples);
    }
    if (privacy) sum.addNoise(sigma * o.clipNorm, noise);
    global = sum.apply(global, privacy && o.sampleRate < 1 ? expected : undefined);
  }
  let correct = 0;
  let count = 0;
  for (const work of works) {
    const e = await work.evaluate({ round: o.rounds, kind: 'evaluate', model: MODEL, train: DEFAULT_TRAIN_CONFIG, numParameters: d, modelVersion: { round: 0, sha256: Buffer.alloc(32) }, updateEncoding: 'f32', deadlineMs: Number.MAX_SAFE_INTEGER, seed: 0 }, global);
    correct += e.accuracy * e.numExamples;
    count += e.numExamples;
  }
  return correct / count;
}

/** The table: accuracy without DP and at each target ε, for each number of nodes. */
export async function benchDpNodes(options: Partial<DpNodesOptions> = {}): Promise<BenchFigure[]> {
  const o = { ...DP_NODES_DEFAULTS, ...options };
  const figures: BenchFigure[] = [];
  for (const n of o.nodes) {
    const works = await Promise.all(Array.from({ length: n }, async (_, i) => new TrainerWork(new BuiltinTrainer(await loadLocalData({ kind: 'mnist', shard: i + 1, of: n })), silentLogger)));
    const plain = await simulate(works, o, 0);
    figures.push({ section: 'dp-nodes', name: `MNIST logreg, ${n} nodes, q = ${o.sampleRate}, ${o.rounds} rounds, no DP (plain FedAvg)`, value: plain, unit: 'accuracy' });
    for (const target of o.targets) {
      const { noiseMultiplier: sigma } = noiseForEpsilon({ targetEpsilon: target, q: o.sampleRate, steps: o.rounds, delta: o.delta });
      const plan = privacyPlan({ nodes: n, sampleRate: o.sampleRate, rounds: o.rounds, clipNorm: o.clipNorm, targetEpsilon: target, delta: o.delta, parameters: parameterCount(SPEC) });
      const accuracy = await simulate(works, o, sigma);
      figures.push({
        section: 'dp-nodes',
        name: `MNIST logreg, ${n} nodes, q = ${o.sampleRate}, ${o.rounds} rounds, C = ${o.clipNorm}, ε = ${target} at δ = ${o.delta} (σ = ${sigma}; privacy plan: noise/update ${plan.noiseToUpdate.toPrecision(3)}, ${plan.verdict})`,
        value: accuracy,
        unit: 'accuracy',
        baseline: plain,
        baselineName: 'same nodes without DP',
        ratio: Number((accuracy / plain).toFixed(3)),
        ratioMeaning: 'private accuracy / non-private accuracy',
      });
    }
  }
  return figures;
}
