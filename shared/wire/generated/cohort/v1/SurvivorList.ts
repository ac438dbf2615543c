// Original file: proto/cohort/v1/cohort.proto


export interface SurvivorList {
  'survivors'?: (string)[];
}

export interface SurvivorList__Output {
  'survivors': (string)[];
}
