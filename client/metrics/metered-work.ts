/** LocalWork that times itself for the node's metrics and runs the drift check after each round. */
import type { FeatureRange } from '../../shared/model/feature-range.js';
import type { FederatedModel } from '../../shared/model/model.js';
import type { Incompatibility, IncomingTask, LocalEvaluation, LocalUpdate, LocalWork } from '../core/agent.js';
import type { NodeMetrics } from './node-metrics.js';

/** Wraps the node's real work; the results pass through untouched. */
export class MeteredWork implements LocalWork {
  /**
   * @param afterRound called after each evaluation, the node's last task of a round (drift check)
   */
  constructor(
    private readonly inner: LocalWork,
    private readonly metrics: NodeMetrics,
    private readonly afterRound?: () => void,
  ) {}

  incompatibility(model: FederatedModel): Incompatibility | undefined {
    return this.inner.incompatibility(model);
  }

  inputWarnings(range: FeatureRange): string[] {
    return this.inner.inputWarnings?.(range) ?? [];
  }

  async train(task: IncomingTask, global: Float32Array): Promise<LocalUpdate> {
    const t0 = performance.now();
    const update = await this.inner.train(task, global);
    this.metrics.trained((performance.now() - t0) / 1000, update.numExamples * task.train.epochs);
    return update;
  }

  async evaluate(task: IncomingTask, global: Float32Array): Promise<LocalEvaluation> {
    const t0 = performance.now();
    const evaluation = await this.inner.evaluate(task, global);
    this.metrics.evaluated((performance.now() - t0) / 1000);
    this.afterRound?.();
    return evaluation;
  }
}
