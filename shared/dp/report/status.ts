/** Sentences on the budget's status and the ledger cross-check, shared by the text and HTML reports. */
import { formatEpsilon, formatParam, formatPercent } from './format.js';
import { type BudgetReportInput, type BudgetSummary, LOW_BUDGET_FRACTION } from './input.js';

/** Why the budget counts as exhausted, in a few words. */
export function exhaustedHeadline(input: BudgetReportInput, s: BudgetSummary): string {
  return s.spent >= input.budget.epsilon ? 'no further rounds will run' : 'no further round like the last can run';
}

/** Why the status is what it is and what happens next, in one or two sentences. */
export function statusDetail(input: BudgetReportInput, s: BudgetSummary): string[] {
  const budget = formatEpsilon(input.budget.epsilon);
  const lines: string[] = [];
  if (s.spent >= input.budget.epsilon) {
    lines.push(`The ε spent has reached the budget of ε = ${budget}; the coordinator refuses every further round.`);
  } else if (s.next) {
    const like = `Another round like the last (q = ${formatParam(s.next.sampleRate)}, σ = ${formatParam(s.next.noiseMultiplier)}) would bring the total to ε = ${formatEpsilon(s.next.epsilon)}`;
    lines.push(
      s.next.refused
        ? `${like}, over the budget of ε = ${budget}, so the coordinator refuses it; only a round with more noise or a lower sampling rate could still fit.`
        : `${like} (${formatPercent(s.next.epsilon / input.budget.epsilon)} of the budget).`,
    );
  } else if (s.fraction >= LOW_BUDGET_FRACTION) {
    lines.push(`Less than ${formatPercent(1 - LOW_BUDGET_FRACTION)} of the budget remains; a round that would take the total past ε = ${budget} is refused.`);
  }
  return lines;
}

/** The warning when the ledger's total and the recomputed one disagree. */
export function inconsistency(spent: number, recomputed: number): string {
  return `the ledger says ε = ${formatEpsilon(spent)} after the last round, but recomputing from the rounds' q and σ gives ε = ${formatEpsilon(recomputed)}; the ledger's figures may not come from this accountant.`;
}
