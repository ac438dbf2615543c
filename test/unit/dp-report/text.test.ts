import assert from 'node:assert/strict';
import { budgetReportText, summarise } from '../../../shared/dp/report/index.js';
import { asciiBar } from '../../../shared/dp/report/text.js';
import { fakeHash, ledgerRows, reportInput, rowsWithEpsilons } from './fixtures.js';

describe('dp-report/text', function () {
  it('shows budget, spent, remaining with percentage and bar, the chain head and the rounds', function () {
    const rows = ledgerRows(30, 0.25, 1.4);
    const input = reportInput(8, rows);
    const t = budgetReportText(input);
    const s = summarise(input);
    assert.equal(s.spent.toPrecision(4), '6.348');
    assert.match(t, /Privacy budget report — federation "North-West Hospitals"/);
    assert.match(t, /Generated 2025-03-04 08:30:00 UTC · accountant RDP/);
    assert.match(t, /Budget +ε = 8 +δ = 1e-5/);
    assert.match(t, /Spent +ε = 6\.348 +79\.3% of budget +\[#{23}\.{7}\]/);
    assert.match(t, /Remaining +ε = 1\.652/);
    assert.match(t, /Status +within budget/);
    assert.match(t, /Another round like the last \(q = 0\.25, σ = 1\.4\) would bring the total to ε = 6\.449/);
    assert.ok(t.includes(`Head       ${fakeHash(30)}`));
    assert.match(t, /Chain +verified/);
    assert.match(t, /round +committed \(UTC\) +q +σ +C +m +survivors +secure +noise +ε models +ε coordinator/);
    // One table line per round, with its figures.
    assert.match(t, /^ +1 +2025-03-03 09:07:00 +0\.25 +1\.4 +1 +3 +5 +yes +distributed +1\.789 +3\.225$/m);
    assert.match(t, /^ +30 +2025-03-03 12:30:00 +0\.25 +1\.4 +1 +3 +5 +yes +distributed +6\.348 +\d+\.\d+$/m);
    assert.equal(t.match(/^ +\d+ +2025-03-03 /gm)?.length, 30);
    const meaning = t.slice(t.indexOf('What this means'));
    const bullets = meaning.split('\n').filter((l) => l.startsWith('  - '));
    assert.ok(bullets.length >= 3 && bullets.length <= 6, `${bullets.length} lines`);
    assert.match(meaning, /whole node/);
    assert.match(meaning, /δ = 1e-5 is the probability/);
    assert.match(meaning, /at\s+least\s+m = 3/);
    assert.match(meaning, /refuses\s+further rounds/);
    const guarantees = t.slice(t.indexOf('Guarantees'), t.indexOf('  Ledger '));
    assert.match(guarantees, /Against anyone who sees only the released models: ε = 6\.348/);
    assert.match(guarantees, /q = 0\.25/);
    assert.match(guarantees, /Against the coordinator and its operators: ε = \d/);
    assert.ok(t.split('\n').every((l) => l.length <= 110), 'lines fit a wide terminal');
  });

  it('says when the budget is exhausted, spent in full or too small for another round like the last', function () {
    const full = budgetReportText(reportInput(2, rowsWithEpsilons([1, 2]), { accountant: 'pld' }));
    assert.match(full, /Status +BUDGET EXHAUSTED: no further rounds will run/);
    assert.match(full, /Remaining +ε = 0\n/);
    assert.match(full, /100\.0% of budget +\[#{30}\]/);
    const rows = ledgerRows(1000, 0.3, 1.2, { budget: 8 });
    const like = budgetReportText(reportInput(8, rows));
    assert.match(like, /Status +BUDGET EXHAUSTED: no further round like the last can run/);
    assert.match(like, /over\s+the budget of ε = 8, so the coordinator refuses it/);
  });

  it('handles an empty ledger', function () {
    const t = budgetReportText(reportInput(8, [], { ledgerHash: '' }));
    assert.match(t, /Spent +ε = 0 +0\.0% of budget +\[\.{30}\]/);
    assert.match(t, /Remaining +ε = 8/);
    assert.match(t, /Head +\(empty\)/);
    assert.match(t, /\(none: no model has been released\)/);
  });

  it('warns about an unverified chain, a mismatched total and too few survivors', function () {
    const rows = ledgerRows(4, 0.25, 1.4).map((r, i) => (i === 2 ? { ...r, survivors: 2 } : r));
    rows[3] = { ...(rows[3] as (typeof rows)[number]), epsilonAfter: 1 };
    const t = budgetReportText(reportInput(8, rows, { ledgerVerified: false }));
    assert.match(t, /NOT VERIFIED/);
    assert.match(t, /WARNING: the ledger says ε = 1 after the last round, but recomputing/);
    assert.match(t, /WARNING: round 3 had fewer survivors than m/);
    assert.match(t, /^ +3 .* ! 2 +yes +distributed/m);
  });

  it('escapes control characters in names and hashes', function () {
    const t = budgetReportText(reportInput(8, [], { federation: 'evil\u001b[2J\u0007', ledgerHash: '\u001b]0;pwned\u0007' }));
    assert.ok(!/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/.test(t), 'no raw control characters but newlines');
    assert.match(t, /federation "evil\\u001b\[2J\\u0007"/);
  });

  it('fills the bar in proportion, full only at 100%', function () {
    assert.equal(asciiBar(0, 10), '[..........]');
    assert.equal(asciiBar(0.55, 10), '[#####.....]');
    assert.equal(asciiBar(0.999, 10), '[#########.]');
    assert.equal(asciiBar(1, 10), '[##########]');
    assert.equal(asciiBar(3, 10), '[##########]');
  });
});
