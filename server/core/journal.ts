/**
 * The coordinator's durable record of rounds, as a port: the SQLite store in production
 * (server/store), memory in tests and in coordinators run without a data dir. Every
 * method must be durable when it returns; `committed` must be atomic, because it holds
 * the privacy ledger entry and the new model together and runs before the model is
 * released (PLAN §2.9).
 */
import { CohortError } from '../../shared/errors.js';
import { type BudgetRecord, MemoryLedger, type LedgerRecord, type PrivacyLedger, type RoundRecord } from './privacy.js';
import type { LaunchSettings } from './coordinator.js';
import type { NodeDecline } from '../../shared/decline.js';
import type { NodeRecord, RoundEvent, RoundSettings } from './types.js';

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
  /**
   * Models committed without a ledger entry: releases without differential privacy made
   * before the ledger recorded them (data dirs from before schema 2). Listed so that no
   * released model is missing from a report.
   */
  readonly unrecorded: ReadonlyArray<{ readonly round: number; readonly time: number; readonly participants: number }>;
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
  /** The launch will run no more rounds (the budget refused the rest): it is not resumed after a restart. */
  launchClosed(launchId: number): void;
  started(round: number, settings: RoundSettings, launchId: number): void;
  /** Atomically: the round's ledger entry (every release has one), round completed, checkpoint of `weights`. */
  committed(args: { readonly event: RoundEvent; readonly weights: Float32Array; readonly ledger: RoundRecord; readonly launchId: number }): void;
  /** Durably append a budget change to the ledger. */
  budgetChanged(record: BudgetRecord): void;
  /** A round that released nothing (skipped, failed or refused). */
  finished(event: RoundEvent, launchId: number): void;
  /** A node connected, disconnected, was revoked or took part in a round: its record now. */
  node(record: NodeRecord): void;
  /** The federated evaluation of committed `round`'s model, attached after the commit. */
  evaluated(round: number, evaluation: RoundEvaluation): void;
}

/** The example-weighted federated evaluation of one committed model (no metrics when nobody evaluated), and every decline of the round. */
export interface RoundEvaluation {
  readonly evaluated: number;
  readonly accuracy?: number;
  readonly loss?: number;
  readonly declines?: readonly NodeDecline[];
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
    return { entries: this.memoryLedger.entries().map((e) => ({ ...e, hash: '' })), unrecorded: [], head: '', verified: false, durable: false };
  }

  models(): ModelRecord[] {
    return [];
  }

  loadModel(round: number): Float32Array {
    throw new CohortError('not_found', `no model of round ${round}: this coordinator keeps no data dir (start it with --data-dir)`);
  }

  launchClosed(_launchId: number): void {}

  started(): void {}

  committed(args: { readonly event: RoundEvent; readonly ledger: RoundRecord }): void {
    this.memoryLedger.append(args.ledger);
    this.events.push(args.event);
  }

  budgetChanged(record: BudgetRecord): void {
    this.memoryLedger.append(record);
  }

  finished(event: RoundEvent): void {
    this.events.push(event);
  }

  evaluated(round: number, evaluation: RoundEvaluation): void {
    const i = this.events.findIndex((e) => e.round === round && e.state === 'completed');
    const event = this.events[i];
    if (event) this.events[i] = { ...event, ...evaluation };
  }
  node(_record: NodeRecord): void {}
}
