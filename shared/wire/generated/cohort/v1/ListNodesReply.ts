// Original file: proto/cohort/v1/cohort.proto

import type { NodeInfo as _cohort_v1_NodeInfo, NodeInfo__Output as _cohort_v1_NodeInfo__Output } from '../../cohort/v1/NodeInfo.js';

export interface ListNodesReply {
  'nodes'?: (_cohort_v1_NodeInfo)[];
}

export interface ListNodesReply__Output {
  'nodes': (_cohort_v1_NodeInfo__Output)[];
}
