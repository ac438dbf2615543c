// Original file: proto/cohort/v1/cohort.proto


export interface BudgetReportRequest {
}

export interface BudgetReportRequest__Output {
}
