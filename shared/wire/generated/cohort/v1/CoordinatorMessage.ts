// Original file: proto/cohort/v1/cohort.proto

import type { Welcome as _cohort_v1_Welcome, Welcome__Output as _cohort_v1_Welcome__Output } from '../../cohort/v1/Welcome.js';
import type { Task as _cohort_v1_Task, Task__Output as _cohort_v1_Task__Output } from '../../cohort/v1/Task.js';
import type { CancelTask as _cohort_v1_CancelTask, CancelTask__Output as _cohort_v1_CancelTask__Output } from '../../cohort/v1/CancelTask.js';
import type { SecAggToNode as _cohort_v1_SecAggToNode, SecAggToNode__Output as _cohort_v1_SecAggToNode__Output } from '../../cohort/v1/SecAggToNode.js';

export interface CoordinatorMessage {
  'welcome'?: (_cohort_v1_Welcome | null);
  'task'?: (_cohort_v1_Task | null);
  'cancel'?: (_cohort_v1_CancelTask | null);
  'secagg'?: (_cohort_v1_SecAggToNode | null);
  'body'?: "welcome"|"task"|"cancel"|"secagg";
}

export interface CoordinatorMessage__Output {
  'welcome'?: (_cohort_v1_Welcome__Output | null);
  'task'?: (_cohort_v1_Task__Output | null);
  'cancel'?: (_cohort_v1_CancelTask__Output | null);
  'secagg'?: (_cohort_v1_SecAggToNode__Output | null);
  'body'?: "welcome"|"task"|"cancel"|"secagg";
}
