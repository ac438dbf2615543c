// Original file: proto/cohort/v1/cohort.proto

/**
 * Why a node declines a task. A closed set: the coordinator shows operators the
 * category with the node's short reason, and counts nothing else about it.
 */
export const DeclineCategory = {
  /**
   * Not given (nodes older than this field).
   */
  DECLINE_CATEGORY_UNSPECIFIED: 'DECLINE_CATEGORY_UNSPECIFIED',
  /**
   * The node's data does not fit the task's model: another number of features,
   * or labels outside 0..classes-1.
   */
  DECLINE_CATEGORY_DATA: 'DECLINE_CATEGORY_DATA',
  /**
   * The node has no examples for the task (none to train on, or no held-out
   * split to evaluate on).
   */
  DECLINE_CATEGORY_NO_DATA: 'DECLINE_CATEGORY_NO_DATA',
  /**
   * The round would take the node past its own privacy budget.
   */
  DECLINE_CATEGORY_PRIVACY_BUDGET: 'DECLINE_CATEGORY_PRIVACY_BUDGET',
  /**
   * The task or its weights could not be used (malformed, inconsistent).
   */
  DECLINE_CATEGORY_BAD_TASK: 'DECLINE_CATEGORY_BAD_TASK',
  /**
   * The node cannot or will not take part in this round's secure aggregation
   * (not set up for it, or a setup it cannot trust).
   */
  DECLINE_CATEGORY_SECURE_AGGREGATION: 'DECLINE_CATEGORY_SECURE_AGGREGATION',
  /**
   * Local training or evaluation failed on the node.
   */
  DECLINE_CATEGORY_LOCAL_FAILURE: 'DECLINE_CATEGORY_LOCAL_FAILURE',
} as const;

/**
 * Why a node declines a task. A closed set: the coordinator shows operators the
 * category with the node's short reason, and counts nothing else about it.
 */
export type DeclineCategory =
  /**
   * Not given (nodes older than this field).
   */
  | 'DECLINE_CATEGORY_UNSPECIFIED'
  | 0
  /**
   * The node's data does not fit the task's model: another number of features,
   * or labels outside 0..classes-1.
   */
  | 'DECLINE_CATEGORY_DATA'
  | 1
  /**
   * The node has no examples for the task (none to train on, or no held-out
   * split to evaluate on).
   */
  | 'DECLINE_CATEGORY_NO_DATA'
  | 2
  /**
   * The round would take the node past its own privacy budget.
   */
  | 'DECLINE_CATEGORY_PRIVACY_BUDGET'
  | 3
  /**
   * The task or its weights could not be used (malformed, inconsistent).
   */
  | 'DECLINE_CATEGORY_BAD_TASK'
  | 4
  /**
   * The node cannot or will not take part in this round's secure aggregation
   * (not set up for it, or a setup it cannot trust).
   */
  | 'DECLINE_CATEGORY_SECURE_AGGREGATION'
  | 5
  /**
   * Local training or evaluation failed on the node.
   */
  | 'DECLINE_CATEGORY_LOCAL_FAILURE'
  | 6

/**
 * Why a node declines a task. A closed set: the coordinator shows operators the
 * category with the node's short reason, and counts nothing else about it.
 */
export type DeclineCategory__Output = typeof DeclineCategory[keyof typeof DeclineCategory]
