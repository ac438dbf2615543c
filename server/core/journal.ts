/**
 * The coordinator's durable record of rounds, as a port: the SQLite store in production
 * (server/store), memory in tests and in coordinators run without a data dir. Every
 * method must be durable when it returns; `committed` must be atomic, because it holds
 * the privacy ledger entry and the new model together and runs before the model is
 * released (PLAN §2.9).
 */
import { CohortError } from '../../shared/errors.js';
import { MemoryLedger, type LedgerRecord, type PrivacyLedger } from './privacy.js';
import type { LaunchSettings } from './coordinator.js';
import type { RoundEvent, RoundSettings } from './types.js';

/** A launch as recorded, so detached rounds still pending survive a restart. */
export interface JournalLaunch {
  readonly id: number;
  readonly firstRound: number;
  readonly rounds: number;
  /** Rounds of the launch already finished. */
  readonly done: number;
  readonly settings: LaunchSettings;
}

/** The ledger as an auditor sees it: entries with their chain hashes, and whether the chain checks out. */
export interface LedgerAudit {
  readonly entries: ReadonlyArray<LedgerRecord & { readonly hash: string }>;
  readonly head: string;
  readonly verified: boolean;
  readonly durable: boolean;
}

/** A committed model in the registry. */
export interface ModelRecord {
  readonly round: number;
  readonly time: number;
  readonly sha256: string;
  readonly numParameters: number;
  /** The model's manifest hash (absent for checkpoints from before manifests were recorded). */
  readonly manifestSha256?: string;
  readonly accuracy?: number;
  readonly epsilon?: number;
}

/** Durable round bookkeeping. */
export interface RoundJournal {
  /** The privacy ledger (entries are added only by `committed`). */
  readonly ledger: PrivacyLedger;
  /** The ledger with its hash chain, verified now. */
  audit(): LedgerAudit;
  /** Committed models, oldest first (empty without a data dir). */
  models(): ModelRecord[];
  /** The verified weights of `round`'s model; throws `not_found` or on a corrupt file. */
  loadModel(round: number): Float32Array;
  launchQueued(firstRound: number, rounds: number, settings: LaunchSettings): number;
  started(round: number, settings: RoundSettings, launchId: number): void;
  /** Atomically: ledger entry (private rounds), round completed, checkpoint of `weights`. */
  committed(args: { readonly event: RoundEvent; readonly weights: Float32Array; readonly ledger?: LedgerRecord; readonly launchId: number }): void;
  /** A round that released nothing (skipped, failed or refused). */
  finished(event: RoundEvent, launchId: number): void;
}

/** A journal that forgets everything when the process ends. */
export class MemoryJournal implements RoundJournal {
  private readonly memoryLedger = new MemoryLedger();
  private launches = 0;
  /** Rounds recorded, newest last (for tests). */
  readonly events: RoundEvent[] = [];

  get ledger(): PrivacyLedger {
    return this.memoryLedger;
  }

  launchQueued(): number {
    this.launches += 1;
    return this.launches;
  }

  audit(): LedgerAudit {
    // Memory has no hash chain to verify: the report says the ledger is not durable.
    return { entries: this.memoryLedger.entries().map((e) => ({ ...e, hash: '' })), head: '', verified: false, durable: false };
  }

  models(): ModelRecord[] {
    return [];
  }

  loadModel(round: number): Float32Array {
    throw new CohortError('not_found', `no model of round ${round}: this coordinator keeps no data dir (start it with --data-dir)`);
  }

  started(): void {}

  committed(args: { readonly event: RoundEvent; readonly ledger?: LedgerRecord }): void {
    if (args.ledger) this.memoryLedger.append(args.ledger);
    this.events.push(args.event);
  }

  finished(event: RoundEvent): void {
    this.events.push(event);
  }
}
