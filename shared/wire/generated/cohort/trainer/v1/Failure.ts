// Original file: proto/cohort/trainer/v1/trainer.proto

import type { Long } from '@grpc/proto-loader';

/**
 * The trainer could not do the request. The message goes to the node's log only
 * (at most 4096 characters are kept); the node declines the task.
 */
export interface Failure {
  'request'?: (number | string | Long);
  'message'?: (string);
}

/**
 * The trainer could not do the request. The message goes to the node's log only
 * (at most 4096 characters are kept); the node declines the task.
 */
export interface Failure__Output {
  'request': (number);
  'message': (string);
}
