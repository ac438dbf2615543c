// Original file: proto/cohort/v1/cohort.proto


/**
 * The model, and the layout of its parameters in every tensor on this wire (weights,
 * updates, exported models): one flat vector, each matrix input-major (row i holds the
 * weights out of input i), in this order.
 * "logreg": W[features × classes], b[classes]; logits = x·W + b.
 * "mlp":    W1[features × hidden], b1[hidden], W2[hidden × classes], b2[classes];
 * logits = max(0, x·W1 + b1)·W2 + b2.
 * Both are trained on softmax cross-entropy over `classes` labels 0 … classes − 1.
 */
export interface ModelSpec {
  /**
   * "logreg" or "mlp".
   */
  'kind'?: (string);
  'features'?: (number);
  'classes'?: (number);
  /**
   * Hidden units (mlp only; 0 for logreg).
   */
  'hidden'?: (number);
}

/**
 * The model, and the layout of its parameters in every tensor on this wire (weights,
 * updates, exported models): one flat vector, each matrix input-major (row i holds the
 * weights out of input i), in this order.
 * "logreg": W[features × classes], b[classes]; logits = x·W + b.
 * "mlp":    W1[features × hidden], b1[hidden], W2[hidden × classes], b2[classes];
 * logits = max(0, x·W1 + b1)·W2 + b2.
 * Both are trained on softmax cross-entropy over `classes` labels 0 … classes − 1.
 */
export interface ModelSpec__Output {
  /**
   * "logreg" or "mlp".
   */
  'kind': (string);
  'features': (number);
  'classes': (number);
  /**
   * Hidden units (mlp only; 0 for logreg).
   */
  'hidden': (number);
}
