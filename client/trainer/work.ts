/**
 * The node's local work through a Trainer, with every check the daemon owes the
 * federation whatever the trainer is: its tensors are the model's (names and shapes),
 * its results carry those tensors, finite values, a bounded example count and a finite
 * loss. Nothing a trainer returns reaches clipping, noise, secure aggregation or the
 * coordinator without passing here. The trainer's tensor order may differ from the
 * model's; weights are reordered both ways.
 */
import { LocalRefusal } from '../../shared/decline.js';
import type { Logger } from '../../shared/logger.js';
import { describeTensor, type ModelManifest, parseManifest, tensorSetDifference, tensorSize, type TensorSpec } from '../../shared/model/manifest.js';
import type { FederatedModel } from '../../shared/model/model.js';
import type { FeatureRange } from '../../shared/model/feature-range.js';
import type { Incompatibility, IncomingTask, LocalEvaluation, LocalUpdate, LocalWork } from '../core/agent.js';
import type { EvalOutput, Trainer, TrainerDescription, TrainerRequest, TrainOutput } from './trainer.js';

/** The coordinator's cap on a node's example count (server/core/stages.ts). */
export const MAX_TRAINER_EXAMPLES = 10_000_000;
const MAX_METRICS = 32;
const MAX_METRIC_KEY = 64;

/** Where each of the trainer's tensors sits in the model's flat vector. */
interface Layout {
  readonly description: TrainerDescription;
  /** The trainer's tensors as a manifest (for naming bad values). */
  readonly trainerManifest: ModelManifest;
  /** Per trainer tensor, in trainer order: its offset in the model's vector and its size. */
  readonly blocks: ReadonlyArray<{ readonly from: number; readonly size: number }>;
  /** True when the orders agree and no copy is needed. */
  readonly identity: boolean;
}

/** LocalWork that trains and evaluates with a Trainer and checks what it returns. */
export class TrainerWork implements LocalWork {
  private cached: { key: string; layout: Layout } | undefined;

  constructor(
    private readonly trainer: Trainer,
    private readonly log: Logger,
  ) {}

  incompatibility(model: FederatedModel): Incompatibility | undefined {
    return this.trainer.incompatibility?.(model);
  }

  inputWarnings(range: FeatureRange): string[] {
    return this.trainer.inputWarnings?.(range) ?? [];
  }

  async train(task: IncomingTask, global: Float32Array): Promise<LocalUpdate> {
    const layout = await this.layout(task);
    const out = await this.trainer.train(requestOf(task), toTrainerOrder(layout, global));
    const problem = checkTrainOutput(out, layout);
    if (problem) throw new LocalRefusal('invalid_argument', `the trainer's result was refused: ${problem}`);
    // One pass: the delta, and whether it is finite. A non-finite value in the result makes
    // its delta non-finite too; weights minus global can also overflow float32 when both are finite.
    const delta = new Float32Array(global.length);
    const v = out.values;
    let sum = 0;
    let at = 0;
    for (const b of layout.blocks) {
      if (out.kind === 'weights') {
        for (let i = 0; i < b.size; i++) {
          // Rounded as it is stored: a float64 difference can be finite where its float32 is not.
          const x = Math.fround((v[at + i] as number) - (global[b.from + i] as number));
          delta[b.from + i] = x;
          sum += x * 0;
        }
      } else {
        for (let i = 0; i < b.size; i++) {
          const x = v[at + i] as number;
          delta[b.from + i] = x;
          sum += x * 0;
        }
      }
      at += b.size;
    }
    if (sum !== 0) {
      const bad = firstBad(layout.trainerManifest, v);
      if (bad) throw new LocalRefusal('invalid_argument', `the trainer's result was refused: ${bad}; results must be finite`);
      const i = delta.findIndex((x) => x - x !== 0);
      throw new LocalRefusal('invalid_argument', `the trainer's result was refused: its update is not finite at parameter ${i}`);
    }
    logMetrics(this.log, task, out.metrics);
    return { delta, numExamples: out.numExamples, trainLoss: out.loss };
  }

  async evaluate(task: IncomingTask, global: Float32Array): Promise<LocalEvaluation> {
    const layout = await this.layout(task);
    const out = await this.trainer.evaluate(requestOf(task), toTrainerOrder(layout, global));
    const problem = checkEvalOutput(out);
    if (problem) throw new LocalRefusal('invalid_argument', `the trainer's evaluation was refused: ${problem}`);
    logMetrics(this.log, task, out.metrics);
    return { numExamples: out.numExamples, accuracy: out.accuracy, loss: out.loss };
  }

  /** Stop the trainer. */
  close(): Promise<void> {
    return this.trainer.close();
  }

  /** The trainer's description, checked against the task's model. */
  private async layout(task: IncomingTask): Promise<Layout> {
    const description = await this.trainer.describe(task.model, task.deadlineMs);
    const manifest = task.model.manifest;
    const key = `${manifest.sha256}:${JSON.stringify(description.tensors)}`;
    if (this.cached?.key === key && this.cached.layout.description === description) return this.cached.layout;
    let trainerManifest: ModelManifest;
    try {
      trainerManifest = parseManifest(description.tensors, "this node's trainer describes its tensors wrongly");
    } catch (err) {
      // The message quotes the trainer's own names: it stays in this node's log.
      this.log.error({ trainer: description.trainer, err: (err as Error).message }, "this node's trainer describes its tensors wrongly");
      throw new LocalRefusal('failed_precondition', "this node's trainer describes its tensors wrongly (the node's log says how)");
    }
    const diff = tensorSetDifference(manifest.tensors, trainerManifest.tensors);
    if (diff) {
      this.log.error({ trainer: description.trainer, diff }, "this node's trainer does not train the federation's model");
      throw new LocalRefusal('failed_precondition', `this node's trainer does not train the federation's model: ${diff}`);
    }
    const offsets = new Map<string, number>();
    let at = 0;
    for (const t of manifest.tensors) {
      offsets.set(t.name, at);
      at += tensorSize(t.shape);
    }
    const blocks = trainerManifest.tensors.map((t) => ({ from: offsets.get(t.name) as number, size: tensorSize(t.shape) }));
    const identity = trainerManifest.sha256 === manifest.sha256;
    const layout: Layout = { description, trainerManifest, blocks, identity };
    this.log.info({ trainer: description.trainer, tensors: trainerManifest.tensors.length, reordered: !identity, trainExamples: description.trainExamples, evalExamples: description.evalExamples }, 'trainer matches the federation\'s model');
    this.cached = { key, layout };
    return layout;
  }
}

function requestOf(task: IncomingTask): TrainerRequest {
  return {
    round: task.round,
    epochs: task.train.epochs,
    batchSize: task.train.batchSize,
    learningRate: task.train.learningRate,
    seed: task.seed,
    options: task.train.options ?? {},
    deadlineMs: task.deadlineMs,
    manifestSha256: task.model.manifest.sha256,
  };
}

/** The model's vector in the trainer's tensor order (the same array when the orders agree). */
function toTrainerOrder(layout: Layout, global: Float32Array): Float32Array {
  if (layout.identity) return global;
  const out = new Float32Array(global.length);
  let at = 0;
  for (const b of layout.blocks) {
    out.set(global.subarray(b.from, b.from + b.size), at);
    at += b.size;
  }
  return out;
}

function sameTensors(a: readonly TensorSpec[], b: readonly TensorSpec[]): string | undefined {
  if (a.length !== b.length) return `it announced ${a.length} tensors, the trainer described ${b.length}`;
  for (const [i, t] of a.entries()) {
    const e = b[i] as TensorSpec;
    if (t.name !== e.name || t.shape.length !== e.shape.length || t.shape.some((d, j) => d !== e.shape[j])) {
      return `tensor ${i} is ${describeTensor(t)}, the trainer described ${describeTensor(e)}`;
    }
  }
  return undefined;
}

function count(what: string, n: number, min: number): string | undefined {
  return Number.isInteger(n) && n >= min && n <= MAX_TRAINER_EXAMPLES ? undefined : `${what} must be an integer in [${min}, ${MAX_TRAINER_EXAMPLES}], got ${n}`;
}

/** Why a training result is not acceptable, or undefined. */
function checkTrainOutput(out: TrainOutput, layout: Layout): string | undefined {
  if (out.kind !== 'weights' && out.kind !== 'delta') return `its kind is ${String(out.kind)}, not weights or delta`;
  const wrong = sameTensors(out.tensors, layout.trainerManifest.tensors);
  if (wrong) return `it answered with the wrong tensors: ${wrong}`;
  if (out.values.length !== layout.trainerManifest.numParameters) return `it holds ${out.values.length} values, its tensors ${layout.trainerManifest.numParameters}`;
  // Finite values are checked while the delta is computed (TrainerWork.train).
  return count('num_examples', out.numExamples, 1) ?? (Number.isFinite(out.loss) && out.loss >= 0 ? undefined : `the loss must be a finite non-negative number, got ${out.loss}`);
}

/** Why an evaluation is not acceptable, or undefined. */
function checkEvalOutput(out: EvalOutput): string | undefined {
  const n = count('num_examples', out.numExamples, 0);
  if (n) return n;
  if (!(out.accuracy >= 0 && out.accuracy <= 1)) return `the accuracy must be in [0, 1], got ${out.accuracy}`;
  if (!(Number.isFinite(out.loss) && out.loss >= 0)) return `the loss must be a finite non-negative number, got ${out.loss}`;
  return undefined;
}

function firstBad(manifest: ModelManifest, values: Float32Array): string | undefined {
  let at = 0;
  for (const t of manifest.tensors) {
    const size = tensorSize(t.shape);
    for (let i = 0; i < size; i++) {
      const x = values[at + i] as number;
      if (x - x !== 0) return `tensor ${t.name} holds ${String(x)} at index ${i}`;
    }
    at += size;
  }
  return undefined;
}

/** Metrics go to the node's log only; entries beyond the contract's limits are dropped. */
function logMetrics(log: Logger, task: IncomingTask, metrics: Readonly<Record<string, number>> | undefined): void {
  if (!metrics) return;
  const kept: Record<string, number> = {};
  let dropped = 0;
  for (const [k, v] of Object.entries(metrics)) {
    if (Object.keys(kept).length < MAX_METRICS && k.length <= MAX_METRIC_KEY && Number.isFinite(v)) kept[k] = v;
    else dropped += 1;
  }
  if (Object.keys(kept).length > 0 || dropped > 0) log.info({ round: task.round, stage: task.kind, metrics: kept, ...(dropped > 0 ? { dropped } : {}) }, 'trainer metrics');
}
