// Original file: proto/cohort/v1/cohort.proto

import type { Long } from '@grpc/proto-loader';

/**
 * The coordinator no longer needs the node's result for this round (its train deadline
 * passed, or it has the round's LaunchRequest.target_updates updates); a later evaluation
 * task of the same round is still wanted.
 */
export interface CancelTask {
  'round'?: (number | string | Long);
  'reason'?: (string);
}

/**
 * The coordinator no longer needs the node's result for this round (its train deadline
 * passed, or it has the round's LaunchRequest.target_updates updates); a later evaluation
 * task of the same round is still wanted.
 */
export interface CancelTask__Output {
  'round': (number);
  'reason': (string);
}
