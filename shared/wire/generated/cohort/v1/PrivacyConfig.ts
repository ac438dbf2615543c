// Original file: proto/cohort/v1/cohort.proto


/**
 * Differential privacy of a round: every node clips its update to clip_norm (the
 * coordinator refuses an update whose norm exceeds clip_norm · (1 + 1e-4), the slack for
 * float32 rounding, with INVALID_ARGUMENT); with noise "distributed" each node adds
 * N(0, (noise_multiplier * clip_norm)^2 / min_survivors) to every coordinate so any
 * min_survivors honest nodes carry the full noise; with "central" the coordinator adds
 * N(0, (noise_multiplier * clip_norm)^2) to the sum. Every update then counts with
 * weight 1 (num_examples is not used).
 */
export interface PrivacyConfig {
  'clipNorm'?: (number | string);
  'noiseMultiplier'?: (number | string);
  'minSurvivors'?: (number);
  'noise'?: (string);
  /**
   * Adaptive clipping: nodes also report whether their update was within
   * clip_norm (BulkUpdate.within_clip, or the extra word of a masked input), with this
   * noise multiplier on that bit (0 = fixed clip norm).
   * The bit is centred: +1/2 within, -1/2 clipped (in secure rounds the extra
   * coordinate carries (b - 1/2) * clip_norm), so one node moves the bit sum by
   * at most 1/2, which is what the round's accounting assumes.
   * noise_multiplier is then the update's share of the round's noise.
   */
  'clipBitNoiseMultiplier'?: (number | string);
}

/**
 * Differential privacy of a round: every node clips its update to clip_norm (the
 * coordinator refuses an update whose norm exceeds clip_norm · (1 + 1e-4), the slack for
 * float32 rounding, with INVALID_ARGUMENT); with noise "distributed" each node adds
 * N(0, (noise_multiplier * clip_norm)^2 / min_survivors) to every coordinate so any
 * min_survivors honest nodes carry the full noise; with "central" the coordinator adds
 * N(0, (noise_multiplier * clip_norm)^2) to the sum. Every update then counts with
 * weight 1 (num_examples is not used).
 */
export interface PrivacyConfig__Output {
  'clipNorm': (number);
  'noiseMultiplier': (number);
  'minSurvivors': (number);
  'noise': (string);
  /**
   * Adaptive clipping: nodes also report whether their update was within
   * clip_norm (BulkUpdate.within_clip, or the extra word of a masked input), with this
   * noise multiplier on that bit (0 = fixed clip norm).
   * The bit is centred: +1/2 within, -1/2 clipped (in secure rounds the extra
   * coordinate carries (b - 1/2) * clip_norm), so one node moves the bit sum by
   * at most 1/2, which is what the round's accounting assumes.
   * noise_multiplier is then the update's share of the round's noise.
   */
  'clipBitNoiseMultiplier': (number);
}
