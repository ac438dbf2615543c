// Original file: proto/cohort/v1/cohort.proto


/**
 * First message of a session.
 */
export interface Welcome {
  /**
   * The name the coordinator read from the node's certificate.
   */
  'nodeName'?: (string);
  'coordinatorVersion'?: (string);
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
}
