// Original file: proto/cohort/v1/cohort.proto

import type { Long } from '@grpc/proto-loader';

export interface SubmitAck {
  'round'?: (number | string | Long);
}

export interface SubmitAck__Output {
  'round': (number);
}
