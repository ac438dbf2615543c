import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { AdminServiceClient as _cohort_v1_AdminServiceClient, AdminServiceDefinition as _cohort_v1_AdminServiceDefinition } from './cohort/v1/AdminService.js';
import type { AdvertiseKeys as _cohort_v1_AdvertiseKeys, AdvertiseKeys__Output as _cohort_v1_AdvertiseKeys__Output } from './cohort/v1/AdvertiseKeys.js';
import type { BudgetReportReply as _cohort_v1_BudgetReportReply, BudgetReportReply__Output as _cohort_v1_BudgetReportReply__Output } from './cohort/v1/BudgetReportReply.js';
import type { BudgetReportRequest as _cohort_v1_BudgetReportRequest, BudgetReportRequest__Output as _cohort_v1_BudgetReportRequest__Output } from './cohort/v1/BudgetReportRequest.js';
import type { BulkAck as _cohort_v1_BulkAck, BulkAck__Output as _cohort_v1_BulkAck__Output } from './cohort/v1/BulkAck.js';
import type { BulkError as _cohort_v1_BulkError, BulkError__Output as _cohort_v1_BulkError__Output } from './cohort/v1/BulkError.js';
import type { BulkFetch as _cohort_v1_BulkFetch, BulkFetch__Output as _cohort_v1_BulkFetch__Output } from './cohort/v1/BulkFetch.js';
import type { BulkHeader as _cohort_v1_BulkHeader, BulkHeader__Output as _cohort_v1_BulkHeader__Output } from './cohort/v1/BulkHeader.js';
import type { BulkHello as _cohort_v1_BulkHello, BulkHello__Output as _cohort_v1_BulkHello__Output } from './cohort/v1/BulkHello.js';
import type { BulkModel as _cohort_v1_BulkModel, BulkModel__Output as _cohort_v1_BulkModel__Output } from './cohort/v1/BulkModel.js';
import type { BulkReady as _cohort_v1_BulkReady, BulkReady__Output as _cohort_v1_BulkReady__Output } from './cohort/v1/BulkReady.js';
import type { BulkUpdate as _cohort_v1_BulkUpdate, BulkUpdate__Output as _cohort_v1_BulkUpdate__Output } from './cohort/v1/BulkUpdate.js';
import type { CancelTask as _cohort_v1_CancelTask, CancelTask__Output as _cohort_v1_CancelTask__Output } from './cohort/v1/CancelTask.js';
import type { CoordinatorMessage as _cohort_v1_CoordinatorMessage, CoordinatorMessage__Output as _cohort_v1_CoordinatorMessage__Output } from './cohort/v1/CoordinatorMessage.js';
import type { DeclineRequest as _cohort_v1_DeclineRequest, DeclineRequest__Output as _cohort_v1_DeclineRequest__Output } from './cohort/v1/DeclineRequest.js';
import type { EvaluationResult as _cohort_v1_EvaluationResult, EvaluationResult__Output as _cohort_v1_EvaluationResult__Output } from './cohort/v1/EvaluationResult.js';
import type { ExportModelRequest as _cohort_v1_ExportModelRequest, ExportModelRequest__Output as _cohort_v1_ExportModelRequest__Output } from './cohort/v1/ExportModelRequest.js';
import type { FeatureRange as _cohort_v1_FeatureRange, FeatureRange__Output as _cohort_v1_FeatureRange__Output } from './cohort/v1/FeatureRange.js';
import type { FixedPoint as _cohort_v1_FixedPoint, FixedPoint__Output as _cohort_v1_FixedPoint__Output } from './cohort/v1/FixedPoint.js';
import type { JoinRequest as _cohort_v1_JoinRequest, JoinRequest__Output as _cohort_v1_JoinRequest__Output } from './cohort/v1/JoinRequest.js';
import type { KeyDirectory as _cohort_v1_KeyDirectory, KeyDirectory__Output as _cohort_v1_KeyDirectory__Output } from './cohort/v1/KeyDirectory.js';
import type { LaunchPlan as _cohort_v1_LaunchPlan, LaunchPlan__Output as _cohort_v1_LaunchPlan__Output } from './cohort/v1/LaunchPlan.js';
import type { LaunchRequest as _cohort_v1_LaunchRequest, LaunchRequest__Output as _cohort_v1_LaunchRequest__Output } from './cohort/v1/LaunchRequest.js';
import type { LedgerEntry as _cohort_v1_LedgerEntry, LedgerEntry__Output as _cohort_v1_LedgerEntry__Output } from './cohort/v1/LedgerEntry.js';
import type { ListModelsReply as _cohort_v1_ListModelsReply, ListModelsReply__Output as _cohort_v1_ListModelsReply__Output } from './cohort/v1/ListModelsReply.js';
import type { ListModelsRequest as _cohort_v1_ListModelsRequest, ListModelsRequest__Output as _cohort_v1_ListModelsRequest__Output } from './cohort/v1/ListModelsRequest.js';
import type { ListNodesReply as _cohort_v1_ListNodesReply, ListNodesReply__Output as _cohort_v1_ListNodesReply__Output } from './cohort/v1/ListNodesReply.js';
import type { ListNodesRequest as _cohort_v1_ListNodesRequest, ListNodesRequest__Output as _cohort_v1_ListNodesRequest__Output } from './cohort/v1/ListNodesRequest.js';
import type { MaskingReport as _cohort_v1_MaskingReport, MaskingReport__Output as _cohort_v1_MaskingReport__Output } from './cohort/v1/MaskingReport.js';
import type { ModelChunk as _cohort_v1_ModelChunk, ModelChunk__Output as _cohort_v1_ModelChunk__Output } from './cohort/v1/ModelChunk.js';
import type { ModelInfo as _cohort_v1_ModelInfo, ModelInfo__Output as _cohort_v1_ModelInfo__Output } from './cohort/v1/ModelInfo.js';
import type { ModelSpec as _cohort_v1_ModelSpec, ModelSpec__Output as _cohort_v1_ModelSpec__Output } from './cohort/v1/ModelSpec.js';
import type { ModelVersion as _cohort_v1_ModelVersion, ModelVersion__Output as _cohort_v1_ModelVersion__Output } from './cohort/v1/ModelVersion.js';
import type { NodeCapabilities as _cohort_v1_NodeCapabilities, NodeCapabilities__Output as _cohort_v1_NodeCapabilities__Output } from './cohort/v1/NodeCapabilities.js';
import type { NodeDecline as _cohort_v1_NodeDecline, NodeDecline__Output as _cohort_v1_NodeDecline__Output } from './cohort/v1/NodeDecline.js';
import type { NodeInfo as _cohort_v1_NodeInfo, NodeInfo__Output as _cohort_v1_NodeInfo__Output } from './cohort/v1/NodeInfo.js';
import type { NodeServiceClient as _cohort_v1_NodeServiceClient, NodeServiceDefinition as _cohort_v1_NodeServiceDefinition } from './cohort/v1/NodeService.js';
import type { PeerCertificate as _cohort_v1_PeerCertificate, PeerCertificate__Output as _cohort_v1_PeerCertificate__Output } from './cohort/v1/PeerCertificate.js';
import type { PrivacyConfig as _cohort_v1_PrivacyConfig, PrivacyConfig__Output as _cohort_v1_PrivacyConfig__Output } from './cohort/v1/PrivacyConfig.js';
import type { PrivacyStatus as _cohort_v1_PrivacyStatus, PrivacyStatus__Output as _cohort_v1_PrivacyStatus__Output } from './cohort/v1/PrivacyStatus.js';
import type { RevealedShare as _cohort_v1_RevealedShare, RevealedShare__Output as _cohort_v1_RevealedShare__Output } from './cohort/v1/RevealedShare.js';
import type { RoundEvent as _cohort_v1_RoundEvent, RoundEvent__Output as _cohort_v1_RoundEvent__Output } from './cohort/v1/RoundEvent.js';
import type { SealedShare as _cohort_v1_SealedShare, SealedShare__Output as _cohort_v1_SealedShare__Output } from './cohort/v1/SealedShare.js';
import type { SecAggFromNode as _cohort_v1_SecAggFromNode, SecAggFromNode__Output as _cohort_v1_SecAggFromNode__Output } from './cohort/v1/SecAggFromNode.js';
import type { SecAggSetup as _cohort_v1_SecAggSetup, SecAggSetup__Output as _cohort_v1_SecAggSetup__Output } from './cohort/v1/SecAggSetup.js';
import type { SecAggToNode as _cohort_v1_SecAggToNode, SecAggToNode__Output as _cohort_v1_SecAggToNode__Output } from './cohort/v1/SecAggToNode.js';
import type { SetBudgetReply as _cohort_v1_SetBudgetReply, SetBudgetReply__Output as _cohort_v1_SetBudgetReply__Output } from './cohort/v1/SetBudgetReply.js';
import type { SetBudgetRequest as _cohort_v1_SetBudgetRequest, SetBudgetRequest__Output as _cohort_v1_SetBudgetRequest__Output } from './cohort/v1/SetBudgetRequest.js';
import type { ShareDelivery as _cohort_v1_ShareDelivery, ShareDelivery__Output as _cohort_v1_ShareDelivery__Output } from './cohort/v1/ShareDelivery.js';
import type { ShareKeys as _cohort_v1_ShareKeys, ShareKeys__Output as _cohort_v1_ShareKeys__Output } from './cohort/v1/ShareKeys.js';
import type { SignedRevocationList as _cohort_v1_SignedRevocationList, SignedRevocationList__Output as _cohort_v1_SignedRevocationList__Output } from './cohort/v1/SignedRevocationList.js';
import type { SignedSurvivors as _cohort_v1_SignedSurvivors, SignedSurvivors__Output as _cohort_v1_SignedSurvivors__Output } from './cohort/v1/SignedSurvivors.js';
import type { StatusReply as _cohort_v1_StatusReply, StatusReply__Output as _cohort_v1_StatusReply__Output } from './cohort/v1/StatusReply.js';
import type { StatusRequest as _cohort_v1_StatusRequest, StatusRequest__Output as _cohort_v1_StatusRequest__Output } from './cohort/v1/StatusRequest.js';
import type { SubmitAck as _cohort_v1_SubmitAck, SubmitAck__Output as _cohort_v1_SubmitAck__Output } from './cohort/v1/SubmitAck.js';
import type { SurvivorList as _cohort_v1_SurvivorList, SurvivorList__Output as _cohort_v1_SurvivorList__Output } from './cohort/v1/SurvivorList.js';
import type { Task as _cohort_v1_Task, Task__Output as _cohort_v1_Task__Output } from './cohort/v1/Task.js';
import type { TensorInfo as _cohort_v1_TensorInfo, TensorInfo__Output as _cohort_v1_TensorInfo__Output } from './cohort/v1/TensorInfo.js';
import type { TrainConfig as _cohort_v1_TrainConfig, TrainConfig__Output as _cohort_v1_TrainConfig__Output } from './cohort/v1/TrainConfig.js';
import type { UnmaskRequest as _cohort_v1_UnmaskRequest, UnmaskRequest__Output as _cohort_v1_UnmaskRequest__Output } from './cohort/v1/UnmaskRequest.js';
import type { UnmaskResponse as _cohort_v1_UnmaskResponse, UnmaskResponse__Output as _cohort_v1_UnmaskResponse__Output } from './cohort/v1/UnmaskResponse.js';
import type { UnrecordedRelease as _cohort_v1_UnrecordedRelease, UnrecordedRelease__Output as _cohort_v1_UnrecordedRelease__Output } from './cohort/v1/UnrecordedRelease.js';
import type { Welcome as _cohort_v1_Welcome, Welcome__Output as _cohort_v1_Welcome__Output } from './cohort/v1/Welcome.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  cohort: {
    v1: {
      /**
       * Called by operators (and, for read-only calls, auditors).
       */
      AdminService: SubtypeConstructor<typeof grpc.Client, _cohort_v1_AdminServiceClient> & { service: _cohort_v1_AdminServiceDefinition }
      AdvertiseKeys: MessageTypeDefinition<_cohort_v1_AdvertiseKeys, _cohort_v1_AdvertiseKeys__Output>
      BudgetReportReply: MessageTypeDefinition<_cohort_v1_BudgetReportReply, _cohort_v1_BudgetReportReply__Output>
      BudgetReportRequest: MessageTypeDefinition<_cohort_v1_BudgetReportRequest, _cohort_v1_BudgetReportRequest__Output>
      BulkAck: MessageTypeDefinition<_cohort_v1_BulkAck, _cohort_v1_BulkAck__Output>
      BulkError: MessageTypeDefinition<_cohort_v1_BulkError, _cohort_v1_BulkError__Output>
      BulkFetch: MessageTypeDefinition<_cohort_v1_BulkFetch, _cohort_v1_BulkFetch__Output>
      BulkHeader: MessageTypeDefinition<_cohort_v1_BulkHeader, _cohort_v1_BulkHeader__Output>
      BulkHello: MessageTypeDefinition<_cohort_v1_BulkHello, _cohort_v1_BulkHello__Output>
      BulkModel: MessageTypeDefinition<_cohort_v1_BulkModel, _cohort_v1_BulkModel__Output>
      BulkReady: MessageTypeDefinition<_cohort_v1_BulkReady, _cohort_v1_BulkReady__Output>
      BulkUpdate: MessageTypeDefinition<_cohort_v1_BulkUpdate, _cohort_v1_BulkUpdate__Output>
      CancelTask: MessageTypeDefinition<_cohort_v1_CancelTask, _cohort_v1_CancelTask__Output>
      CoordinatorMessage: MessageTypeDefinition<_cohort_v1_CoordinatorMessage, _cohort_v1_CoordinatorMessage__Output>
      DeclineCategory: EnumTypeDefinition
      DeclineRequest: MessageTypeDefinition<_cohort_v1_DeclineRequest, _cohort_v1_DeclineRequest__Output>
      EvaluationResult: MessageTypeDefinition<_cohort_v1_EvaluationResult, _cohort_v1_EvaluationResult__Output>
      ExportModelRequest: MessageTypeDefinition<_cohort_v1_ExportModelRequest, _cohort_v1_ExportModelRequest__Output>
      FeatureRange: MessageTypeDefinition<_cohort_v1_FeatureRange, _cohort_v1_FeatureRange__Output>
      FixedPoint: MessageTypeDefinition<_cohort_v1_FixedPoint, _cohort_v1_FixedPoint__Output>
      JoinRequest: MessageTypeDefinition<_cohort_v1_JoinRequest, _cohort_v1_JoinRequest__Output>
      KeyDirectory: MessageTypeDefinition<_cohort_v1_KeyDirectory, _cohort_v1_KeyDirectory__Output>
      LaunchPlan: MessageTypeDefinition<_cohort_v1_LaunchPlan, _cohort_v1_LaunchPlan__Output>
      LaunchRequest: MessageTypeDefinition<_cohort_v1_LaunchRequest, _cohort_v1_LaunchRequest__Output>
      LedgerEntry: MessageTypeDefinition<_cohort_v1_LedgerEntry, _cohort_v1_LedgerEntry__Output>
      ListModelsReply: MessageTypeDefinition<_cohort_v1_ListModelsReply, _cohort_v1_ListModelsReply__Output>
      ListModelsRequest: MessageTypeDefinition<_cohort_v1_ListModelsRequest, _cohort_v1_ListModelsRequest__Output>
      ListNodesReply: MessageTypeDefinition<_cohort_v1_ListNodesReply, _cohort_v1_ListNodesReply__Output>
      ListNodesRequest: MessageTypeDefinition<_cohort_v1_ListNodesRequest, _cohort_v1_ListNodesRequest__Output>
      MaskingReport: MessageTypeDefinition<_cohort_v1_MaskingReport, _cohort_v1_MaskingReport__Output>
      ModelChunk: MessageTypeDefinition<_cohort_v1_ModelChunk, _cohort_v1_ModelChunk__Output>
      ModelInfo: MessageTypeDefinition<_cohort_v1_ModelInfo, _cohort_v1_ModelInfo__Output>
      ModelSpec: MessageTypeDefinition<_cohort_v1_ModelSpec, _cohort_v1_ModelSpec__Output>
      ModelVersion: MessageTypeDefinition<_cohort_v1_ModelVersion, _cohort_v1_ModelVersion__Output>
      NodeCapabilities: MessageTypeDefinition<_cohort_v1_NodeCapabilities, _cohort_v1_NodeCapabilities__Output>
      NodeDecline: MessageTypeDefinition<_cohort_v1_NodeDecline, _cohort_v1_NodeDecline__Output>
      NodeInfo: MessageTypeDefinition<_cohort_v1_NodeInfo, _cohort_v1_NodeInfo__Output>
      /**
       * Called by node daemons (certificate role "node").
       */
      NodeService: SubtypeConstructor<typeof grpc.Client, _cohort_v1_NodeServiceClient> & { service: _cohort_v1_NodeServiceDefinition }
      PeerCertificate: MessageTypeDefinition<_cohort_v1_PeerCertificate, _cohort_v1_PeerCertificate__Output>
      PrivacyConfig: MessageTypeDefinition<_cohort_v1_PrivacyConfig, _cohort_v1_PrivacyConfig__Output>
      PrivacyStatus: MessageTypeDefinition<_cohort_v1_PrivacyStatus, _cohort_v1_PrivacyStatus__Output>
      RevealedShare: MessageTypeDefinition<_cohort_v1_RevealedShare, _cohort_v1_RevealedShare__Output>
      RoundEvent: MessageTypeDefinition<_cohort_v1_RoundEvent, _cohort_v1_RoundEvent__Output>
      RoundStatus: EnumTypeDefinition
      SealedShare: MessageTypeDefinition<_cohort_v1_SealedShare, _cohort_v1_SealedShare__Output>
      SecAggFromNode: MessageTypeDefinition<_cohort_v1_SecAggFromNode, _cohort_v1_SecAggFromNode__Output>
      SecAggSetup: MessageTypeDefinition<_cohort_v1_SecAggSetup, _cohort_v1_SecAggSetup__Output>
      SecAggToNode: MessageTypeDefinition<_cohort_v1_SecAggToNode, _cohort_v1_SecAggToNode__Output>
      SetBudgetReply: MessageTypeDefinition<_cohort_v1_SetBudgetReply, _cohort_v1_SetBudgetReply__Output>
      SetBudgetRequest: MessageTypeDefinition<_cohort_v1_SetBudgetRequest, _cohort_v1_SetBudgetRequest__Output>
      ShareDelivery: MessageTypeDefinition<_cohort_v1_ShareDelivery, _cohort_v1_ShareDelivery__Output>
      ShareKeys: MessageTypeDefinition<_cohort_v1_ShareKeys, _cohort_v1_ShareKeys__Output>
      SignedRevocationList: MessageTypeDefinition<_cohort_v1_SignedRevocationList, _cohort_v1_SignedRevocationList__Output>
      SignedSurvivors: MessageTypeDefinition<_cohort_v1_SignedSurvivors, _cohort_v1_SignedSurvivors__Output>
      StatusReply: MessageTypeDefinition<_cohort_v1_StatusReply, _cohort_v1_StatusReply__Output>
      StatusRequest: MessageTypeDefinition<_cohort_v1_StatusRequest, _cohort_v1_StatusRequest__Output>
      SubmitAck: MessageTypeDefinition<_cohort_v1_SubmitAck, _cohort_v1_SubmitAck__Output>
      SurvivorList: MessageTypeDefinition<_cohort_v1_SurvivorList, _cohort_v1_SurvivorList__Output>
      Task: MessageTypeDefinition<_cohort_v1_Task, _cohort_v1_Task__Output>
      TaskKind: EnumTypeDefinition
      TensorEncoding: EnumTypeDefinition
      TensorInfo: MessageTypeDefinition<_cohort_v1_TensorInfo, _cohort_v1_TensorInfo__Output>
      TrainConfig: MessageTypeDefinition<_cohort_v1_TrainConfig, _cohort_v1_TrainConfig__Output>
      UnmaskRequest: MessageTypeDefinition<_cohort_v1_UnmaskRequest, _cohort_v1_UnmaskRequest__Output>
      UnmaskResponse: MessageTypeDefinition<_cohort_v1_UnmaskResponse, _cohort_v1_UnmaskResponse__Output>
      UnrecordedRelease: MessageTypeDefinition<_cohort_v1_UnrecordedRelease, _cohort_v1_UnrecordedRelease__Output>
      Welcome: MessageTypeDefinition<_cohort_v1_Welcome, _cohort_v1_Welcome__Output>
    }
  }
}

