// Original file: proto/cohort/trainer/v1/trainer.proto

export const ResultKind = {
  RESULT_KIND_UNSPECIFIED: 'RESULT_KIND_UNSPECIFIED',
  /**
   * The tensors that follow are the new local weights.
   */
  RESULT_KIND_WEIGHTS: 'RESULT_KIND_WEIGHTS',
  /**
   * The tensors that follow are the local weights minus the weights received.
   */
  RESULT_KIND_DELTA: 'RESULT_KIND_DELTA',
} as const;

export type ResultKind =
  | 'RESULT_KIND_UNSPECIFIED'
  | 0
  /**
   * The tensors that follow are the new local weights.
   */
  | 'RESULT_KIND_WEIGHTS'
  | 1
  /**
   * The tensors that follow are the local weights minus the weights received.
   */
  | 'RESULT_KIND_DELTA'
  | 2

export type ResultKind__Output = typeof ResultKind[keyof typeof ResultKind]
