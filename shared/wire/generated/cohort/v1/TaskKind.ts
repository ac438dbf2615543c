// Original file: proto/cohort/v1/cohort.proto

export const TaskKind = {
  TASK_KIND_UNSPECIFIED: 'TASK_KIND_UNSPECIFIED',
  /**
   * Train on local data from the global weights and submit the update.
   */
  TASK_KIND_TRAIN: 'TASK_KIND_TRAIN',
  /**
   * Evaluate the global weights on the local held-out split.
   */
  TASK_KIND_EVALUATE: 'TASK_KIND_EVALUATE',
} as const;

export type TaskKind =
  | 'TASK_KIND_UNSPECIFIED'
  | 0
  /**
   * Train on local data from the global weights and submit the update.
   */
  | 'TASK_KIND_TRAIN'
  | 1
  /**
   * Evaluate the global weights on the local held-out split.
   */
  | 'TASK_KIND_EVALUATE'
  | 2

export type TaskKind__Output = typeof TaskKind[keyof typeof TaskKind]
