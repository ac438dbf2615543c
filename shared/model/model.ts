/**
 * The model a federation trains: its manifest (named tensors, the flat layout of every
 * weight vector) and, for Cohort's built-in models, their architecture. Built-ins get
 * manifests too, so every path — tasks, updates, checkpoints, exports — sees one kind of
 * model: named float32 tensors.
 */
import { CohortError } from '../errors.js';
import { describeManifest, manifestOf, type ModelManifest, type TensorSpec } from './manifest.js';
import { describeModel, type ModelSpec, parameterLayout } from './spec.js';

/** A federation's model. */
export interface FederatedModel {
  /** Tensors in parameter order; every weight vector and update follows this layout. */
  readonly manifest: ModelManifest;
  /** Set for Cohort's built-in models (logreg, mlp), which the built-in trainer trains. */
  readonly builtin?: ModelSpec;
}

/** The kind on the wire: "logreg", "mlp", or "tensors" for a model given as a file. */
export type ModelKindName = 'logreg' | 'mlp' | 'tensors';

/** The model's kind name. */
export function modelKind(model: FederatedModel): ModelKindName {
  return model.builtin?.kind ?? 'tensors';
}

/**
 * The named tensors of a built-in model, in the flat layout of spec.ts (weight matrices
 * input-major, i.e. `[in, out]`, as Keras names a dense layer's "kernel"):
 * logreg `dense.kernel [features, classes]`, `dense.bias [classes]`;
 * mlp `dense1.kernel [features, hidden]`, `dense1.bias [hidden]`, `dense2.kernel [hidden, classes]`, `dense2.bias [classes]`.
 */
export function builtinTensors(spec: ModelSpec): TensorSpec[] {
  const { features, classes, hidden } = spec;
  if (spec.kind === 'logreg') {
    return [
      { name: 'dense.kernel', shape: [features, classes] },
      { name: 'dense.bias', shape: [classes] },
    ];
  }
  return [
    { name: 'dense1.kernel', shape: [features, hidden] },
    { name: 'dense1.bias', shape: [hidden] },
    { name: 'dense2.kernel', shape: [hidden, classes] },
    { name: 'dense2.bias', shape: [classes] },
  ];
}

/** A built-in model with its manifest. */
export function builtinModel(spec: ModelSpec): FederatedModel {
  const manifest = manifestOf(builtinTensors(spec));
  if (manifest.numParameters !== parameterLayout(spec).total) {
    throw new CohortError('internal', `the manifest of ${describeModel(spec)} does not cover its ${parameterLayout(spec).total} parameters`);
  }
  return { manifest, builtin: spec };
}

/** A model given only as tensors (a model file). */
export function tensorModel(manifest: ModelManifest): FederatedModel {
  return { manifest };
}

/** One line for logs, e.g. "mlp 784→64→10" or "tensors: 8 tensors, 206922 parameters (manifest 3fa1c2…)". */
export function describeFederatedModel(model: FederatedModel): string {
  return model.builtin ? describeModel(model.builtin) : `tensors: ${describeManifest(model.manifest)}`;
}
