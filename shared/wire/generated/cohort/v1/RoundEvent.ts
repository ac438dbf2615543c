// Original file: proto/cohort/v1/cohort.proto

import type { RoundStatus as _cohort_v1_RoundStatus, RoundStatus__Output as _cohort_v1_RoundStatus__Output } from '../../cohort/v1/RoundStatus.js';
import type { NodeDecline as _cohort_v1_NodeDecline, NodeDecline__Output as _cohort_v1_NodeDecline__Output } from '../../cohort/v1/NodeDecline.js';
import type { LaunchPlan as _cohort_v1_LaunchPlan, LaunchPlan__Output as _cohort_v1_LaunchPlan__Output } from '../../cohort/v1/LaunchPlan.js';
import type { Long } from '@grpc/proto-loader';

export interface RoundEvent {
  'round'?: (number | string | Long);
  'status'?: (_cohort_v1_RoundStatus);
  /**
   * Current stage while running: "select", "train", "evaluate", "commit".
   */
  'stage'?: (string);
  'selected'?: (number);
  /**
   * Nodes whose update is in the aggregate.
   */
  'participants'?: (number);
  /**
   * Nodes that answered the federated evaluation.
   */
  'evaluated'?: (number);
  /**
   * Weighted mean federated-evaluation accuracy and loss; has_metrics is
   * false when no node evaluated.
   */
  'hasMetrics'?: (boolean);
  'accuracy'?: (number | string);
  'loss'?: (number | string);
  'seconds'?: (number | string);
  /**
   * Why a round was skipped or failed.
   */
  'reason'?: (string);
  'startedAtMs'?: (number | string | Long);
  /**
   * Position of this round within its launch (1-based) and the launch size.
   */
  'index'?: (number);
  'of'?: (number);
  /**
   * Total epsilon spent after this round (has_epsilon false without DP).
   */
  'hasEpsilon'?: (boolean);
  'epsilon'?: (number | string);
  /**
   * Clip norm used in this round (0 when not clipped).
   */
  'clipNorm'?: (number | string);
  /**
   * Nodes that declined a task of this round so far, in the order they did.
   */
  'declines'?: (_cohort_v1_NodeDecline)[];
  /**
   * Only on the ROUND_STATUS_QUEUED event a launch starts with: what the
   * privacy budget affords of it (absent for launches without privacy).
   */
  'plan'?: (_cohort_v1_LaunchPlan | null);
}

export interface RoundEvent__Output {
  'round': (number);
  'status': (_cohort_v1_RoundStatus__Output);
  /**
   * Current stage while running: "select", "train", "evaluate", "commit".
   */
  'stage': (string);
  'selected': (number);
  /**
   * Nodes whose update is in the aggregate.
   */
  'participants': (number);
  /**
   * Nodes that answered the federated evaluation.
   */
  'evaluated': (number);
  /**
   * Weighted mean federated-evaluation accuracy and loss; has_metrics is
   * false when no node evaluated.
   */
  'hasMetrics': (boolean);
  'accuracy': (number);
  'loss': (number);
  'seconds': (number);
  /**
   * Why a round was skipped or failed.
   */
  'reason': (string);
  'startedAtMs': (number);
  /**
   * Position of this round within its launch (1-based) and the launch size.
   */
  'index': (number);
  'of': (number);
  /**
   * Total epsilon spent after this round (has_epsilon false without DP).
   */
  'hasEpsilon': (boolean);
  'epsilon': (number);
  /**
   * Clip norm used in this round (0 when not clipped).
   */
  'clipNorm': (number);
  /**
   * Nodes that declined a task of this round so far, in the order they did.
   */
  'declines': (_cohort_v1_NodeDecline__Output)[];
  /**
   * Only on the ROUND_STATUS_QUEUED event a launch starts with: what the
   * privacy budget affords of it (absent for launches without privacy).
   */
  'plan': (_cohort_v1_LaunchPlan__Output | null);
}
