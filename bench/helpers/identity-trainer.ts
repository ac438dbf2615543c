/**
 * Child entry of the trainer-contract benchmark: a TypeScript trainer process that returns
 * the weights it is sent (`serveTrainer`). Usage: node identity-trainer.js TENSORS_JSON.
 */
import { serveTrainer } from '../../client/trainer/serve.js';
import type { TensorSpec } from '../../shared/model/manifest.js';

const tensors = JSON.parse(process.argv[2] ?? '[]') as TensorSpec[];
await serveTrainer({
  describe: () => Promise.resolve({ trainer: 'identity (TypeScript)', tensors, trainExamples: 1, evalExamples: 1 }),
  train: (_request, weights) => Promise.resolve({ kind: 'weights', tensors, values: weights, numExamples: 1, loss: 0 }),
  evaluate: () => Promise.resolve({ numExamples: 1, accuracy: 0, loss: 0 }),
  close: () => Promise.resolve(),
});
