// Original file: proto/cohort/v1/cohort.proto


export interface StatusRequest {
}

export interface StatusRequest__Output {
}
