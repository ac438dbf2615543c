// Original file: proto/cohort/v1/cohort.proto


/**
 * Local optimisation of a train task. What Cohort's trainer does with it (and with
 * Task.seed), so a round is reproducible; the coordinator cannot see how a node trained
 * and does not check it — only the update's shape, values and norm are checked.
 * For each of `epochs` epochs: shuffle the indices 0 … n − 1 of the n local training
 * examples (Fisher–Yates from the last index down: swap i with j = nextInt(i + 1)),
 * then take them in batches of min(batch_size, n) (the last batch may be shorter) and
 * apply plain SGD, w ← w − learning_rate · (mean gradient of the batch's loss): no
 * momentum, no weight decay.
 * nextInt draws from xoshiro128** seeded with Task.seed through splitmix32 (four
 * outputs of x += 0x9E3779B9; z = x; z = (z ^ z >>> 16) · 0x85EBCA6B;
 * z = (z ^ z >>> 13) · 0xC2B2AE35; z ^ z >>> 16, all mod 2^32, become s0 … s3), by
 * rejection: draw 32-bit x until x < 2^32 − (2^32 mod k), return x mod k. One
 * generator serves every epoch of the task.
 */
export interface TrainConfig {
  'epochs'?: (number);
  'batchSize'?: (number);
  'learningRate'?: (number | string);
  /**
   * Free-form settings from the operator (`cohort round launch --config KEY=VALUE`),
   * passed to the node's trainer as they are. At most 64 entries; keys match
   * [A-Za-z0-9_.-]{1,64}; values at most 4096 bytes; 16 KiB in all.
   */
  'options'?: ({[key: string]: string});
}

/**
 * Local optimisation of a train task. What Cohort's trainer does with it (and with
 * Task.seed), so a round is reproducible; the coordinator cannot see how a node trained
 * and does not check it — only the update's shape, values and norm are checked.
 * For each of `epochs` epochs: shuffle the indices 0 … n − 1 of the n local training
 * examples (Fisher–Yates from the last index down: swap i with j = nextInt(i + 1)),
 * then take them in batches of min(batch_size, n) (the last batch may be shorter) and
 * apply plain SGD, w ← w − learning_rate · (mean gradient of the batch's loss): no
 * momentum, no weight decay.
 * nextInt draws from xoshiro128** seeded with Task.seed through splitmix32 (four
 * outputs of x += 0x9E3779B9; z = x; z = (z ^ z >>> 16) · 0x85EBCA6B;
 * z = (z ^ z >>> 13) · 0xC2B2AE35; z ^ z >>> 16, all mod 2^32, become s0 … s3), by
 * rejection: draw 32-bit x until x < 2^32 − (2^32 mod k), return x mod k. One
 * generator serves every epoch of the task.
 */
export interface TrainConfig__Output {
  'epochs': (number);
  'batchSize': (number);
  'learningRate': (number);
  /**
   * Free-form settings from the operator (`cohort round launch --config KEY=VALUE`),
   * passed to the node's trainer as they are. At most 64 entries; keys match
   * [A-Za-z0-9_.-]{1,64}; values at most 4096 bytes; 16 KiB in all.
   */
  'options': ({[key: string]: string});
}
