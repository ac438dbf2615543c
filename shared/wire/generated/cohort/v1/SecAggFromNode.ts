// Original file: proto/cohort/v1/cohort.proto

import type { AdvertiseKeys as _cohort_v1_AdvertiseKeys, AdvertiseKeys__Output as _cohort_v1_AdvertiseKeys__Output } from '../../cohort/v1/AdvertiseKeys.js';
import type { ShareKeys as _cohort_v1_ShareKeys, ShareKeys__Output as _cohort_v1_ShareKeys__Output } from '../../cohort/v1/ShareKeys.js';
import type { UnmaskResponse as _cohort_v1_UnmaskResponse, UnmaskResponse__Output as _cohort_v1_UnmaskResponse__Output } from '../../cohort/v1/UnmaskResponse.js';
import type { MaskingReport as _cohort_v1_MaskingReport, MaskingReport__Output as _cohort_v1_MaskingReport__Output } from '../../cohort/v1/MaskingReport.js';
import type { Long } from '@grpc/proto-loader';

/**
 * Node -> coordinator (SecAggSend). The sender is always the caller's
 * certificate name; nothing in the message can claim another identity.
 */
export interface SecAggFromNode {
  'round'?: (number | string | Long);
  'roundId'?: (string);
  'advertise'?: (_cohort_v1_AdvertiseKeys | null);
  'shareKeys'?: (_cohort_v1_ShareKeys | null);
  /**
   * Signature over the survivors data of the SurvivorList received.
   */
  'consistencySignature'?: (Buffer | Uint8Array | string);
  'unmask'?: (_cohort_v1_UnmaskResponse | null);
  'maskingReport'?: (_cohort_v1_MaskingReport | null);
  'body'?: "advertise"|"shareKeys"|"consistencySignature"|"unmask"|"maskingReport";
}

/**
 * Node -> coordinator (SecAggSend). The sender is always the caller's
 * certificate name; nothing in the message can claim another identity.
 */
export interface SecAggFromNode__Output {
  'round': (number);
  'roundId': (string);
  'advertise'?: (_cohort_v1_AdvertiseKeys__Output | null);
  'shareKeys'?: (_cohort_v1_ShareKeys__Output | null);
  /**
   * Signature over the survivors data of the SurvivorList received.
   */
  'consistencySignature'?: (Buffer);
  'unmask'?: (_cohort_v1_UnmaskResponse__Output | null);
  'maskingReport'?: (_cohort_v1_MaskingReport__Output | null);
  'body'?: "advertise"|"shareKeys"|"consistencySignature"|"unmask"|"maskingReport";
}
