/**
 * Model manifests: a model is an ordered list of named float32 tensors with shapes (the
 * safetensors convention). The manifest fixes the flat parameter layout every weight
 * vector and update follows: the tensors' row-major values, one tensor after another, in
 * manifest order. Its hash names the layout in tasks, updates, checkpoints and the ledger.
 */
import { createHash } from 'node:crypto';
import { CohortError } from '../errors.js';
import { MAX_PARAMETERS } from './spec.js';

/** One tensor: a name and a shape (an empty shape is a scalar). Values are float32. */
export interface TensorSpec {
  readonly name: string;
  readonly shape: readonly number[];
}

/** A parsed, checked manifest with its derived figures. */
export interface ModelManifest {
  readonly tensors: readonly TensorSpec[];
  /** Sum of the tensors' element counts: the length of every weight vector. */
  readonly numParameters: number;
  /** Hex sha256 of the canonical JSON (see `canonicalManifestJson`). */
  readonly sha256: string;
}

/** Most tensors a model may have (keeps a manifest far below one message). */
export const MAX_TENSORS = 4096;
/** Most dimensions of one tensor. */
export const MAX_RANK = 8;
/** Tensor names: what PyTorch, Keras and safetensors files use, nothing that needs escaping. */
export const TENSOR_NAME = /^[A-Za-z0-9_.:/-]{1,200}$/;

/**
 * The canonical form that is hashed: `{"tensors":[{"name":"a","shape":[2,3]},…]}`, in
 * manifest order, without spaces. Names need no JSON escaping (TENSOR_NAME), so any
 * language's JSON writer without spaces gives the same bytes.
 */
export function canonicalManifestJson(tensors: readonly TensorSpec[]): string {
  return JSON.stringify({ tensors: tensors.map((t) => ({ name: t.name, shape: [...t.shape] })) });
}

/** Number of values of a tensor (1 for a scalar). */
export function tensorSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * Check untrusted tensor descriptions (from a file, a task, a trainer) and build the
 * manifest; `where` starts every message, e.g. "model file init.safetensors".
 */
export function parseManifest(input: unknown, where: string): ModelManifest {
  const fail = (why: string): never => {
    throw new CohortError('invalid_argument', `${where}: ${why}`);
  };
  if (!Array.isArray(input)) fail('the tensors must be a list');
  const list = input as unknown[];
  if (list.length === 0) fail('the model has no tensors');
  if (list.length > MAX_TENSORS) fail(`the model has ${list.length} tensors, more than the limit of ${MAX_TENSORS}`);
  const seen = new Set<string>();
  const tensors: TensorSpec[] = [];
  let total = 0;
  for (const [i, raw] of list.entries()) {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail(`tensor ${i} is not an object`);
    const { name, shape } = raw as { name?: unknown; shape?: unknown };
    if (typeof name !== 'string' || !TENSOR_NAME.test(name)) {
      fail(`tensor ${i} has the name ${typeof name === 'string' ? JSON.stringify(name.slice(0, 60)) : String(name)}; names are 1 to 200 of A-Z a-z 0-9 _ . : / -`);
    }
    const n = name as string;
    if (seen.has(n)) fail(`tensor name "${n}" appears twice`);
    seen.add(n);
    if (!Array.isArray(shape)) fail(`tensor "${n}" has no shape list`);
    const dims = shape as unknown[];
    if (dims.length > MAX_RANK) fail(`tensor "${n}" has ${dims.length} dimensions, more than ${MAX_RANK}`);
    for (const d of dims) {
      if (typeof d !== 'number' || !Number.isInteger(d) || d < 1 || d > MAX_PARAMETERS) {
        fail(`tensor "${n}" has the dimension ${String(d)}; dimensions are integers from 1 to ${MAX_PARAMETERS}`);
      }
    }
    const size = tensorSize(dims as number[]);
    total += size;
    if (size > MAX_PARAMETERS || total > MAX_PARAMETERS) {
      fail(`the model has more than ${MAX_PARAMETERS} parameters (the limit; tensor "${n}" alone has ${size})`);
    }
    tensors.push({ name: n, shape: Object.freeze([...(dims as number[])]) });
  }
  return manifestOf(tensors);
}

/** Build a manifest from tensors already known to be valid (built-in models). */
export function manifestOf(tensors: readonly TensorSpec[]): ModelManifest {
  const frozen = Object.freeze(tensors.map((t) => Object.freeze({ name: t.name, shape: Object.freeze([...t.shape]) })));
  let total = 0;
  for (const t of frozen) total += tensorSize(t.shape);
  const sha256 = createHash('sha256').update(canonicalManifestJson(frozen)).digest('hex');
  return Object.freeze({ tensors: frozen, numParameters: total, sha256 });
}

/** Offset of each tensor in the flat vector, in manifest order. */
export function tensorOffsets(manifest: ModelManifest): number[] {
  const out: number[] = [];
  let at = 0;
  for (const t of manifest.tensors) {
    out.push(at);
    at += tensorSize(t.shape);
  }
  return out;
}

/** e.g. `conv1.weight [16, 1, 3, 3]`. */
export function describeTensor(t: TensorSpec): string {
  return `${t.name} [${t.shape.join(', ')}]`;
}

/** One line for logs and messages, e.g. "8 tensors, 206922 parameters (manifest 3fa1c2…)". */
export function describeManifest(m: ModelManifest): string {
  return `${m.tensors.length} tensor${m.tensors.length === 1 ? '' : 's'}, ${m.numParameters} parameters (manifest ${m.sha256.slice(0, 12)})`;
}

/**
 * How `actual` differs from `expected` as a set of named tensors (order ignored), in
 * words, or undefined when both have the same names and shapes.
 */
export function tensorSetDifference(expected: readonly TensorSpec[], actual: readonly TensorSpec[]): string | undefined {
  const want = new Map(expected.map((t) => [t.name, t]));
  const have = new Map(actual.map((t) => [t.name, t]));
  const problems: string[] = [];
  for (const t of actual) {
    const e = want.get(t.name);
    if (!e) problems.push(`${describeTensor(t)} is not in the model`);
    else if (e.shape.length !== t.shape.length || e.shape.some((d, i) => d !== t.shape[i])) {
      problems.push(`${t.name} has shape [${t.shape.join(', ')}], the model has [${e.shape.join(', ')}]`);
    }
  }
  for (const e of expected) if (!have.has(e.name)) problems.push(`${describeTensor(e)} is missing`);
  if (problems.length === 0) return undefined;
  const shown = problems.slice(0, 3).join('; ');
  return problems.length > 3 ? `${shown}; and ${problems.length - 3} more difference(s)` : shown;
}

/** Index and value of the first non-finite value of `v`, named by tensor, or undefined. */
export function firstNonFiniteTensorValue(manifest: ModelManifest, v: Float32Array): string | undefined {
  let at = 0;
  for (const t of manifest.tensors) {
    const size = tensorSize(t.shape);
    for (let i = 0; i < size; i++) {
      const x = v[at + i] as number;
      if (x - x !== 0) return `tensor ${t.name} holds ${String(x)} at index ${i}`;
    }
    at += size;
  }
  return undefined;
}
