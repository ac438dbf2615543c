/**
 * What the report says must follow from what the ledger records: every release (a release
 * without noise plainly as unbounded ε), what each round did (secure aggregation or not,
 * central or distributed noise), the two ε figures and whom each holds against, the budget's
 * history, and a federation without a budget.
 */
import assert from 'node:assert/strict';
import { epsilonAfterRounds } from '../../../shared/dp/compose.js';
import { budgetReportHtml, budgetReportJson, budgetReportText } from '../../../shared/dp/report/index.js';
import type { BudgetReportInput, LedgerRow, ReleaseWithoutPrivacy } from '../../../shared/dp/report/index.js';
import { fakeHash, ledgerRows, reportInput, T0 } from './fixtures.js';

/** Text of an HTML page, tags removed and whitespace collapsed. */
function plain(html: string): string {
  return html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, ' ');
}

function all(input: BudgetReportInput): { text: string; json: ReturnType<typeof budgetReportJson>; html: string } {
  return { text: budgetReportText(input).replace(/\s+/g, ' '), json: budgetReportJson(input), html: plain(budgetReportHtml(input)) };
}

function release(round: number, extra: Partial<ReleaseWithoutPrivacy> = {}): ReleaseWithoutPrivacy {
  return { round, time: T0 + round * 60_000, sampleRate: 1, survivors: 3, secureAggregation: false, hash: fakeHash(100 + round), recorded: true, ...extra };
}

/** Private rows renumbered to start after `offset`. */
function after(offset: number, rows: LedgerRow[]): LedgerRow[] {
  return rows.map((r) => ({ ...r, round: r.round + offset, time: r.time + offset * 60_000 }));
}

describe('dp-report: every release, what each round did, two figures', function () {
  it('lists models released without privacy as unbounded ε, including those the ledger does not hold', function () {
    const rows = after(2, ledgerRows(3, 1, 2));
    const { text, json, html } = all(reportInput(50, rows, { releasesWithoutPrivacy: [release(1), release(2, { recorded: false, hash: '', sampleRate: undefined, secureAggregation: undefined })] }));
    for (const t of [text, html]) {
      assert.match(t, /NOT PRIVATE: Rounds 1–2 released models without differential privacy; for the data those rounds used, ε is unbounded/);
      assert.match(t, /It covers only nodes that did not take part in rounds 1–2/);
    }
    assert.match(text, / 1 2025-03-03 09:01:00 1 - - - 3 no none ∞ not private ∞ /);
    assert.match(text, / 2 2025-03-03 09:02:00 \? - - - 3 \? none ∞ not private ∞ /);
    assert.match(text, /Round 2 released models that are not in the ledger/);
    assert.match(html, /∞ — released without differential privacy not in the ledger/);
    assert.deepEqual(json.nonPrivateRounds, [1, 2]);
    assert.deepEqual(
      json.rounds.map((r) => [r.round, r.private, r.noise, r.epsilonAfter, r.inLedger]),
      [
        [1, false, 'none', null, true],
        [2, false, 'none', null, false],
        [3, true, 'distributed', rows[0]?.epsilonAfter, true],
        [4, true, 'distributed', rows[1]?.epsilonAfter, true],
        [5, true, 'distributed', rows[2]?.epsilonAfter, true],
      ],
    );
  });

  it('explains central noise from what the ledger recorded, never as added "after the secure sum" when there was none', function () {
    const plainCentral = ledgerRows(2, 1, 2, { noise: 'central' }).map((r) => ({ ...r, secureAggregation: false }));
    const secureCentral = ledgerRows(2, 1, 2, { noise: 'central' }).map((r) => ({ ...r, secureAggregation: true }));
    const a = all(reportInput(50, plainCentral));
    const b = all(reportInput(50, secureCentral));
    for (const t of [a.text, a.html, a.json.explanation.join(' ')]) {
      assert.match(t, /Rounds 1–2: no secure aggregation, central noise: the coordinator received every node's clipped update in the clear and added the noise to their sum itself/);
      assert.doesNotMatch(t, /secure sum/);
    }
    for (const t of [b.text, b.html, b.json.explanation.join(' ')]) {
      assert.match(t, /Rounds 1–2: secure aggregation with central noise: the coordinator learned the exact sum of the clipped updates and added the noise itself/);
    }
    // Against the host that added the noise there is no guarantee; the report says who the figure covers instead.
    assert.match(a.json.guarantees.coordinator.holdsAgainst, /not the coordinator host itself: in rounds 1–2 it saw the updates, or their exact sum, before adding the noise, so against the host ε is unbounded/);
    const mixed = all(reportInput(50, [...ledgerRows(1, 1, 2), ...after(1, plainCentral).slice(0, 1)]));
    assert.match(mixed.text, /Round 1: secure aggregation with distributed noise/);
    assert.match(mixed.text, /Round 2: no secure aggregation, central noise/);
  });

  it('gives two figures: with sampling amplification against released models, without it against the coordinator', function () {
    const rows = ledgerRows(20, 0.1, 1.1);
    const { text, json, html } = all(reportInput(50, rows));
    const amplified = epsilonAfterRounds(Array.from({ length: 20 }, () => ({ q: 0.1, sigma: 1.1 })), 1e-5);
    const unamplified = epsilonAfterRounds(Array.from({ length: 20 }, () => ({ q: 1, sigma: 1.1 })), 1e-5);
    assert.equal(json.guarantees.releasedModels.epsilon, amplified);
    assert.equal(json.guarantees.coordinator.epsilon, unamplified);
    assert.ok(unamplified > 3 * amplified, `${unamplified} vs ${amplified}`);
    assert.match(json.guarantees.releasedModels.assumptions.join(' '), /probability q = 0\.1 \(Poisson sampling from a secure random source\), and this observer does not learn who took part/);
    assert.match(json.guarantees.coordinator.assumptions.join(' '), /No amplification by sampling: these parties see who took part in each round/);
    assert.match(json.guarantees.coordinator.holdsAgainst, /^the coordinator host and its operators/);
    const fmt = (x: number): string => String(Number(x.toPrecision(4))).replace('.', '\\.');
    for (const t of [text, html]) {
      assert.match(t, new RegExp(`Against anyone who sees only the released models: ε = ${fmt(amplified)}`));
      assert.match(t, new RegExp(`Against the coordinator and its operators: ε = ${fmt(unamplified)}`));
    }
    assert.equal(json.rounds[19]?.epsilonUnamplifiedAfter, unamplified);
  });

  it('says plainly when there is no budget, and still accounts and lists every release', function () {
    const input = reportInput(1, ledgerRows(2, 1, 3), { budget: { epsilon: null, delta: 1e-5 }, releasesWithoutPrivacy: [release(3)] });
    const { text, json, html } = all(input);
    assert.match(text, /Budget none δ = 1e-5/);
    assert.match(text, /Status NO BUDGET: rounds are accounted but never refused/);
    assert.match(text, /There is no privacy budget: rounds are accounted but never refused\./);
    assert.doesNotMatch(text, /Remaining/);
    assert.match(html, /No privacy budget — This coordinator runs without a privacy budget/);
    assert.deepEqual([json.budget, json.remaining, json.nonPrivateRounds], [{ epsilon: null, delta: 1e-5 }, null, [3]]);
    assert.match(json.note ?? '', /runs without a privacy budget/);
    assert.ok(json.spent > 0);
  });

  it('shows every budget change from the ledger, with who and why', function () {
    const input = reportInput(12, ledgerRows(2, 1, 3), {
      budgetChanges: [
        { time: T0, epsilon: 8, delta: 1e-5, operator: null, reason: 'set when the coordinator first started on this data dir', hash: fakeHash(200) },
        { time: T0 + 3_600_000, epsilon: 12, delta: 1e-5, operator: 'alice', reason: 'ethics board approval', hash: fakeHash(201) },
      ],
    });
    const { text, json, html } = all(input);
    assert.match(text, /ε = 8, δ = 1e-5 \(recorded at first start\): "set when the coordinator first started on this data dir"/);
    assert.match(text, /ε = 12, δ = 1e-5 \(changed by alice from ε = 8, δ = 1e-5\): "ethics board approval"/);
    assert.match(html, /Budget changes/);
    assert.match(html, /alice ethics board approval/);
    assert.deepEqual(
      json.budgetChanges.map((c) => [c.epsilon, c.operator, c.reason]),
      [
        [8, null, 'set when the coordinator first started on this data dir'],
        [12, 'alice', 'ethics board approval'],
      ],
    );
  });
});
