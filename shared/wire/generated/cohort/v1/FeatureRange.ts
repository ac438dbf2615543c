// Original file: proto/cohort/v1/cohort.proto


/**
 * Inclusive bounds of feature values a model was declared for; min < max.
 */
export interface FeatureRange {
  'min'?: (number | string);
  'max'?: (number | string);
}

/**
 * Inclusive bounds of feature values a model was declared for; min < max.
 */
export interface FeatureRange__Output {
  'min': (number);
  'max': (number);
}
