import assert from 'node:assert/strict';
import { epsilonAfterRounds } from '../../../shared/dp/compose.js';
import { budgetReportJson, checkReportInput, summarise } from '../../../shared/dp/report/index.js';
import type { LedgerRow } from '../../../shared/dp/report/index.js';
import { CohortError } from '../../../shared/errors.js';
import { T0, fakeHash, ledgerRows, reportInput, rowsWithEpsilons } from './fixtures.js';

describe('dp-report/json', function () {
  it('has exactly the contract keys, rounds with every ledger field and ISO times', function () {
    const rows = ledgerRows(3, 0.25, 1.4);
    const j = budgetReportJson(reportInput(8, rows));
    assert.deepEqual(Object.keys(j), [
      'budget',
      'spent',
      'remaining',
      'accountant',
      'rounds',
      'ledgerHash',
      'generatedAt',
      'ledgerVerified',
      'guarantees',
      'nonPrivateRounds',
      'explanation',
      'budgetChanges',
    ]);
    assert.deepEqual(j.budget, { epsilon: 8, delta: 1e-5 });
    assert.equal(j.accountant, 'rdp');
    assert.equal(j.ledgerHash, fakeHash(3));
    assert.equal(j.generatedAt, '2025-03-04T08:30:00.000Z');
    assert.equal(j.ledgerVerified, true);
    assert.equal(j.rounds.length, 3);
    const first = j.rounds[0];
    assert.ok(first);
    const rowKeys = [...(['round', 'time', 'sampleRate', 'noiseMultiplier', 'clipNorm', 'minSurvivors', 'survivors', 'epsilonAfter', 'delta', 'accountant', 'hash', 'noise'] satisfies (keyof LedgerRow)[])];
    assert.deepEqual(Object.keys(first).sort(), [...rowKeys, 'private', 'epsilonUnamplifiedAfter', 'secureAggregation', 'modelSha256', 'manifestSha256', 'inLedger'].sort());
    assert.equal(first.time, new Date(T0 + 7 * 60_000).toISOString());
    assert.equal(first.time, '2025-03-03T09:07:00.000Z');
    for (const [i, r] of j.rounds.entries()) {
      const src = rows[i] as LedgerRow;
      const { private: isPrivate, epsilonUnamplifiedAfter, secureAggregation, inLedger, modelSha256, manifestSha256, ...rest } = r;
      assert.deepEqual({ ...rest, time: Date.parse(r.time) }, src);
      assert.deepEqual([isPrivate, secureAggregation, inLedger, modelSha256, manifestSha256], [true, true, true, null, null]);
      // Without amplification: the same σ composed at q = 1.
      assert.equal(epsilonUnamplifiedAfter, epsilonAfterRounds(Array.from({ length: i + 1 }, () => ({ q: 1, sigma: 1.4 })), 1e-5));
    }
    assert.equal(j.guarantees.releasedModels.epsilon, j.spent);
    assert.equal(j.guarantees.coordinator.epsilon, j.rounds[2]?.epsilonUnamplifiedAfter);
    assert.ok(j.guarantees.coordinator.epsilon > j.guarantees.releasedModels.epsilon, 'no amplification against those who see who took part');
    // It survives a JSON round trip unchanged (no undefined, no functions, no NaN).
    assert.deepEqual(JSON.parse(JSON.stringify(j)), j);
  });

  it('spent is the last row\'s total and remaining is budget − spent', function () {
    const rows = ledgerRows(10, 0.25, 1.4);
    const j = budgetReportJson(reportInput(8, rows));
    const last = epsilonAfterRounds(Array.from({ length: 10 }, () => ({ q: 0.25, sigma: 1.4 })), 1e-5);
    assert.equal(j.spent, last);
    assert.equal(j.spent, rows[9]?.epsilonAfter);
    assert.equal(j.remaining, 8 - last);
    assert.ok(j.spent > 3 && j.spent < 8, `spent ${j.spent}`);
  });

  it('an empty ledger spends nothing and keeps the whole budget', function () {
    const j = budgetReportJson(reportInput(2.5, [], { ledgerHash: '' }));
    assert.equal(j.spent, 0);
    assert.equal(j.remaining, 2.5);
    assert.deepEqual(j.rounds, []);
    assert.equal(j.ledgerHash, '');
  });

  it('remaining never goes below 0 when the ledger says more than the budget', function () {
    const j = budgetReportJson(reportInput(1, rowsWithEpsilons([0.5, 1.25])));
    assert.equal(j.spent, 1.25);
    assert.equal(j.remaining, 0);
  });

  it('reports an unverified chain as such', function () {
    assert.equal(budgetReportJson(reportInput(8, ledgerRows(2, 0.5, 2), { ledgerVerified: false })).ledgerVerified, false);
  });
});

describe('dp-report/summarise', function () {
  it('is within budget with room for another round like the last', function () {
    const s = summarise(reportInput(8, ledgerRows(5, 0.25, 1.4)));
    assert.equal(s.status, 'within');
    assert.ok(s.next && !s.next.refused && s.next.epsilon > s.spent && s.next.epsilon <= 8);
    assert.equal(s.consistent, true);
  });

  it('is exhausted when the ledger stops because the next round like the last would be refused', function () {
    const rows = ledgerRows(1000, 0.3, 1.2, { budget: 8 });
    assert.ok(rows.length > 1 && rows.length < 1000);
    const s = summarise(reportInput(8, rows));
    assert.ok(s.spent < 8, 'the coordinator never crosses the budget');
    assert.equal(s.status, 'exhausted');
    assert.ok(s.next?.refused);
    assert.ok((s.next?.epsilon ?? 0) > 8);
    assert.ok(s.remaining > 0);
  });

  it('is exhausted when spent reaches the budget, whatever the accountant', function () {
    const s = summarise(reportInput(2, rowsWithEpsilons([1, 2]), { accountant: 'pld' }));
    assert.equal(s.status, 'exhausted');
    assert.equal(s.next, undefined);
    assert.equal(s.recomputed, undefined);
    assert.equal(summarise(reportInput(2, rowsWithEpsilons([1, 1.9]), { accountant: 'pld' })).status, 'within');
  });

  it('flags an RDP ledger whose totals do not match its rounds', function () {
    const rows = ledgerRows(4, 0.25, 1.4);
    const tampered = rows.map((r, i) => (i === 3 ? { ...r, epsilonAfter: r.epsilonAfter * 0.9 } : r));
    assert.equal(summarise(reportInput(8, rows)).consistent, true);
    const s = summarise(reportInput(8, tampered));
    assert.equal(s.consistent, false);
    assert.ok(Math.abs((s.recomputed as number) - (rows[3]?.epsilonAfter as number)) < 1e-12);
  });
});

describe('dp-report/checkReportInput', function () {
  const good = (): ReturnType<typeof reportInput> => reportInput(8, ledgerRows(3, 0.25, 1.4));
  const rejects = (mutate: (i: ReturnType<typeof reportInput>) => void, field: RegExp): void => {
    const input = good();
    mutate(input);
    assert.throws(
      () => checkReportInput(input),
      (e: unknown) => e instanceof CohortError && e.code === 'invalid_argument' && field.test(e.message),
    );
  };

  it('accepts a good input and copies it', function () {
    const input = good();
    const checked = checkReportInput(input);
    assert.deepEqual(checked, { ...input, releasesWithoutPrivacy: [], budgetChanges: [] });
    assert.notEqual(checked.rows, input.rows);
  });

  it('names the bad field', function () {
    rejects((i) => (i.budget.epsilon = 0), /budget\.epsilon/);
    rejects((i) => (i.budget.epsilon = Number.NaN), /budget\.epsilon/);
    rejects((i) => (i.budget.delta = 1), /budget\.delta/);
    rejects((i) => ((i.rows[1] as LedgerRow).epsilonAfter = Infinity), /rows\[1\]\.epsilonAfter/);
    rejects((i) => ((i.rows[1] as LedgerRow).epsilonAfter = -1), /rows\[1\]\.epsilonAfter/);
    rejects((i) => ((i.rows[2] as LedgerRow).round = 1), /rows\[2\]\.round 1 does not follow round 2/);
    rejects((i) => ((i.rows[0] as LedgerRow).sampleRate = 0), /rows\[0\]\.sampleRate/);
    rejects((i) => ((i.rows[0] as LedgerRow).time = 1e17), /rows\[0\]\.time/);
    rejects((i) => ((i.rows[0] as LedgerRow).survivors = 1.5), /rows\[0\]\.survivors/);
    rejects((i) => ((i.rows[0] as { noise: string }).noise = 'none'), /rows\[0\]\.noise/);
    rejects((i) => ((i as { accountant: string }).accountant = 'moments'), /accountant/);
    rejects((i) => (i.generatedAt = Number.NaN), /generatedAt/);
    rejects((i) => ((i as { ledgerVerified: unknown }).ledgerVerified = 'yes'), /ledgerVerified/);
    rejects((i) => ((i as { federation: unknown }).federation = 42), /federation/);
  });
});
