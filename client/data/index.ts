/** A node's own data: load what `--data` names and split it into train and held-out parts. */
import { CohortError } from '../../shared/errors.js';
import { SeededRandom, shuffleInPlace } from '../../shared/random.js';
import { selectRows, type Dataset } from '../../shared/model/dataset.js';
import { readCsv } from './csv.js';
import { MNIST_CLASSES, mnistShard } from './mnist.js';
import type { DataSpec } from './spec.js';

export { parseDataSpec, type DataSpec } from './spec.js';

/** How to split local data. */
export interface LoadOptions {
  /** Fraction of the local examples kept for federated evaluation, in [0, 1); default 0.2. */
  heldOutFraction?: number;
  /** Seed of the train/held-out shuffle; the same seed gives the same split in every process. */
  seed?: number;
  /** Number of classes the model has; labels must be below it (MNIST: must be 10). */
  classes?: number;
}

/** A node's data, split. */
export interface LocalData {
  readonly train: Dataset;
  readonly heldOut: Dataset;
  /** One line for logs, e.g. "MNIST shard 1/3: 2667 train, 667 held-out (784 features, labels 0..9)". */
  readonly description: string;
  /** Names of the feature columns, in order (CSV only; for messages on this node). */
  readonly featureNames?: readonly string[];
  /** Name of the label column (CSV only). */
  readonly labelName?: string;
}

/** Default held-out fraction. */
export const DEFAULT_HELD_OUT_FRACTION = 0.2;
/** Default split seed. */
export const DEFAULT_SPLIT_SEED = 20240501;

/** Load the data a DataSpec names and split it with a seeded shuffle. */
export async function loadLocalData(spec: DataSpec, opts: LoadOptions = {}): Promise<LocalData> {
  const fraction = opts.heldOutFraction ?? DEFAULT_HELD_OUT_FRACTION;
  if (typeof fraction !== 'number' || !(fraction >= 0 && fraction < 1)) {
    throw new CohortError('invalid_argument', `heldOutFraction must be a number in [0, 1), got ${String(fraction)}`);
  }
  const seed = opts.seed ?? DEFAULT_SPLIT_SEED;
  if (!Number.isSafeInteger(seed)) throw new CohortError('invalid_argument', `seed must be an integer, got ${String(seed)}`);

  let all: Dataset;
  let source: string;
  let names: { featureNames: readonly string[]; labelName: string } | undefined;
  let splitSeed = seed;
  if (spec.kind === 'mnist') {
    if (opts.classes !== undefined && opts.classes !== MNIST_CLASSES) {
      throw new CohortError('invalid_argument', `MNIST has ${MNIST_CLASSES} classes but the model has ${opts.classes}`);
    }
    all = await mnistShard(spec.shard, spec.of);
    source = `MNIST shard ${spec.shard}/${spec.of}`;
    // A different split stream per shard, so shards are not split in lockstep.
    splitSeed = mixSeed(seed, spec.shard, spec.of);
  } else {
    const table = await readCsv(spec.path, spec.label, opts.classes);
    all = table.data;
    names = { featureNames: table.featureNames, labelName: spec.label };
    source = `CSV ${spec.path} (label "${spec.label}")`;
  }

  const heldOutCount = Math.round(all.count * fraction);
  if (all.count - heldOutCount < 1) {
    throw new CohortError('invalid_argument', `${source} has ${all.count} examples: too few to keep ${heldOutCount} held out and still train`);
  }
  const order = new Uint32Array(all.count);
  for (let i = 0; i < order.length; i++) order[i] = i;
  shuffleInPlace(order, new SeededRandom(splitSeed));
  const heldOut = selectRows(all, order.subarray(0, heldOutCount));
  const train = selectRows(all, order.subarray(heldOutCount));
  // The labels as found, not a class count: labels coded 1..2 are not "3 classes" (see check.ts).
  let lo = 255;
  let hi = 0;
  for (const label of all.y) {
    lo = Math.min(lo, label);
    hi = Math.max(hi, label);
  }
  const description = `${source}: ${train.count} train, ${heldOut.count} held-out (${all.features} feature${all.features === 1 ? '' : 's'}, labels ${lo}..${hi})`;
  return { train, heldOut, description, ...names };
}

function mixSeed(seed: number, shard: number, of: number): number {
  return (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(shard, 0x85ebca6b) ^ Math.imul(of, 0xc2b2ae35)) >>> 0;
}
