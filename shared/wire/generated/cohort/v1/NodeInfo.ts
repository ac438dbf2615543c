// Original file: proto/cohort/v1/cohort.proto

import type { Long } from '@grpc/proto-loader';

export interface NodeInfo {
  'name'?: (string);
  /**
   * "connected", "disconnected" or "revoked".
   */
  'status'?: (string);
  /**
   * Unix milliseconds of the last message from the node; 0 if never.
   */
  'lastSeenMs'?: (number | string | Long);
  'roundsParticipated'?: (number | string | Long);
}

export interface NodeInfo__Output {
  'name': (string);
  /**
   * "connected", "disconnected" or "revoked".
   */
  'status': (string);
  /**
   * Unix milliseconds of the last message from the node; 0 if never.
   */
  'lastSeenMs': (number);
  'roundsParticipated': (number);
}
