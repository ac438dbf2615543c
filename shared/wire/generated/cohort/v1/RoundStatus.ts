// Original file: proto/cohort/v1/cohort.proto

export const RoundStatus = {
  ROUND_STATUS_UNSPECIFIED: 'ROUND_STATUS_UNSPECIFIED',
  ROUND_STATUS_QUEUED: 'ROUND_STATUS_QUEUED',
  ROUND_STATUS_RUNNING: 'ROUND_STATUS_RUNNING',
  ROUND_STATUS_COMPLETED: 'ROUND_STATUS_COMPLETED',
  /**
   * Too few nodes were selected; nothing ran.
   */
  ROUND_STATUS_SKIPPED: 'ROUND_STATUS_SKIPPED',
  /**
   * Too few nodes finished; the global model is unchanged.
   */
  ROUND_STATUS_FAILED: 'ROUND_STATUS_FAILED',
  /**
   * Refused by policy (e.g. it would exceed the privacy budget); nothing ran.
   */
  ROUND_STATUS_REFUSED: 'ROUND_STATUS_REFUSED',
} as const;

export type RoundStatus =
  | 'ROUND_STATUS_UNSPECIFIED'
  | 0
  | 'ROUND_STATUS_QUEUED'
  | 1
  | 'ROUND_STATUS_RUNNING'
  | 2
  | 'ROUND_STATUS_COMPLETED'
  | 3
  /**
   * Too few nodes were selected; nothing ran.
   */
  | 'ROUND_STATUS_SKIPPED'
  | 4
  /**
   * Too few nodes finished; the global model is unchanged.
   */
  | 'ROUND_STATUS_FAILED'
  | 5
  /**
   * Refused by policy (e.g. it would exceed the privacy budget); nothing ran.
   */
  | 'ROUND_STATUS_REFUSED'
  | 6

export type RoundStatus__Output = typeof RoundStatus[keyof typeof RoundStatus]
