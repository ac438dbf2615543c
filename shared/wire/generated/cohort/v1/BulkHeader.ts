// Original file: proto/cohort/v1/bulk.proto

import type { BulkHello as _cohort_v1_BulkHello, BulkHello__Output as _cohort_v1_BulkHello__Output } from '../../cohort/v1/BulkHello.js';
import type { BulkReady as _cohort_v1_BulkReady, BulkReady__Output as _cohort_v1_BulkReady__Output } from '../../cohort/v1/BulkReady.js';
import type { BulkFetch as _cohort_v1_BulkFetch, BulkFetch__Output as _cohort_v1_BulkFetch__Output } from '../../cohort/v1/BulkFetch.js';
import type { BulkModel as _cohort_v1_BulkModel, BulkModel__Output as _cohort_v1_BulkModel__Output } from '../../cohort/v1/BulkModel.js';
import type { BulkUpdate as _cohort_v1_BulkUpdate, BulkUpdate__Output as _cohort_v1_BulkUpdate__Output } from '../../cohort/v1/BulkUpdate.js';
import type { BulkAck as _cohort_v1_BulkAck, BulkAck__Output as _cohort_v1_BulkAck__Output } from '../../cohort/v1/BulkAck.js';
import type { BulkError as _cohort_v1_BulkError, BulkError__Output as _cohort_v1_BulkError__Output } from '../../cohort/v1/BulkError.js';
import type { Long } from '@grpc/proto-loader';

/**
 * Header of every frame on the bulk channel.
 */
export interface BulkHeader {
  /**
   * Bytes of payload following this header (see the byte layout above).
   */
  'payloadBytes'?: (number | string | Long);
  'hello'?: (_cohort_v1_BulkHello | null);
  'ready'?: (_cohort_v1_BulkReady | null);
  'fetch'?: (_cohort_v1_BulkFetch | null);
  'model'?: (_cohort_v1_BulkModel | null);
  'update'?: (_cohort_v1_BulkUpdate | null);
  'ack'?: (_cohort_v1_BulkAck | null);
  'error'?: (_cohort_v1_BulkError | null);
  'body'?: "hello"|"ready"|"fetch"|"model"|"update"|"ack"|"error";
}

/**
 * Header of every frame on the bulk channel.
 */
export interface BulkHeader__Output {
  /**
   * Bytes of payload following this header (see the byte layout above).
   */
  'payloadBytes': (number);
  'hello'?: (_cohort_v1_BulkHello__Output | null);
  'ready'?: (_cohort_v1_BulkReady__Output | null);
  'fetch'?: (_cohort_v1_BulkFetch__Output | null);
  'model'?: (_cohort_v1_BulkModel__Output | null);
  'update'?: (_cohort_v1_BulkUpdate__Output | null);
  'ack'?: (_cohort_v1_BulkAck__Output | null);
  'error'?: (_cohort_v1_BulkError__Output | null);
  'body'?: "hello"|"ready"|"fetch"|"model"|"update"|"ack"|"error";
}
