// Original file: proto/cohort/v1/bulk.proto

import type { Long } from '@grpc/proto-loader';

/**
 * Coordinator -> node: the bulk connection is part of the node's session. P = 0.
 */
export interface BulkReady {
  /**
   * See "Back-pressure and timeouts".
   */
  'progressTimeoutMs'?: (number);
  'maxQueuedBytes'?: (number | string | Long);
}

/**
 * Coordinator -> node: the bulk connection is part of the node's session. P = 0.
 */
export interface BulkReady__Output {
  /**
   * See "Back-pressure and timeouts".
   */
  'progressTimeoutMs': (number);
  'maxQueuedBytes': (number);
}
