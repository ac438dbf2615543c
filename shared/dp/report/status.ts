/** Sentences on the budget's status and the ledger cross-check, shared by the text and HTML reports. */
import { formatEpsilon, formatParam, formatPercent } from './format.js';
import { type BudgetReportInput, type BudgetSummary, LOW_BUDGET_FRACTION } from './input.js';

/** Why the budget counts as exhausted, in a few words. */
export function exhaustedHeadline(input: BudgetReportInput, s: BudgetSummary): string {
  return input.budget.epsilon !== null && s.spent >= input.budget.epsilon ? 'no further rounds will run' : 'no further round like the last can run';
}

/** The plain statement for a federation without a budget. */
export const NO_BUDGET = 'This coordinator runs without a privacy budget: rounds are accounted in the ledger but never refused.';

/** Why the status is what it is and what happens next, in one or two sentences. */
export function statusDetail(input: BudgetReportInput, s: BudgetSummary): string[] {
  const lines: string[] = [];
  if (input.budget.epsilon === null) {
    lines.push(NO_BUDGET);
    return lines;
  }
  const budget = formatEpsilon(input.budget.epsilon);
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

/** The headline warning when models were released without differential privacy. */
export function nonPrivateWarning(rounds: readonly number[], list: string): string {
  return `NOT PRIVATE: ${list} released ${rounds.length === 1 ? 'a model' : 'models'} without differential privacy; for the data ${rounds.length === 1 ? 'that round' : 'those rounds'} used, ε is unbounded.`;
}
