/**
 * What bounding one node's influence costs and buys, on MNIST, in process: 10 nodes, each
 * an MNIST shard (800 training, 200 held-out digits), one local epoch per round with the
 * default training settings, accuracy on the union of the held-out splits. Every update
 * goes through the coordinator's own code: `clipL2` to the norm bound, then the
 * aggregator `createAggregator` builds, as TrainStage does; federated evaluation goes
 * through EvalStage.
 *
 * - Honest nodes only: accuracy after ROUNDS rounds for plain FedAvg (no cap, no bound),
 *   the default (FedAvg, share cap 0.2, norm bound 10), trimmed mean and median; on
 *   equal shards, and on skewed ones where one node holds 7/16 of the digits (the cap
 *   then binds).
 * - The attack of issue 12: an 11th node claims 10,000,000 examples and sends a random
 *   update (N(0, 1) per coordinate, fresh every round) in every round. Accuracy with it,
 *   against the same configuration without it (target with the defaults: ≤ 0.02; the
 *   worst of 4 attacker seeds), and the next-round effect of one such update on a model
 *   trained honestly until then.
 * - Federated evaluation: the accuracy operators see when that node also reports 1.0 on
 *   10M examples, with and without the cap.
 */
import { loadLocalData, type LocalData } from '../client/data/index.js';
import { clipL2 } from '../shared/dp/clip.js';
import { gaussianNoise } from '../shared/dp/gaussian.js';
import { silentLogger } from '../shared/logger.js';
import { concatDatasets, type Dataset } from '../shared/model/dataset.js';
import { initParameters, type ModelKind, type ModelSpec, parseModelSpec } from '../shared/model/spec.js';
import { DEFAULT_TRAIN_CONFIG, evaluate, train } from '../shared/model/train.js';
import { SeededRandom } from '../shared/random.js';
import { type AggregatorKind, createAggregator, DEFAULT_MAX_WEIGHT_SHARE, DEFAULT_TRIM_FRACTION } from '../server/core/aggregators.js';
import { DEFAULT_ROUND_SETTINGS } from '../server/core/coordinator.js';
import { EvalStage } from '../server/core/stages.js';
import type { BenchFigure } from './report.js';

const NODES = 10;
const ROUNDS = 5;
/** Attacker seeds the defaults are measured against (the contrasts use the first). */
const SEEDS = [99, 100, 101, 102];
const CLAIM = 10_000_000;
const TARGET_DROP = 0.02;
const NORM_BOUND = DEFAULT_ROUND_SETTINGS.clipNorm;

interface Rule {
  readonly name: string;
  readonly aggregator: AggregatorKind;
  readonly maxWeightShare: number;
  readonly normBound: number;
}

const PLAIN: Rule = { name: 'FedAvg without cap or norm bound (before issue 12)', aggregator: 'fedavg', maxWeightShare: 1, normBound: Infinity };
const DEFAULTS: Rule = { name: `FedAvg, share cap ${DEFAULT_MAX_WEIGHT_SHARE}, norm bound ${NORM_BOUND} (the defaults)`, aggregator: 'fedavg', maxWeightShare: DEFAULT_MAX_WEIGHT_SHARE, normBound: NORM_BOUND };
const TRIMMED: Rule = { name: `trimmed mean (β = ${DEFAULT_TRIM_FRACTION}), norm bound ${NORM_BOUND}`, aggregator: 'trimmed-mean', maxWeightShare: 1, normBound: NORM_BOUND };
const MEDIAN: Rule = { name: `coordinate-wise median, norm bound ${NORM_BOUND}`, aggregator: 'median', maxWeightShare: 1, normBound: NORM_BOUND };

interface Federation {
  readonly spec: ModelSpec;
  readonly shards: readonly LocalData[];
  readonly heldOut: Dataset;
}

/** One round as the coordinator runs it: bound each update's norm, aggregate, apply. */
function round(f: Federation, global: Float32Array, rule: Rule, r: number, attacker: SeededRandom | undefined): Float32Array {
  const updates = f.shards.map((s, i) => {
    const result = train(f.spec, global, s.train, DEFAULT_TRAIN_CONFIG, new SeededRandom(1000 * r + i));
    const delta = result.weights;
    for (let j = 0; j < delta.length; j++) delta[j] = (delta[j] as number) - (global[j] as number);
    return { delta, examples: result.examples };
  });
  if (attacker) {
    const delta = new Float32Array(global.length);
    gaussianNoise(delta, 1, attacker);
    updates.push({ delta, examples: CLAIM });
  }
  const aggregate = createAggregator(rule.aggregator, global.length, { maxWeightShare: rule.maxWeightShare, trimFraction: DEFAULT_TRIM_FRACTION });
  for (const u of updates) {
    if (Number.isFinite(rule.normBound)) clipL2(u.delta, rule.normBound);
    aggregate.add(u.delta, u.examples);
  }
  return aggregate.apply(global);
}

/** Held-out accuracy after each of `rounds` rounds; the attacker joins from round `attackFrom` (1-based) on. */
function accuracies(f: Federation, rule: Rule, rounds: number, attackFrom = Infinity, seed = SEEDS[0] as number): number[] {
  let global = initParameters(f.spec, new SeededRandom(7));
  const attacker = new SeededRandom(seed);
  const out: number[] = [];
  for (let r = 1; r <= rounds; r++) {
    global = round(f, global, rule, r, r >= attackFrom ? attacker : undefined);
    out.push(evaluate(f.spec, global, f.heldOut).accuracy);
  }
  return out;
}

/** The federated accuracy EvalStage reports for the honest shards' evaluations of `global`, plus optionally a liar's. */
function reported(f: Federation, global: Float32Array, maxShare: number, liar: boolean): number {
  const names = f.shards.map((_, i) => `n${i}`);
  const stage = new EvalStage(1, liar ? [...names, 'liar'] : names, silentLogger, maxShare);
  f.shards.forEach((s, i) => {
    const e = evaluate(f.spec, global, s.heldOut);
    stage.submit(`n${i}`, { round: 1, numExamples: e.count, accuracy: e.accuracy, loss: e.loss });
  });
  if (liar) stage.submit('liar', { round: 1, numExamples: CLAIM, accuracy: 1, loss: 0 });
  return stage.metrics?.accuracy ?? Number.NaN;
}

const r4 = (x: number): number => Math.round(x * 10_000) / 10_000;

/** The accuracy table of the aggregators and the capped-weight attack figures. */
export async function benchRobust(): Promise<BenchFigure[]> {
  const shards = await Promise.all(Array.from({ length: NODES }, (_, i) => loadLocalData({ kind: 'mnist', shard: i + 1, of: NODES })));
  const heldOut = concatDatasets(shards.map((s) => s.heldOut));
  // Skewed: sixteenths of the digits, the first seven of them on one node.
  const sixteenths = await Promise.all(Array.from({ length: 16 }, (_, i) => loadLocalData({ kind: 'mnist', shard: i + 1, of: 16 })));
  const big = sixteenths.slice(0, 7);
  const skewed: LocalData[] = [
    { train: concatDatasets(big.map((s) => s.train)), heldOut: concatDatasets(big.map((s) => s.heldOut)), description: 'MNIST sixteenths 1–7' },
    ...sixteenths.slice(7),
  ];
  const figures: BenchFigure[] = [];
  for (const kind of ['logreg', 'mlp'] as ModelKind[]) {
    const f: Federation = { spec: parseModelSpec({ kind }), shards, heldOut };
    const skew: Federation = { spec: f.spec, shards: skewed, heldOut: concatDatasets(skewed.map((s) => s.heldOut)) };
    const last = (a: readonly number[]): number => a[a.length - 1] as number;
    const honest = new Map<Rule, number>();
    for (const rule of [PLAIN, DEFAULTS, TRIMMED, MEDIAN]) {
      const acc = last(accuracies(f, rule, ROUNDS));
      honest.set(rule, acc);
      figures.push({
        section: 'robust',
        name: `${kind}, ${NODES} honest MNIST nodes, accuracy after ${ROUNDS} rounds: ${rule.name}`,
        value: r4(acc),
        unit: 'accuracy',
        ...(rule !== PLAIN ? { baseline: r4(honest.get(PLAIN) as number), baselineName: PLAIN.name, ratio: r4(acc - (honest.get(PLAIN) as number)), ratioMeaning: 'difference (this − plain FedAvg)' } : {}),
      });
    }
    const plainSkewed = last(accuracies(skew, PLAIN, ROUNDS));
    for (const rule of [PLAIN, DEFAULTS, TRIMMED, MEDIAN]) {
      const acc = rule === PLAIN ? plainSkewed : last(accuracies(skew, rule, ROUNDS));
      figures.push({
        section: 'robust',
        name: `${kind}, ${NODES} honest nodes, one of them holding 7/16 of the digits, accuracy after ${ROUNDS} rounds: ${rule.name}`,
        value: r4(acc),
        unit: 'accuracy',
        ...(rule !== PLAIN ? { baseline: r4(plainSkewed), baselineName: PLAIN.name, ratio: r4(acc - plainSkewed), ratioMeaning: 'difference (this − plain FedAvg)' } : {}),
      });
    }
    for (const rule of [DEFAULTS, PLAIN, TRIMMED, MEDIAN]) {
      const seeds = rule === DEFAULTS ? SEEDS : SEEDS.slice(0, 1);
      const attacked = seeds.map((seed) => last(accuracies(f, rule, ROUNDS, 1, seed)));
      const clean = honest.get(rule) as number;
      const worst = Math.min(...attacked);
      figures.push({
        section: 'robust',
        name: `${kind}: one extra node claims ${CLAIM} examples with a random N(0,1) update in every round; accuracy after ${ROUNDS} rounds, ${rule.name}${seeds.length > 1 ? `; worst of ${seeds.length} attacker seeds (losses ${attacked.map((a) => r4(clean - a)).join(', ')})` : ''}`,
        value: r4(worst),
        unit: 'accuracy',
        baseline: r4(clean),
        baselineName: 'the same rule, honest nodes only',
        ratio: r4(clean - worst),
        ratioMeaning: 'accuracy lost to the attacker',
        ...(rule === DEFAULTS ? { target: `≤ ${TARGET_DROP} lost`, met: clean - worst <= TARGET_DROP } : {}),
      });
    }
    for (const rule of [PLAIN, DEFAULTS]) {
      const once = accuracies(f, rule, ROUNDS, ROUNDS);
      const clean = accuracies(f, rule, ROUNDS);
      figures.push({
        section: 'robust',
        name: `${kind}: ${ROUNDS - 1} honest rounds, then one round with the ${CLAIM}-example random update; next-round accuracy, ${rule.name}`,
        value: r4(last(once)),
        unit: 'accuracy',
        baseline: r4(last(clean)),
        baselineName: 'the same round without it',
        ratio: r4(last(clean) - last(once)),
        ratioMeaning: 'accuracy lost to the attacker',
      });
    }
    // Federated evaluation of the default-trained model, with a liar reporting 1.0 on 10M examples.
    let global = initParameters(f.spec, new SeededRandom(7));
    for (let r = 1; r <= ROUNDS; r++) global = round(f, global, DEFAULTS, r, undefined);
    const truth = reported(f, global, DEFAULT_MAX_WEIGHT_SHARE, false);
    for (const share of [1, DEFAULT_MAX_WEIGHT_SHARE]) {
      const seen = reported(f, global, share, true);
      figures.push({
        section: 'robust',
        name: `${kind}: federated accuracy operators see when one node also reports accuracy 1.0 on ${CLAIM} examples, share cap ${share}`,
        value: r4(seen),
        unit: 'accuracy',
        baseline: r4(truth),
        baselineName: 'reported by the honest nodes alone',
        ratio: r4(seen - truth),
        ratioMeaning: 'how far the liar moved it',
      });
    }
  }
  return figures;
}
