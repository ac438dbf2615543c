// Original file: proto/cohort/v1/cohort.proto


export interface TrainConfig {
  'epochs'?: (number);
  'batchSize'?: (number);
  'learningRate'?: (number | string);
}

export interface TrainConfig__Output {
  'epochs': (number);
  'batchSize': (number);
  'learningRate': (number);
}
