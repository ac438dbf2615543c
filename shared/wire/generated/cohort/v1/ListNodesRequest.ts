// Original file: proto/cohort/v1/cohort.proto


export interface ListNodesRequest {
}

export interface ListNodesRequest__Output {
}
