// Original file: proto/cohort/v1/cohort.proto


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
