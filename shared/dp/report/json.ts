/** The JSON budget report: the shape `cohort budget report --json` prints (PLAN §6, extended). */
import { type Guarantee, guarantees, roundPractices } from './explain.js';
import { isoTime } from './format.js';
import { type BudgetReportInput, checkReportInput, summarise, unamplifiedTotals } from './input.js';
import { NO_BUDGET } from './status.js';

/** One released model: a private round, or a release without differential privacy (`private: false`, ε null). */
export interface BudgetReportJsonRound {
  round: number;
  /** ISO 8601. */
  time: string;
  private: boolean;
  /** null when not known (a release the ledger does not hold). */
  sampleRate: number | null;
  /** 0 when not private. */
  noiseMultiplier: number;
  /** null when not private. */
  clipNorm: number | null;
  minSurvivors: number | null;
  survivors: number;
  /** Total ε after this round against anyone who sees only released models; null (unbounded) when not private. */
  epsilonAfter: number | null;
  /** Total ε after this round against the coordinator and its operators (no sampling amplification); null when not private. */
  epsilonUnamplifiedAfter: number | null;
  delta: number | null;
  accountant: 'rdp' | 'pld' | null;
  /** "distributed", "central", or "none" (released without differential privacy). */
  noise: 'distributed' | 'central' | 'none';
  /** Whether the coordinator saw only the survivors' sum; null when not recorded. */
  secureAggregation: boolean | null;
  /** sha256 of the released weights (as `cohort models export` writes them) and of the model's manifest; null when not recorded. */
  modelSha256: string | null;
  manifestSha256: string | null;
  /** The entry's hash in the ledger; '' for a release the ledger does not hold (older coordinators). */
  hash: string;
  inLedger: boolean;
}

/** One ε figure with who it holds against and what it assumes. */
export interface BudgetReportJsonGuarantee {
  epsilon: number;
  delta: number;
  holdsAgainst: string;
  assumptions: string[];
}

/** The JSON report object. */
export interface BudgetReportJson {
  /** epsilon null: the coordinator runs without a budget. */
  budget: { epsilon: number | null; delta: number };
  /** ε spent against anyone who sees only released models (what the budget bounds). */
  spent: number;
  /** null without a budget. */
  remaining: number | null;
  accountant: 'rdp' | 'pld';
  /** Every released model, private or not, in round order. */
  rounds: BudgetReportJsonRound[];
  ledgerHash: string;
  /** ISO 8601. */
  generatedAt: string;
  ledgerVerified: boolean;
  /** The two figures: against released models only (with sampling amplification), and against the coordinator and its operators (without). */
  guarantees: { releasedModels: BudgetReportJsonGuarantee; coordinator: BudgetReportJsonGuarantee };
  /** Rounds released without differential privacy: ε is unbounded for the data they used. */
  nonPrivateRounds: number[];
  /** What each kind of round did, from the ledger. */
  explanation: string[];
  /** Every budget entry in the ledger, oldest first. */
  budgetChanges: { time: string; epsilon: number | null; delta: number; operator: string | null; reason: string; hash: string }[];
  /** Present without a budget: says so in words. */
  note?: string;
}

function figure(g: Guarantee, delta: number): BudgetReportJsonGuarantee {
  return { epsilon: g.epsilon, delta, holdsAgainst: g.holdsAgainst, assumptions: [...g.assumptions] };
}

/** The report as one JSON-ready object with raw (unrounded) numbers. */
export function budgetReportJson(input: BudgetReportInput): BudgetReportJson {
  const r = checkReportInput(input);
  const s = summarise(r);
  const g = guarantees(r, s);
  const unamplified = unamplifiedTotals(r.rows, r.budget.delta);
  const rounds: BudgetReportJsonRound[] = [
    ...r.rows.map((row, i) => ({
      round: row.round,
      time: isoTime(row.time),
      private: true,
      sampleRate: row.sampleRate,
      noiseMultiplier: row.noiseMultiplier,
      clipNorm: row.clipNorm,
      minSurvivors: row.minSurvivors,
      survivors: row.survivors,
      epsilonAfter: row.epsilonAfter,
      epsilonUnamplifiedAfter: unamplified[i] as number,
      delta: row.delta,
      accountant: row.accountant,
      noise: row.noise,
      secureAggregation: row.noise === 'distributed' ? true : (row.secureAggregation ?? null),
      modelSha256: row.modelSha256 ?? null,
      manifestSha256: row.manifestSha256 ?? null,
      hash: row.hash,
      inLedger: true,
    })),
    ...(r.releasesWithoutPrivacy ?? []).map((x) => ({
      round: x.round,
      time: isoTime(x.time),
      private: false,
      sampleRate: x.sampleRate ?? null,
      noiseMultiplier: 0,
      clipNorm: null,
      minSurvivors: null,
      survivors: x.survivors,
      epsilonAfter: null,
      epsilonUnamplifiedAfter: null,
      delta: null,
      accountant: null,
      noise: 'none' as const,
      secureAggregation: x.secureAggregation ?? null,
      modelSha256: x.modelSha256 ?? null,
      manifestSha256: x.manifestSha256 ?? null,
      hash: x.hash,
      inLedger: x.recorded,
    })),
  ].sort((a, b) => a.round - b.round);
  return {
    budget: { epsilon: r.budget.epsilon, delta: r.budget.delta },
    spent: s.spent,
    remaining: r.budget.epsilon === null ? null : s.remaining,
    accountant: r.accountant,
    rounds,
    ledgerHash: r.ledgerHash,
    generatedAt: isoTime(r.generatedAt),
    ledgerVerified: r.ledgerVerified,
    guarantees: { releasedModels: figure(g.releasedModels, r.budget.delta), coordinator: figure(g.coordinator, r.budget.delta) },
    nonPrivateRounds: (r.releasesWithoutPrivacy ?? []).map((x) => x.round),
    explanation: roundPractices(r).map((p) => p.text),
    budgetChanges: (r.budgetChanges ?? []).map((c) => ({ time: isoTime(c.time), epsilon: c.epsilon, delta: c.delta, operator: c.operator, reason: c.reason, hash: c.hash })),
    ...(r.budget.epsilon === null ? { note: NO_BUDGET } : {}),
  };
}
