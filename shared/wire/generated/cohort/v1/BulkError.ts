// Original file: proto/cohort/v1/bulk.proto


/**
 * Coordinator -> node: a refusal (see "errors and retries"). P = 0.
 */
export interface BulkError {
  /**
   * One of Cohort's error codes, e.g. "invalid_argument".
   */
  'code'?: (string);
  /**
   * What was wrong, for the node's log.
   */
  'message'?: (string);
}

/**
 * Coordinator -> node: a refusal (see "errors and retries"). P = 0.
 */
export interface BulkError__Output {
  /**
   * One of Cohort's error codes, e.g. "invalid_argument".
   */
  'code': (string);
  /**
   * What was wrong, for the node's log.
   */
  'message': (string);
}
