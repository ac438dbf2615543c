// Original file: proto/cohort/v1/cohort.proto


/**
 * One named tensor of a model.
 */
export interface TensorInfo {
  'name'?: (string);
  'shape'?: (number)[];
}

/**
 * One named tensor of a model.
 */
export interface TensorInfo__Output {
  'name': (string);
  'shape': (number)[];
}
