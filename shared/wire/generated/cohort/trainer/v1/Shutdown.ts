// Original file: proto/cohort/trainer/v1/trainer.proto


/**
 * The daemon is stopping the trainer: exit now.
 */
export interface Shutdown {
}

/**
 * The daemon is stopping the trainer: exit now.
 */
export interface Shutdown__Output {
}
