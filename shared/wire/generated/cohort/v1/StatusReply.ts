// Original file: proto/cohort/v1/cohort.proto

import type { ModelSpec as _cohort_v1_ModelSpec, ModelSpec__Output as _cohort_v1_ModelSpec__Output } from '../../cohort/v1/ModelSpec.js';
import type { RoundEvent as _cohort_v1_RoundEvent, RoundEvent__Output as _cohort_v1_RoundEvent__Output } from '../../cohort/v1/RoundEvent.js';
import type { PrivacyStatus as _cohort_v1_PrivacyStatus, PrivacyStatus__Output as _cohort_v1_PrivacyStatus__Output } from '../../cohort/v1/PrivacyStatus.js';
import type { Long } from '@grpc/proto-loader';

export interface StatusReply {
  'coordinatorVersion'?: (string);
  'startedAtMs'?: (number | string | Long);
  'model'?: (_cohort_v1_ModelSpec | null);
  'numParameters'?: (number);
  'connectedNodes'?: (number);
  'knownNodes'?: (number);
  /**
   * The round running now, if any.
   */
  'current'?: (_cohort_v1_RoundEvent | null);
  /**
   * Most recent finished rounds, newest last.
   */
  'recent'?: (_cohort_v1_RoundEvent)[];
  'queuedRounds'?: (number);
  'completedRounds'?: (number | string | Long);
  'privacy'?: (_cohort_v1_PrivacyStatus | null);
}

export interface StatusReply__Output {
  'coordinatorVersion': (string);
  'startedAtMs': (number);
  'model': (_cohort_v1_ModelSpec__Output | null);
  'numParameters': (number);
  'connectedNodes': (number);
  'knownNodes': (number);
  /**
   * The round running now, if any.
   */
  'current': (_cohort_v1_RoundEvent__Output | null);
  /**
   * Most recent finished rounds, newest last.
   */
  'recent': (_cohort_v1_RoundEvent__Output)[];
  'queuedRounds': (number);
  'completedRounds': (number);
  'privacy': (_cohort_v1_PrivacyStatus__Output | null);
}
