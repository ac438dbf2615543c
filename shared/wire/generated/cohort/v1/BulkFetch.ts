// Original file: proto/cohort/v1/bulk.proto

import type { ModelVersion as _cohort_v1_ModelVersion, ModelVersion__Output as _cohort_v1_ModelVersion__Output } from '../../cohort/v1/ModelVersion.js';

/**
 * Node -> coordinator: send me model `want`. P = 0.
 */
export interface BulkFetch {
  'want'?: (_cohort_v1_ModelVersion | null);
  /**
   * The model the node holds, hash verified; absent for a full model.
   */
  'have'?: (_cohort_v1_ModelVersion | null);
}

/**
 * Node -> coordinator: send me model `want`. P = 0.
 */
export interface BulkFetch__Output {
  'want': (_cohort_v1_ModelVersion__Output | null);
  /**
   * The model the node holds, hash verified; absent for a full model.
   */
  'have': (_cohort_v1_ModelVersion__Output | null);
}
