/**
 * The coordinator's privacy accounting: a ledger of private rounds and the budget check
 * that runs before each round (PLAN §2.2, §3). The ledger is a port: in memory here, the
 * durable store in production, and an entry is appended before the round's model is
 * released.
 */
import { epsilonAfterRounds } from '../../shared/dp/compose.js';
import { CohortError } from '../../shared/errors.js';
import type { NoiseMode } from './types.js';

/** One private round as the ledger records it. */
export interface LedgerRecord {
  readonly round: number;
  /** Unix milliseconds of the commit. */
  readonly time: number;
  readonly sampleRate: number;
  readonly noiseMultiplier: number;
  readonly clipNorm: number;
  readonly minSurvivors: number;
  readonly survivors: number;
  /** Total ε spent after this round. */
  readonly epsilonAfter: number;
  readonly delta: number;
  readonly accountant: 'rdp';
  readonly noise: NoiseMode;
}

/** Where ledger entries are read from (they are written by the round journal's commit). */
export interface PrivacyLedger {
  entries(): readonly LedgerRecord[];
}

/** A ledger in memory (the memory journal's). */
export class MemoryLedger implements PrivacyLedger {
  private readonly records: LedgerRecord[] = [];
  entries(): readonly LedgerRecord[] {
    return this.records;
  }
  append(record: LedgerRecord): void {
    this.records.push(record);
  }
}

/** The budget set when the coordinator starts; operators cannot change it. */
export interface PrivacyBudget {
  /** Total ε allowed; undefined = account, but never refuse. */
  readonly epsilon: number | undefined;
  readonly delta: number;
}

/** Answers "what would ε be after one more round like this?" and refuses overspending. */
export class PrivacyAccountant {
  constructor(
    readonly budget: PrivacyBudget,
    private readonly ledger: PrivacyLedger,
  ) {
    if (budget.epsilon !== undefined && !(budget.epsilon > 0 && Number.isFinite(budget.epsilon))) {
      throw new CohortError('invalid_argument', `--epsilon-budget must be a positive number, got ${budget.epsilon}`);
    }
    if (!(budget.delta > 0 && budget.delta < 1)) throw new CohortError('invalid_argument', `--delta must be in (0, 1), got ${budget.delta}`);
  }

  /** The ledger's entries, oldest first. */
  entries(): readonly LedgerRecord[] {
    return this.ledger.entries();
  }

  /** ε spent so far (the last entry's running total). */
  spent(): number {
    const entries = this.ledger.entries();
    return entries.length === 0 ? 0 : (entries[entries.length - 1] as LedgerRecord).epsilonAfter;
  }

  /** ε after the ledger's rounds plus one more with rate `q` and noise multiplier `sigma`. */
  epsilonAfterNext(q: number, sigma: number): number {
    const rounds = this.ledger.entries().map((e) => ({ q: e.sampleRate, sigma: e.noiseMultiplier }));
    rounds.push({ q, sigma });
    return epsilonAfterRounds(rounds, this.budget.delta);
  }

  /** Throw `budget_exhausted` (naming budget, spent and would-be total) if one more round would overspend. */
  check(q: number, sigma: number): number {
    const next = this.epsilonAfterNext(q, sigma);
    const budget = this.budget.epsilon;
    if (budget !== undefined && next > budget) {
      throw new CohortError(
        'budget_exhausted',
        `privacy budget exceeded: budget ε = ${fmt(budget)} (δ = ${this.budget.delta}), spent ${fmt(this.spent())}, this round would bring it to ${fmt(next)}`,
      );
    }
    return next;
  }

  /** The ledger entry of a private round about to be committed (the journal stores it). */
  prepare(entry: Omit<LedgerRecord, 'epsilonAfter' | 'delta' | 'accountant'>): LedgerRecord {
    return { ...entry, epsilonAfter: this.epsilonAfterNext(entry.sampleRate, entry.noiseMultiplier), delta: this.budget.delta, accountant: 'rdp' };
  }
}

function fmt(x: number): string {
  return x.toPrecision(4);
}
