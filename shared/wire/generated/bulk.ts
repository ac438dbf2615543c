import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { BulkAck as _cohort_v1_BulkAck, BulkAck__Output as _cohort_v1_BulkAck__Output } from './cohort/v1/BulkAck.js';
import type { BulkError as _cohort_v1_BulkError, BulkError__Output as _cohort_v1_BulkError__Output } from './cohort/v1/BulkError.js';
import type { BulkFetch as _cohort_v1_BulkFetch, BulkFetch__Output as _cohort_v1_BulkFetch__Output } from './cohort/v1/BulkFetch.js';
import type { BulkHeader as _cohort_v1_BulkHeader, BulkHeader__Output as _cohort_v1_BulkHeader__Output } from './cohort/v1/BulkHeader.js';
import type { BulkHello as _cohort_v1_BulkHello, BulkHello__Output as _cohort_v1_BulkHello__Output } from './cohort/v1/BulkHello.js';
import type { BulkModel as _cohort_v1_BulkModel, BulkModel__Output as _cohort_v1_BulkModel__Output } from './cohort/v1/BulkModel.js';
import type { BulkReady as _cohort_v1_BulkReady, BulkReady__Output as _cohort_v1_BulkReady__Output } from './cohort/v1/BulkReady.js';
import type { BulkUpdate as _cohort_v1_BulkUpdate, BulkUpdate__Output as _cohort_v1_BulkUpdate__Output } from './cohort/v1/BulkUpdate.js';
import type { ModelVersion as _cohort_v1_ModelVersion, ModelVersion__Output as _cohort_v1_ModelVersion__Output } from './cohort/v1/ModelVersion.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  cohort: {
    v1: {
      BulkAck: MessageTypeDefinition<_cohort_v1_BulkAck, _cohort_v1_BulkAck__Output>
      BulkError: MessageTypeDefinition<_cohort_v1_BulkError, _cohort_v1_BulkError__Output>
      BulkFetch: MessageTypeDefinition<_cohort_v1_BulkFetch, _cohort_v1_BulkFetch__Output>
      BulkHeader: MessageTypeDefinition<_cohort_v1_BulkHeader, _cohort_v1_BulkHeader__Output>
      BulkHello: MessageTypeDefinition<_cohort_v1_BulkHello, _cohort_v1_BulkHello__Output>
      BulkModel: MessageTypeDefinition<_cohort_v1_BulkModel, _cohort_v1_BulkModel__Output>
      BulkReady: MessageTypeDefinition<_cohort_v1_BulkReady, _cohort_v1_BulkReady__Output>
      BulkUpdate: MessageTypeDefinition<_cohort_v1_BulkUpdate, _cohort_v1_BulkUpdate__Output>
      ModelVersion: MessageTypeDefinition<_cohort_v1_ModelVersion, _cohort_v1_ModelVersion__Output>
      TensorEncoding: EnumTypeDefinition
    }
  }
}

