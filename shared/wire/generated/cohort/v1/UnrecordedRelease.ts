// Original file: proto/cohort/v1/cohort.proto

import type { Long } from '@grpc/proto-loader';

/**
 * A model committed without a ledger entry: released without differential
 * privacy by a coordinator from before such releases were recorded.
 */
export interface UnrecordedRelease {
  'round'?: (number | string | Long);
  'timeMs'?: (number | string | Long);
  /**
   * Nodes whose update is in the released model.
   */
  'participants'?: (number);
}

/**
 * A model committed without a ledger entry: released without differential
 * privacy by a coordinator from before such releases were recorded.
 */
export interface UnrecordedRelease__Output {
  'round': (number);
  'timeMs': (number);
  /**
   * Nodes whose update is in the released model.
   */
  'participants': (number);
}
