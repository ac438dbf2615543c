/** The coordinator core's RoundJournal port, backed by the SQLite store. */
import type { LaunchSettings } from '../core/coordinator.js';
import { CohortError } from '../../shared/errors.js';
import type { JournalLaunch, LedgerAudit, ModelRecord, RoundJournal } from '../core/journal.js';
import type { LedgerRecord, PrivacyLedger } from '../core/privacy.js';
import type { RoundEvent, RoundSettings } from '../core/types.js';
import type { LedgerEntry } from './ledger.js';
import type { CoordinatorStore } from './store.js';
import type { ModelManifest } from '../../shared/model/manifest.js';

function toRecord(e: LedgerEntry): LedgerRecord {
  return {
    round: e.round,
    time: e.time,
    sampleRate: e.sampleRate,
    noiseMultiplier: e.noiseMultiplier,
    clipNorm: e.clipNorm,
    minSurvivors: e.minSurvivors,
    survivors: e.survivors,
    epsilonAfter: e.epsilonAfter,
    delta: e.delta,
    accountant: 'rdp',
    noise: e.noise,
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
    return {
      entries: entries.map((e) => ({ ...toRecord(e), hash: e.hash })),
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

  started(round: number, settings: RoundSettings, launchId: number): void {
    this.store.recordRoundStart({ round, settings, launchId });
  }

  committed(args: { readonly event: RoundEvent; readonly weights: Float32Array; readonly ledger?: LedgerRecord; readonly launchId: number }): void {
    this.store.commitRound({
      round: args.event.round,
      event: args.event,
      weights: args.weights,
      launchId: args.launchId,
      ...(args.ledger ? { ledgerEntry: args.ledger } : {}),
      ...(this.manifest ? { manifest: this.manifest } : {}),
    });
  }

  finished(event: RoundEvent, launchId: number): void {
    this.store.finishRound({ round: event.round, event, launchId });
  }

  /** Launches with rounds still to run, for the coordinator to resume. */
  pendingLaunches(): JournalLaunch[] {
    return this.store.pendingLaunches().map((l) => ({ id: l.id, firstRound: l.firstRound, rounds: l.rounds, done: l.done, settings: l.settings as LaunchSettings }));
  }
}
