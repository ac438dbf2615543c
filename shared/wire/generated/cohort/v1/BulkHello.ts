// Original file: proto/cohort/v1/bulk.proto

import type { ModelVersion as _cohort_v1_ModelVersion, ModelVersion__Output as _cohort_v1_ModelVersion__Output } from '../../cohort/v1/ModelVersion.js';

/**
 * Node -> coordinator, first frame of a connection. P = 0.
 */
export interface BulkHello {
  /**
   * "cohort.bulk.v1".
   */
  'protocol'?: (string);
  /**
   * Welcome.bulk_token of the node's current Join stream (16 bytes).
   */
  'sessionToken'?: (Buffer | Uint8Array | string);
  /**
   * The model the node holds, hash verified; absent if none.
   */
  'held'?: (_cohort_v1_ModelVersion | null);
}

/**
 * Node -> coordinator, first frame of a connection. P = 0.
 */
export interface BulkHello__Output {
  /**
   * "cohort.bulk.v1".
   */
  'protocol': (string);
  /**
   * Welcome.bulk_token of the node's current Join stream (16 bytes).
   */
  'sessionToken': (Buffer);
  /**
   * The model the node holds, hash verified; absent if none.
   */
  'held': (_cohort_v1_ModelVersion__Output | null);
}
