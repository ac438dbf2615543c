/**
 * The trainer interface: what a node trains with. One interface for every trainer, so
 * every result takes the same path through the daemon's checks (TrainerWork):
 * - the built-in models (BuiltinTrainer) run in the daemon's process;
 * - a site's own trainer runs as a separate process behind the trainer contract
 *   (ProcessTrainer, proto/cohort/trainer/v1/trainer.proto); a TypeScript trainer
 *   implements this same interface and is served over the contract by `serveTrainer`.
 *
 * Weights cross this interface as one flat float32 vector holding the trainer's tensors
 * in the order of its description (row-major each), as the contract's tensor data does.
 */
import type { FeatureRange } from '../../shared/model/feature-range.js';
import type { Incompatibility } from '../core/agent.js';
import type { TensorSpec } from '../../shared/model/manifest.js';
import type { FederatedModel } from '../../shared/model/model.js';
import type { TrainerOptions } from '../../shared/model/options.js';

/** What a trainer trains (the contract's Hello). */
export interface TrainerDescription {
  /** Free text for the node's log, e.g. "pytorch-mnist 1.0". */
  readonly trainer: string;
  /** The tensors it trains, in the order of its weight vectors. */
  readonly tensors: readonly TensorSpec[];
  /** Examples it trains and evaluates on (informational). */
  readonly trainExamples: number;
  readonly evalExamples: number;
}

/** One request's settings (the contract's TrainRequest/EvaluateRequest without the weights). */
export interface TrainerRequest {
  readonly round: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly seed: number;
  readonly options: TrainerOptions;
  /** Unix ms by which the answer must be complete. */
  readonly deadlineMs: number;
  /** The federation model's manifest hash. */
  readonly manifestSha256: string;
}

/** What training produced. */
export interface TrainOutput {
  /** `weights`: the new local weights; `delta`: local weights minus the weights received. */
  readonly kind: 'weights' | 'delta';
  /** The tensors `values` holds, in order (must equal the description's). */
  readonly tensors: readonly TensorSpec[];
  readonly values: Float32Array;
  /** Local training examples (the FedAvg weight), not multiplied by epochs. */
  readonly numExamples: number;
  /** Mean training loss of the last local epoch. */
  readonly loss: number;
  /** Kept in the node's log only. */
  readonly metrics?: Readonly<Record<string, number>>;
}

/** What evaluation produced. */
export interface EvalOutput {
  readonly numExamples: number;
  readonly accuracy: number;
  readonly loss: number;
  readonly metrics?: Readonly<Record<string, number>>;
}

/** A trainer. Methods may throw or reject; the node then declines the task. */
export interface Trainer {
  /**
   * What this trainer trains. `model` is the federation's model when the caller knows it:
   * in-process trainers are asked before each task and may adapt to it (the built-in
   * trainer does); a trainer process describes itself once, when it starts, before it
   * knows the model, so `serveTrainer` asks without one. Resolves once the trainer is
   * ready (a process has said Hello), or rejects by `deadlineMs`.
   */
  describe(model: FederatedModel | undefined, deadlineMs: number): Promise<TrainerDescription>;
  /** Optional quick check before a task's weights arrive: why this trainer cannot train `model`, or undefined. */
  incompatibility?(model: FederatedModel): Incompatibility | undefined;
  /** Advice for this node's operator when its inputs fall far outside `range` (never sent anywhere). */
  inputWarnings?(range: FeatureRange): string[];
  /** Train from `weights` (in the description's order; served by `serveTrainer`, valid until the answer is sent). */
  train(request: TrainerRequest, weights: Float32Array): Promise<TrainOutput>;
  /** Evaluate `weights` on the held-out data. */
  evaluate(request: TrainerRequest, weights: Float32Array): Promise<EvalOutput>;
  /** Release the trainer (stop its process). */
  close(): Promise<void>;
}
