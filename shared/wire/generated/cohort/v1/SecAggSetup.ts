// Original file: proto/cohort/v1/cohort.proto

import type { PeerCertificate as _cohort_v1_PeerCertificate, PeerCertificate__Output as _cohort_v1_PeerCertificate__Output } from '../../cohort/v1/PeerCertificate.js';
import type { FixedPoint as _cohort_v1_FixedPoint, FixedPoint__Output as _cohort_v1_FixedPoint__Output } from '../../cohort/v1/FixedPoint.js';

/**
 * Everything a node needs to take part in one secure-aggregation round
 * (SecAgg+, Bell et al. 2020): the update is clipped to clip_norm, encoded in
 * fixed point and masked; the coordinator learns only the survivors' sum.
 */
export interface SecAggSetup {
  'roundId'?: (string);
  'participants'?: (string)[];
  /**
   * Neighbours per node and Shamir threshold.
   */
  'k'?: (number);
  't'?: (number);
  /**
   * Fewest inputs a released sum may contain.
   */
  'minSurvivors'?: (number);
  'vectorLength'?: (number);
  /**
   * Fixes the neighbour graph; drawn by the coordinator at random.
   */
  'graphSeed'?: (Buffer | Uint8Array | string);
  /**
   * Every participant's certificate, so nodes can check each other's signed
   * keys against the federation CA themselves.
   */
  'certificates'?: (_cohort_v1_PeerCertificate)[];
  'fixedPoint'?: (_cohort_v1_FixedPoint | null);
}

/**
 * Everything a node needs to take part in one secure-aggregation round
 * (SecAgg+, Bell et al. 2020): the update is clipped to clip_norm, encoded in
 * fixed point and masked; the coordinator learns only the survivors' sum.
 */
export interface SecAggSetup__Output {
  'roundId': (string);
  'participants': (string)[];
  /**
   * Neighbours per node and Shamir threshold.
   */
  'k': (number);
  't': (number);
  /**
   * Fewest inputs a released sum may contain.
   */
  'minSurvivors': (number);
  'vectorLength': (number);
  /**
   * Fixes the neighbour graph; drawn by the coordinator at random.
   */
  'graphSeed': (Buffer);
  /**
   * Every participant's certificate, so nodes can check each other's signed
   * keys against the federation CA themselves.
   */
  'certificates': (_cohort_v1_PeerCertificate__Output)[];
  'fixedPoint': (_cohort_v1_FixedPoint__Output | null);
}
