/**
 * A site's trainer written in TypeScript: the readmission model of examples/numpy-tabular
 * (the same tensors, so sites with either trainer can federate together), trained with
 * mini-batch SGD on the site's CSV file. It implements the Trainer interface the built-in
 * models implement, and `serveTrainer` serves it over the trainer contract.
 * Usage (by a node daemon): cohort node ... --trainer "node dist/examples/typescript-trainer/trainer.js --data FILE.csv"
 */
import { parseArgs } from 'node:util';
import { readCsv } from '../../client/data/csv.js';
import { serveTrainer } from '../../client/trainer/serve.js';
import type { EvalOutput, Trainer, TrainerDescription, TrainerRequest, TrainOutput } from '../../client/trainer/trainer.js';
import { SeededRandom, shuffleInPlace } from '../../shared/random.js';

const FEATURES = ['age', 'bmi', 'systolic_bp', 'glucose', 'cholesterol', 'smoker', 'prior_admissions', 'length_of_stay'];
const CENTRE = [60, 27, 130, 110, 195, 0.2, 1, 6];
const SCALE = [15, 5, 18, 30, 35, 0.4, 1, 4];
const F = FEATURES.length;
/** PyTorch's nn.Linear(8, 2): weight [out, in], then bias. */
const TENSORS = [
  { name: 'linear.weight', shape: [2, F] },
  { name: 'linear.bias', shape: [2] },
];

interface Split {
  readonly x: Float32Array;
  readonly y: Uint8Array;
  readonly n: number;
}

/** Scaled features and labels, split 80/20 with a fixed seed. */
async function load(path: string): Promise<{ train: Split; test: Split }> {
  const { data, featureNames } = await readCsv(path, 'readmitted', 2);
  const columns = FEATURES.map((f) => featureNames.indexOf(f));
  if (columns.some((c) => c < 0)) throw new Error(`${path} lacks one of the columns ${FEATURES.join(', ')}`);
  const order = Uint32Array.from({ length: data.count }, (_, i) => i);
  shuffleInPlace(order, new SeededRandom(0));
  const pick = (rows: Uint32Array): Split => {
    const x = new Float32Array(rows.length * F);
    const y = new Uint8Array(rows.length);
    rows.forEach((r, i) => {
      columns.forEach((c, j) => (x[i * F + j] = ((data.x[r * data.features + c] as number) - (CENTRE[j] as number)) / (SCALE[j] as number)));
      y[i] = data.y[r] as number;
    });
    return { x, y, n: rows.length };
  };
  const cut = Math.floor(0.8 * data.count);
  return { train: pick(order.subarray(0, cut)), test: pick(order.subarray(cut)) };
}

/** Mean cross-entropy over `rows` of `s` with weights `w` (weight then bias); adds the gradient into `grad` if given. */
function lossOf(w: Float32Array, s: Split, rows: ArrayLike<number>, grad?: Float32Array): { loss: number; correct: number } {
  let loss = 0;
  let correct = 0;
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k] as number;
    const z = [0, 1].map((c) => {
      let v = w[2 * F + c] as number;
      for (let j = 0; j < F; j++) v += (w[c * F + j] as number) * (s.x[r * F + j] as number);
      return v;
    }) as [number, number];
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp(v - m));
    const sum = (e[0] as number) + (e[1] as number);
    const label = s.y[r] as number;
    loss -= Math.log((e[label] as number) / sum + 1e-12);
    if ((z[1] > z[0] ? 1 : 0) === label) correct += 1;
    if (grad) {
      for (let c = 0; c < 2; c++) {
        const g = ((e[c] as number) / sum - (c === label ? 1 : 0)) / rows.length;
        for (let j = 0; j < F; j++) grad[c * F + j] = (grad[c * F + j] as number) + g * (s.x[r * F + j] as number);
        grad[2 * F + c] = (grad[2 * F + c] as number) + g;
      }
    }
  }
  return { loss: loss / Math.max(1, rows.length), correct };
}

class ReadmissionTrainer implements Trainer {
  constructor(private readonly data: { train: Split; test: Split }) {}

  describe(): Promise<TrainerDescription> {
    return Promise.resolve({ trainer: 'typescript readmission', tensors: TENSORS, trainExamples: this.data.train.n, evalExamples: this.data.test.n });
  }

  train(request: TrainerRequest, weights: Float32Array): Promise<TrainOutput> {
    const w = weights.slice();
    const { train } = this.data;
    const order = Uint32Array.from({ length: train.n }, (_, i) => i);
    const rng = new SeededRandom(request.seed);
    let epochLoss = 0;
    for (let epoch = 0; epoch < request.epochs; epoch++) {
      shuffleInPlace(order, rng);
      let total = 0;
      for (let start = 0; start < train.n; start += request.batchSize) {
        const rows = order.subarray(start, Math.min(train.n, start + request.batchSize));
        const grad = new Float32Array(w.length);
        total += lossOf(w, train, rows, grad).loss * rows.length;
        for (let i = 0; i < w.length; i++) w[i] = (w[i] as number) - request.learningRate * (grad[i] as number);
      }
      epochLoss = total / train.n;
    }
    return Promise.resolve({ kind: 'weights', tensors: TENSORS, values: w, numExamples: train.n, loss: epochLoss });
  }

  evaluate(_request: TrainerRequest, weights: Float32Array): Promise<EvalOutput> {
    const { test } = this.data;
    const { loss, correct } = lossOf(weights, test, Uint32Array.from({ length: test.n }, (_, i) => i));
    return Promise.resolve({ numExamples: test.n, accuracy: correct / test.n, loss });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

const { values } = parseArgs({ options: { data: { type: 'string' } } });
if (!values.data) {
  process.stderr.write('usage: trainer.js --data FILE.csv\n');
  process.exit(2);
}
await serveTrainer(new ReadmissionTrainer(await load(values.data)));
