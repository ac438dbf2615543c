// Original file: proto/cohort/v1/cohort.proto


export interface ListModelsRequest {
}

export interface ListModelsRequest__Output {
}
