// Original file: proto/cohort/v1/cohort.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { CoordinatorMessage as _cohort_v1_CoordinatorMessage, CoordinatorMessage__Output as _cohort_v1_CoordinatorMessage__Output } from '../../cohort/v1/CoordinatorMessage.js';
import type { DeclineRequest as _cohort_v1_DeclineRequest, DeclineRequest__Output as _cohort_v1_DeclineRequest__Output } from '../../cohort/v1/DeclineRequest.js';
import type { EvaluationResult as _cohort_v1_EvaluationResult, EvaluationResult__Output as _cohort_v1_EvaluationResult__Output } from '../../cohort/v1/EvaluationResult.js';
import type { JoinRequest as _cohort_v1_JoinRequest, JoinRequest__Output as _cohort_v1_JoinRequest__Output } from '../../cohort/v1/JoinRequest.js';
import type { SecAggFromNode as _cohort_v1_SecAggFromNode, SecAggFromNode__Output as _cohort_v1_SecAggFromNode__Output } from '../../cohort/v1/SecAggFromNode.js';
import type { SubmitAck as _cohort_v1_SubmitAck, SubmitAck__Output as _cohort_v1_SubmitAck__Output } from '../../cohort/v1/SubmitAck.js';

/**
 * Called by node daemons (certificate role "node").
 */
export interface NodeServiceClient extends grpc.Client {
  /**
   * Declines a task the node was sent and has not answered; the coordinator treats it as
   * non-participation. Refused with FAILED_PRECONDITION once the node is out of the stage.
   */
  Decline(argument: _cohort_v1_DeclineRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_SubmitAck__Output>): grpc.ClientUnaryCall;
  Decline(argument: _cohort_v1_DeclineRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_cohort_v1_SubmitAck__Output>): grpc.ClientUnaryCall;
  Decline(argument: _cohort_v1_DeclineRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_SubmitAck__Output>): grpc.ClientUnaryCall;
  Decline(argument: _cohort_v1_DeclineRequest, callback: grpc.requestCallback<_cohort_v1_SubmitAck__Output>): grpc.ClientUnaryCall;
  /**
   * Declines a task the node was sent and has not answered; the coordinator treats it as
   * non-participation. Refused with FAILED_PRECONDITION once the node is out of the stage.
   */
  decline(argument: _cohort_v1_DeclineRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_SubmitAck__Output>): grpc.ClientUnaryCall;
  decline(argument: _cohort_v1_DeclineRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_cohort_v1_SubmitAck__Output>): grpc.ClientUnaryCall;
  decline(argument: _cohort_v1_DeclineRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_SubmitAck__Output>): grpc.ClientUnaryCall;
  decline(argument: _cohort_v1_DeclineRequest, callback: grpc.requestCallback<_cohort_v1_SubmitAck__Output>): grpc.ClientUnaryCall;
  
  /**
   * Opens the node's session: the coordinator sends a Welcome; the session is complete
   * once the node's bulk connection is READY (Welcome.bulk_port, bulk.proto), and from
   * then on the coordinator pushes tasks down this stream. Either connection ending ends
   * the session. A node keeps its Join stream open and keeps reading it, also while it trains: the
   * coordinator gives each message Task.progress_timeout_ms to be taken, and holds at
   * most 4 MiB (4,194,304 bytes) not yet taken by one node on it. A node that
   * takes longer, or lets more pile up, is dropped: the coordinator resets the stream
   * (RST_STREAM ENHANCE_YOUR_CALM, which gRPC clients report as RESOURCE_EXHAUSTED
   * without a cohort-error trailer) and the node is out of every stage it was in.
   * Reconnecting is allowed at once; the node is then selected again in later rounds.
   */
  Join(argument: _cohort_v1_JoinRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_cohort_v1_CoordinatorMessage__Output>;
  Join(argument: _cohort_v1_JoinRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_cohort_v1_CoordinatorMessage__Output>;
  /**
   * Opens the node's session: the coordinator sends a Welcome; the session is complete
   * once the node's bulk connection is READY (Welcome.bulk_port, bulk.proto), and from
   * then on the coordinator pushes tasks down this stream. Either connection ending ends
   * the session. A node keeps its Join stream open and keeps reading it, also while it trains: the
   * coordinator gives each message Task.progress_timeout_ms to be taken, and holds at
   * most 4 MiB (4,194,304 bytes) not yet taken by one node on it. A node that
   * takes longer, or lets more pile up, is dropped: the coordinator resets the stream
   * (RST_STREAM ENHANCE_YOUR_CALM, which gRPC clients report as RESOURCE_EXHAUSTED
   * without a cohort-error trailer) and the node is out of every stage it was in.
   * Reconnecting is allowed at once; the node is then selected again in later rounds.
   */
  join(argument: _cohort_v1_JoinRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_cohort_v1_CoordinatorMessage__Output>;
  join(argument: _cohort_v1_JoinRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_cohort_v1_CoordinatorMessage__Output>;
  
  /**
   * Secure aggregation: key advertisement, encrypted shares, consistency signature and
   * unmasking shares. (The masked input itself is an UPDATE with masked = true on the
   * bulk channel.)
   */
  SecAggSend(argument: _cohort_v1_SecAggFromNode, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_SubmitAck__Output>): grpc.ClientUnaryCall;
  SecAggSend(argument: _cohort_v1_SecAggFromNode, metadata: grpc.Metadata, callback: grpc.requestCallback<_cohort_v1_SubmitAck__Output>): grpc.ClientUnaryCall;
  SecAggSend(argument: _cohort_v1_SecAggFromNode, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_SubmitAck__Output>): grpc.ClientUnaryCall;
  SecAggSend(argument: _cohort_v1_SecAggFromNode, callback: grpc.requestCallback<_cohort_v1_SubmitAck__Output>): grpc.ClientUnaryCall;
  /**
   * Secure aggregation: key advertisement, encrypted shares, consistency signature and
   * unmasking shares. (The masked input itself is an UPDATE with masked = true on the
   * bulk channel.)
   */
  secAggSend(argument: _cohort_v1_SecAggFromNode, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_SubmitAck__Output>): grpc.ClientUnaryCall;
  secAggSend(argument: _cohort_v1_SecAggFromNode, metadata: grpc.Metadata, callback: grpc.requestCallback<_cohort_v1_SubmitAck__Output>): grpc.ClientUnaryCall;
  secAggSend(argument: _cohort_v1_SecAggFromNode, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_SubmitAck__Output>): grpc.ClientUnaryCall;
  secAggSend(argument: _cohort_v1_SecAggFromNode, callback: grpc.requestCallback<_cohort_v1_SubmitAck__Output>): grpc.ClientUnaryCall;
  
  /**
   * Reports the federated evaluation of a round's new global model.
   */
  SubmitEvaluation(argument: _cohort_v1_EvaluationResult, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_SubmitAck__Output>): grpc.ClientUnaryCall;
  SubmitEvaluation(argument: _cohort_v1_EvaluationResult, metadata: grpc.Metadata, callback: grpc.requestCallback<_cohort_v1_SubmitAck__Output>): grpc.ClientUnaryCall;
  SubmitEvaluation(argument: _cohort_v1_EvaluationResult, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_SubmitAck__Output>): grpc.ClientUnaryCall;
  SubmitEvaluation(argument: _cohort_v1_EvaluationResult, callback: grpc.requestCallback<_cohort_v1_SubmitAck__Output>): grpc.ClientUnaryCall;
  /**
   * Reports the federated evaluation of a round's new global model.
   */
  submitEvaluation(argument: _cohort_v1_EvaluationResult, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_SubmitAck__Output>): grpc.ClientUnaryCall;
  submitEvaluation(argument: _cohort_v1_EvaluationResult, metadata: grpc.Metadata, callback: grpc.requestCallback<_cohort_v1_SubmitAck__Output>): grpc.ClientUnaryCall;
  submitEvaluation(argument: _cohort_v1_EvaluationResult, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_SubmitAck__Output>): grpc.ClientUnaryCall;
  submitEvaluation(argument: _cohort_v1_EvaluationResult, callback: grpc.requestCallback<_cohort_v1_SubmitAck__Output>): grpc.ClientUnaryCall;
  
}

/**
 * Called by node daemons (certificate role "node").
 */
export interface NodeServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Declines a task the node was sent and has not answered; the coordinator treats it as
   * non-participation. Refused with FAILED_PRECONDITION once the node is out of the stage.
   */
  Decline: grpc.handleUnaryCall<_cohort_v1_DeclineRequest__Output, _cohort_v1_SubmitAck>;
  
  /**
   * Opens the node's session: the coordinator sends a Welcome; the session is complete
   * once the node's bulk connection is READY (Welcome.bulk_port, bulk.proto), and from
   * then on the coordinator pushes tasks down this stream. Either connection ending ends
   * the session. A node keeps its Join stream open and keeps reading it, also while it trains: the
   * coordinator gives each message Task.progress_timeout_ms to be taken, and holds at
   * most 4 MiB (4,194,304 bytes) not yet taken by one node on it. A node that
   * takes longer, or lets more pile up, is dropped: the coordinator resets the stream
   * (RST_STREAM ENHANCE_YOUR_CALM, which gRPC clients report as RESOURCE_EXHAUSTED
   * without a cohort-error trailer) and the node is out of every stage it was in.
   * Reconnecting is allowed at once; the node is then selected again in later rounds.
   */
  Join: grpc.handleServerStreamingCall<_cohort_v1_JoinRequest__Output, _cohort_v1_CoordinatorMessage>;
  
  /**
   * Secure aggregation: key advertisement, encrypted shares, consistency signature and
   * unmasking shares. (The masked input itself is an UPDATE with masked = true on the
   * bulk channel.)
   */
  SecAggSend: grpc.handleUnaryCall<_cohort_v1_SecAggFromNode__Output, _cohort_v1_SubmitAck>;
  
  /**
   * Reports the federated evaluation of a round's new global model.
   */
  SubmitEvaluation: grpc.handleUnaryCall<_cohort_v1_EvaluationResult__Output, _cohort_v1_SubmitAck>;
  
}

export interface NodeServiceDefinition extends grpc.ServiceDefinition {
  Decline: MethodDefinition<_cohort_v1_DeclineRequest, _cohort_v1_SubmitAck, _cohort_v1_DeclineRequest__Output, _cohort_v1_SubmitAck__Output>
  Join: MethodDefinition<_cohort_v1_JoinRequest, _cohort_v1_CoordinatorMessage, _cohort_v1_JoinRequest__Output, _cohort_v1_CoordinatorMessage__Output>
  SecAggSend: MethodDefinition<_cohort_v1_SecAggFromNode, _cohort_v1_SubmitAck, _cohort_v1_SecAggFromNode__Output, _cohort_v1_SubmitAck__Output>
  SubmitEvaluation: MethodDefinition<_cohort_v1_EvaluationResult, _cohort_v1_SubmitAck, _cohort_v1_EvaluationResult__Output, _cohort_v1_SubmitAck__Output>
}
