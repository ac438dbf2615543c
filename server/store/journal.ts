/** The coordinator core's RoundJournal port, backed by the SQLite store. */
import type { LaunchSettings } from '../core/coordinator.js';
import { CohortError } from '../../shared/errors.js';
import type { JournalLaunch, LedgerAudit, ModelRecord, RoundEvaluation, RoundJournal } from '../core/journal.js';
import type { BudgetRecord, LedgerRecord, PrivacyLedger, RoundRecord } from '../core/privacy.js';
import type { NodeRecord, RoundEvent, RoundSettings } from '../core/types.js';
import type { LedgerEntry } from './ledger.js';
import type { CoordinatorStore } from './store.js';
import type { ModelManifest } from '../../shared/model/manifest.js';

function toRecord(e: LedgerEntry): LedgerRecord {
  if (e.kind === 'budget') {
    return { kind: 'budget', time: e.time, ...(e.epsilon !== undefined ? { epsilon: e.epsilon } : {}), delta: e.delta, ...(e.operator !== undefined ? { operator: e.operator } : {}), reason: e.reason };
  }
  return {
    kind: 'round',
    round: e.round,
    time: e.time,
    sampleRate: e.sampleRate,
    noiseMultiplier: e.noiseMultiplier,
    ...(e.clipNorm !== undefined ? { clipNorm: e.clipNorm } : {}),
    minSurvivors: e.minSurvivors,
    survivors: e.survivors,
    ...(e.epsilonAfter !== undefined ? { epsilonAfter: e.epsilonAfter } : {}),
    ...(e.epsilonUnamplifiedAfter !== undefined ? { epsilonUnamplifiedAfter: e.epsilonUnamplifiedAfter } : {}),
    delta: e.delta,
    accountant: 'rdp',
    noise: e.noise,
    ...(e.secureAggregation !== undefined ? { secureAggregation: e.secureAggregation } : {}),
    ...(e.modelSha256 !== undefined ? { modelSha256: e.modelSha256 } : {}),
    ...(e.manifestSha256 !== undefined ? { manifestSha256: e.manifestSha256 } : {}),
  };
}

/** Journal writes go straight to the store; each returns only once durable. */
export class StoreJournal implements RoundJournal {
  readonly ledger: PrivacyLedger;

  /** @param manifest the model's tensors, recorded with every checkpoint */
  constructor(
    private readonly store: CoordinatorStore,
    private readonly manifest?: ModelManifest,
  ) {
    this.ledger = { entries: () => store.ledger().map(toRecord) };
  }

  audit(): LedgerAudit {
    const entries = this.store.ledger();
    const recorded = new Set(entries.map((e) => (e.kind === 'round' ? e.round : 0)));
    return {
      entries: entries.map((e) => ({ ...toRecord(e), hash: e.hash })),
      unrecorded: this.store
        .rounds()
        .filter((r) => r.state === 'completed' && !recorded.has(r.round))
        .map((r) => ({ round: r.round, time: r.finishedAt ?? r.startedAt, participants: r.participants })),
      head: entries.length > 0 ? (entries[entries.length - 1] as LedgerEntry).hash : '',
      verified: this.store.verifyLedger().ok,
      durable: true,
    };
  }

  models(): ModelRecord[] {
    return this.store.checkpoints().map((c) => ({
      round: c.round,
      time: c.time,
      sha256: c.sha256,
      numParameters: c.numParameters,
      ...(c.manifestSha256 !== undefined ? { manifestSha256: c.manifestSha256 } : {}),
      ...(c.accuracy !== undefined ? { accuracy: c.accuracy } : {}),
      ...(c.epsilon !== undefined ? { epsilon: c.epsilon } : {}),
    }));
  }

  loadModel(round: number): Float32Array {
    if (!this.store.checkpoints().some((c) => c.round === round)) throw new CohortError('not_found', `no checkpoint of round ${round} (see cohort models)`);
    return this.store.loadCheckpoint(round).weights;
  }

  launchQueued(firstRound: number, rounds: number, settings: LaunchSettings): number {
    return this.store.saveLaunch({ firstRound, rounds, settings }).id;
  }

  launchClosed(launchId: number): void {
    this.store.closeLaunch(launchId);
  }

  started(round: number, settings: RoundSettings, launchId: number): void {
    this.store.recordRoundStart({ round, settings, launchId });
  }

  committed(args: { readonly event: RoundEvent; readonly weights: Float32Array; readonly ledger: RoundRecord; readonly launchId: number }): void {
    const { kind: _kind, ...entry } = args.ledger;
    this.store.commitRound({
      round: args.event.round,
      event: args.event,
      weights: args.weights,
      launchId: args.launchId,
      ledgerEntry: entry,
      ...(this.manifest ? { manifest: this.manifest } : {}),
    });
  }

  budgetChanged(record: BudgetRecord): void {
    const { kind: _kind, ...entry } = record;
    this.store.appendBudget(entry);
  }

  finished(event: RoundEvent, launchId: number): void {
    this.store.finishRound({ round: event.round, event, launchId });
  }

  node(record: NodeRecord): void {
    this.store.upsertNode({ name: record.name, status: record.status, seenAt: record.lastSeenMs, roundsParticipated: record.roundsParticipated });
  }

  /** Every node a previous run knew. */
  nodes(): NodeRecord[] {
    return this.store.nodes().map((n) => ({ name: n.name, status: n.status, lastSeenMs: n.lastSeen, roundsParticipated: n.roundsParticipated }));
  }

  /** How many rounds were committed, and the `limit` most recent finished rounds as status shows them. */
  finishedRounds(limit: number): { completed: number; recent: RoundEvent[] } {
    const ledger = new Map(this.store.ledger().flatMap((e) => (e.kind === 'round' ? [[e.round, e] as const] : [])));
    const finished = this.store.rounds().filter((r) => r.state !== 'running');
    const recent = finished.slice(-limit).map((r): RoundEvent => {
      const entry = ledger.get(r.round);
      return {
        round: r.round,
        // A round cut off by a stop released nothing: to an operator it failed, with the store's reason.
        state: r.state === 'aborted' ? 'failed' : r.state,
        selected: r.selected,
        participants: r.participants,
        evaluated: r.evaluated,
        seconds: r.finishedAt !== undefined ? (r.finishedAt - r.startedAt) / 1000 : 0,
        startedAtMs: r.startedAt,
        // Its place in its launch is not kept.
        index: 0,
        of: 0,
        ...(r.accuracy !== undefined ? { accuracy: r.accuracy } : {}),
        ...(r.loss !== undefined ? { loss: r.loss } : {}),
        ...(r.reason !== undefined ? { reason: r.reason } : {}),
        ...(entry?.epsilonAfter !== undefined ? { epsilon: entry.epsilonAfter } : {}),
        ...(entry?.clipNorm !== undefined ? { clipNorm: entry.clipNorm } : {}),
        ...(r.declines && r.declines.length > 0 ? { declines: r.declines } : {}),
      };
    });
    return { completed: finished.filter((r) => r.state === 'completed').length, recent };
  }

  evaluated(round: number, evaluation: RoundEvaluation): void {
    this.store.recordEvaluation({ round, ...evaluation });
  }

  /** Launches with rounds still to run, for the coordinator to resume. */
  pendingLaunches(): JournalLaunch[] {
    return this.store.pendingLaunches().map((l) => ({ id: l.id, firstRound: l.firstRound, rounds: l.rounds, done: l.done, settings: l.settings as LaunchSettings }));
  }
}
