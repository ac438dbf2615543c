// Original file: proto/cohort/v1/bulk.proto

import type { Long } from '@grpc/proto-loader';

/**
 * Coordinator -> node: the update for `round` is in the aggregate. P = 0.
 */
export interface BulkAck {
  'round'?: (number | string | Long);
}

/**
 * Coordinator -> node: the update for `round` is in the aggregate. P = 0.
 */
export interface BulkAck__Output {
  'round': (number);
}
