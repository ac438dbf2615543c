// Original file: proto/cohort/v1/cohort.proto


export interface FixedPoint {
  'clipNorm'?: (number | string);
  'noiseBound'?: (number | string);
  'maxSummands'?: (number);
  /**
   * Encoded integer = value * scale.
   */
  'scale'?: (number | string);
}

export interface FixedPoint__Output {
  'clipNorm': (number);
  'noiseBound': (number);
  'maxSummands': (number);
  /**
   * Encoded integer = value * scale.
   */
  'scale': (number);
}
