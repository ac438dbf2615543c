// Original file: proto/cohort/v1/cohort.proto

import type { SignedSurvivors as _cohort_v1_SignedSurvivors, SignedSurvivors__Output as _cohort_v1_SignedSurvivors__Output } from '../../cohort/v1/SignedSurvivors.js';

/**
 * Stage 5: the survivor list, the consistency signatures over it, and which of
 * the node's neighbours dropped (their key shares are asked for). A node
 * answers only if the list is exactly the one it signed and the request
 * carries valid signatures over it (survivors data, with the node's own
 * digests) from more than half of the round's participants, i.e. at least
 * floor(n / 2) + 1 distinct survivors with n = |participants|. An honest node
 * signs one list, so at most one list per round can ever meet this. It then
 * reveals the self-mask share of every neighbour on the list whose box it
 * holds, and the key share of each requested dropout that is off the list and
 * whose box it holds; a request naming a listed node as a dropout is refused.
 */
export interface UnmaskRequest {
  'survivors'?: (string)[];
  'signatures'?: (_cohort_v1_SignedSurvivors)[];
  'dropouts'?: (string)[];
}

/**
 * Stage 5: the survivor list, the consistency signatures over it, and which of
 * the node's neighbours dropped (their key shares are asked for). A node
 * answers only if the list is exactly the one it signed and the request
 * carries valid signatures over it (survivors data, with the node's own
 * digests) from more than half of the round's participants, i.e. at least
 * floor(n / 2) + 1 distinct survivors with n = |participants|. An honest node
 * signs one list, so at most one list per round can ever meet this. It then
 * reveals the self-mask share of every neighbour on the list whose box it
 * holds, and the key share of each requested dropout that is off the list and
 * whose box it holds; a request naming a listed node as a dropout is refused.
 */
export interface UnmaskRequest__Output {
  'survivors': (string)[];
  'signatures': (_cohort_v1_SignedSurvivors__Output)[];
  'dropouts': (string)[];
}
