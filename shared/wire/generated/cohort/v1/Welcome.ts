// Original file: proto/cohort/v1/cohort.proto

import type { SignedRevocationList as _cohort_v1_SignedRevocationList, SignedRevocationList__Output as _cohort_v1_SignedRevocationList__Output } from '../../cohort/v1/SignedRevocationList.js';

/**
 * First message of a session.
 */
export interface Welcome {
  /**
   * The name the coordinator read from the node's certificate.
   */
  'nodeName'?: (string);
  'coordinatorVersion'?: (string);
  /**
   * The revocation list the coordinator holds. The node verifies it and keeps it
   * if it is newer than the newest it has seen (see SignedRevocationList).
   */
  'revocations'?: (_cohort_v1_SignedRevocationList | null);
  /**
   * The bulk channel (bulk.proto): dial this TCP port on the same host, and send
   * bulk_token (16 bytes) in HELLO within 30 s, or this stream is ended.
   */
  'bulkPort'?: (number);
  'bulkToken'?: (Buffer | Uint8Array | string);
}

/**
 * First message of a session.
 */
export interface Welcome__Output {
  /**
   * The name the coordinator read from the node's certificate.
   */
  'nodeName': (string);
  'coordinatorVersion': (string);
  /**
   * The revocation list the coordinator holds. The node verifies it and keeps it
   * if it is newer than the newest it has seen (see SignedRevocationList).
   */
  'revocations': (_cohort_v1_SignedRevocationList__Output | null);
  /**
   * The bulk channel (bulk.proto): dial this TCP port on the same host, and send
   * bulk_token (16 bytes) in HELLO within 30 s, or this stream is ended.
   */
  'bulkPort': (number);
  'bulkToken': (Buffer);
}
