// Original file: proto/cohort/v1/cohort.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { BudgetReportReply as _cohort_v1_BudgetReportReply, BudgetReportReply__Output as _cohort_v1_BudgetReportReply__Output } from '../../cohort/v1/BudgetReportReply.js';
import type { BudgetReportRequest as _cohort_v1_BudgetReportRequest, BudgetReportRequest__Output as _cohort_v1_BudgetReportRequest__Output } from '../../cohort/v1/BudgetReportRequest.js';
import type { ExportModelRequest as _cohort_v1_ExportModelRequest, ExportModelRequest__Output as _cohort_v1_ExportModelRequest__Output } from '../../cohort/v1/ExportModelRequest.js';
import type { LaunchRequest as _cohort_v1_LaunchRequest, LaunchRequest__Output as _cohort_v1_LaunchRequest__Output } from '../../cohort/v1/LaunchRequest.js';
import type { ListModelsReply as _cohort_v1_ListModelsReply, ListModelsReply__Output as _cohort_v1_ListModelsReply__Output } from '../../cohort/v1/ListModelsReply.js';
import type { ListModelsRequest as _cohort_v1_ListModelsRequest, ListModelsRequest__Output as _cohort_v1_ListModelsRequest__Output } from '../../cohort/v1/ListModelsRequest.js';
import type { ListNodesReply as _cohort_v1_ListNodesReply, ListNodesReply__Output as _cohort_v1_ListNodesReply__Output } from '../../cohort/v1/ListNodesReply.js';
import type { ListNodesRequest as _cohort_v1_ListNodesRequest, ListNodesRequest__Output as _cohort_v1_ListNodesRequest__Output } from '../../cohort/v1/ListNodesRequest.js';
import type { ModelChunk as _cohort_v1_ModelChunk, ModelChunk__Output as _cohort_v1_ModelChunk__Output } from '../../cohort/v1/ModelChunk.js';
import type { RoundEvent as _cohort_v1_RoundEvent, RoundEvent__Output as _cohort_v1_RoundEvent__Output } from '../../cohort/v1/RoundEvent.js';
import type { SetBudgetReply as _cohort_v1_SetBudgetReply, SetBudgetReply__Output as _cohort_v1_SetBudgetReply__Output } from '../../cohort/v1/SetBudgetReply.js';
import type { SetBudgetRequest as _cohort_v1_SetBudgetRequest, SetBudgetRequest__Output as _cohort_v1_SetBudgetRequest__Output } from '../../cohort/v1/SetBudgetRequest.js';
import type { StatusReply as _cohort_v1_StatusReply, StatusReply__Output as _cohort_v1_StatusReply__Output } from '../../cohort/v1/StatusReply.js';
import type { StatusRequest as _cohort_v1_StatusRequest, StatusRequest__Output as _cohort_v1_StatusRequest__Output } from '../../cohort/v1/StatusRequest.js';

/**
 * Called by operators (and, for read-only calls, auditors).
 */
export interface AdminServiceClient extends grpc.Client {
  /**
   * The privacy ledger and budget (operators and auditors).
   */
  BudgetReport(argument: _cohort_v1_BudgetReportRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_BudgetReportReply__Output>): grpc.ClientUnaryCall;
  BudgetReport(argument: _cohort_v1_BudgetReportRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_cohort_v1_BudgetReportReply__Output>): grpc.ClientUnaryCall;
  BudgetReport(argument: _cohort_v1_BudgetReportRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_BudgetReportReply__Output>): grpc.ClientUnaryCall;
  BudgetReport(argument: _cohort_v1_BudgetReportRequest, callback: grpc.requestCallback<_cohort_v1_BudgetReportReply__Output>): grpc.ClientUnaryCall;
  /**
   * The privacy ledger and budget (operators and auditors).
   */
  budgetReport(argument: _cohort_v1_BudgetReportRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_BudgetReportReply__Output>): grpc.ClientUnaryCall;
  budgetReport(argument: _cohort_v1_BudgetReportRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_cohort_v1_BudgetReportReply__Output>): grpc.ClientUnaryCall;
  budgetReport(argument: _cohort_v1_BudgetReportRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_BudgetReportReply__Output>): grpc.ClientUnaryCall;
  budgetReport(argument: _cohort_v1_BudgetReportRequest, callback: grpc.requestCallback<_cohort_v1_BudgetReportReply__Output>): grpc.ClientUnaryCall;
  
  ExportModel(argument: _cohort_v1_ExportModelRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_cohort_v1_ModelChunk__Output>;
  ExportModel(argument: _cohort_v1_ExportModelRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_cohort_v1_ModelChunk__Output>;
  exportModel(argument: _cohort_v1_ExportModelRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_cohort_v1_ModelChunk__Output>;
  exportModel(argument: _cohort_v1_ExportModelRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_cohort_v1_ModelChunk__Output>;
  
  GetStatus(argument: _cohort_v1_StatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  GetStatus(argument: _cohort_v1_StatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_cohort_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  GetStatus(argument: _cohort_v1_StatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  GetStatus(argument: _cohort_v1_StatusRequest, callback: grpc.requestCallback<_cohort_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  getStatus(argument: _cohort_v1_StatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  getStatus(argument: _cohort_v1_StatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_cohort_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  getStatus(argument: _cohort_v1_StatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  getStatus(argument: _cohort_v1_StatusRequest, callback: grpc.requestCallback<_cohort_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  
  /**
   * Queues rounds; streams each round's outcome until they are done
   * (or only the acceptance, with detach).
   */
  LaunchRounds(argument: _cohort_v1_LaunchRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_cohort_v1_RoundEvent__Output>;
  LaunchRounds(argument: _cohort_v1_LaunchRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_cohort_v1_RoundEvent__Output>;
  /**
   * Queues rounds; streams each round's outcome until they are done
   * (or only the acceptance, with detach).
   */
  launchRounds(argument: _cohort_v1_LaunchRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_cohort_v1_RoundEvent__Output>;
  launchRounds(argument: _cohort_v1_LaunchRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_cohort_v1_RoundEvent__Output>;
  
  /**
   * Model registry: committed checkpoints, and one checkpoint's weights.
   */
  ListModels(argument: _cohort_v1_ListModelsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_ListModelsReply__Output>): grpc.ClientUnaryCall;
  ListModels(argument: _cohort_v1_ListModelsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_cohort_v1_ListModelsReply__Output>): grpc.ClientUnaryCall;
  ListModels(argument: _cohort_v1_ListModelsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_ListModelsReply__Output>): grpc.ClientUnaryCall;
  ListModels(argument: _cohort_v1_ListModelsRequest, callback: grpc.requestCallback<_cohort_v1_ListModelsReply__Output>): grpc.ClientUnaryCall;
  /**
   * Model registry: committed checkpoints, and one checkpoint's weights.
   */
  listModels(argument: _cohort_v1_ListModelsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_ListModelsReply__Output>): grpc.ClientUnaryCall;
  listModels(argument: _cohort_v1_ListModelsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_cohort_v1_ListModelsReply__Output>): grpc.ClientUnaryCall;
  listModels(argument: _cohort_v1_ListModelsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_ListModelsReply__Output>): grpc.ClientUnaryCall;
  listModels(argument: _cohort_v1_ListModelsRequest, callback: grpc.requestCallback<_cohort_v1_ListModelsReply__Output>): grpc.ClientUnaryCall;
  
  ListNodes(argument: _cohort_v1_ListNodesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_ListNodesReply__Output>): grpc.ClientUnaryCall;
  ListNodes(argument: _cohort_v1_ListNodesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_cohort_v1_ListNodesReply__Output>): grpc.ClientUnaryCall;
  ListNodes(argument: _cohort_v1_ListNodesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_ListNodesReply__Output>): grpc.ClientUnaryCall;
  ListNodes(argument: _cohort_v1_ListNodesRequest, callback: grpc.requestCallback<_cohort_v1_ListNodesReply__Output>): grpc.ClientUnaryCall;
  listNodes(argument: _cohort_v1_ListNodesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_ListNodesReply__Output>): grpc.ClientUnaryCall;
  listNodes(argument: _cohort_v1_ListNodesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_cohort_v1_ListNodesReply__Output>): grpc.ClientUnaryCall;
  listNodes(argument: _cohort_v1_ListNodesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_ListNodesReply__Output>): grpc.ClientUnaryCall;
  listNodes(argument: _cohort_v1_ListNodesRequest, callback: grpc.requestCallback<_cohort_v1_ListNodesReply__Output>): grpc.ClientUnaryCall;
  
  /**
   * Changes the privacy budget (operators only). The change, the caller's
   * certificate name and the reason are appended to the ledger before it takes
   * effect, and appear in every later budget report.
   */
  SetBudget(argument: _cohort_v1_SetBudgetRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_SetBudgetReply__Output>): grpc.ClientUnaryCall;
  SetBudget(argument: _cohort_v1_SetBudgetRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_cohort_v1_SetBudgetReply__Output>): grpc.ClientUnaryCall;
  SetBudget(argument: _cohort_v1_SetBudgetRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_SetBudgetReply__Output>): grpc.ClientUnaryCall;
  SetBudget(argument: _cohort_v1_SetBudgetRequest, callback: grpc.requestCallback<_cohort_v1_SetBudgetReply__Output>): grpc.ClientUnaryCall;
  /**
   * Changes the privacy budget (operators only). The change, the caller's
   * certificate name and the reason are appended to the ledger before it takes
   * effect, and appear in every later budget report.
   */
  setBudget(argument: _cohort_v1_SetBudgetRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_SetBudgetReply__Output>): grpc.ClientUnaryCall;
  setBudget(argument: _cohort_v1_SetBudgetRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_cohort_v1_SetBudgetReply__Output>): grpc.ClientUnaryCall;
  setBudget(argument: _cohort_v1_SetBudgetRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_cohort_v1_SetBudgetReply__Output>): grpc.ClientUnaryCall;
  setBudget(argument: _cohort_v1_SetBudgetRequest, callback: grpc.requestCallback<_cohort_v1_SetBudgetReply__Output>): grpc.ClientUnaryCall;
  
}

/**
 * Called by operators (and, for read-only calls, auditors).
 */
export interface AdminServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * The privacy ledger and budget (operators and auditors).
   */
  BudgetReport: grpc.handleUnaryCall<_cohort_v1_BudgetReportRequest__Output, _cohort_v1_BudgetReportReply>;
  
  ExportModel: grpc.handleServerStreamingCall<_cohort_v1_ExportModelRequest__Output, _cohort_v1_ModelChunk>;
  
  GetStatus: grpc.handleUnaryCall<_cohort_v1_StatusRequest__Output, _cohort_v1_StatusReply>;
  
  /**
   * Queues rounds; streams each round's outcome until they are done
   * (or only the acceptance, with detach).
   */
  LaunchRounds: grpc.handleServerStreamingCall<_cohort_v1_LaunchRequest__Output, _cohort_v1_RoundEvent>;
  
  /**
   * Model registry: committed checkpoints, and one checkpoint's weights.
   */
  ListModels: grpc.handleUnaryCall<_cohort_v1_ListModelsRequest__Output, _cohort_v1_ListModelsReply>;
  
  ListNodes: grpc.handleUnaryCall<_cohort_v1_ListNodesRequest__Output, _cohort_v1_ListNodesReply>;
  
  /**
   * Changes the privacy budget (operators only). The change, the caller's
   * certificate name and the reason are appended to the ledger before it takes
   * effect, and appear in every later budget report.
   */
  SetBudget: grpc.handleUnaryCall<_cohort_v1_SetBudgetRequest__Output, _cohort_v1_SetBudgetReply>;
  
}

export interface AdminServiceDefinition extends grpc.ServiceDefinition {
  BudgetReport: MethodDefinition<_cohort_v1_BudgetReportRequest, _cohort_v1_BudgetReportReply, _cohort_v1_BudgetReportRequest__Output, _cohort_v1_BudgetReportReply__Output>
  ExportModel: MethodDefinition<_cohort_v1_ExportModelRequest, _cohort_v1_ModelChunk, _cohort_v1_ExportModelRequest__Output, _cohort_v1_ModelChunk__Output>
  GetStatus: MethodDefinition<_cohort_v1_StatusRequest, _cohort_v1_StatusReply, _cohort_v1_StatusRequest__Output, _cohort_v1_StatusReply__Output>
  LaunchRounds: MethodDefinition<_cohort_v1_LaunchRequest, _cohort_v1_RoundEvent, _cohort_v1_LaunchRequest__Output, _cohort_v1_RoundEvent__Output>
  ListModels: MethodDefinition<_cohort_v1_ListModelsRequest, _cohort_v1_ListModelsReply, _cohort_v1_ListModelsRequest__Output, _cohort_v1_ListModelsReply__Output>
  ListNodes: MethodDefinition<_cohort_v1_ListNodesRequest, _cohort_v1_ListNodesReply, _cohort_v1_ListNodesRequest__Output, _cohort_v1_ListNodesReply__Output>
  SetBudget: MethodDefinition<_cohort_v1_SetBudgetRequest, _cohort_v1_SetBudgetReply, _cohort_v1_SetBudgetRequest__Output, _cohort_v1_SetBudgetReply__Output>
}
