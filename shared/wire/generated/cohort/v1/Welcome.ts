// Original file: proto/cohort/v1/cohort.proto

import type { ModelSpec as _cohort_v1_ModelSpec, ModelSpec__Output as _cohort_v1_ModelSpec__Output } from '../../cohort/v1/ModelSpec.js';
import type { FeatureRange as _cohort_v1_FeatureRange, FeatureRange__Output as _cohort_v1_FeatureRange__Output } from '../../cohort/v1/FeatureRange.js';
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
   * The model this coordinator trains (every Task repeats it). A node checks its
   * own data against it as soon as it joins and tells its own operator what does
   * not fit; it then declines each task with DECLINE_CATEGORY_DATA. Absent from
   * coordinators older than this field.
   */
  'model'?: (_cohort_v1_ModelSpec | null);
  /**
   * The range the model's input features were declared for (coordinator
   * --feature-range, default [0, 1]). A node whose features fall far outside it
   * warns its own operator how to scale them. Nothing about the node's data is
   * sent back because of it.
   */
  'featureRange'?: (_cohort_v1_FeatureRange | null);
  /**
   * The revocation list the coordinator holds. The node verifies it and keeps it
   * if it is newer than the newest it has seen (see SignedRevocationList).
   */
  'revocations'?: (_cohort_v1_SignedRevocationList | null);
  /**
   * The bulk channel (bulk.proto): dial this TCP port on the host this stream was
   * opened to, and send bulk_token (16 bytes) in HELLO within 30 s, or this stream is
   * ended (UNAVAILABLE).
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
   * The model this coordinator trains (every Task repeats it). A node checks its
   * own data against it as soon as it joins and tells its own operator what does
   * not fit; it then declines each task with DECLINE_CATEGORY_DATA. Absent from
   * coordinators older than this field.
   */
  'model': (_cohort_v1_ModelSpec__Output | null);
  /**
   * The range the model's input features were declared for (coordinator
   * --feature-range, default [0, 1]). A node whose features fall far outside it
   * warns its own operator how to scale them. Nothing about the node's data is
   * sent back because of it.
   */
  'featureRange': (_cohort_v1_FeatureRange__Output | null);
  /**
   * The revocation list the coordinator holds. The node verifies it and keeps it
   * if it is newer than the newest it has seen (see SignedRevocationList).
   */
  'revocations': (_cohort_v1_SignedRevocationList__Output | null);
  /**
   * The bulk channel (bulk.proto): dial this TCP port on the host this stream was
   * opened to, and send bulk_token (16 bytes) in HELLO within 30 s, or this stream is
   * ended (UNAVAILABLE).
   */
  'bulkPort': (number);
  'bulkToken': (Buffer);
}
