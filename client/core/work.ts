/** LocalWork implementations: the real trainer, and a fixed perturbation for transport benchmarks. */
import type { ModelSpec } from '../../shared/model/spec.js';
import { evaluate, train } from '../../shared/model/train.js';
import { SeededRandom } from '../../shared/random.js';
import type { Dataset } from '../../shared/model/dataset.js';
import type { FeatureRange } from '../../shared/model/feature-range.js';
import { type CheckedData, checkAgainstModel, featureRangeWarnings } from '../data/check.js';
import type { LocalData } from '../data/index.js';
import type { Incompatibility, IncomingTask, LocalEvaluation, LocalUpdate, LocalWork } from './agent.js';

/** Trains the task's model on the node's own data and evaluates on its held-out split. */
export class ModelWork implements LocalWork {
  private readonly checked: CheckedData;

  constructor(private readonly data: LocalData) {
    this.checked = { parts: [data.train, data.heldOut], ...(data.featureNames ? { featureNames: data.featureNames } : {}), ...(data.labelName ? { labelName: data.labelName } : {}) };
  }

  incompatibility(model: ModelSpec): Incompatibility | undefined {
    if (this.data.train.count === 0) return { category: 'no_data', reason: 'no training examples', detail: 'this node has no training examples' };
    return checkAgainstModel(this.checked, model);
  }

  inputWarnings(range: FeatureRange): string[] {
    return featureRangeWarnings(this.checked, range);
  }

  train(task: IncomingTask, global: Float32Array): LocalUpdate {
    const result = train(task.model, global, asModelClasses(this.data.train, task.model), task.train, new SeededRandom(task.seed));
    const delta = result.weights;
    for (let i = 0; i < delta.length; i++) delta[i] = (delta[i] as number) - (global[i] as number);
    return { delta, numExamples: result.examples, trainLoss: result.loss };
  }

  evaluate(task: IncomingTask, global: Float32Array): LocalEvaluation {
    const r = evaluate(task.model, global, asModelClasses(this.data.heldOut, task.model));
    return { numExamples: r.count, accuracy: r.accuracy, loss: r.loss };
  }
}

/**
 * The data as a `model.classes`-class dataset: a CSV's class count is its largest label
 * plus one, and a site may lack the highest classes (`incompatibility` has already
 * refused labels the model cannot hold).
 */
function asModelClasses(data: Dataset, model: ModelSpec): Dataset {
  return data.classes === model.classes ? data : { ...data, classes: model.classes };
}

/**
 * No training at all: the update is a fixed small perturbation of the global weights, so
 * a benchmark times only transport, TLS and aggregation (`cohort node --work perturb`).
 */
export class PerturbWork implements LocalWork {
  incompatibility(): undefined {
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
