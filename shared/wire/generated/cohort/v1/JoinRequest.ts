// Original file: proto/cohort/v1/cohort.proto

import type { ModelVersion as _cohort_v1_ModelVersion, ModelVersion__Output as _cohort_v1_ModelVersion__Output } from '../../cohort/v1/ModelVersion.js';

export interface JoinRequest {
  /**
   * Wire protocol the node speaks ("cohort.v1").
   */
  'protocol'?: (string);
  /**
   * Software version, for the node registry.
   */
  'software'?: (string);
  /**
   * The global model the node holds, hash verified (absent if none). Logged and
   * shown; the node still fetches what a task names if it does not hold it.
   */
  'heldModel'?: (_cohort_v1_ModelVersion | null);
}

export interface JoinRequest__Output {
  /**
   * Wire protocol the node speaks ("cohort.v1").
   */
  'protocol': (string);
  /**
   * Software version, for the node registry.
   */
  'software': (string);
  /**
   * The global model the node holds, hash verified (absent if none). Logged and
   * shown; the node still fetches what a task names if it does not hold it.
   */
  'heldModel': (_cohort_v1_ModelVersion__Output | null);
}
