/**
 * Model shapes and the flat parameter layout shared by the trainer, the codec and the
 * coordinator. Parameters travel as one Float32Array; the layout is fixed by the spec:
 *
 * - logreg: `W [features × classes]` row-major, then `b [classes]`.
 * - mlp:    `W1 [features × hidden]`, `b1 [hidden]`, `W2 [hidden × classes]`, `b2 [classes]`.
 *
 * Weight matrices are stored input-major (`W[i * out + j]`) so that the forward product
 * `X · W` streams both operands row by row (see kernels.ts).
 */
import { CohortError } from '../errors.js';
import type { RandomSource } from '../random.js';

/** The model families the local trainer supports. */
export type ModelKind = 'logreg' | 'mlp';

/** A model's shape; `hidden` is the MLP's hidden width and is 0 for logreg. */
export interface ModelSpec {
  readonly kind: ModelKind;
  readonly features: number;
  readonly classes: number;
  readonly hidden: number;
}

/** Offsets of each tensor inside the flat parameter vector. */
export interface ParameterLayout {
  /** First layer weights (logreg: the only weights). */
  readonly w1: number;
  readonly b1: number;
  /** Second layer, mlp only (-1 for logreg). */
  readonly w2: number;
  readonly b2: number;
  readonly total: number;
}

/** Default input width: 28×28 MNIST pixels. */
export const DEFAULT_FEATURES = 784;
/** Default class count: the ten MNIST digits. */
export const DEFAULT_CLASSES = 10;
/** Default MLP hidden width. */
export const DEFAULT_HIDDEN = 64;
/** Largest model we accept: 50M parameters is 200 MB as float32, per copy. */
export const MAX_PARAMETERS = 50_000_000;
const MAX_FEATURES = 10_000_000;
const MAX_HIDDEN = 65_536;
const MAX_CLASSES = 255; // labels are stored as Uint8

/** Validate an untrusted model description and apply defaults; names the bad field. */
export function parseModelSpec(input: { kind?: unknown; features?: unknown; classes?: unknown; hidden?: unknown }): ModelSpec {
  const kind = input.kind ?? 'logreg';
  if (kind !== 'logreg' && kind !== 'mlp') {
    throw bad(`model kind must be "logreg" or "mlp", got ${show(kind)}`);
  }
  const features = intField('features', input.features, DEFAULT_FEATURES, 1, MAX_FEATURES);
  const classes = intField('classes', input.classes, DEFAULT_CLASSES, 2, MAX_CLASSES);
  let hidden = 0;
  if (kind === 'mlp') {
    hidden = intField('hidden', input.hidden, DEFAULT_HIDDEN, 1, MAX_HIDDEN);
  } else if (input.hidden !== undefined && input.hidden !== 0) {
    throw bad(`model hidden applies to kind "mlp" only; omit it or use 0 for "logreg", got ${show(input.hidden)}`);
  }
  const spec: ModelSpec = { kind, features, classes, hidden };
  const count = parameterCount(spec);
  if (count > MAX_PARAMETERS) {
    throw bad(`model has ${count} parameters, more than the limit of ${MAX_PARAMETERS}; reduce features or hidden`);
  }
  return spec;
}

/** Number of float parameters of a model. */
export function parameterCount(spec: ModelSpec): number {
  return parameterLayout(spec).total;
}

/** Offsets of the weight and bias tensors in the flat vector (see the module comment). */
export function parameterLayout(spec: ModelSpec): ParameterLayout {
  const { features, classes, hidden } = spec;
  if (spec.kind === 'logreg') {
    const b1 = features * classes;
    return { w1: 0, b1, w2: -1, b2: -1, total: b1 + classes };
  }
  const b1 = features * hidden;
  const w2 = b1 + hidden;
  const b2 = w2 + hidden * classes;
  return { w1: 0, b1, w2, b2, total: b2 + classes };
}

/**
 * Initial parameters. Logreg starts at zero (the loss is convex, so no symmetry to break).
 * The MLP uses He-normal for the ReLU layer (He et al. 2015, std √(2/fan_in)) and
 * Glorot-normal for the softmax layer (std √(2/(fan_in+fan_out))); biases are zero.
 */
export function initParameters(spec: ModelSpec, rng: RandomSource): Float32Array {
  const layout = parameterLayout(spec);
  const params = new Float32Array(layout.total);
  if (spec.kind === 'logreg') return params;
  fillNormal(params, layout.w1, layout.b1, Math.sqrt(2 / spec.features), rng);
  fillNormal(params, layout.w2, layout.b2, Math.sqrt(2 / (spec.hidden + spec.classes)), rng);
  return params;
}

/** Check that a weight vector fits `spec` and holds only finite numbers. */
export function checkParameters(spec: ModelSpec, weights: Float32Array | Float64Array): void {
  const expected = parameterCount(spec);
  if (weights.length !== expected) {
    throw bad(`model ${describeModel(spec)} needs ${expected} parameters, got ${weights.length}`);
  }
  for (let i = 0; i < weights.length; i++) {
    if (!Number.isFinite(weights[i] as number)) throw bad(`model parameter ${i} is not finite`);
  }
}

/** Short human description, e.g. "mlp 784→64→10". */
export function describeModel(spec: ModelSpec): string {
  return spec.kind === 'mlp'
    ? `mlp ${spec.features}→${spec.hidden}→${spec.classes}`
    : `logreg ${spec.features}→${spec.classes}`;
}

/** Box–Muller, two normals per pair of uniforms. */
function fillNormal(out: Float32Array, from: number, to: number, std: number, rng: RandomSource): void {
  for (let i = from; i < to; i += 2) {
    const u1 = 1 - rng.nextFloat(); // (0, 1], so log is finite
    const u2 = rng.nextFloat();
    const r = std * Math.sqrt(-2 * Math.log(u1));
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < to) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
}

function intField(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw bad(`model ${name} must be an integer between ${min} and ${max}, got ${show(value)}`);
  }
  return value;
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}

function bad(message: string): CohortError {
  return new CohortError('invalid_argument', message);
}
