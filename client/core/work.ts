/**
 * A fixed perturbation instead of training, for transport benchmarks. Real work goes
 * through a Trainer (client/trainer/work.ts).
 */
import type { IncomingTask, LocalEvaluation, LocalUpdate, LocalWork } from './agent.js';

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
