// Original file: proto/cohort/v1/cohort.proto


export interface NodeCapabilities {
  'modelKinds'?: (string)[];
  'secureAggregation'?: (boolean);
  'privacy'?: (boolean);
}

export interface NodeCapabilities__Output {
  'modelKinds': (string)[];
  'secureAggregation': (boolean);
  'privacy': (boolean);
}
