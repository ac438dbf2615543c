/**
 * Schema 2 of the coordinator's ledger: one hash chain for every released model (private or
 * not) and every budget change. A data dir written by schema 1 keeps verifying after the
 * migration and grows the same chain; models it released without privacy (which it did not
 * record) are still listed; no new field can be edited without breaking the chain.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { StoreJournal } from '../../../server/store/journal.js';
import { COORDINATOR_MIGRATIONS } from '../../../server/store/schema.js';
import { type CoordinatorStore, openStore } from '../../../server/store/index.js';
import { ManualClock } from '../../../shared/clock.js';
import { chainHash, GENESIS_HASH } from '../../../shared/durable/chain.js';
import { openDatabase } from '../../../shared/durable/sqlite.js';
import { silentLogger } from '../../../shared/logger.js';
import { parseManifest } from '../../../shared/model/manifest.js';
import { coded, entryFor, eventFor, TempDirs, weightsFor } from './fixtures.js';

const D = 16;

/** A data dir as schema 1 left it: rounds 1-3 committed, round 2 without a ledger entry (released without privacy). */
function schemaOneDataDir(dir: string): string[] {
  const { db } = openDatabase(join(dir, 'cohort.db'), { migrations: COORDINATOR_MIGRATIONS.slice(0, 1), clock: new ManualClock(1_000), log: silentLogger, what: 'test database' });
  const hashes: string[] = [];
  let prev = GENESIS_HASH;
  for (const round of [1, 2, 3]) {
    db.prepare("INSERT INTO rounds (round, state, started_at, finished_at, participants) VALUES (?, 'completed', ?, ?, 3)").run(round, round * 100, round * 100 + 50);
    if (round === 2) continue;
    const e = { accountant: 'rdp', clipNorm: 1, delta: 1e-5, epsilonAfter: 0.5 * round, minSurvivors: 2, noise: 'distributed', noiseMultiplier: 1.1, round, sampleRate: 0.5, survivors: 3, time: round * 100 + 50 };
    const hash = chainHash(prev, e);
    db.prepare(
      `INSERT INTO ledger (round, time, sample_rate, noise_multiplier, clip_norm, min_survivors, survivors, epsilon_after, delta, accountant, noise, prev_hash, hash)
       VALUES (@round, @time, @sampleRate, @noiseMultiplier, @clipNorm, @minSurvivors, @survivors, @epsilonAfter, @delta, @accountant, @noise, @prev, @hash)`,
    ).run({ ...e, prev, hash });
    hashes.push(hash);
    prev = hash;
  }
  db.close();
  return hashes;
}

/** Starts and commits `round` as a release without privacy (no noise, no ε). */
function commitWithoutPrivacy(s: CoordinatorStore, round: number): void {
  s.recordRoundStart({ round, settings: {} });
  s.commitRound({
    round,
    event: eventFor(round),
    weights: weightsFor(round, D),
    ledgerEntry: { round, sampleRate: 1, noiseMultiplier: 0, minSurvivors: 2, survivors: 3, delta: 1e-5, accountant: 'rdp', noise: 'none', secureAggregation: false },
  });
}

describe('coordinator ledger, schema 2', () => {
  const dirs = new TempDirs();
  afterEach(() => dirs.cleanup());

  it('migrates a schema-1 ledger unchanged, keeps verifying it and chains new entries onto it', () => {
    const dir = dirs.make();
    const legacy = schemaOneDataDir(dir);
    const clock = new ManualClock(10_000);
    const s = openStore(dir, { clock, log: silentLogger });
    try {
      assert.deepEqual(s.recovery.schema, { from: 1, to: COORDINATOR_MIGRATIONS.length });
      assert.deepEqual(s.verifyLedger(), { ok: true, entries: 2, head: legacy[1] });
      assert.deepEqual(
        s.ledger().map((e) => [e.kind, e.seq, e.format, e.hash]),
        [
          ['round', 1, 1, legacy[0]],
          ['round', 2, 1, legacy[1]],
        ],
      );
      // The round released without privacy before schema 2 is not in the ledger, but still reported.
      assert.deepEqual(new StoreJournal(s).audit().unrecorded, [{ round: 2, time: 250, participants: 3 }]);
      const budget = s.appendBudget({ epsilon: 8, delta: 1e-5, reason: 'set when the coordinator first started on this data dir' });
      assert.deepEqual([budget.seq, budget.format, budget.prevHash], [3, 2, legacy[1]]);
      s.recordRoundStart({ round: 4, settings: {} });
      s.commitRound({ round: 4, event: eventFor(4), weights: weightsFor(4, D), ledgerEntry: entryFor(4, { epsilonAfter: 2, epsilonUnamplifiedAfter: 3, secureAggregation: true }) });
      commitWithoutPrivacy(s, 5);
      assert.equal(s.verifyLedger().ok, true);
      assert.equal(s.checkpoints().at(-1)?.epsilon, undefined, 'after a release without privacy no finite ε is claimed for the model');
      assert.equal(s.checkpoints().at(-2)?.epsilon, 2);
    } finally {
      s.close();
    }
    const again = openStore(dir, { clock, log: silentLogger });
    try {
      assert.equal(again.verifyLedger().ok, true);
      assert.deepEqual(new StoreJournal(again).audit().unrecorded.map((u) => u.round), [2]);
      assert.deepEqual(again.budget()?.epsilon, 8);
      assert.equal(again.lastPrivateEntry()?.round, 4);
    } finally {
      again.close();
    }
  });

  for (const [what, sql] of [
    ['a release recorded as secure that was not', 'UPDATE ledger SET secure_aggregation = 1 WHERE round = 2'],
    ['a release without privacy turned into a private one', "UPDATE ledger SET noise = 'central', noise_multiplier = 2, epsilon_after = 0.1, clip_norm = 1 WHERE round = 2"],
    ['the figure against the coordinator', 'UPDATE ledger SET epsilon_unamplified_after = 0.1 WHERE round = 1'],
    ['a raised budget', "UPDATE ledger SET budget_epsilon = 80 WHERE kind = 'budget'"],
    ['who changed the budget', "UPDATE ledger SET operator = 'mallory' WHERE kind = 'budget'"],
    ['a deleted budget change', "DELETE FROM ledger WHERE kind = 'budget'"],
    ['another released model', "UPDATE ledger SET model_sha256 = '" + '0'.repeat(64) + "' WHERE round = 1"],
  ] as const) {
    it(`refuses a ledger with ${what} (the chain breaks)`, () => {
      const dir = dirs.make();
      const clock = new ManualClock(1_000);
      const s = openStore(dir, { clock, log: silentLogger });
      s.recordRoundStart({ round: 1, settings: {} });
      s.commitRound({ round: 1, event: eventFor(1), weights: weightsFor(1, D), ledgerEntry: entryFor(1, { epsilonUnamplifiedAfter: 0.5, secureAggregation: true }) });
      s.appendBudget({ epsilon: 8, delta: 1e-5, operator: 'alice', reason: 'approved' });
      commitWithoutPrivacy(s, 2);
      s.close();
      const db = new Database(join(dir, 'cohort.db'));
      db.pragma('foreign_keys = OFF');
      db.exec(sql);
      db.close();
      assert.throws(() => openStore(dir, { clock, log: silentLogger }), coded('failed_precondition', /privacy ledger .* is broken/));
    });
  }

  it('names the model each entry released: the weights hash of its checkpoint and its manifest, covered by the chain', () => {
    const dir = dirs.make();
    const s = openStore(dir, { clock: new ManualClock(1_000), log: silentLogger });
    try {
      const manifest = parseManifest([{ name: 'w', shape: [D] }], 'test');
      s.recordRoundStart({ round: 1, settings: {} });
      const info = s.commitRound({ round: 1, event: eventFor(1), weights: weightsFor(1, D), ledgerEntry: entryFor(1), manifest });
      const entry = s.ledger().find((e) => e.kind === 'round');
      assert.ok(entry?.kind === 'round');
      assert.deepEqual([entry.modelSha256, entry.manifestSha256], [info.sha256, manifest.sha256]);
      assert.equal(s.verifyLedger().ok, true);
    } finally {
      s.close();
    }
  });

  it('refuses a release without noise that claims an ε, and a private round without one', () => {
    const dir = dirs.make();
    const s = openStore(dir, { clock: new ManualClock(1_000), log: silentLogger });
    try {
      s.recordRoundStart({ round: 1, settings: {} });
      const base = { round: 1, sampleRate: 1, minSurvivors: 2, survivors: 3, delta: 1e-5, accountant: 'rdp' };
      assert.throws(() => s.appendLedger({ ...base, noiseMultiplier: 0, noise: 'none', epsilonAfter: 0.1 }), coded('invalid_argument', /a release without noise has noiseMultiplier 0 and no epsilon/));
      assert.throws(() => s.appendLedger({ ...base, noiseMultiplier: 1, clipNorm: 1, noise: 'central' }), coded('invalid_argument', /a private round needs epsilonAfter/));
      assert.throws(() => s.appendBudget({ epsilon: 8, delta: 1e-5, reason: '' }), coded('invalid_argument', /a reason is required/));
      assert.throws(() => s.appendBudget({ epsilon: 0, delta: 1e-5, reason: 'r' }), coded('invalid_argument', /epsilon must be a finite number > 0/));
      assert.deepEqual(s.ledger(), []);
    } finally {
      s.close();
    }
  });
});
