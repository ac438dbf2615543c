/**
 * The coordinator's privacy accounting: a ledger of every released model and every budget
 * change, and the budget check that runs before each round (PLAN §2.2, §3). The ledger is a
 * port: in memory here, the durable store in production, and a round's entry is committed
 * with its model, before the model is released.
 */
import { bitNoiseMultiplier, updateNoiseMultiplier } from '../../shared/dp/adaptive-clip.js';
import { type AccountedRound, epsilonAfterRounds } from '../../shared/dp/compose.js';
import { gaussianNoise } from '../../shared/dp/gaussian.js';
import { CohortError } from '../../shared/errors.js';
import type { RandomSource } from '../../shared/random.js';
import { decodeSum, type FixedPointParams } from '../../shared/secagg/fixed-point.js';
import type { NoiseMode, PrivacyTask, RoundSettings } from './types.js';

/** A released model as the ledger records it, private or not. */
export interface RoundRecord {
  readonly kind: 'round';
  readonly round: number;
  /** Unix milliseconds of the commit. */
  readonly time: number;
  readonly sampleRate: number;
  /** σ; 0 for a release without differential privacy. */
  readonly noiseMultiplier: number;
  /** Clip norm of the updates; absent when they were not clipped. */
  readonly clipNorm?: number;
  readonly minSurvivors: number;
  readonly survivors: number;
  /** Total ε after this round against anyone who sees only released models (amplified by q); absent: not private. */
  readonly epsilonAfter?: number;
  /** Total ε after this round against parties who see who took part (no amplification); absent: not private or not recorded. */
  readonly epsilonUnamplifiedAfter?: number;
  readonly delta: number;
  readonly accountant: 'rdp';
  /** Who added the noise; "none": released without differential privacy (unbounded ε for the data it used). */
  readonly noise: NoiseMode | 'none';
  /** Whether the coordinator saw only the survivors' sum; absent in entries from before it was recorded. */
  readonly secureAggregation?: boolean;
  /** sha256 of the released weights and of the model's manifest, as committed (absent before the commit and in older entries). */
  readonly modelSha256?: string;
  readonly manifestSha256?: string;
}

/** A change of the privacy budget, as the ledger records it. */
export interface BudgetRecord {
  readonly kind: 'budget';
  readonly time: number;
  /** The budget from now on; absent: none. */
  readonly epsilon?: number;
  readonly delta: number;
  /** The operator who changed it; absent when recorded at the coordinator's first start. */
  readonly operator?: string;
  readonly reason: string;
}

/** One ledger entry. */
export type LedgerRecord = RoundRecord | BudgetRecord;

/** Where ledger entries are read from (they are written through the round journal). */
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

/** A privacy budget: the most ε the released models may reach, at δ. */
export interface PrivacyBudget {
  /** Total ε allowed; undefined = account, but never refuse. */
  readonly epsilon: number | undefined;
  readonly delta: number;
}

/** δ unless the operator says otherwise. */
export const DEFAULT_DELTA = 1e-5;

/** The private rounds of a ledger, oldest first. */
export function privateRounds(entries: readonly LedgerRecord[]): RoundRecord[] {
  return entries.filter((e): e is RoundRecord => e.kind === 'round' && e.noise !== 'none');
}

/** The last budget entry of a ledger. */
export function lastBudget(entries: readonly LedgerRecord[]): BudgetRecord | undefined {
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i] as LedgerRecord;
    if (e.kind === 'budget') return e;
  }
  return undefined;
}

/** How many of the rounds asked for the budget allows, assuming every one of them completes. */
export interface Affordable {
  readonly requested: number;
  readonly affordable: number;
  /** ε after the affordable rounds (and those queued ahead); the current total if none. */
  readonly epsilonAfter: number;
}

/**
 * Answers "what would ε be after one more round like this?" and refuses overspending. The
 * budget in force is the ledger's last budget entry, so it is whatever the data dir holds,
 * not whatever a restart says.
 */
export class PrivacyAccountant {
  constructor(
    private readonly ledger: PrivacyLedger,
    private readonly initial: PrivacyBudget,
  ) {
    checkBudget(initial);
  }

  /** The budget in force. */
  get budget(): PrivacyBudget {
    const b = lastBudget(this.ledger.entries());
    return b ? { epsilon: b.epsilon, delta: b.delta } : this.initial;
  }

  /** The ledger's entries, oldest first. */
  entries(): readonly LedgerRecord[] {
    return this.ledger.entries();
  }

  /** ε spent so far against anyone who sees only released models (the last private round's running total). */
  spent(): number {
    const rounds = privateRounds(this.ledger.entries());
    return rounds[rounds.length - 1]?.epsilonAfter ?? 0;
  }

  /** ε after the ledger's private rounds plus `more`, with and without sampling amplification. */
  epsilonWith(more: readonly AccountedRound[]): { amplified: number; unamplified: number } {
    const rounds = [...privateRounds(this.ledger.entries()).map((e) => ({ q: e.sampleRate, sigma: e.noiseMultiplier })), ...more];
    const delta = this.budget.delta;
    return { amplified: epsilonAfterRounds(rounds, delta), unamplified: epsilonAfterRounds(rounds.map((r) => ({ q: 1, sigma: r.sigma })), delta) };
  }

  /** ε after the ledger's rounds plus one more with rate `q` and noise multiplier `sigma`. */
  epsilonAfterNext(q: number, sigma: number): number {
    return this.epsilonWith([{ q, sigma }]).amplified;
  }

  /** Throw `budget_exhausted` (naming budget, spent and would-be total) if one more round would overspend. */
  check(q: number, sigma: number, ahead: readonly AccountedRound[] = []): number {
    const next = this.epsilonWith([...ahead, { q, sigma }]).amplified;
    const budget = this.budget.epsilon;
    if (budget !== undefined && next > budget) {
      throw new CohortError(
        'budget_exhausted',
        `privacy budget exceeded: budget ε = ${fmt(budget)} (δ = ${this.budget.delta}), spent ${fmt(this.spent())}${ahead.length > 0 ? ` with ${ahead.length} private round(s) queued ahead` : ''}, this round would bring it to ${fmt(next)}`,
      );
    }
    return next;
  }

  /**
   * How many of `requested` rounds at (q, σ) fit the budget after the ledger and the private
   * rounds queued `ahead`, each assumed to complete (ε only grows with rounds, so a binary search).
   */
  affordable(q: number, sigma: number, requested: number, ahead: readonly AccountedRound[] = []): Affordable {
    const budget = this.budget.epsilon;
    const after = (k: number): number => this.epsilonWith([...ahead, ...Array.from({ length: k }, () => ({ q, sigma }))]).amplified;
    if (budget === undefined) return { requested, affordable: requested, epsilonAfter: after(requested) };
    if (after(requested) <= budget) return { requested, affordable: requested, epsilonAfter: after(requested) };
    let lo = 0;
    let hi = requested;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (after(mid) <= budget) lo = mid;
      else hi = mid;
    }
    return { requested, affordable: lo, epsilonAfter: after(lo) };
  }

  /** The ledger entry of a private round about to be committed (the journal stores it). */
  prepare(entry: Omit<RoundRecord, 'kind' | 'epsilonAfter' | 'epsilonUnamplifiedAfter' | 'delta' | 'accountant'>): RoundRecord {
    const eps = this.epsilonWith([{ q: entry.sampleRate, sigma: entry.noiseMultiplier }]);
    return { kind: 'round', ...entry, epsilonAfter: eps.amplified, epsilonUnamplifiedAfter: eps.unamplified, delta: this.budget.delta, accountant: 'rdp' };
  }

  /** The ledger entry of a model released without differential privacy: no ε, i.e. unbounded for the data it used. */
  prepareRelease(entry: Omit<RoundRecord, 'kind' | 'noiseMultiplier' | 'noise' | 'epsilonAfter' | 'epsilonUnamplifiedAfter' | 'delta' | 'accountant'>): RoundRecord {
    return { kind: 'round', ...entry, noiseMultiplier: 0, noise: 'none', delta: this.budget.delta, accountant: 'rdp' };
  }
}

/** Throw `invalid_argument` naming the option unless ε (if any) is positive and δ in (0, 1). */
export function checkBudget(budget: PrivacyBudget): void {
  if (budget.epsilon !== undefined && !(budget.epsilon > 0 && Number.isFinite(budget.epsilon))) {
    throw new CohortError('invalid_argument', `--epsilon-budget must be a positive number, got ${budget.epsilon}`);
  }
  if (!(budget.delta > 0 && budget.delta < 1)) throw new CohortError('invalid_argument', `--delta must be in (0, 1), got ${budget.delta}`);
}

/** Longest reason an operator can give for a budget change. */
export const MAX_REASON_LENGTH = 500;

/** The reason for a budget change, trimmed; refuses an empty, overlong or control-character one. */
export function checkReason(reason: string): string {
  const r = typeof reason === 'string' ? reason.trim() : '';
  if (r === '') throw new CohortError('invalid_argument', 'a budget change needs a reason (--reason "...")');
  if (r.length > MAX_REASON_LENGTH) throw new CohortError('invalid_argument', `the reason must be at most ${MAX_REASON_LENGTH} characters, got ${r.length}`);
  if (/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(r)) throw new CohortError('invalid_argument', 'the reason must be plain text without control characters');
  return r;
}

/**
 * Bind the budget to the ledger (the data dir): the first start records it; a later start
 * with another ε, none, or another δ is refused, saying how to start or how to change it as
 * an audited act. A ledger from before budgets were recorded keeps the δ of its rounds.
 */
export function bindBudget(journal: { readonly ledger: PrivacyLedger; budgetChanged(record: BudgetRecord): void }, budget: PrivacyBudget, time: number): void {
  checkBudget(budget);
  const entries = journal.ledger.entries();
  const bound = lastBudget(entries);
  const flags = (b: { readonly epsilon?: number | undefined; readonly delta: number }): string => `${b.epsilon === undefined ? 'no --epsilon-budget' : `--epsilon-budget ${b.epsilon}`} --delta ${b.delta}`;
  if (!bound) {
    const spentAt = privateRounds(entries).at(-1)?.delta;
    if (spentAt !== undefined && spentAt !== budget.delta) {
      throw new CohortError('invalid_argument', `the privacy ledger in this data dir accounts its rounds at δ = ${spentAt}, not ${budget.delta}: start the coordinator with --delta ${spentAt}`);
    }
    journal.budgetChanged({ kind: 'budget', time, ...(budget.epsilon !== undefined ? { epsilon: budget.epsilon } : {}), delta: budget.delta, reason: 'set when the coordinator first started on this data dir' });
    return;
  }
  if (bound.epsilon === budget.epsilon && bound.delta === budget.delta) return;
  const who = bound.operator !== undefined ? `set by ${bound.operator} on ${new Date(bound.time).toISOString()}` : `set at first start on ${new Date(bound.time).toISOString()}`;
  throw new CohortError(
    'invalid_argument',
    `this data dir's privacy budget is ${describeBudget(bound)} (${who}), but the coordinator was started with ${describeBudget(budget)}. ` +
      `Start it with ${flags(bound)}; to change the budget, an operator runs \`cohort budget set\` with a --reason, which is recorded in the ledger and shown in every report.`,
  );
}

/** "ε = 8, δ = 1e-5" or "no budget, δ = 1e-5". */
export function describeBudget(b: { readonly epsilon?: number | undefined; readonly delta: number }): string {
  return `${b.epsilon === undefined ? 'no budget' : `ε = ${b.epsilon}`}, δ = ${b.delta}`;
}

function fmt(x: number): string {
  return x.toPrecision(4);
}

/** The noise mode a round uses: distributed needs secure aggregation, so central is the default without it. */
export function noiseMode(s: RoundSettings): NoiseMode {
  return s.noise ?? (s.secureAggregation ? 'distributed' : 'central');
}

/**
 * What nodes must do for a private round, or undefined for a non-private one. With
 * adaptive clipping the operator's σ is split between the update and the centred
 * within-clip bit so that both queries together are charged exactly σ.
 */
export function privacyTask(s: RoundSettings, expectedParticipants: number): PrivacyTask | undefined {
  if (s.noiseMultiplier <= 0) return undefined;
  const base = { clipNorm: s.clipNorm, minSurvivors: s.minNodes, noise: noiseMode(s) };
  if (!s.adaptiveClip) return { ...base, noiseMultiplier: s.noiseMultiplier };
  const sigmaB = bitNoiseMultiplier(expectedParticipants, s.noiseMultiplier);
  return { ...base, noiseMultiplier: updateNoiseMultiplier(s.noiseMultiplier, sigmaB), clipBitNoiseMultiplier: sigmaB };
}

/** One N(0, std²) draw. */
export function gaussianDraw(std: number, rng: RandomSource): number {
  const x = new Float32Array(1);
  gaussianNoise(x, std, rng);
  return x[0] as number;
}

/**
 * Plain (not secure) private round, central noise: the noised sum of the participants'
 * centred clip bits, Σ(b_i − 1/2) + N(0, σ_b²), from the count of within-clip updates.
 */
export function noisedCentredBits(withinClip: number, participants: number, sigmaB: number, rng: RandomSource): number {
  return withinClip - participants / 2 + gaussianDraw(sigmaB, rng);
}

/** What a secure round releases from the unmasked sum. */
export interface SecureRelease {
  /** The sum of the survivors' clipped updates (with the round's noise), numParameters values. */
  readonly sum: Float32Array;
  /** Adaptive clipping: Σ(b_i − 1/2) + N(0, σ_b²) over the survivors. */
  readonly noisedCentredBits?: number;
}

/**
 * Decode the unmasked fixed-point sum; in central-noise rounds the coordinator adds
 * N(0, σ²C²) to the update and N(0, σ_b²) to the centred bits. In distributed rounds the
 * nodes' shares are already in the sum. Exported so tests run exactly this code.
 */
export function releaseSecureSum(unmasked: Uint32Array, fp: FixedPointParams, numParameters: number, privacy: PrivacyTask | undefined, rng: RandomSource): SecureRelease {
  const sum = decodeSum(unmasked, fp);
  if (privacy?.noise === 'central') {
    const noise = new Float32Array(numParameters);
    gaussianNoise(noise, privacy.noiseMultiplier * privacy.clipNorm, rng);
    for (let i = 0; i < noise.length; i++) sum[i] = (sum[i] as number) + (noise[i] as number);
  }
  if (privacy?.clipBitNoiseMultiplier === undefined) return { sum: sum.subarray(0, numParameters) };
  const bits = (sum[numParameters] as number) / privacy.clipNorm;
  const noisedCentredBits = privacy.noise === 'central' ? bits + gaussianDraw(privacy.clipBitNoiseMultiplier, rng) : bits;
  return { sum: sum.subarray(0, numParameters), noisedCentredBits };
}
