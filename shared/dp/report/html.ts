/**
 * The printable HTML budget report: one self-contained file (inline CSS and SVG, no scripts,
 * fonts, images or links), every inserted string escaped, status shown by words and shapes as
 * well as colour so that it survives a greyscale printer.
 */
import { epsilonChartSvg, usesLogScale } from './chart.js';
import { guaranteeFacts, guarantees, isShortRound, noiseAssumption, roundList, roundPractices } from './explain.js';
import { escapeHtml as esc, formatDelta, formatEpsilon, formatEpsilonFixed, formatParam, formatPercent, isoTime, prettyScientific, escapeControls, utcTime } from './format.js';
import { type BudgetReportInput, type BudgetSummary, checkReportInput, summarise, unamplifiedTotals } from './input.js';
import { exhaustedHeadline, inconsistency, NO_BUDGET, nonPrivateWarning, statusDetail } from './status.js';

/** Characters of an entry hash shown in the table (the full hashes are in the JSON report). */
const SHORT_HASH = 12;

const ACCOUNTANT_NAMES = { rdp: 'RDP (Rényi differential privacy)', pld: 'PLD (privacy loss distribution)' } as const;

const CSS = `
:root { color-scheme: light; --ink: #161616; --muted: #555; --rule: #cfcfcf; --ok: #1b5e20; --bad: #8b1a1a; --accent: #1f4e8c; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0 auto; max-width: 980px; padding: 28px 32px 40px; color: var(--ink); background: #fff;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header { border-bottom: 3px solid var(--ink); padding-bottom: 12px; margin-bottom: 20px; }
.kicker { margin: 0; text-transform: uppercase; letter-spacing: .08em; font-size: 12px; color: var(--muted); }
h1 { margin: 2px 0 6px; font-size: 28px; line-height: 1.2; }
h2 { font-size: 19px; margin: 28px 0 10px; border-bottom: 1px solid var(--rule); padding-bottom: 4px; }
h3 { font-size: 16px; margin: 18px 0 6px; }
.meta { margin: 0; color: var(--muted); }
.meta strong { color: var(--ink); }
.status { display: flex; align-items: center; gap: 12px; padding: 10px 16px; border-radius: 6px; font-size: 20px; font-weight: 700; margin: 8px 0 16px; }
.status .icon { font-size: 26px; line-height: 1; }
.status.within { color: var(--ok); border: 2px solid var(--ok); background: #eef6ee; }
.status.exhausted { color: #fff; border: 4px double #fff; outline: 3px solid var(--bad); background: var(--bad); }
.status .detail, h3 .detail { font-size: 14px; font-weight: 400; }
.figures { display: grid; grid-template-columns: repeat(3, 1fr); gap: 14px; }
.figure { border: 1px solid var(--rule); border-radius: 6px; padding: 10px 14px; }
.figure .label { font-size: 13px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); }
.figure .value { font-size: 34px; font-weight: 700; line-height: 1.15; font-variant-numeric: tabular-nums; }
.figure .sub { font-size: 13px; color: var(--muted); }
.bar { position: relative; height: 22px; margin: 16px 0 4px; border: 2px solid var(--ink); border-radius: 4px; background: #fff; overflow: hidden; }
.bar .fill { height: 100%; background: var(--accent); }
.bar.exhausted .fill { background: repeating-linear-gradient(45deg, var(--bad) 0 6px, #000 6px 9px); }
.bar-caption { display: flex; justify-content: space-between; font-size: 13px; color: var(--muted); }
.note { margin: 10px 0; padding: 8px 12px; border-left: 5px solid var(--ink); background: #f4f4f4; }
.warning { margin: 10px 0; padding: 8px 12px; border: 2px solid var(--bad); color: var(--bad); font-weight: 600; }
.ledger { display: grid; grid-template-columns: max-content 1fr; gap: 4px 14px; margin: 0; }
.ledger dt { font-weight: 600; }
.ledger dd { margin: 0; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 13px; word-break: break-all; }
figure { margin: 0; break-inside: avoid; }
.chart { width: 100%; height: auto; display: block; border: 1px solid var(--rule); }
figcaption { font-size: 13px; color: var(--muted); margin-top: 6px; }
table { width: 100%; border-collapse: collapse; font-size: 13px; font-variant-numeric: tabular-nums; }
caption { text-align: left; color: var(--muted); padding-bottom: 6px; }
th, td { padding: 4px 8px; border-bottom: 1px solid var(--rule); text-align: right; white-space: nowrap; }
thead th { border-bottom: 2px solid var(--ink); vertical-align: bottom; }
tbody th { font-weight: 600; }
th.l, td.l { text-align: left; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
tbody tr:nth-child(even) { background: #f7f7f7; }
td.short { color: var(--bad); font-weight: 700; }
.explain p, .explain li { max-width: 78ch; }
.explain li { margin-bottom: 6px; }
footer { margin-top: 32px; padding-top: 8px; border-top: 1px solid var(--rule); font-size: 12px; color: var(--muted); }
@page { margin: 14mm; }
@media print {
  body { padding: 0; max-width: none; font-size: 12px; }
  h2 { break-after: avoid; }
  .figures { gap: 8px; }
  .figure .value { font-size: 26px; }
}
@media (max-width: 640px) { .figures { grid-template-columns: 1fr; } }
`;

/** ε as HTML text: scientific forms get a real superscript exponent. */
function epsHtml(x: number): string {
  return esc(prettyScientific(formatEpsilon(x)));
}

function epsFixedHtml(x: number): string {
  return esc(prettyScientific(formatEpsilonFixed(x)));
}

function deltaHtml(x: number): string {
  return esc(prettyScientific(formatDelta(x)));
}

function remainingNote(r: BudgetReportInput, s: BudgetSummary): string {
  if (r.budget.epsilon === null) return 'no budget: nothing is refused';
  if (s.remaining === 0) return 'nothing left';
  const share = `${formatPercent(s.remaining / r.budget.epsilon)} of the budget`;
  return s.next?.refused === true ? `${share}: too little for another round like the last` : share;
}

function upperFirst(t: string): string {
  return t.charAt(0).toUpperCase() + t.slice(1);
}

/** The report as one self-contained, printable HTML document. */
export function budgetReportHtml(input: BudgetReportInput): string {
  const r = checkReportInput(input);
  const s = summarise(r);
  const f = guaranteeFacts(r, s);
  const exhausted = s.status === 'exhausted';
  // Control characters would show as boxes (or hide text): make them visible escapes instead.
  const fed = r.federation !== undefined && r.federation !== '' ? escapeControls(r.federation) : undefined;
  const title = `Privacy budget report${fed !== undefined ? ` — ${fed}` : ''}`;
  const percent = formatPercent(s.fraction);
  const barWidth = Math.min(100, Math.max(0, s.fraction * 100));
  const roundsText = `${r.rows.length} round${r.rows.length === 1 ? '' : 's'}`;
  const h: string[] = [];

  h.push(
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(title)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    '<header>',
    '<p class="kicker">Cohort · differential privacy</p>',
    '<h1>Privacy budget report</h1>',
    `<p class="meta">${fed !== undefined ? `Federation <strong><bdi>${esc(fed)}</bdi></strong> · ` : ''}generated <time datetime="${esc(isoTime(r.generatedAt))}">${esc(utcTime(r.generatedAt))}</time> · accountant ${esc(ACCOUNTANT_NAMES[r.accountant])}</p>`,
    '</header>',
    '<main>',
  );

  // At a glance.
  const budget = r.budget.epsilon;
  const g = guarantees(r, s);
  h.push('<section aria-labelledby="glance-h">', '<h2 id="glance-h">At a glance</h2>');
  if (budget === null) {
    h.push(`<div class="status exhausted" role="status"><span class="icon" aria-hidden="true">!</span><span>No privacy budget <span class="detail">— ${esc(NO_BUDGET)}</span></span></div>`);
  } else {
    h.push(
      exhausted
        ? `<div class="status exhausted" role="status"><span class="icon" aria-hidden="true">■</span><span>Budget exhausted <span class="detail">— ${esc(exhaustedHeadline(r, s))}</span></span></div>`
        : `<div class="status within" role="status"><span class="icon" aria-hidden="true">✓</span><span>Within budget <span class="detail">— ${esc(percent)} spent, ε = ${epsHtml(s.remaining)} left</span></span></div>`,
    );
  }
  if (f.nonPrivateRounds.length > 0) h.push(`<p class="warning">⚠ ${esc(nonPrivateWarning(f.nonPrivateRounds, upperFirst(roundList(f.nonPrivateRounds))))}</p>`);
  h.push(
    '<div class="figures">',
    `<div class="figure"><div class="label">Budget</div><div class="value">${budget === null ? 'none' : `ε = ${epsHtml(budget)}`}</div><div class="sub">δ = ${deltaHtml(r.budget.delta)}</div></div>`,
    `<div class="figure"><div class="label">Spent</div><div class="value">ε = ${epsHtml(s.spent)}</div><div class="sub">${budget === null ? '' : `${esc(percent)} of the budget, `}${esc(roundsText)}</div></div>`,
    `<div class="figure"><div class="label">Remaining</div><div class="value">${budget === null ? '—' : `ε = ${epsHtml(s.remaining)}`}</div><div class="sub">${esc(remainingNote(r, s))}</div></div>`,
    '</div>',
  );
  if (budget !== null) {
    h.push(
      `<div class="bar${exhausted ? ' exhausted' : ''}" role="img" aria-label="${esc(`${percent} of the privacy budget spent`)}"><div class="fill" style="width: ${barWidth.toFixed(2)}%"></div></div>`,
      `<div class="bar-caption"><span>0</span><span>${esc(percent)} spent</span><span>budget ε = ${epsHtml(budget)}</span></div>`,
    );
  }
  for (const line of statusDetail(r, s)) h.push(`<p class="note">${esc(line)}</p>`);
  h.push('</section>');

  // The two figures and whom each holds against.
  h.push('<section aria-labelledby="figures-h">', '<h2 id="figures-h">Who the figures hold against</h2>');
  for (const [label, x] of [
    ['Against anyone who sees only the released models', g.releasedModels],
    ['Against the coordinator and its operators', g.coordinator],
  ] as const) {
    h.push(
      `<h3>${esc(label)}: ε = ${epsHtml(x.epsilon)} <span class="detail">(δ = ${deltaHtml(r.budget.delta)})</span></h3>`,
      `<p>Holds against ${esc(x.holdsAgainst)}. It rests on:</p>`,
      '<ul>',
      ...x.assumptions.map((a) => `<li>${esc(a)}</li>`),
      '</ul>',
    );
  }
  h.push(`<p>The budget bounds the first figure.${g.coordinator.epsilon > g.releasedModels.epsilon ? ' The second is larger because it cannot count on random selection.' : ''}</p>`, '</section>');

  // Ledger integrity.
  h.push(
    '<section aria-labelledby="ledger-h">',
    '<h2 id="ledger-h">Ledger integrity</h2>',
    '<dl class="ledger">',
    `<dt>Head of the hash chain</dt><dd>${r.ledgerHash === '' ? 'none (the ledger is empty)' : `<code>${esc(r.ledgerHash)}</code>`}</dd>`,
    `<dt>Chain check</dt><dd>${r.ledgerVerified ? `✓ Verified${r.rows.length === 0 ? ' (the ledger is empty)' : ': every entry hashes to the head above'}` : '<strong>✗ NOT verified</strong>'}</dd>`,
    `<dt>Entries</dt><dd>${esc(roundsText)}</dd>`,
    '</dl>',
  );
  if (!r.ledgerVerified) {
    h.push('<p class="warning">⚠ The ledger\'s hash chain did not check out: an entry may have been altered or removed. Do not rely on the figures in this report until this is resolved.</p>');
  }
  if (!s.consistent && s.recomputed !== undefined) {
    h.push(`<p class="warning">⚠ ${esc(upperFirst(inconsistency(s.spent, s.recomputed)))}</p>`);
  }
  if (f.shortRounds.length > 0) {
    const list = f.shortRounds.join(', ');
    h.push(`<p class="warning">⚠ Round${f.shortRounds.length === 1 ? '' : 's'} ${esc(list)} had fewer survivors than m, so the distributed noise was below what the accountant assumed for ${f.shortRounds.length === 1 ? 'it' : 'them'}.</p>`);
  }
  h.push(
    '<p>Each round\'s entry includes the hash of the entry before it and is written to disk before that round\'s model is released, so no round can be removed or changed without changing the head hash.</p>',
    '</section>',
  );

  // Budget changes.
  const changes = r.budgetChanges ?? [];
  if (changes.length > 0) {
    h.push('<section aria-labelledby="changes-h">', '<h2 id="changes-h">Budget changes</h2>', '<table>', '<caption>Every budget entry in the ledger, oldest first; times in UTC.</caption>');
    h.push('<thead><tr><th scope="col" class="l">When (UTC)</th><th scope="col">Budget</th><th scope="col">δ</th><th scope="col" class="l">By</th><th scope="col" class="l">Reason</th><th scope="col" class="l">Entry hash</th></tr></thead>', '<tbody>');
    for (const c of changes) {
      const hash = c.hash.length > SHORT_HASH ? `${c.hash.slice(0, SHORT_HASH)}…` : c.hash;
      h.push(
        `<tr><td class="l">${esc(utcTime(c.time).replace(' UTC', ''))}</td><td>${c.epsilon === null ? 'none' : `ε = ${epsHtml(c.epsilon)}`}</td><td>${deltaHtml(c.delta)}</td><td class="l">${c.operator === null ? 'first start' : esc(escapeControls(c.operator))}</td><td class="l">${esc(escapeControls(c.reason))}</td><td class="l"><code title="${esc(c.hash)}">${esc(hash)}</code></td></tr>`,
      );
    }
    h.push('</tbody>', '</table>', '</section>');
  }

  // Chart.
  const log = usesLogScale(
    r.rows.map((x) => x.epsilonAfter),
    r.budget.epsilon,
  );
  h.push(
    '<section aria-labelledby="chart-h">',
    '<h2 id="chart-h">Spending over rounds</h2>',
    '<figure>',
    epsilonChartSvg(r.rows, r.budget.epsilon),
    `<figcaption>Each point is the total ε spent after a private round, against anyone who sees only the released models.${
      budget === null ? ' There is no budget line: this coordinator runs without a budget.' : ` The dashed line is the budget (ε = ${epsHtml(budget)}) and the shaded band above it is where rounds are refused.`
    }${
      log ? ` Spending is far below the budget (${esc(percent)}), so the vertical axis is logarithmic: each gridline is ten times the one below it.` : ''
    }</figcaption>`,
    '</figure>',
    '</section>',
  );

  // Plain language, generated from what each round did.
  h.push(
    '<section class="explain" aria-labelledby="explain-h">',
    '<h2 id="explain-h">What this means</h2>',
    `<p>Cohort trains a shared model while each participant's data stays where it is. The privacy guarantee protects a whole <strong>node</strong> — one hospital or device, together with all of its data — not just a single record. ${
      s.spent > 0
        ? `With ε = ${epsHtml(s.spent)} spent so far, anyone who sees only the models released so far — even someone who knows every other node's data — sees results that are at most e<sup>ε</sup> ≈ ${esc(f.likelihoodFactor)} times more or less likely with any one node's contribution than without it.`
        : 'No private round has been released yet, so nothing has been spent.'
    } Smaller ε means stronger protection. δ = ${deltaHtml(r.budget.delta)} is the small probability that these bounds may fail.${
      budget === null ? ' There is no budget: nothing stops further rounds.' : ` The budget, ε = ${epsHtml(budget)}, is the most that will ever be spent under it.`
    }</p>`,
    '<h3>What each round did (from the ledger)</h3>',
    '<ul>',
    ...roundPractices(r).map((p) => `<li>${esc(p.text)}</li>`),
    '</ul>',
    '<h3>What the guarantee rests on</h3>',
    '<ul>',
    '<li><strong>Unit of privacy:</strong> a whole node. A person whose records are held by one node is protected at least as well; a person with records at several nodes is covered by a correspondingly weaker bound (up to ε times the number of those nodes).</li>',
    `<li><strong>Limited influence and noise:</strong> each node caps the size of its update at C (clipping), and random Gaussian noise of σ·C in total is added to the sum, which assumes that ${esc(noiseAssumption(f))}.</li>`,
    `<li><strong>Failure probability:</strong> δ = ${deltaHtml(r.budget.delta)} is the chance that the ε bounds do not hold.</li>`,
    budget === null
      ? '<li><strong>No budget:</strong> the coordinator accounts every round but refuses none.</li>'
      : '<li><strong>When the budget is spent:</strong> before each round the coordinator works out the total ε the round would bring (against released models) and refuses any round that would exceed the budget, so no further models are released. Models already released stay covered by the figures above.</li>',
    '<li><strong>Scope:</strong> the figures cover the sequence of released models. Rounds that were skipped, failed or refused released nothing and spent nothing, so they are not listed. Federated evaluation (each node\'s accuracy and loss on its own held-out data) is reported to the coordinator in the clear and is not covered.</li>',
    '</ul>',
    '</section>',
  );

  // Per-round table: every released model, private or not.
  h.push('<section aria-labelledby="rounds-h">', '<h2 id="rounds-h">Rounds</h2>');
  const releases = r.releasesWithoutPrivacy ?? [];
  if (r.rows.length === 0 && releases.length === 0) {
    h.push('<p>No model has been released yet.</p>');
  } else {
    h.push(
      '<table>',
      `<caption>Every released model, from the ledger; times in UTC. q: sampling rate; σ: noise multiplier; C: clip norm; m: honest survivors the noise needs; ε models: against anyone who sees only the released models; ε coordinator: against the coordinator and its operators.</caption>`,
      '<thead><tr>',
      '<th scope="col">Round</th><th scope="col" class="l">Committed (UTC)</th><th scope="col">q</th><th scope="col">σ</th><th scope="col">C</th><th scope="col">m</th><th scope="col">Survivors</th><th scope="col" class="l">Secure agg.</th><th scope="col" class="l">Noise</th><th scope="col">δ</th><th scope="col">ε models</th><th scope="col">ε added</th><th scope="col">ε coordinator</th><th scope="col" class="l">Entry hash</th>',
      '</tr></thead>',
      '<tbody>',
    );
    const unamplified = unamplifiedTotals(r.rows, r.budget.delta);
    const lines: { round: number; html: string }[] = [];
    let prev = 0;
    for (const [i, row] of r.rows.entries()) {
      const short = isShortRound(row);
      const hash = row.hash.length > SHORT_HASH ? `${row.hash.slice(0, SHORT_HASH)}…` : row.hash;
      const secure = row.noise === 'distributed' || row.secureAggregation === true ? 'yes' : row.secureAggregation === false ? 'no' : 'not recorded';
      lines.push({
        round: row.round,
        html:
          `<tr><th scope="row">${row.round}</th><td class="l">${esc(utcTime(row.time).replace(' UTC', ''))}</td><td>${esc(formatParam(row.sampleRate))}</td><td>${esc(formatParam(row.noiseMultiplier))}</td><td>${esc(formatParam(row.clipNorm))}</td><td>${row.minSurvivors}</td>` +
          `<td${short ? ' class="short"' : ''}>${short ? '⚠ ' : ''}${row.survivors}</td><td class="l">${secure}</td><td class="l">${esc(row.noise)}</td><td>${deltaHtml(row.delta)}</td><td>${epsFixedHtml(row.epsilonAfter)}</td><td>${epsFixedHtml(row.epsilonAfter - prev)}</td><td>${epsFixedHtml(unamplified[i] as number)}</td>` +
          `<td class="l"><code title="${esc(row.hash)}">${esc(hash)}</code></td></tr>`,
      });
      prev = row.epsilonAfter;
    }
    for (const x of releases) {
      const hash = x.hash === '' ? 'not in the ledger' : x.hash.length > SHORT_HASH ? `${x.hash.slice(0, SHORT_HASH)}…` : x.hash;
      const secure = x.secureAggregation === undefined ? 'not recorded' : x.secureAggregation ? 'yes' : 'no';
      lines.push({
        round: x.round,
        html:
          `<tr class="not-private"><th scope="row">${x.round}</th><td class="l">${esc(utcTime(x.time).replace(' UTC', ''))}</td><td>${x.sampleRate === undefined ? '?' : esc(formatParam(x.sampleRate))}</td><td>–</td><td>–</td><td>–</td><td>${x.survivors}</td><td class="l">${secure}</td><td class="l">none</td><td>–</td>` +
          `<td class="short" colspan="3">∞ — released without differential privacy</td><td class="l"><code title="${esc(x.hash)}">${esc(hash)}</code></td></tr>`,
      });
    }
    h.push(...lines.sort((a, b) => a.round - b.round).map((l) => l.html), '</tbody>', '</table>');
  }
  h.push('</section>', '</main>');
  h.push(
    `<footer>Generated by Cohort from the coordinator's privacy ledger at ${esc(utcTime(r.generatedAt))}. The same figures in machine-readable form: <code>cohort budget report --format json</code>.</footer>`,
    '</body>',
    '</html>',
  );
  return `${h.join('\n')}\n`;
}
