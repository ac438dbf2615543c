// Original file: proto/cohort/v1/cohort.proto

import type { KeyDirectory as _cohort_v1_KeyDirectory, KeyDirectory__Output as _cohort_v1_KeyDirectory__Output } from '../../cohort/v1/KeyDirectory.js';
import type { ShareDelivery as _cohort_v1_ShareDelivery, ShareDelivery__Output as _cohort_v1_ShareDelivery__Output } from '../../cohort/v1/ShareDelivery.js';
import type { SurvivorList as _cohort_v1_SurvivorList, SurvivorList__Output as _cohort_v1_SurvivorList__Output } from '../../cohort/v1/SurvivorList.js';
import type { UnmaskRequest as _cohort_v1_UnmaskRequest, UnmaskRequest__Output as _cohort_v1_UnmaskRequest__Output } from '../../cohort/v1/UnmaskRequest.js';
import type { Long } from '@grpc/proto-loader';

/**
 * Coordinator -> node, down the Join stream.
 */
export interface SecAggToNode {
  'round'?: (number | string | Long);
  'roundId'?: (string);
  'keyDirectory'?: (_cohort_v1_KeyDirectory | null);
  'shareDelivery'?: (_cohort_v1_ShareDelivery | null);
  'survivorList'?: (_cohort_v1_SurvivorList | null);
  'unmaskRequest'?: (_cohort_v1_UnmaskRequest | null);
  'body'?: "keyDirectory"|"shareDelivery"|"survivorList"|"unmaskRequest";
}

/**
 * Coordinator -> node, down the Join stream.
 */
export interface SecAggToNode__Output {
  'round': (number);
  'roundId': (string);
  'keyDirectory'?: (_cohort_v1_KeyDirectory__Output | null);
  'shareDelivery'?: (_cohort_v1_ShareDelivery__Output | null);
  'survivorList'?: (_cohort_v1_SurvivorList__Output | null);
  'unmaskRequest'?: (_cohort_v1_UnmaskRequest__Output | null);
  'body'?: "keyDirectory"|"shareDelivery"|"survivorList"|"unmaskRequest";
}
