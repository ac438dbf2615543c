// Original file: proto/cohort/v1/cohort.proto

import type { TensorInfo as _cohort_v1_TensorInfo, TensorInfo__Output as _cohort_v1_TensorInfo__Output } from '../../cohort/v1/TensorInfo.js';

/**
 * The federation's model. Every model is an ordered list of named float32 tensors
 * (its manifest, `tensors`); weight vectors and updates are the tensors' row-major
 * values, one tensor after another in this order, as one flat float32 vector.
 * Cohort's built-in models are manifests too, with this layout (each matrix input-major:
 * row i holds the weights out of input i):
 * "logreg": dense.kernel [features, classes], dense.bias [classes]; logits = x·W + b.
 * "mlp":    dense1.kernel [features, hidden], dense1.bias [hidden],
 * dense2.kernel [hidden, classes], dense2.bias [classes];
 * logits = max(0, x·W1 + b1)·W2 + b2.
 * Both are trained on softmax cross-entropy over `classes` labels 0 … classes − 1.
 */
export interface ModelSpec {
  /**
   * "logreg" or "mlp" (Cohort's built-in models, which the built-in trainer trains), or
   * "tensors" (a model given as a file; nodes train it with their own trainer process,
   * see proto/cohort/trainer/v1/trainer.proto).
   */
  'kind'?: (string);
  /**
   * Built-in models only: input features, classes, and hidden units (mlp only).
   */
  'features'?: (number);
  'classes'?: (number);
  /**
   * Hidden units (mlp only; 0 for logreg).
   */
  'hidden'?: (number);
  /**
   * The manifest, always set. Names match [A-Za-z0-9_.:/-]{1,200} and are unique; every
   * dimension is at least 1 (an empty shape is a scalar); at most 4096 tensors and
   * 50,000,000 values in all. Built-in models: logreg `dense.kernel [features, classes]`,
   * `dense.bias [classes]`; mlp `dense1.kernel [features, hidden]`, `dense1.bias [hidden]`,
   * `dense2.kernel [hidden, classes]`, `dense2.bias [classes]` (kernels are [in, out]).
   */
  'tensors'?: (_cohort_v1_TensorInfo)[];
  /**
   * Lower-case hex sha256 of the UTF-8 bytes of the canonical manifest
   * {"tensors":[{"name":"NAME","shape":[D0,D1]},...]} (tensors in order, no spaces).
   * A node refuses a task whose hash does not match its tensors.
   */
  'manifestSha256'?: (string);
}

/**
 * The federation's model. Every model is an ordered list of named float32 tensors
 * (its manifest, `tensors`); weight vectors and updates are the tensors' row-major
 * values, one tensor after another in this order, as one flat float32 vector.
 * Cohort's built-in models are manifests too, with this layout (each matrix input-major:
 * row i holds the weights out of input i):
 * "logreg": dense.kernel [features, classes], dense.bias [classes]; logits = x·W + b.
 * "mlp":    dense1.kernel [features, hidden], dense1.bias [hidden],
 * dense2.kernel [hidden, classes], dense2.bias [classes];
 * logits = max(0, x·W1 + b1)·W2 + b2.
 * Both are trained on softmax cross-entropy over `classes` labels 0 … classes − 1.
 */
export interface ModelSpec__Output {
  /**
   * "logreg" or "mlp" (Cohort's built-in models, which the built-in trainer trains), or
   * "tensors" (a model given as a file; nodes train it with their own trainer process,
   * see proto/cohort/trainer/v1/trainer.proto).
   */
  'kind': (string);
  /**
   * Built-in models only: input features, classes, and hidden units (mlp only).
   */
  'features': (number);
  'classes': (number);
  /**
   * Hidden units (mlp only; 0 for logreg).
   */
  'hidden': (number);
  /**
   * The manifest, always set. Names match [A-Za-z0-9_.:/-]{1,200} and are unique; every
   * dimension is at least 1 (an empty shape is a scalar); at most 4096 tensors and
   * 50,000,000 values in all. Built-in models: logreg `dense.kernel [features, classes]`,
   * `dense.bias [classes]`; mlp `dense1.kernel [features, hidden]`, `dense1.bias [hidden]`,
   * `dense2.kernel [hidden, classes]`, `dense2.bias [classes]` (kernels are [in, out]).
   */
  'tensors': (_cohort_v1_TensorInfo__Output)[];
  /**
   * Lower-case hex sha256 of the UTF-8 bytes of the canonical manifest
   * {"tensors":[{"name":"NAME","shape":[D0,D1]},...]} (tensors in order, no spaces).
   * A node refuses a task whose hash does not match its tensors.
   */
  'manifestSha256': (string);
}
