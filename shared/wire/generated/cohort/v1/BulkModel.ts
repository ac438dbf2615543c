// Original file: proto/cohort/v1/bulk.proto

import type { ModelVersion as _cohort_v1_ModelVersion, ModelVersion__Output as _cohort_v1_ModelVersion__Output } from '../../cohort/v1/ModelVersion.js';
import type { TensorEncoding as _cohort_v1_TensorEncoding, TensorEncoding__Output as _cohort_v1_TensorEncoding__Output } from '../../cohort/v1/TensorEncoding.js';

/**
 * Coordinator -> node, the answer to a FETCH. P as the encoding implies.
 */
export interface BulkModel {
  /**
   * The version the weights hash to (the FETCH's want).
   */
  'version'?: (_cohort_v1_ModelVersion | null);
  'numParameters'?: (number);
  /**
   * F32: the whole model. INT8 or FP16: version − base, quantized; base is present.
   */
  'encoding'?: (_cohort_v1_TensorEncoding);
  'base'?: (_cohort_v1_ModelVersion | null);
}

/**
 * Coordinator -> node, the answer to a FETCH. P as the encoding implies.
 */
export interface BulkModel__Output {
  /**
   * The version the weights hash to (the FETCH's want).
   */
  'version': (_cohort_v1_ModelVersion__Output | null);
  'numParameters': (number);
  /**
   * F32: the whole model. INT8 or FP16: version − base, quantized; base is present.
   */
  'encoding': (_cohort_v1_TensorEncoding__Output);
  'base': (_cohort_v1_ModelVersion__Output | null);
}
