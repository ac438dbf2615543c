// Original file: proto/cohort/v1/cohort.proto

import type { Long } from '@grpc/proto-loader';

/**
 * One entry of the ledger's hash chain: a released model (kind "round") or a
 * change of the privacy budget (kind "budget").
 */
export interface LedgerEntry {
  /**
   * Round entries: the round, its parameters and the running epsilon totals.
   */
  'round'?: (number | string | Long);
  'timeMs'?: (number | string | Long);
  'sampleRate'?: (number | string);
  /**
   * 0 for a model released without differential privacy.
   */
  'noiseMultiplier'?: (number | string);
  /**
   * 0 when updates were not clipped.
   */
  'clipNorm'?: (number | string);
  'minSurvivors'?: (number);
  'survivors'?: (number);
  /**
   * Total epsilon after this round against anyone who sees only released
   * models (with sampling amplification); valid when has_epsilon_after.
   */
  'epsilonAfter'?: (number | string);
  'delta'?: (number | string);
  'accountant'?: (string);
  /**
   * "distributed", "central", or "none": released without differential
   * privacy, so epsilon is unbounded for the data the round used.
   */
  'noise'?: (string);
  /**
   * This entry's hash in the ledger's chain ("" for an in-memory ledger).
   */
  'hash'?: (string);
  /**
   * "round" or "budget".
   */
  'kind'?: (string);
  'hasEpsilonAfter'?: (boolean);
  /**
   * Total epsilon without sampling amplification: against the coordinator's
   * operators and anyone else who sees who took part in each round.
   */
  'hasEpsilonUnamplifiedAfter'?: (boolean);
  'epsilonUnamplifiedAfter'?: (number | string);
  /**
   * Whether the coordinator saw only the survivors' sum (secure aggregation);
   * has_secure_aggregation is false in entries written before it was recorded.
   */
  'hasSecureAggregation'?: (boolean);
  'secureAggregation'?: (boolean);
  /**
   * Budget entries: the budget from then on (has_budget_epsilon false: none),
   * with delta in field 9, the operator who changed it ("" when recorded at
   * the coordinator's first start) and why.
   */
  'hasBudgetEpsilon'?: (boolean);
  'budgetEpsilon'?: (number | string);
  'operator'?: (string);
  'reason'?: (string);
  /**
   * Rounds: lower-case hex sha256 of the released weights (the checkpoint file, raw
   * little-endian float32, as `ExportModel` streams it) and of the model's manifest
   * (ModelSpec.manifest_sha256); both are covered by the entry's hash. Empty in entries
   * written before they were recorded.
   */
  'modelSha256'?: (string);
  'manifestSha256'?: (string);
}

/**
 * One entry of the ledger's hash chain: a released model (kind "round") or a
 * change of the privacy budget (kind "budget").
 */
export interface LedgerEntry__Output {
  /**
   * Round entries: the round, its parameters and the running epsilon totals.
   */
  'round': (number);
  'timeMs': (number);
  'sampleRate': (number);
  /**
   * 0 for a model released without differential privacy.
   */
  'noiseMultiplier': (number);
  /**
   * 0 when updates were not clipped.
   */
  'clipNorm': (number);
  'minSurvivors': (number);
  'survivors': (number);
  /**
   * Total epsilon after this round against anyone who sees only released
   * models (with sampling amplification); valid when has_epsilon_after.
   */
  'epsilonAfter': (number);
  'delta': (number);
  'accountant': (string);
  /**
   * "distributed", "central", or "none": released without differential
   * privacy, so epsilon is unbounded for the data the round used.
   */
  'noise': (string);
  /**
   * This entry's hash in the ledger's chain ("" for an in-memory ledger).
   */
  'hash': (string);
  /**
   * "round" or "budget".
   */
  'kind': (string);
  'hasEpsilonAfter': (boolean);
  /**
   * Total epsilon without sampling amplification: against the coordinator's
   * operators and anyone else who sees who took part in each round.
   */
  'hasEpsilonUnamplifiedAfter': (boolean);
  'epsilonUnamplifiedAfter': (number);
  /**
   * Whether the coordinator saw only the survivors' sum (secure aggregation);
   * has_secure_aggregation is false in entries written before it was recorded.
   */
  'hasSecureAggregation': (boolean);
  'secureAggregation': (boolean);
  /**
   * Budget entries: the budget from then on (has_budget_epsilon false: none),
   * with delta in field 9, the operator who changed it ("" when recorded at
   * the coordinator's first start) and why.
   */
  'hasBudgetEpsilon': (boolean);
  'budgetEpsilon': (number);
  'operator': (string);
  'reason': (string);
  /**
   * Rounds: lower-case hex sha256 of the released weights (the checkpoint file, raw
   * little-endian float32, as `ExportModel` streams it) and of the model's manifest
   * (ModelSpec.manifest_sha256); both are covered by the entry's hash. Empty in entries
   * written before they were recorded.
   */
  'modelSha256': (string);
  'manifestSha256': (string);
}
