// Original file: proto/cohort/v1/cohort.proto


export interface JoinRequest {
  /**
   * Wire protocol the node speaks ("cohort.v1").
   */
  'protocol'?: (string);
  /**
   * Software version, for the node registry.
   */
  'software'?: (string);
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
}
