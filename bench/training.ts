/**
 * Local training throughput on MNIST, and our typed-array matrix product against
 * mathjs.multiply at the trainer's shapes (both measured in the same run).
 */
import { matrix, multiply, type Matrix } from 'mathjs';
import { SeededRandom } from '../shared/random.js';
import { matMul } from '../shared/model/kernels.js';
import { DEFAULT_TRAIN_CONFIG, train } from '../shared/model/train.js';
import { initParameters, parseModelSpec, type ModelKind } from '../shared/model/spec.js';
import { selectRows } from '../shared/model/dataset.js';
import { loadMnist } from '../client/data/mnist.js';
import { median, timeRuns, type BenchFigure } from './report.js';

const TRAIN_EXAMPLES = 8000;

/** Training examples per second for both models, and matrix product timings against mathjs. */
export async function benchTraining(): Promise<BenchFigure[]> {
  const all = await loadMnist();
  const rng = new SeededRandom(1);
  const rows = Uint32Array.from({ length: TRAIN_EXAMPLES }, () => rng.nextInt(all.count));
  const data = selectRows(all, rows);
  const figures: BenchFigure[] = [];
  const cfg = DEFAULT_TRAIN_CONFIG;

  for (const kind of ['logreg', 'mlp'] as ModelKind[]) {
    const spec = parseModelSpec({ kind });
    const w0 = initParameters(spec, new SeededRandom(2));
    const ms = median(await timeRuns(() => train(spec, w0, data, cfg, new SeededRandom(3)), 3));
    figures.push({
      section: 'training',
      name: `local training ${kind} (${spec.kind === 'mlp' ? `784→${spec.hidden}→10` : '784→10'}), ${TRAIN_EXAMPLES} MNIST examples, batch ${cfg.batchSize}`,
      value: Math.round((TRAIN_EXAMPLES / ms) * 1000),
      unit: 'examples/s',
    });
  }

  const batch = cfg.batchSize;
  const hidden = parseModelSpec({ kind: 'mlp' }).hidden;
  const mnistRows = all.x.slice(0, batch * 784);
  const dense = Float32Array.from({ length: batch * 784 }, () => rng.nextFloat());
  for (const [label, a] of [['MNIST rows', mnistRows], ['dense random rows', dense]] as const) {
    for (const n of [10, hidden]) figures.push(await benchProduct(label, a, batch, 784, n, rng));
  }
  return figures;
}

/** Time one `m×k · k×n` product, ours on Float32Array against mathjs on prebuilt dense matrices. */
async function benchProduct(label: string, a: Float32Array, m: number, k: number, n: number, rng: SeededRandom): Promise<BenchFigure> {
  const b = Float32Array.from({ length: k * n }, () => rng.nextFloat() - 0.5);
  const out = new Float32Array(m * n);
  // Conversion to mathjs's nested arrays is done once, outside the timing, in its favour.
  const am: Matrix = matrix(Array.from({ length: m }, (_, i) => Array.from(a.subarray(i * k, (i + 1) * k))));
  const bm: Matrix = matrix(Array.from({ length: k }, (_, i) => Array.from(b.subarray(i * n, (i + 1) * n))));

  // Check that both compute the same product before timing them.
  matMul(out, a, b, 0, m, k, n);
  let ref: Matrix = multiply(am, bm);
  const refRows = ref.toArray() as number[][];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const diff = Math.abs((out[i * n + j] as number) - (refRows[i]?.[j] as number));
      if (!(diff < 1e-3)) throw new Error(`matMul and mathjs disagree at (${i}, ${j}) by ${diff}`);
    }
  }

  const oursReps = 200;
  const mathReps = 5;
  const ours = median(await timeRuns(() => {
    for (let r = 0; r < oursReps; r++) matMul(out, a, b, 0, m, k, n);
  }, 7)) / oursReps;
  const theirs = median(await timeRuns(() => {
    for (let r = 0; r < mathReps; r++) ref = multiply(am, bm);
  }, 7)) / mathReps;
  const us = (ms: number): number => Math.round(ms * 1000 * 10) / 10;
  return {
    section: 'training',
    name: `matmul ${m}×${k} · ${k}×${n} (${label})`,
    value: us(ours),
    unit: 'µs/product',
    baseline: us(theirs),
    baselineName: 'mathjs.multiply on dense mathjs matrices',
    ratio: Math.round((theirs / ours) * 10) / 10,
    ratioMeaning: 'mathjs time / our time (how many times faster ours is)',
  };
}
