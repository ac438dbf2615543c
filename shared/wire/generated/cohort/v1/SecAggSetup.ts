// Original file: proto/cohort/v1/cohort.proto

import type { PeerCertificate as _cohort_v1_PeerCertificate, PeerCertificate__Output as _cohort_v1_PeerCertificate__Output } from '../../cohort/v1/PeerCertificate.js';
import type { FixedPoint as _cohort_v1_FixedPoint, FixedPoint__Output as _cohort_v1_FixedPoint__Output } from '../../cohort/v1/FixedPoint.js';

/**
 * Everything a node needs to take part in one secure-aggregation round
 * (SecAgg+, Bell et al. 2020): the update is clipped to clip_norm, encoded in
 * fixed point and masked; the coordinator learns only the survivors' sum.
 * 
 * The protocol, in five stages (a coordinator message of stage s asks for the
 * node message of stage s):
 * 1 AdvertiseKeys            -> KeyDirectory (stage 2)
 * 2 ShareKeys                -> ShareDelivery (stage 3)
 * 3 MaskingReport, then the masked input (bulk UPDATE, masked = true)
 * -> SurvivorList (stage 4)
 * 4 consistency_signature    -> UnmaskRequest (stage 5)
 * 5 UnmaskResponse
 * Nothing in it must be trusted to the coordinator: a node implementing this
 * contract checks everything below itself and refuses otherwise. With every
 * node following these rules, a coordinator that controls every message learns
 * no single input and no sum over fewer than min_survivors inputs
 * (SECURITY.md, "Secure aggregation").
 * 
 * Signed data. Every signature is made with the node's certificate key
 * (RSA-PSS with SHA-256 and a digest-length salt for RSA keys, Ed25519 for
 * Ed25519 keys, ECDSA with SHA-256 for EC keys) over bytes built by
 * encodeFields: each field in turn as a 4-byte big-endian length followed by
 * its bytes; strings are UTF-8, integers are 4-byte big-endian unsigned, reals
 * 8-byte big-endian IEEE 754 binary64. "ids" are node names; lists of ids are
 * sorted by UTF-16 code units (JavaScript string order) and preceded by their
 * count as an integer field.
 * round_digest = SHA-256(encodeFields("cohort-secagg-round", round_id,
 * count, participants (sorted)..., k, t, min_survivors, vector_length,
 * graph_seed, clip_norm (real), noise_bound (real), max_summands,
 * scale (real)))
 * directory_digest = SHA-256(encodeFields("cohort-secagg-directory", count,
 * then for each advert of the KeyDirectory as received, sorted by
 * sender: sender, c_public_key, s_public_key))
 * advert:   encodeFields("cohort-secagg-advertise", round_digest, sender,
 * c_public_key, s_public_key)
 * masking:  encodeFields("cohort-secagg-masking", round_digest,
 * directory_digest, sender, count, missing_neighbours...)
 * survivors: encodeFields("cohort-secagg-survivors", round_digest,
 * directory_digest, count, survivors...)
 * A node computes both digests from its own SecAggSetup and the KeyDirectory
 * it received, so a signature made under another round, configuration or
 * directory never verifies for it.
 * 
 * The neighbour graph is built over the ids of the KeyDirectory, sorted. With
 * k >= count - 1 every node neighbours every other. Otherwise: h =
 * SHA-256(encodeFields("cohort-secagg-graph", graph_seed)); words are the
 * little-endian uint32s of the AES-128-CTR keystream with key h[0..16) and
 * initial counter block h[16..32); order = the sorted ids, then for i from
 * count - 1 down to 1 swap order[i] with order[j], j = w mod (i + 1) for the
 * next word w below 2^32 - (2^32 mod (i + 1)) (larger words are skipped); the
 * node at position p neighbours positions p +- 1 ... p +- k/2 (mod count).
 * A share's x-coordinate is its holder's 1-based index in the sorted ids.
 * 
 * A node refuses:
 * - a setup that fails validateParameters (1 <= k <= n - 1, k even unless
 * n - 1, t <= k, 2t > k), min_survivors < 2 or > n, a fixed point that could
 * overflow or has max_summands < n (it declines the round);
 * - a KeyDirectory with an advert that does not verify, a non-participant, a
 * duplicate, or without its own keys (it waits for another); with fewer than
 * min_survivors adverts, or fewer than t neighbours, it leaves the round;
 * - a ShareDelivery with a box from a non-neighbour, a duplicate, or one that
 * does not open (it waits for another); with boxes from fewer than t
 * neighbours it leaves the round without masking.
 * It masks only with the neighbours whose boxes it received, and says which
 * others it left out in its MaskingReport before sending the masked input. It
 * signs one masking report, one survivor list and answers one unmask request.
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
   * Fewest inputs a released sum may contain; nodes refuse smaller lists.
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
  /**
   * The encoding every node uses; part of round_digest, so every input in a
   * sum used the same scale.
   */
  'fixedPoint'?: (_cohort_v1_FixedPoint | null);
}

/**
 * Everything a node needs to take part in one secure-aggregation round
 * (SecAgg+, Bell et al. 2020): the update is clipped to clip_norm, encoded in
 * fixed point and masked; the coordinator learns only the survivors' sum.
 * 
 * The protocol, in five stages (a coordinator message of stage s asks for the
 * node message of stage s):
 * 1 AdvertiseKeys            -> KeyDirectory (stage 2)
 * 2 ShareKeys                -> ShareDelivery (stage 3)
 * 3 MaskingReport, then the masked input (bulk UPDATE, masked = true)
 * -> SurvivorList (stage 4)
 * 4 consistency_signature    -> UnmaskRequest (stage 5)
 * 5 UnmaskResponse
 * Nothing in it must be trusted to the coordinator: a node implementing this
 * contract checks everything below itself and refuses otherwise. With every
 * node following these rules, a coordinator that controls every message learns
 * no single input and no sum over fewer than min_survivors inputs
 * (SECURITY.md, "Secure aggregation").
 * 
 * Signed data. Every signature is made with the node's certificate key
 * (RSA-PSS with SHA-256 and a digest-length salt for RSA keys, Ed25519 for
 * Ed25519 keys, ECDSA with SHA-256 for EC keys) over bytes built by
 * encodeFields: each field in turn as a 4-byte big-endian length followed by
 * its bytes; strings are UTF-8, integers are 4-byte big-endian unsigned, reals
 * 8-byte big-endian IEEE 754 binary64. "ids" are node names; lists of ids are
 * sorted by UTF-16 code units (JavaScript string order) and preceded by their
 * count as an integer field.
 * round_digest = SHA-256(encodeFields("cohort-secagg-round", round_id,
 * count, participants (sorted)..., k, t, min_survivors, vector_length,
 * graph_seed, clip_norm (real), noise_bound (real), max_summands,
 * scale (real)))
 * directory_digest = SHA-256(encodeFields("cohort-secagg-directory", count,
 * then for each advert of the KeyDirectory as received, sorted by
 * sender: sender, c_public_key, s_public_key))
 * advert:   encodeFields("cohort-secagg-advertise", round_digest, sender,
 * c_public_key, s_public_key)
 * masking:  encodeFields("cohort-secagg-masking", round_digest,
 * directory_digest, sender, count, missing_neighbours...)
 * survivors: encodeFields("cohort-secagg-survivors", round_digest,
 * directory_digest, count, survivors...)
 * A node computes both digests from its own SecAggSetup and the KeyDirectory
 * it received, so a signature made under another round, configuration or
 * directory never verifies for it.
 * 
 * The neighbour graph is built over the ids of the KeyDirectory, sorted. With
 * k >= count - 1 every node neighbours every other. Otherwise: h =
 * SHA-256(encodeFields("cohort-secagg-graph", graph_seed)); words are the
 * little-endian uint32s of the AES-128-CTR keystream with key h[0..16) and
 * initial counter block h[16..32); order = the sorted ids, then for i from
 * count - 1 down to 1 swap order[i] with order[j], j = w mod (i + 1) for the
 * next word w below 2^32 - (2^32 mod (i + 1)) (larger words are skipped); the
 * node at position p neighbours positions p +- 1 ... p +- k/2 (mod count).
 * A share's x-coordinate is its holder's 1-based index in the sorted ids.
 * 
 * A node refuses:
 * - a setup that fails validateParameters (1 <= k <= n - 1, k even unless
 * n - 1, t <= k, 2t > k), min_survivors < 2 or > n, a fixed point that could
 * overflow or has max_summands < n (it declines the round);
 * - a KeyDirectory with an advert that does not verify, a non-participant, a
 * duplicate, or without its own keys (it waits for another); with fewer than
 * min_survivors adverts, or fewer than t neighbours, it leaves the round;
 * - a ShareDelivery with a box from a non-neighbour, a duplicate, or one that
 * does not open (it waits for another); with boxes from fewer than t
 * neighbours it leaves the round without masking.
 * It masks only with the neighbours whose boxes it received, and says which
 * others it left out in its MaskingReport before sending the masked input. It
 * signs one masking report, one survivor list and answers one unmask request.
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
   * Fewest inputs a released sum may contain; nodes refuse smaller lists.
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
  /**
   * The encoding every node uses; part of round_digest, so every input in a
   * sum used the same scale.
   */
  'fixedPoint': (_cohort_v1_FixedPoint__Output | null);
}
