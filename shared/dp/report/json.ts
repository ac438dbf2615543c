/** The JSON budget report: the shape `cohort budget report --format json` prints (PLAN §6). */
import { isoTime } from './format.js';
import { type BudgetReportInput, type LedgerRow, checkReportInput, summarise } from './input.js';

/** A ledger row with its commit time as ISO 8601. */
export type BudgetReportJsonRound = Omit<LedgerRow, 'time'> & { time: string };

/** The JSON report object. */
export interface BudgetReportJson {
  budget: { epsilon: number; delta: number };
  spent: number;
  remaining: number;
  accountant: 'rdp' | 'pld';
  rounds: BudgetReportJsonRound[];
  ledgerHash: string;
  /** ISO 8601. */
  generatedAt: string;
  ledgerVerified: boolean;
}

/** The report as one JSON-ready object with raw (unrounded) numbers. */
export function budgetReportJson(input: BudgetReportInput): BudgetReportJson {
  const r = checkReportInput(input);
  const { spent, remaining } = summarise(r);
  return {
    budget: { epsilon: r.budget.epsilon, delta: r.budget.delta },
    spent,
    remaining,
    accountant: r.accountant,
    rounds: r.rows.map((row) => ({
      round: row.round,
      time: isoTime(row.time),
      sampleRate: row.sampleRate,
      noiseMultiplier: row.noiseMultiplier,
      clipNorm: row.clipNorm,
      minSurvivors: row.minSurvivors,
      survivors: row.survivors,
      epsilonAfter: row.epsilonAfter,
      delta: row.delta,
      accountant: row.accountant,
      noise: row.noise,
      hash: row.hash,
    })),
    ledgerHash: r.ledgerHash,
    generatedAt: isoTime(r.generatedAt),
    ledgerVerified: r.ledgerVerified,
  };
}
