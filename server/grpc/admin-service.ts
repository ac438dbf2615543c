/** AdminService adapter: operator calls, role-checked on every call. */
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from '../../shared/logger.js';
import type { AdminServiceHandlers } from '../../shared/wire/generated/cohort/v1/AdminService.js';
import type { BudgetReportReply } from '../../shared/wire/generated/cohort/v1/BudgetReportReply.js';
import type { ExportModelRequest__Output } from '../../shared/wire/generated/cohort/v1/ExportModelRequest.js';
import type { ListModelsReply } from '../../shared/wire/generated/cohort/v1/ListModelsReply.js';
import type { ListModelsRequest__Output } from '../../shared/wire/generated/cohort/v1/ListModelsRequest.js';
import type { ModelChunk } from '../../shared/wire/generated/cohort/v1/ModelChunk.js';
import type { ModelInfo } from '../../shared/wire/generated/cohort/v1/ModelInfo.js';
import { DEFAULT_ADAPTIVE_CLIP } from '../../shared/dp/adaptive-clip.js';
import { CohortError } from '../../shared/errors.js';
import { parseTrainerOptions } from '../../shared/model/options.js';
import { toChunks } from '../../shared/tensor/chunks.js';
import { modelToWire } from '../../shared/wire/model.js';
import { CHUNK_BYTES } from '../../shared/wire/proto.js';
import type { AggregatorKind } from '../core/aggregators.js';
import type { ModelRecord } from '../core/journal.js';
import type { Compression } from '../core/types.js';
import type { BudgetReportRequest__Output } from '../../shared/wire/generated/cohort/v1/BudgetReportRequest.js';
import type { LaunchRequest__Output } from '../../shared/wire/generated/cohort/v1/LaunchRequest.js';
import type { ListNodesReply } from '../../shared/wire/generated/cohort/v1/ListNodesReply.js';
import type { ListNodesRequest__Output } from '../../shared/wire/generated/cohort/v1/ListNodesRequest.js';
import type { RoundEvent as WireRoundEvent } from '../../shared/wire/generated/cohort/v1/RoundEvent.js';
import type { RoundStatus } from '../../shared/wire/generated/cohort/v1/RoundStatus.js';
import type { StatusReply } from '../../shared/wire/generated/cohort/v1/StatusReply.js';
import type { StatusRequest__Output } from '../../shared/wire/generated/cohort/v1/StatusRequest.js';
import type { Coordinator, LaunchSettings } from '../core/coordinator.js';
import type { LaunchPlan, NoiseMode, RoundEvent, RoundState } from '../core/types.js';
import type { LedgerRecord } from '../core/privacy.js';
import type { LaunchPlan as WireLaunchPlan } from '../../shared/wire/generated/cohort/v1/LaunchPlan.js';
import type { LedgerEntry as WireLedgerEntry } from '../../shared/wire/generated/cohort/v1/LedgerEntry.js';
import type { SetBudgetReply } from '../../shared/wire/generated/cohort/v1/SetBudgetReply.js';
import type { SetBudgetRequest__Output } from '../../shared/wire/generated/cohort/v1/SetBudgetRequest.js';
import { authorize, type CallPolicy } from './auth.js';
import { toServiceError } from './errors.js';
import { COORDINATOR_VERSION } from './node-service.js';
import { WIRE_DECLINE_CATEGORY, WIRE_TASK_KIND } from '../../shared/wire/mapping.js';

const WIRE_STATUS: Record<RoundState, RoundStatus> = {
  queued: 'ROUND_STATUS_QUEUED',
  running: 'ROUND_STATUS_RUNNING',
  completed: 'ROUND_STATUS_COMPLETED',
  skipped: 'ROUND_STATUS_SKIPPED',
  failed: 'ROUND_STATUS_FAILED',
  refused: 'ROUND_STATUS_REFUSED',
};

/** Core round event → wire message. */
export function toWireEvent(e: RoundEvent): WireRoundEvent {
  return {
    round: e.round,
    status: WIRE_STATUS[e.state],
    stage: e.stage ?? '',
    selected: e.selected,
    participants: e.participants,
    evaluated: e.evaluated,
    hasMetrics: e.accuracy !== undefined,
    accuracy: e.accuracy ?? 0,
    loss: e.loss ?? 0,
    seconds: e.seconds,
    reason: e.reason ?? '',
    startedAtMs: e.startedAtMs,
    index: e.index,
    of: e.of,
    hasEpsilon: e.epsilon !== undefined,
    epsilon: e.epsilon ?? 0,
    clipNorm: e.clipNorm ?? 0,
    declines: (e.declines ?? []).map((d) => ({ node: d.node, kind: WIRE_TASK_KIND[d.kind], category: WIRE_DECLINE_CATEGORY[d.category], reason: d.reason })),
  };
}

/** A ledger entry (released model or budget change) → wire. */
function wireLedgerEntry(e: LedgerRecord & { readonly hash: string }): WireLedgerEntry {
  if (e.kind === 'budget') {
    return { kind: 'budget', timeMs: e.time, delta: e.delta, hasBudgetEpsilon: e.epsilon !== undefined, budgetEpsilon: e.epsilon ?? 0, operator: e.operator ?? '', reason: e.reason, hash: e.hash };
  }
  return {
    kind: 'round',
    round: e.round,
    timeMs: e.time,
    sampleRate: e.sampleRate,
    noiseMultiplier: e.noiseMultiplier,
    clipNorm: e.clipNorm ?? 0,
    minSurvivors: e.minSurvivors,
    survivors: e.survivors,
    hasEpsilonAfter: e.epsilonAfter !== undefined,
    epsilonAfter: e.epsilonAfter ?? 0,
    hasEpsilonUnamplifiedAfter: e.epsilonUnamplifiedAfter !== undefined,
    epsilonUnamplifiedAfter: e.epsilonUnamplifiedAfter ?? 0,
    delta: e.delta,
    accountant: e.accountant,
    noise: e.noise,
    hasSecureAggregation: e.secureAggregation !== undefined,
    secureAggregation: e.secureAggregation ?? false,
    modelSha256: e.modelSha256 ?? '',
    manifestSha256: e.manifestSha256 ?? '',
    hash: e.hash,
  };
}

function wirePlan(p: LaunchPlan): WireLaunchPlan {
  return {
    requested: p.requested,
    affordable: p.affordable,
    hasBudget: p.budgetEpsilon !== undefined,
    budgetEpsilon: p.budgetEpsilon ?? 0,
    spentEpsilon: p.spent,
    epsilonAfter: p.epsilonAfter,
  };
}

function modelInfo(m: ModelRecord): ModelInfo {
  return {
    round: m.round,
    timeMs: m.time,
    hasAccuracy: m.accuracy !== undefined,
    accuracy: m.accuracy ?? 0,
    hasEpsilon: m.epsilon !== undefined,
    epsilon: m.epsilon ?? 0,
    sha256: m.sha256,
    numParameters: m.numParameters,
    manifestSha256: m.manifestSha256 ?? '',
  };
}

/** Zero means "use the coordinator's default" for every numeric launch field. */
function launchSettings(req: LaunchRequest__Output): LaunchSettings {
  const pos = (v: number): number | undefined => (v > 0 ? v : undefined);
  return {
    minNodes: pos(req.minNodes),
    sampleRate: pos(req.sampleRate),
    trainTimeoutMs: pos(req.trainTimeoutMs),
    evalTimeoutMs: pos(req.evalTimeoutMs),
    waitForNodesMs: pos(req.waitForNodesMs),
    secureAggregation: req.secureAggregation || undefined,
    threshold: pos(req.threshold),
    neighbours: pos(req.neighbours),
    clipNorm: pos(req.clipNorm),
    secaggStageTimeoutMs: pos(req.secaggStageTimeoutMs),
    noiseMultiplier: pos(req.noiseMultiplier),
    noise: req.noise === '' ? undefined : (req.noise as NoiseMode),
    adaptiveClip: req.adaptiveClip
      ? { targetQuantile: req.clipQuantile || DEFAULT_ADAPTIVE_CLIP.targetQuantile, learningRate: req.clipLearningRate || DEFAULT_ADAPTIVE_CLIP.learningRate }
      : undefined,
    train: {
      epochs: pos(req.train?.epochs ?? 0),
      batchSize: pos(req.train?.batchSize ?? 0),
      learningRate: pos(req.train?.learningRate ?? 0),
      options: req.train && Object.keys(req.train.options).length > 0 ? parseTrainerOptions(req.train.options, 'config') : undefined,
    },
    aggregator: req.aggregator === '' ? undefined : (req.aggregator as AggregatorKind),
    trimFraction: pos(req.trimFraction),
    // Anything but "" is passed on for validateSettings to name if it is not int8 or fp16.
    compress: req.compress === '' ? undefined : (req.compress as Compression),
    targetUpdates: pos(req.targetUpdates),
  };
}

/** Build the AdminService handlers over `coordinator`. */
export function adminServiceHandlers(coordinator: Coordinator, policy: CallPolicy, log: Logger): AdminServiceHandlers {
  return {
    LaunchRounds(call: grpc.ServerWritableStream<LaunchRequest__Output, WireRoundEvent>): void {
      try {
        const id = authorize(call, 'LaunchRounds', ['operator'], policy, log);
        const req = call.request;
        const handle = coordinator.launch({ rounds: req.rounds, settings: launchSettings(req) });
        log.info({ operator: id.name, firstRound: handle.firstRound, rounds: handle.rounds, detach: req.detach }, 'rounds launched');
        // First, before any round runs: what was queued and what the budget affords of the request.
        call.write({
          ...toWireEvent({ round: handle.firstRound, state: 'queued', selected: 0, participants: 0, evaluated: 0, seconds: 0, startedAtMs: 0, index: 1, of: handle.rounds }),
          ...(handle.plan ? { plan: wirePlan(handle.plan) } : {}),
        });
        if (req.detach) {
          call.end();
          return;
        }
        void (async () => {
          for await (const event of handle.events) {
            if (call.cancelled) break;
            call.write(toWireEvent(event));
          }
          if (!call.cancelled) call.end();
        })();
      } catch (err) {
        call.emit('error', toServiceError(err, log));
      }
    },

    GetStatus(call: grpc.ServerUnaryCall<StatusRequest__Output, StatusReply>, callback: grpc.sendUnaryData<StatusReply>): void {
      try {
        authorize(call, 'GetStatus', ['operator'], policy, log);
        const s = coordinator.status();
        callback(null, {
          coordinatorVersion: COORDINATOR_VERSION,
          startedAtMs: s.startedAtMs,
          model: modelToWire(s.model),
          numParameters: s.numParameters,
          connectedNodes: s.connectedNodes,
          knownNodes: s.knownNodes,
          current: s.current ? toWireEvent(s.current) : null,
          recent: s.recent.map(toWireEvent),
          queuedRounds: s.queuedRounds,
          completedRounds: s.completedRounds,
          privacy: {
            hasBudget: coordinator.accountant.budget.epsilon !== undefined,
            budgetEpsilon: coordinator.accountant.budget.epsilon ?? 0,
            delta: coordinator.accountant.budget.delta,
            spentEpsilon: coordinator.accountant.spent(),
            ledgerEntries: coordinator.accountant.entries().length,
          },
        });
      } catch (err) {
        callback(toServiceError(err, log));
      }
    },

    BudgetReport(call: grpc.ServerUnaryCall<BudgetReportRequest__Output, BudgetReportReply>, callback: grpc.sendUnaryData<BudgetReportReply>): void {
      try {
        const id = authorize(call, 'BudgetReport', ['operator', 'auditor'], policy, log);
        const audit = coordinator.ledgerAudit();
        const budget = coordinator.accountant.budget;
        log.info({ caller: id.name, role: id.role, entries: audit.entries.length, verified: audit.verified }, 'budget report');
        callback(null, {
          hasBudget: budget.epsilon !== undefined,
          budgetEpsilon: budget.epsilon ?? 0,
          delta: budget.delta,
          entries: audit.entries.map(wireLedgerEntry),
          unrecorded: audit.unrecorded.map((u) => ({ round: u.round, timeMs: u.time, participants: u.participants })),
          ledgerHash: audit.head,
          ledgerVerified: audit.verified,
          durable: audit.durable,
          generatedAtMs: Date.now(),
          accountant: 'rdp',
        });
      } catch (err) {
        callback(toServiceError(err, log));
      }
    },

    SetBudget(call: grpc.ServerUnaryCall<SetBudgetRequest__Output, SetBudgetReply>, callback: grpc.sendUnaryData<SetBudgetReply>): void {
      try {
        const id = authorize(call, 'SetBudget', ['operator'], policy, log);
        const req = call.request;
        if (!req.remove && !(req.epsilon > 0)) throw new CohortError('invalid_argument', 'give the new budget ε (> 0), or remove the budget');
        const previous = coordinator.accountant.budget;
        const record = coordinator.setBudget({
          epsilon: req.remove ? undefined : req.epsilon,
          ...(req.delta > 0 ? { delta: req.delta } : {}),
          operator: id.name,
          reason: req.reason,
        });
        // The change was just appended, so it is the chain's head.
        callback(null, {
          entry: wireLedgerEntry({ ...record, hash: coordinator.ledgerAudit().head }),
          hadBudget: previous.epsilon !== undefined,
          previousEpsilon: previous.epsilon ?? 0,
          previousDelta: previous.delta,
          spentEpsilon: coordinator.accountant.spent(),
        });
      } catch (err) {
        callback(toServiceError(err, log));
      }
    },

    ListModels(call: grpc.ServerUnaryCall<ListModelsRequest__Output, ListModelsReply>, callback: grpc.sendUnaryData<ListModelsReply>): void {
      try {
        authorize(call, 'ListModels', ['operator'], policy, log);
        callback(null, { models: coordinator.models().map(modelInfo), model: modelToWire(coordinator.model) });
      } catch (err) {
        callback(toServiceError(err, log));
      }
    },

    ExportModel(call: grpc.ServerWritableStream<ExportModelRequest__Output, ModelChunk>): void {
      try {
        const id = authorize(call, 'ExportModel', ['operator'], policy, log);
        const round = call.request.round;
        const info = coordinator.models().find((m) => m.round === round);
        const weights = coordinator.loadModel(round);
        if (!info) throw new CohortError('not_found', `no checkpoint of round ${round}`);
        log.info({ operator: id.name, round }, 'model exported');
        call.write({ info: modelInfo(info) });
        for (const data of toChunks(weights, CHUNK_BYTES)) call.write({ data });
        call.end();
      } catch (err) {
        call.emit('error', toServiceError(err, log));
      }
    },

    ListNodes(call: grpc.ServerUnaryCall<ListNodesRequest__Output, ListNodesReply>, callback: grpc.sendUnaryData<ListNodesReply>): void {
      try {
        authorize(call, 'ListNodes', ['operator'], policy, log);
        callback(null, {
          nodes: coordinator.nodes().map((n) => ({ name: n.name, status: n.status, lastSeenMs: n.lastSeenMs, roundsParticipated: n.roundsParticipated })),
        });
      } catch (err) {
        callback(toServiceError(err, log));
      }
    },
  };
}
