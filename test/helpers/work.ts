/** Local work for integration tests whose nodes only need to send something known. */
import type { IncomingTask, LocalEvaluation, LocalUpdate, LocalWork } from '../../client/core/agent.js';

export interface ConstantWorkShape {
  /** Every coordinate of every update. */
  readonly value?: number;
  readonly numExamples?: number;
  readonly trainLoss?: number;
  readonly evaluation?: LocalEvaluation;
}

/** Every round the same constant update (0.01 by default, well inside the clip norm) and a fixed evaluation. */
export class ConstantWork implements LocalWork {
  constructor(private readonly shape: ConstantWorkShape = {}) {}

  incompatibility(): undefined {
    return undefined;
  }
  train(task: IncomingTask): LocalUpdate {
    const { value = 0.01, numExamples = 10, trainLoss = 0 } = this.shape;
    return { delta: new Float32Array(task.numParameters).fill(value), numExamples, trainLoss };
  }
  evaluate(): LocalEvaluation {
    return this.shape.evaluation ?? { numExamples: 10, accuracy: 0.5, loss: 1 };
  }
}
