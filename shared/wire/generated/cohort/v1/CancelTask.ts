// Original file: proto/cohort/v1/cohort.proto

import type { Long } from '@grpc/proto-loader';

/**
 * The coordinator no longer needs the node's result for this round.
 */
export interface CancelTask {
  'round'?: (number | string | Long);
  'reason'?: (string);
}

/**
 * The coordinator no longer needs the node's result for this round.
 */
export interface CancelTask__Output {
  'round': (number);
  'reason': (string);
}
