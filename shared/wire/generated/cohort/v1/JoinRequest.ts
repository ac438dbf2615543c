// Original file: proto/cohort/v1/cohort.proto

import type { NodeCapabilities as _cohort_v1_NodeCapabilities, NodeCapabilities__Output as _cohort_v1_NodeCapabilities__Output } from '../../cohort/v1/NodeCapabilities.js';

export interface JoinRequest {
  /**
   * Wire protocol the node speaks ("cohort.v1").
   */
  'protocol'?: (string);
  /**
   * Software version, for the node registry.
   */
  'software'?: (string);
  'capabilities'?: (_cohort_v1_NodeCapabilities | null);
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
  'capabilities': (_cohort_v1_NodeCapabilities__Output | null);
}
