// Original file: proto/cohort/v1/cohort.proto

import type { Long } from '@grpc/proto-loader';

export interface ExportModelRequest {
  'round'?: (number | string | Long);
}

export interface ExportModelRequest__Output {
  'round': (number);
}
