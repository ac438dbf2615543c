/** The terminal budget report: summary, ledger head, per-round table, what it means. */
import { guaranteeFacts, guaranteeLines, isShortRound } from './explain.js';
import { formatDelta, formatEpsilon, formatEpsilonFixed, formatParam, formatPercent, escapeControls, utcTime } from './format.js';
import { type BudgetReportInput, checkReportInput, summarise } from './input.js';
import { exhaustedHeadline, inconsistency, statusDetail } from './status.js';

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

/** The report as plain text for a terminal (UTF-8; control characters in names are escaped). */
export function budgetReportText(input: BudgetReportInput): string {
  const r = checkReportInput(input);
  const s = summarise(r);
  const f = guaranteeFacts(r, s);
  const out: string[] = [];
  const title = r.federation !== undefined ? `Privacy budget report — federation "${escapeControls(r.federation)}"` : 'Privacy budget report';
  out.push(title, `Generated ${utcTime(r.generatedAt)} · accountant ${r.accountant.toUpperCase()}`, '');
  const budgetEps = `ε = ${formatEpsilon(r.budget.epsilon)}`;
  const spentEps = `ε = ${formatEpsilon(s.spent)}`;
  const w = Math.max(budgetEps.length, spentEps.length) + 2;
  out.push(`  Budget     ${budgetEps.padEnd(w)}δ = ${formatDelta(r.budget.delta)}`);
  out.push(`  Spent      ${spentEps.padEnd(w)}${formatPercent(s.fraction)} of budget  ${asciiBar(s.fraction)}`);
  out.push(`  Remaining  ε = ${formatEpsilon(s.remaining)}`);
  out.push(`  Status     ${s.status === 'exhausted' ? `BUDGET EXHAUSTED: ${exhaustedHeadline(r, s)}` : 'within budget'}`);
  for (const line of statusDetail(r, s)) out.push(...wrap(line, 100, '             '));
  out.push('');
  const rounds = `${r.rows.length} round${r.rows.length === 1 ? '' : 's'} recorded`;
  out.push(`  Ledger     ${rounds}, head ${r.ledgerHash === '' ? '(empty)' : escapeControls(r.ledgerHash)}`);
  out.push(`  Chain      ${r.ledgerVerified ? `verified${r.rows.length === 0 ? ' (empty)' : ': every entry hashes to the head above'}` : 'NOT VERIFIED: the hash chain did not check out; do not rely on these figures'}`);
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
  out.push('', 'Rounds');
  if (r.rows.length === 0) {
    out.push('  (none: no model has been released under this budget)');
  } else {
    const body = r.rows.map((row) => [
      String(row.round),
      utcTime(row.time).replace(' UTC', ''),
      formatParam(row.sampleRate),
      formatParam(row.noiseMultiplier),
      formatParam(row.clipNorm),
      String(row.minSurvivors),
      `${isShortRound(row) ? '! ' : ''}${row.survivors}`,
      row.noise,
      formatEpsilonFixed(row.epsilonAfter),
    ]);
    const lines = table(
      ['round', 'committed (UTC)', 'q', 'σ', 'C', 'm', 'survivors', 'noise', 'ε after'],
      ['right', 'left', 'right', 'right', 'right', 'right', 'right', 'left', 'right'],
      body,
    );
    out.push(...lines.map((l) => `  ${l}`));
  }
  out.push('', 'What this means');
  for (const line of guaranteeLines(r, s)) out.push(...wrap(line, 100, '  - '));
  return `${out.join('\n')}\n`;
}
