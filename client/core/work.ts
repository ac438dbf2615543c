/** LocalWork implementations: the real trainer, and a fixed perturbation for transport benchmarks. */
import type { FederatedModel } from '../../shared/model/model.js';
import { CohortError } from '../../shared/errors.js';
import type { ModelSpec } from '../../shared/model/spec.js';
import { evaluate, train } from '../../shared/model/train.js';
import { SeededRandom } from '../../shared/random.js';
import type { LocalData } from '../data/index.js';
import type { IncomingTask, LocalEvaluation, LocalUpdate, LocalWork } from './agent.js';

/** Trains the task's model on the node's own data and evaluates on its held-out split. */
export class ModelWork implements LocalWork {
  constructor(private readonly data: LocalData) {}

  incompatibility(federated: FederatedModel): string | undefined {
    const model = federated.builtin;
    if (!model) return 'the model is given as tensors and this node has no trainer for it (start the node with --trainer)';
    const d = this.data.train;
    if (model.features !== d.features) return `the model expects ${model.features} features but this node's data has ${d.features}`;
    if (model.classes !== d.classes) return `the model has ${model.classes} classes but this node's data has ${d.classes}`;
    if (d.count === 0) return 'this node has no training examples';
    return undefined;
  }

  train(task: IncomingTask, global: Float32Array): LocalUpdate {
    const result = train(builtinSpec(task), global, this.data.train, task.train, new SeededRandom(task.seed));
    const delta = result.weights;
    for (let i = 0; i < delta.length; i++) delta[i] = (delta[i] as number) - (global[i] as number);
    return { delta, numExamples: result.examples, trainLoss: result.loss };
  }

  evaluate(task: IncomingTask, global: Float32Array): LocalEvaluation {
    const r = evaluate(builtinSpec(task), global, this.data.heldOut);
    return { numExamples: r.count, accuracy: r.accuracy, loss: r.loss };
  }
}

/**
 * No training at all: the update is a fixed small perturbation of the global weights, so
 * a benchmark times only transport, TLS and aggregation (`cohort node --work perturb`).
 */
export class PerturbWork implements LocalWork {
  incompatibility(): string | undefined {
    return undefined;
  }

  train(task: IncomingTask, global: Float32Array): LocalUpdate {
    const delta = new Float32Array(global.length);
    const step = 1e-3 * ((task.seed % 7) + 1);
    // +step, −step, … written by doubling copies: memcpy speed, where a per-element loop
    // was most of this work's time at d = 1M.
    if (delta.length > 0) delta[0] = step;
    if (delta.length > 1) delta[1] = -step;
    for (let len = 2; len < delta.length; len *= 2) delta.copyWithin(len, 0, Math.min(len, delta.length - len));
    return { delta, numExamples: 1, trainLoss: 0 };
  }

  evaluate(): LocalEvaluation {
    return { numExamples: 1, accuracy: 0, loss: 0 };
  }
}

function builtinSpec(task: IncomingTask): ModelSpec {
  if (!task.model.builtin) throw new CohortError('failed_precondition', 'the built-in trainer trains only the built-in models');
  return task.model.builtin;
}
