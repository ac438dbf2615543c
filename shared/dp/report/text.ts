/** The terminal budget report: summary, ledger head, per-round table, what it means. */
import { guaranteeFacts, guaranteeLines, guarantees, isShortRound, roundList } from './explain.js';
import { formatDelta, formatEpsilon, formatEpsilonFixed, formatParam, formatPercent, escapeControls, utcTime } from './format.js';
import { type BudgetReportInput, checkReportInput, summarise, unamplifiedTotals } from './input.js';
import { exhaustedHeadline, inconsistency, nonPrivateWarning, statusDetail } from './status.js';

const BAR_WIDTH = 30;

/** "[#####.....]" for the share spent; only a budget spent in full fills the whole bar. */
export function asciiBar(fraction: number, width = BAR_WIDTH): string {
  const filled = fraction >= 1 ? width : Math.min(width - 1, Math.floor(Math.max(0, fraction) * width));
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

type Align = 'left' | 'right';

function table(headers: readonly string[], align: readonly Align[], body: readonly (readonly string[])[]): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (align[i] === 'right' ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)];
}

/** Wrap `text` at `width` columns: the first line starts with `first`, the others with as many spaces. */
function wrap(text: string, width: number, first: string): string[] {
  const out: string[] = [];
  let prefix = first;
  let cur = '';
  for (const word of text.split(' ')) {
    if (cur !== '' && prefix.length + cur.length + 1 + word.length > width) {
      out.push(prefix + cur);
      prefix = ' '.repeat(first.length);
      cur = word;
    } else {
      cur = cur === '' ? word : `${cur} ${word}`;
    }
  }
  out.push(prefix + cur);
  return out;
}

/** "yes", "no" or "?" (not recorded). */
function yesNo(v: boolean | undefined): string {
  return v === undefined ? '?' : v ? 'yes' : 'no';
}

/** The report as plain text for a terminal (UTF-8; control characters in names are escaped). */
export function budgetReportText(input: BudgetReportInput): string {
  const r = checkReportInput(input);
  const s = summarise(r);
  const f = guaranteeFacts(r, s);
  const g = guarantees(r, s);
  const out: string[] = [];
  const title = r.federation !== undefined ? `Privacy budget report — federation "${escapeControls(r.federation)}"` : 'Privacy budget report';
  out.push(title, `Generated ${utcTime(r.generatedAt)} · accountant ${r.accountant.toUpperCase()}`, '');
  const budget = r.budget.epsilon;
  const budgetEps = budget === null ? 'none' : `ε = ${formatEpsilon(budget)}`;
  const spentEps = `ε = ${formatEpsilon(s.spent)}`;
  const w = Math.max(budgetEps.length, spentEps.length) + 2;
  out.push(`  Budget     ${budgetEps.padEnd(w)}δ = ${formatDelta(r.budget.delta)}`);
  if (budget === null) {
    out.push(`  Spent      ${spentEps}`);
    out.push('  Status     NO BUDGET: rounds are accounted but never refused');
  } else {
    out.push(`  Spent      ${spentEps.padEnd(w)}${formatPercent(s.fraction)} of budget  ${asciiBar(s.fraction)}`);
    out.push(`  Remaining  ε = ${formatEpsilon(s.remaining)}`);
    out.push(`  Status     ${s.status === 'exhausted' ? `BUDGET EXHAUSTED: ${exhaustedHeadline(r, s)}` : 'within budget'}`);
    for (const line of statusDetail(r, s)) out.push(...wrap(line, 100, '             '));
  }
  if (f.nonPrivateRounds.length > 0) out.push('', ...wrap(nonPrivateWarning(f.nonPrivateRounds, upperFirst(roundList(f.nonPrivateRounds))), 100, '  ! '));
  out.push('', 'Guarantees (ε with δ = ' + formatDelta(r.budget.delta) + ')');
  for (const [label, x] of [
    ['Against anyone who sees only the released models', g.releasedModels],
    ['Against the coordinator and its operators', g.coordinator],
  ] as const) {
    out.push(`  ${label}: ε = ${formatEpsilon(x.epsilon)}`);
    out.push(...wrap(`Holds against ${x.holdsAgainst}. It rests on:`, 100, '    '));
    for (const a of x.assumptions) out.push(...wrap(a, 100, '    - '));
  }
  out.push('');
  const recorded = r.rows.length + (r.releasesWithoutPrivacy ?? []).filter((x) => x.recorded).length;
  const budgetEntries = (r.budgetChanges ?? []).length;
  out.push(`  Ledger     ${recorded} released model${recorded === 1 ? '' : 's'} and ${budgetEntries} budget entr${budgetEntries === 1 ? 'y' : 'ies'} recorded`);
  out.push(`  Head       ${r.ledgerHash === '' ? '(empty)' : escapeControls(r.ledgerHash)}`);
  out.push(`  Chain      ${r.ledgerVerified ? `verified${r.ledgerHash === '' ? ' (empty)' : ': every entry hashes to the head above'}` : 'NOT VERIFIED: the hash chain did not check out; do not rely on these figures'}`);
  if (!s.consistent && s.recomputed !== undefined) {
    out.push(...wrap(`WARNING: ${inconsistency(s.spent, s.recomputed)}`, 100, '  ! '));
  }
  if (f.shortRounds.length > 0) {
    out.push(
      ...wrap(
        `WARNING: round${f.shortRounds.length === 1 ? '' : 's'} ${f.shortRounds.join(', ')} had fewer survivors than m, so the distributed noise was below what the accountant assumed.`,
        100,
        '  ! ',
      ),
    );
  }
  const unrecorded = (r.releasesWithoutPrivacy ?? []).filter((x) => !x.recorded);
  if (unrecorded.length > 0) {
    out.push(...wrap(`${upperFirst(roundList(unrecorded.map((x) => x.round)))} released models that are not in the ledger (committed before Cohort recorded releases without privacy); they are listed from the coordinator's round records.`, 100, '  ! '));
  }
  const changes = r.budgetChanges ?? [];
  if (changes.length > 0) {
    out.push('', 'Budget changes (in the ledger)');
    let before: string | undefined;
    for (const c of changes) {
      const now = `${c.epsilon === null ? 'no budget' : `ε = ${formatEpsilon(c.epsilon)}`}, δ = ${formatDelta(c.delta)}`;
      const who = c.operator === null ? 'recorded at first start' : `changed by ${escapeControls(c.operator)}${before !== undefined ? ` from ${before}` : ''}`;
      out.push(...wrap(`${utcTime(c.time)}  ${now} (${who}): "${escapeControls(c.reason)}"`, 100, '  '));
      before = now;
    }
  }
  out.push('', 'Rounds');
  const unamplified = unamplifiedTotals(r.rows, r.budget.delta);
  const body: { round: number; cells: string[] }[] = [
    ...r.rows.map((row, i) => ({
      round: row.round,
      cells: [
        String(row.round),
        utcTime(row.time).replace(' UTC', ''),
        formatParam(row.sampleRate),
        formatParam(row.noiseMultiplier),
        formatParam(row.clipNorm),
        String(row.minSurvivors),
        `${isShortRound(row) ? '! ' : ''}${row.survivors}`,
        row.noise === 'distributed' ? 'yes' : yesNo(row.secureAggregation),
        row.noise,
        formatEpsilonFixed(row.epsilonAfter),
        formatEpsilonFixed(unamplified[i] as number),
      ],
    })),
    ...(r.releasesWithoutPrivacy ?? []).map((x) => ({
      round: x.round,
      cells: [String(x.round), utcTime(x.time).replace(' UTC', ''), x.sampleRate === undefined ? '?' : formatParam(x.sampleRate), '-', '-', '-', String(x.survivors), yesNo(x.secureAggregation), 'none', '∞ not private', '∞'],
    })),
  ].sort((a, b) => a.round - b.round);
  if (body.length === 0) {
    out.push('  (none: no model has been released)');
  } else {
    const lines = table(
      ['round', 'committed (UTC)', 'q', 'σ', 'C', 'm', 'survivors', 'secure', 'noise', 'ε models', 'ε coordinator'],
      ['right', 'left', 'right', 'right', 'right', 'right', 'right', 'left', 'left', 'right', 'right'],
      body.map((b) => b.cells),
    );
    out.push(...lines.map((l) => `  ${l}`));
  }
  out.push('', 'What this means');
  for (const line of guaranteeLines(r, s)) out.push(...wrap(line, 100, '  - '));
  return `${out.join('\n')}\n`;
}

function upperFirst(t: string): string {
  return t.charAt(0).toUpperCase() + t.slice(1);
}
