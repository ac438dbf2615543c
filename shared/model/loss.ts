/**
 * Forward pass, softmax cross-entropy and its analytic gradient for both model kinds.
 * Works on float32 (training) or float64 (finite-difference checks) parameters; buffers
 * live in a caller-owned Workspace so the training loop allocates nothing per batch.
 */
import { addColumnSums, addRowVector, matMul, matMulTransAAdd, matMulTransB, type FloatArray } from './kernels.js';
import { parameterLayout, type ModelSpec, type ParameterLayout } from './spec.js';

/** Scratch buffers for up to `rows` examples at once. */
export interface Workspace {
  readonly rows: number;
  readonly layout: ParameterLayout;
  /** Logits, overwritten in place by dLoss/dLogits. [rows × classes] */
  readonly logits: FloatArray;
  /** MLP hidden activations after ReLU. [rows × hidden] */
  readonly hidden: FloatArray;
  /** MLP gradient with respect to the hidden pre-activations. [rows × hidden] */
  readonly dHidden: FloatArray;
}

/** Allocate scratch buffers for batches of up to `rows` examples, float32 unless told. */
export function createWorkspace(spec: ModelSpec, rows: number, array: typeof Float32Array | typeof Float64Array = Float32Array): Workspace {
  return {
    rows,
    layout: parameterLayout(spec),
    logits: new array(rows * spec.classes),
    hidden: new array(rows * spec.hidden),
    dHidden: new array(rows * spec.hidden),
  };
}

/** Compute the logits of `rows` examples of `x` into `ws.logits`. */
export function forward(spec: ModelSpec, params: FloatArray, x: FloatArray, rows: number, ws: Workspace): void {
  const { features, classes, hidden } = spec;
  const layout = ws.layout;
  if (rows > ws.rows || x.length < rows * features || params.length !== layout.total) {
    throw new RangeError(`forward: ${rows} rows of ${features} features do not fit x (${x.length}), the workspace (${ws.rows} rows) or the parameters (${params.length})`);
  }
  if (spec.kind === 'logreg') {
    matMul(ws.logits, x, params, layout.w1, rows, features, classes);
    addRowVector(ws.logits, params, layout.b1, rows, classes);
    return;
  }
  const h = ws.hidden;
  matMul(h, x, params, layout.w1, rows, features, hidden);
  addRowVector(h, params, layout.b1, rows, hidden);
  for (let i = 0; i < rows * hidden; i++) if ((h[i] as number) < 0) h[i] = 0;
  matMul(ws.logits, h, params, layout.w2, rows, hidden, classes);
  addRowVector(ws.logits, params, layout.b2, rows, classes);
}

/** log Σ exp(logits[off .. off+classes)), shifted by the max so it cannot overflow. */
export function logSumExp(logits: FloatArray, off: number, classes: number): number {
  let max = -Infinity;
  for (let j = 0; j < classes; j++) max = Math.max(max, logits[off + j] as number);
  let sum = 0;
  for (let j = 0; j < classes; j++) sum += Math.exp((logits[off + j] as number) - max);
  return max + Math.log(sum);
}

/**
 * Mean softmax cross-entropy of the first `rows` examples of `x` (labels `y`). When `grad`
 * is given it is overwritten with the gradient of that mean with respect to `params`,
 * in the same flat layout.
 */
export function lossAndGradient(
  spec: ModelSpec,
  params: FloatArray,
  x: FloatArray,
  y: ArrayLike<number>,
  rows: number,
  grad?: FloatArray,
  ws: Workspace = createWorkspace(spec, rows, params instanceof Float64Array ? Float64Array : Float32Array),
): number {
  const { features, classes, hidden } = spec;
  const layout = ws.layout;
  if (grad !== undefined && grad.length !== layout.total) throw new RangeError(`lossAndGradient: grad has ${grad.length} entries, expected ${layout.total}`);
  forward(spec, params, x, rows, ws);
  const logits = ws.logits;
  const inv = 1 / rows;
  let total = 0;
  for (let i = 0; i < rows; i++) {
    const off = i * classes;
    const label = y[i] as number;
    const lse = logSumExp(logits, off, classes);
    total += lse - (logits[off + label] as number);
    if (grad === undefined) continue;
    // dLoss/dlogit = (softmax − onehot) / rows, written over the logits.
    for (let j = 0; j < classes; j++) {
      const p = Math.exp((logits[off + j] as number) - lse);
      logits[off + j] = (p - (j === label ? 1 : 0)) * inv;
    }
  }
  if (grad === undefined) return total * inv;

  grad.fill(0);
  if (spec.kind === 'logreg') {
    matMulTransAAdd(grad, layout.w1, x, logits, rows, features, classes);
    addColumnSums(grad, layout.b1, logits, rows, classes);
    return total * inv;
  }
  const h = ws.hidden;
  const dh = ws.dHidden;
  matMulTransAAdd(grad, layout.w2, h, logits, rows, hidden, classes);
  addColumnSums(grad, layout.b2, logits, rows, classes);
  matMulTransB(dh, logits, params, layout.w2, rows, classes, hidden);
  // ReLU gate: no gradient where the unit was off (h = 0).
  for (let i = 0; i < rows * hidden; i++) if ((h[i] as number) === 0) dh[i] = 0;
  matMulTransAAdd(grad, layout.w1, x, dh, rows, features, hidden);
  addColumnSums(grad, layout.b1, dh, rows, hidden);
  return total * inv;
}
