// Original file: proto/cohort/v1/cohort.proto

import type { NodeCapabilities as _cohort_v1_NodeCapabilities, NodeCapabilities__Output as _cohort_v1_NodeCapabilities__Output } from '../../cohort/v1/NodeCapabilities.js';
import type { ModelVersion as _cohort_v1_ModelVersion, ModelVersion__Output as _cohort_v1_ModelVersion__Output } from '../../cohort/v1/ModelVersion.js';

export interface JoinRequest {
  /**
   * Wire protocol the node speaks: "cohort.v1" (anything else: FAILED_PRECONDITION).
   */
  'protocol'?: (string);
  /**
   * Software version, for the node registry.
   */
  'software'?: (string);
  /**
   * What this node can do; a round only selects nodes that can do what it needs, and
   * only nodes that train the model's kind are asked to evaluate. A node that sends no
   * capabilities is selected for plain (not secure, not private) rounds of any kind.
   */
  'capabilities'?: (_cohort_v1_NodeCapabilities | null);
  /**
   * The global model the node holds, hash verified (absent if none). Logged; the node
   * still fetches what a task names if it does not hold it.
   */
  'heldModel'?: (_cohort_v1_ModelVersion | null);
}

export interface JoinRequest__Output {
  /**
   * Wire protocol the node speaks: "cohort.v1" (anything else: FAILED_PRECONDITION).
   */
  'protocol': (string);
  /**
   * Software version, for the node registry.
   */
  'software': (string);
  /**
   * What this node can do; a round only selects nodes that can do what it needs, and
   * only nodes that train the model's kind are asked to evaluate. A node that sends no
   * capabilities is selected for plain (not secure, not private) rounds of any kind.
   */
  'capabilities': (_cohort_v1_NodeCapabilities__Output | null);
  /**
   * The global model the node holds, hash verified (absent if none). Logged; the node
   * still fetches what a task names if it does not hold it.
   */
  'heldModel': (_cohort_v1_ModelVersion__Output | null);
}
