// Original file: proto/cohort/v1/cohort.proto


/**
 * A malformed list (more than 16 model kinds, or a kind of 0 or more than 64
 * characters) refuses the Join with INVALID_ARGUMENT.
 */
export interface NodeCapabilities {
  /**
   * ModelSpec.kind values this node trains and evaluates; empty means any kind.
   */
  'modelKinds'?: (string)[];
  /**
   * The node takes part in SecAgg+ rounds (Task.secagg).
   */
  'secureAggregation'?: (boolean);
  /**
   * The node clips and noises its update as Task.privacy asks.
   */
  'privacy'?: (boolean);
}

/**
 * A malformed list (more than 16 model kinds, or a kind of 0 or more than 64
 * characters) refuses the Join with INVALID_ARGUMENT.
 */
export interface NodeCapabilities__Output {
  /**
   * ModelSpec.kind values this node trains and evaluates; empty means any kind.
   */
  'modelKinds': (string)[];
  /**
   * The node takes part in SecAgg+ rounds (Task.secagg).
   */
  'secureAggregation': (boolean);
  /**
   * The node clips and noises its update as Task.privacy asks.
   */
  'privacy': (boolean);
}
