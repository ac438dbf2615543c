// Original file: proto/cohort/v1/cohort.proto


export interface ModelSpec {
  /**
   * "logreg" or "mlp".
   */
  'kind'?: (string);
  'features'?: (number);
  'classes'?: (number);
  /**
   * Hidden units (mlp only).
   */
  'hidden'?: (number);
}

export interface ModelSpec__Output {
  /**
   * "logreg" or "mlp".
   */
  'kind': (string);
  'features': (number);
  'classes': (number);
  /**
   * Hidden units (mlp only).
   */
  'hidden': (number);
}
