// Original file: proto/cohort/v1/cohort.proto

import type { ModelInfo as _cohort_v1_ModelInfo, ModelInfo__Output as _cohort_v1_ModelInfo__Output } from '../../cohort/v1/ModelInfo.js';
import type { ModelSpec as _cohort_v1_ModelSpec, ModelSpec__Output as _cohort_v1_ModelSpec__Output } from '../../cohort/v1/ModelSpec.js';

export interface ListModelsReply {
  'models'?: (_cohort_v1_ModelInfo)[];
  'model'?: (_cohort_v1_ModelSpec | null);
}

export interface ListModelsReply__Output {
  'models': (_cohort_v1_ModelInfo__Output)[];
  'model': (_cohort_v1_ModelSpec__Output | null);
}
