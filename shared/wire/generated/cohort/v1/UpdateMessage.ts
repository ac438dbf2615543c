// Original file: proto/cohort/v1/cohort.proto

import type { UpdateHeader as _cohort_v1_UpdateHeader, UpdateHeader__Output as _cohort_v1_UpdateHeader__Output } from '../../cohort/v1/UpdateHeader.js';
import type { UpdateChunk as _cohort_v1_UpdateChunk, UpdateChunk__Output as _cohort_v1_UpdateChunk__Output } from '../../cohort/v1/UpdateChunk.js';

export interface UpdateMessage {
  'header'?: (_cohort_v1_UpdateHeader | null);
  'chunk'?: (_cohort_v1_UpdateChunk | null);
  'body'?: "header"|"chunk";
}

export interface UpdateMessage__Output {
  'header'?: (_cohort_v1_UpdateHeader__Output | null);
  'chunk'?: (_cohort_v1_UpdateChunk__Output | null);
  'body'?: "header"|"chunk";
}
