// Original file: proto/cohort/v1/cohort.proto

import type { Long } from '@grpc/proto-loader';

export interface EvaluationResult {
  'round'?: (number | string | Long);
  'numExamples'?: (number);
  'accuracy'?: (number | string);
  'loss'?: (number | string);
}

export interface EvaluationResult__Output {
  'round': (number);
  'numExamples': (number);
  'accuracy': (number);
  'loss': (number);
}
