// Original file: proto/cohort/trainer/v1/trainer.proto


/**
 * A named float32 tensor; an empty shape is a scalar.
 */
export interface Tensor {
  'name'?: (string);
  'shape'?: (number)[];
}

/**
 * A named float32 tensor; an empty shape is a scalar.
 */
export interface Tensor__Output {
  'name': (string);
  'shape': (number)[];
}
