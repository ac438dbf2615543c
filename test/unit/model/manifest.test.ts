import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { CohortError } from '../../../shared/errors.js';
import {
  canonicalManifestJson,
  firstNonFiniteTensorValue,
  MAX_TENSORS,
  parseManifest,
  tensorOffsets,
  tensorSetDifference,
} from '../../../shared/model/manifest.js';
import { builtinModel, describeFederatedModel, modelKind } from '../../../shared/model/model.js';
import { MAX_PARAMETERS, parameterLayout, parseModelSpec } from '../../../shared/model/spec.js';

function throwsInvalid(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof CohortError && err.code === 'invalid_argument' && pattern.test(err.message), `expected ${pattern}`);
}

describe('model manifest', () => {
  it('hashes the canonical JSON, so any language can recompute the hash', () => {
    const m = parseManifest([{ name: 'conv.weight', shape: [4, 1, 3, 3] }, { name: 'conv.bias', shape: [4] }, { name: 'scale', shape: [] }], 'test');
    const json = '{"tensors":[{"name":"conv.weight","shape":[4,1,3,3]},{"name":"conv.bias","shape":[4]},{"name":"scale","shape":[]}]}';
    assert.equal(canonicalManifestJson(m.tensors), json);
    assert.equal(m.sha256, createHash('sha256').update(json).digest('hex'));
    assert.equal(m.numParameters, 36 + 4 + 1);
    assert.deepEqual(tensorOffsets(m), [0, 36, 40]);
  });

  it('depends on the order of the tensors (it fixes the flat layout)', () => {
    const a = parseManifest([{ name: 'a', shape: [2] }, { name: 'b', shape: [2] }], 't');
    const b = parseManifest([{ name: 'b', shape: [2] }, { name: 'a', shape: [2] }], 't');
    assert.notEqual(a.sha256, b.sha256);
  });

  it('refuses bad manifests, naming the tensor and the problem', () => {
    throwsInvalid(() => parseManifest([], 'model file x'), /^model file x: the model has no tensors/);
    throwsInvalid(() => parseManifest({}, 'm'), /must be a list/);
    throwsInvalid(() => parseManifest([{ name: 'a b', shape: [1] }], 'm'), /"a b"; names are/);
    throwsInvalid(() => parseManifest([{ name: '', shape: [1] }], 'm'), /names are 1 to 200/);
    throwsInvalid(() => parseManifest([{ name: 'a', shape: [1] }, { name: 'a', shape: [2] }], 'm'), /"a" appears twice/);
    throwsInvalid(() => parseManifest([{ name: 'a', shape: [0] }], 'm'), /"a" has the dimension 0/);
    throwsInvalid(() => parseManifest([{ name: 'a', shape: [1.5] }], 'm'), /dimension 1.5/);
    throwsInvalid(() => parseManifest([{ name: 'a', shape: '3' }], 'm'), /no shape list/);
    throwsInvalid(() => parseManifest([{ name: 'a', shape: [1, 1, 1, 1, 1, 1, 1, 1, 1] }], 'm'), /9 dimensions/);
    throwsInvalid(() => parseManifest([{ name: 'a', shape: [50_000, 50_000] }], 'm'), new RegExp(`more than ${MAX_PARAMETERS} parameters`));
    throwsInvalid(() => parseManifest([{ name: 'a', shape: [MAX_PARAMETERS] }, { name: 'b', shape: [1] }], 'm'), /more than/);
    throwsInvalid(() => parseManifest(Array.from({ length: MAX_TENSORS + 1 }, (_, i) => ({ name: `t${i}`, shape: [1] })), 'm'), /4097 tensors/);
    throwsInvalid(() => parseManifest([null], 'm'), /tensor 0 is not an object/);
  });

  it('names the first non-finite value by tensor and index', () => {
    const m = parseManifest([{ name: 'a', shape: [2] }, { name: 'b', shape: [3] }], 't');
    assert.equal(firstNonFiniteTensorValue(m, Float32Array.from([0, 1, 2, 3, 4])), undefined);
    assert.equal(firstNonFiniteTensorValue(m, Float32Array.from([0, 1, 2, NaN, 4])), 'tensor b holds NaN at index 1');
    assert.equal(firstNonFiniteTensorValue(m, Float32Array.from([-Infinity, 1, 2, 3, 4])), 'tensor a holds -Infinity at index 0');
  });

  it('describes how two sets of tensors differ, ignoring order', () => {
    const model = [{ name: 'a', shape: [2, 3] }, { name: 'b', shape: [3] }];
    assert.equal(tensorSetDifference(model, [model[1] as never, model[0] as never]), undefined);
    assert.equal(tensorSetDifference(model, [{ name: 'a', shape: [3, 2] }, { name: 'b', shape: [3] }]), 'a has shape [3, 2], the model has [2, 3]');
    assert.equal(tensorSetDifference(model, [{ name: 'a', shape: [2, 3] }, { name: 'c', shape: [3] }]), 'c [3] is not in the model; b [3] is missing');
  });

  it('gives the built-in models manifests that cover their flat layout exactly', () => {
    const logreg = builtinModel(parseModelSpec({ features: 5, classes: 3 }));
    assert.deepEqual(logreg.manifest.tensors, [
      { name: 'dense.kernel', shape: [5, 3] },
      { name: 'dense.bias', shape: [3] },
    ]);
    const spec = parseModelSpec({ kind: 'mlp', features: 5, classes: 3, hidden: 4 });
    const mlp = builtinModel(spec);
    const layout = parameterLayout(spec);
    assert.deepEqual(tensorOffsets(mlp.manifest), [layout.w1, layout.b1, layout.w2, layout.b2]);
    assert.equal(mlp.manifest.numParameters, layout.total);
    assert.equal(modelKind(mlp), 'mlp');
    assert.equal(describeFederatedModel(mlp), 'mlp 5→4→3');
  });
});
