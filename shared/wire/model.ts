/** The federation's model on the wire (cohort.v1 ModelSpec) and back, checked. */
import { CohortError } from '../errors.js';
import { parseManifest } from '../model/manifest.js';
import { builtinModel, type FederatedModel, modelKind, tensorModel } from '../model/model.js';
import { parseModelSpec } from '../model/spec.js';
import type { ModelSpec as WireModelSpec, ModelSpec__Output } from './generated/cohort/v1/ModelSpec.js';

/** A model as the ModelSpec message: kind, built-in shape (if any), manifest and its hash. */
export function modelToWire(model: FederatedModel): WireModelSpec {
  const b = model.builtin;
  return {
    kind: modelKind(model),
    features: b?.features ?? 0,
    classes: b?.classes ?? 0,
    hidden: b?.hidden ?? 0,
    tensors: model.manifest.tensors.map((t) => ({ name: t.name, shape: [...t.shape] })),
    manifestSha256: model.manifest.sha256,
  };
}

/**
 * Parse a ModelSpec from a peer: the manifest must be valid and hash to what the message
 * says, and a built-in kind's manifest must be exactly that built-in's.
 */
export function modelFromWire(w: ModelSpec__Output | null | undefined): FederatedModel {
  if (!w) throw new CohortError('invalid_argument', 'the task has no model');
  const manifest = parseManifest(w.tensors.map((t) => ({ name: t.name, shape: t.shape })), 'the task\'s model');
  if (manifest.sha256 !== w.manifestSha256) {
    throw new CohortError('invalid_argument', `the task's model says its manifest hashes to ${w.manifestSha256 || '(nothing)'} but its tensors hash to ${manifest.sha256}`);
  }
  if (w.kind === 'tensors') return tensorModel(manifest);
  const model = builtinModel(parseModelSpec({ kind: w.kind, features: w.features, classes: w.classes, hidden: w.hidden || undefined }));
  if (model.manifest.sha256 !== manifest.sha256) {
    throw new CohortError('invalid_argument', `the task's ${w.kind} model has tensors that are not those of a ${w.kind} model`);
  }
  return model;
}
