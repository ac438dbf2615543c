import assert from 'node:assert/strict';
import { budgetReportHtml } from '../../../shared/dp/report/index.js';
import type { LedgerRow } from '../../../shared/dp/report/index.js';
import { tagBalanceError } from './html-check.js';
import { fakeHash, ledgerRows, reportInput, rowsWithEpsilons } from './fixtures.js';
import { readChart } from './svg.js';

const HOSTILE = '<script>alert(1)</script>"\'&<img src=x onerror=alert(2)>';

function section(html: string, id: string): string {
  const start = html.search(new RegExp(`<section[^>]* aria-labelledby="${id}">`));
  assert.ok(start >= 0, `section ${id}`);
  return html.slice(start, html.indexOf('</section>', start));
}

describe('dp-report/html-check', function () {
  it('catches misnesting, unclosed tags and stray brackets', function () {
    assert.equal(tagBalanceError('<p>a<br><svg><line x1="0"/></svg></p>'), undefined);
    assert.match(tagBalanceError('<div><span></div></span>') ?? '', /<\/div> at \d+ closes <span>/);
    assert.match(tagBalanceError('<main><p>x</p>') ?? '', /unclosed: main/);
    assert.match(tagBalanceError('<p>1 < 2</p>') ?? '', /stray angle bracket/);
  });
});

describe('dp-report/html', function () {
  const rows30 = ledgerRows(30, 0.25, 1.4);
  const html30 = budgetReportHtml(reportInput(8, rows30));

  it('is one balanced, self-contained document', function () {
    for (const html of [html30, budgetReportHtml(reportInput(8, [])), budgetReportHtml(reportInput(8, rows30, { federation: HOSTILE, ledgerVerified: false }))]) {
      assert.equal(tagBalanceError(html), undefined);
      assert.ok(html.startsWith('<!DOCTYPE html>\n<html lang="en">'));
      assert.equal(html.match(/<title[ >]/g)?.length, 1 + (html.match(/<circle /g)?.length ?? 0) + 1, 'the page title, the chart title and one per point');
      assert.doesNotMatch(html, /https?:/i);
      assert.doesNotMatch(html, /<[a-z][^<>]*\s(src|href|srcset|xlink:href)=/i, 'no tag loads or links anything');
      assert.doesNotMatch(html, /<(script|link|img|iframe|object|embed)\b/i);
      assert.doesNotMatch(html, /@import|url\(|@font-face/i);
    }
  });

  it('escapes a hostile federation name and hash everywhere', function () {
    const rows = ledgerRows(2, 0.25, 1.4).map((r) => ({ ...r, hash: HOSTILE }));
    const html = budgetReportHtml(reportInput(8, rows, { federation: `${HOSTILE}\u001b[2J`, ledgerHash: HOSTILE }));
    assert.equal(tagBalanceError(html), undefined);
    assert.ok(!html.includes('<script>'));
    assert.ok(!html.includes('<img'));
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;&lt;img src=x onerror=alert(2)&gt;'));
    assert.match(html, /<title>Privacy budget report — &lt;script&gt;/);
    assert.match(html, /<bdi>&lt;script&gt;alert\(1\)&lt;\/script&gt;.*\\u001b\[2J<\/bdi>/);
    assert.ok(!html.includes('\u001b'));
  });

  it('shows budget, spend and status at a glance, and how much another round would cost', function () {
    const glance = section(html30, 'glance-h');
    assert.match(glance, /class="status within"/);
    assert.match(glance, /Within budget/);
    assert.match(glance, /Budget<\/div><div class="value">ε = 8</);
    assert.match(glance, /Spent<\/div><div class="value">ε = 6\.348</);
    assert.match(glance, /Remaining<\/div><div class="value">ε = 1\.652</);
    assert.match(glance, /δ = 10⁻⁵/);
    assert.match(glance, /79\.3% of the budget, 30 rounds/);
    assert.match(glance, /<div class="fill" style="width: 79\.35%">/);
    assert.match(glance, /aria-label="79\.3% of the privacy budget spent"/);
    assert.match(glance, /Another round like the last \(q = 0\.25, σ = 1\.4\) would bring the total to ε = 6\.449/);
    assert.match(html30, /<p class="meta">Federation <strong><bdi>North-West Hospitals<\/bdi><\/strong> · generated <time datetime="2025-03-04T08:30:00\.000Z">2025-03-04 08:30:00 UTC<\/time>/);
  });

  it('marks an exhausted budget by words and shape, not colour alone', function () {
    const rows = ledgerRows(1000, 0.3, 1.2, { budget: 8 });
    const html = budgetReportHtml(reportInput(8, rows));
    const glance = section(html, 'glance-h');
    assert.match(glance, /class="status exhausted"/);
    assert.match(glance, /<span class="icon" aria-hidden="true">■<\/span><span>Budget exhausted/);
    assert.match(glance, /no further round like the last can run/);
    assert.match(glance, /class="bar exhausted"/);
    assert.match(glance, /too little for another round like the last/);
    assert.doesNotMatch(glance, /Within budget/);
    const full = section(budgetReportHtml(reportInput(2, rowsWithEpsilons([1, 2]))), 'glance-h');
    assert.match(full, /Budget exhausted <span class="detail">— no further rounds will run/);
    assert.match(full, /nothing left/);
    // The hatching that tells "exhausted" apart in greyscale is in the stylesheet.
    assert.match(html, /\.bar\.exhausted \.fill \{ background: repeating-linear-gradient/);
  });

  it('charts one point per round with the budget line, and lists every round in the table', function () {
    const chart = section(html30, 'chart-h');
    const c = readChart(chart);
    assert.equal(c.points.length, 30);
    assert.equal(c.budgetY, c.gridY.get(8));
    assert.match(chart, /<svg class="chart"[^>]*role="img"[^>]*aria-label="[^"]+"/);
    const table = section(html30, 'rounds-h');
    assert.equal(table.match(/<tr><th scope="row">/g)?.length, 30);
    assert.equal(table.match(/<th scope="col"/g)?.length, 14);
    const r1 = rows30[0] as LedgerRow;
    assert.ok(
      table.includes(
        `<tr><th scope="row">1</th><td class="l">2025-03-03 09:07:00</td><td>0.25</td><td>1.4</td><td>1</td><td>3</td><td>5</td><td class="l">yes</td><td class="l">distributed</td><td>10⁻⁵</td><td>1.789</td><td>1.789</td><td>3.225</td><td class="l"><code title="${r1.hash}">${r1.hash.slice(0, 12)}…</code></td></tr>`,
      ),
    );
    assert.ok(table.includes('<th scope="row">30</th>'));
    assert.ok(table.includes('<td>6.348</td><td>0.1006</td>'), 'ε after and ε added by round 30');
  });

  it('explains the guarantee and its assumptions in plain language', function () {
    const text = section(html30, 'explain-h').replace(/<[^>]+>/g, '');
    assert.match(text, /whole node — one hospital or device/);
    assert.match(text, /e\s*ε ≈ 571\.4 times more or less likely/);
    assert.match(text, /δ = 10⁻⁵ is the small probability that these bounds may fail/);
    assert.match(text, /Rounds 1–30: secure aggregation with distributed noise/);
    assert.match(text, /at least m = 3 of the selected nodes follow the protocol honestly/);
    assert.match(text, /refuses any round that would exceed the budget, so no further models are released/);
    const figures = section(html30, 'figures-h').replace(/<[^>]+>/g, '');
    assert.match(figures, /independently with probability q = 0\.25 \(Poisson sampling from a secure random source\)/);
    const central = budgetReportHtml(reportInput(8, ledgerRows(3, 1, 2, { noise: 'central' })));
    const centralText = section(central, 'explain-h').replace(/<[^>]+>/g, '');
    assert.doesNotMatch(centralText, /secure sum/, 'central noise is not described as added after a secure sum it may not have had');
    assert.match(centralText, /the coordinator adds the noise itself before it releases the model/);
    assert.match(section(central, 'figures-h').replace(/<[^>]+>/g, ''), /q = 1\): no amplification by sampling is counted/);
    assert.doesNotMatch(centralText, /honestly/);
  });

  it('handles an empty ledger', function () {
    const html = budgetReportHtml(reportInput(8, [], { ledgerHash: '', federation: undefined }));
    assert.match(html, /<title>Privacy budget report<\/title>/);
    assert.match(html, /none \(the ledger is empty\)/);
    assert.match(html, /No private rounds released yet — nothing spent/);
    assert.match(html, /No model has been released yet\./);
    assert.match(html, /<div class="fill" style="width: 0\.00%">/);
    assert.equal(readChart(html).points.length, 0);
  });

  it('warns about an unverified chain and rounds with too few survivors', function () {
    const rows = ledgerRows(3, 0.25, 1.4).map((r) => (r.round === 2 ? { ...r, survivors: 1 } : r));
    const html = budgetReportHtml(reportInput(8, rows, { ledgerVerified: false, ledgerHash: fakeHash(3) }));
    assert.match(html, /✗ NOT verified/);
    assert.match(html, /class="warning">⚠ The ledger's hash chain did not check out/);
    assert.match(html, /class="warning">⚠ Round 2 had fewer survivors than m/);
    assert.match(html, /<td class="short">⚠ 1<\/td>/);
  });

  it('keeps a 1000-round report to a reasonable size', function () {
    const eps = Array.from({ length: 1000 }, (_, i) => 0.5 + Math.sqrt(i + 1) * 0.05);
    const html = budgetReportHtml(reportInput(8, rowsWithEpsilons(eps), { accountant: 'pld' }));
    assert.equal(tagBalanceError(html), undefined);
    assert.equal(readChart(html).points.length, 1000);
    assert.ok(html.length < 600_000, `${html.length} characters`);
  });
});
