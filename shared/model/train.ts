/**
 * The local trainer: mini-batch SGD on softmax cross-entropy for multinomial logistic
 * regression and a one-hidden-layer ReLU MLP, plus evaluation. Pure computation over
 * typed arrays; the caller supplies data (client/data/) and the shuffle RandomSource.
 */
import { CohortError } from '../errors.js';
import { shuffleInPlace, type RandomSource } from '../random.js';
import { checkDataset, type Dataset } from './dataset.js';
import { createWorkspace, forward, logSumExp, lossAndGradient } from './loss.js';
import type { TrainerOptions } from './options.js';
import { checkParameters, describeModel, type ModelSpec } from './spec.js';

export type { Dataset } from './dataset.js';
export { lossAndGradient } from './loss.js';

/** Local optimisation settings for one round. */
export interface TrainConfig {
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  /** Free-form operator options for the site's trainer (shared/model/options.ts); the built-in trainer ignores them. */
  readonly options?: TrainerOptions;
}

/**
 * Defaults tuned on 3 MNIST shards with FedAvg and one local epoch per round (see
 * test/unit/model/fedavg.test.ts for the accuracy they reach).
 */
export const DEFAULT_TRAIN_CONFIG: TrainConfig = Object.freeze({ epochs: 1, batchSize: 16, learningRate: 0.2 });

/** What one call to `train` produced. */
export interface TrainResult {
  /** The locally trained parameters (a new array). */
  readonly weights: Float32Array;
  /** Mean training loss over the last epoch, as measured during it. */
  readonly loss: number;
  /** Number of local training examples (the FedAvg weight `n_k`), not multiplied by epochs. */
  readonly examples: number;
}

/** Held-out quality of a model. */
export interface EvalResult {
  /** Fraction of examples whose arg-max logit is the label (0 when count is 0). */
  readonly accuracy: number;
  /** Mean cross-entropy (0 when count is 0). */
  readonly loss: number;
  readonly count: number;
}

const MAX_EPOCHS = 1000;
const MAX_BATCH = 65_536;
const EVAL_CHUNK = 256;

/** Validate untrusted training settings, applying defaults; names the bad field. */
export function parseTrainConfig(input: { epochs?: unknown; batchSize?: unknown; learningRate?: unknown }): TrainConfig {
  const epochs = input.epochs ?? DEFAULT_TRAIN_CONFIG.epochs;
  const batchSize = input.batchSize ?? DEFAULT_TRAIN_CONFIG.batchSize;
  const learningRate = input.learningRate ?? DEFAULT_TRAIN_CONFIG.learningRate;
  if (typeof epochs !== 'number' || !Number.isInteger(epochs) || epochs < 1 || epochs > MAX_EPOCHS) {
    throw bad(`training epochs must be an integer between 1 and ${MAX_EPOCHS}, got ${String(epochs)}`);
  }
  if (typeof batchSize !== 'number' || !Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH) {
    throw bad(`training batchSize must be an integer between 1 and ${MAX_BATCH}, got ${String(batchSize)}`);
  }
  if (typeof learningRate !== 'number' || !Number.isFinite(learningRate) || learningRate <= 0 || learningRate > 100) {
    throw bad(`training learningRate must be a number in (0, 100], got ${String(learningRate)}`);
  }
  return { epochs, batchSize, learningRate };
}

/**
 * Run `cfg.epochs` epochs of mini-batch SGD from `initial` (left unchanged) over `data`,
 * reshuffling the example order with `rng` at the start of each epoch.
 */
export function train(spec: ModelSpec, initial: Float32Array, data: Dataset, cfg: TrainConfig, rng: RandomSource): TrainResult {
  checkParameters(spec, initial);
  checkShapes(spec, data);
  const { epochs, batchSize, learningRate } = parseTrainConfig(cfg);
  if (data.count === 0) throw bad('cannot train on an empty dataset');

  const { features } = spec;
  const weights = Float32Array.from(initial);
  const grad = new Float32Array(weights.length);
  const batch = Math.min(batchSize, data.count);
  const ws = createWorkspace(spec, batch);
  const xb = new Float32Array(batch * features);
  const yb = new Uint8Array(batch);
  const order = new Uint32Array(data.count);
  for (let i = 0; i < order.length; i++) order[i] = i;

  let epochLoss = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    shuffleInPlace(order, rng);
    let lossSum = 0;
    for (let start = 0; start < data.count; start += batch) {
      const rows = Math.min(batch, data.count - start);
      for (let r = 0; r < rows; r++) {
        const src = order[start + r] as number;
        const from = src * features;
        const to = r * features;
        for (let f = 0; f < features; f++) xb[to + f] = data.x[from + f] as number;
        yb[r] = data.y[src] as number;
      }
      lossSum += rows * lossAndGradient(spec, weights, xb, yb, rows, grad, ws);
      for (let i = 0; i < weights.length; i++) weights[i] = (weights[i] as number) - learningRate * (grad[i] as number);
    }
    epochLoss = lossSum / data.count;
    if (!Number.isFinite(epochLoss)) {
      throw new CohortError('failed_precondition', `training diverged (loss ${epochLoss} in epoch ${epoch + 1}); lower the learning rate (${learningRate}) or scale the features`);
    }
  }
  return { weights, loss: epochLoss, examples: data.count };
}

/** Accuracy and mean cross-entropy of `weights` on `data`. */
export function evaluate(spec: ModelSpec, weights: Float32Array, data: Dataset): EvalResult {
  checkParameters(spec, weights);
  checkShapes(spec, data);
  const { features, classes } = spec;
  if (data.count === 0) return { accuracy: 0, loss: 0, count: 0 };
  const chunk = Math.min(EVAL_CHUNK, data.count);
  const ws = createWorkspace(spec, chunk);
  let correct = 0;
  let lossSum = 0;
  for (let start = 0; start < data.count; start += chunk) {
    const rows = Math.min(chunk, data.count - start);
    forward(spec, weights, data.x.subarray(start * features, (start + rows) * features), rows, ws);
    const logits = ws.logits;
    for (let r = 0; r < rows; r++) {
      const off = r * classes;
      const label = data.y[start + r] as number;
      lossSum += logSumExp(logits, off, classes) - (logits[off + label] as number);
      let best = 0;
      for (let j = 1; j < classes; j++) if ((logits[off + j] as number) > (logits[off + best] as number)) best = j;
      if (best === label) correct++;
    }
  }
  return { accuracy: correct / data.count, loss: lossSum / data.count, count: data.count };
}

function checkShapes(spec: ModelSpec, data: Dataset): void {
  checkDataset(data);
  if (data.features !== spec.features || data.classes !== spec.classes) {
    throw bad(`data has ${data.features} features and ${data.classes} classes but the model is ${describeModel(spec)}`);
  }
}

function bad(message: string): CohortError {
  return new CohortError('invalid_argument', message);
}
