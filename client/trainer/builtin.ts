/**
 * Cohort's built-in models (logreg, mlp; shared/model/) as a Trainer, in the daemon's
 * process: the node's `--data` is its training and held-out data. It adapts to the
 * federation's built-in model (features and classes must match the data) and refuses
 * models given as tensors, which need the site's own trainer (`--trainer`).
 */
import { CohortError } from '../../shared/errors.js';
import type { Dataset } from '../../shared/model/dataset.js';
import type { FeatureRange } from '../../shared/model/feature-range.js';
import type { FederatedModel } from '../../shared/model/model.js';
import { describeModel, type ModelSpec } from '../../shared/model/spec.js';
import { evaluate, train } from '../../shared/model/train.js';
import { SeededRandom } from '../../shared/random.js';
import type { Incompatibility } from '../core/agent.js';
import { type CheckedData, checkAgainstModel, featureRangeWarnings } from '../data/check.js';
import type { LocalData } from '../data/index.js';
import type { EvalOutput, Trainer, TrainerDescription, TrainerRequest, TrainOutput } from './trainer.js';

/**
 * The data as a `model.classes`-class dataset: a CSV's class count is its largest label
 * plus one, and a site may lack the highest classes (`incompatibility` has already
 * refused labels the model cannot hold).
 */
function asModelClasses(data: Dataset, model: ModelSpec): Dataset {
  return data.classes === model.classes ? data : { ...data, classes: model.classes };
}

/** The built-in trainer over a node's local data. */
export class BuiltinTrainer implements Trainer {
  /** Models described so far, by manifest hash (a federation has one). */
  private readonly specs = new Map<string, { spec: ModelSpec; description: TrainerDescription }>();
  private readonly checked: CheckedData;

  constructor(private readonly data: LocalData) {
    this.checked = { parts: [data.train, data.heldOut], ...(data.featureNames ? { featureNames: data.featureNames } : {}), ...(data.labelName ? { labelName: data.labelName } : {}) };
  }

  incompatibility(model: FederatedModel): Incompatibility | undefined {
    const spec = model.builtin;
    if (!spec) {
      const reason = 'the model is given as named tensors; this node has only the built-in trainer';
      return { category: 'data', reason, detail: `${reason} (start it with --trainer "COMMAND", see "Your own model" in the README)` };
    }
    if (this.data.train.count === 0) return { category: 'no_data', reason: 'no training examples', detail: 'this node has no training examples' };
    return checkAgainstModel(this.checked, spec);
  }

  /** Advice for this node's operator when its inputs fall far outside `range`. */
  inputWarnings(range: FeatureRange): string[] {
    return featureRangeWarnings(this.checked, range);
  }

  describe(model: FederatedModel | undefined): Promise<TrainerDescription> {
    if (!model) return Promise.reject(new CohortError('failed_precondition', 'the built-in trainer adapts to the federation\'s model and needs it'));
    const problem = this.incompatibility(model);
    if (problem) return Promise.reject(new CohortError('failed_precondition', problem.detail ?? problem.reason));
    const spec = model.builtin as ModelSpec;
    const description: TrainerDescription = {
      trainer: `cohort built-in ${describeModel(spec)}`,
      tensors: model.manifest.tensors,
      trainExamples: this.data.train.count,
      evalExamples: this.data.heldOut.count,
    };
    this.specs.set(model.manifest.sha256, { spec, description });
    return Promise.resolve(description);
  }

  train(request: TrainerRequest, weights: Float32Array): Promise<TrainOutput> {
    const { spec, description } = this.model(request);
    const cfg = { epochs: request.epochs, batchSize: request.batchSize, learningRate: request.learningRate };
    const r = train(spec, weights, asModelClasses(this.data.train, spec), cfg, new SeededRandom(request.seed));
    return Promise.resolve({ kind: 'weights', tensors: description.tensors, values: r.weights, numExamples: r.examples, loss: r.loss });
  }

  evaluate(request: TrainerRequest, weights: Float32Array): Promise<EvalOutput> {
    const { spec } = this.model(request);
    const r = evaluate(spec, weights, asModelClasses(this.data.heldOut, spec));
    return Promise.resolve({ numExamples: r.count, accuracy: r.accuracy, loss: r.loss });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private model(request: TrainerRequest): { spec: ModelSpec; description: TrainerDescription } {
    const m = this.specs.get(request.manifestSha256);
    if (!m) throw new CohortError('failed_precondition', `the built-in trainer was not asked to describe model ${request.manifestSha256}`);
    return m;
  }
}
