/** The model registry records each checkpoint's manifest (schema 2) and refuses a tampered one. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { type CoordinatorStore, openStore } from '../../../server/store/index.js';
import { StoreJournal } from '../../../server/store/journal.js';
import { COORDINATOR_MIGRATIONS } from '../../../server/store/schema.js';
import { openDatabase } from '../../../shared/durable/sqlite.js';
import { ManualClock } from '../../../shared/clock.js';
import { silentLogger } from '../../../shared/logger.js';
import { parseManifest } from '../../../shared/model/manifest.js';
import { coded, entryFor, eventFor, TempDirs, weightsFor } from './fixtures.js';

const MANIFEST = parseManifest([{ name: 'conv.weight', shape: [4, 1, 3, 3] }, { name: 'conv.bias', shape: [4] }], 'test');

describe('coordinator store: model manifests', () => {
  const dirs = new TempDirs();
  let clock: ManualClock;
  const open: CoordinatorStore[] = [];

  beforeEach(() => {
    clock = new ManualClock(1_700_000_000_000);
  });
  afterEach(() => {
    for (const s of open.splice(0)) s.close();
    dirs.cleanup();
  });

  function store(dir: string): CoordinatorStore {
    const s = openStore(dir, { clock, log: silentLogger });
    open.push(s);
    return s;
  }

  it('records the manifest with each checkpoint, once per manifest, and reads it back verified', () => {
    const dir = dirs.make();
    const s = store(dir);
    const journal = new StoreJournal(s, MANIFEST);
    for (const round of [1, 2]) {
      s.recordRoundStart({ round, settings: {} });
      journal.committed({ event: eventFor(round), weights: weightsFor(round, MANIFEST.numParameters), ledger: { kind: 'round', time: 0, ...entryFor(round), accountant: 'rdp' }, launchId: s.saveLaunch({ firstRound: round, rounds: 1, settings: {} }).id });
    }
    assert.deepEqual(s.checkpoints().map((c) => c.manifestSha256), [MANIFEST.sha256, MANIFEST.sha256]);
    assert.deepEqual(journal.models().map((m) => m.manifestSha256), [MANIFEST.sha256, MANIFEST.sha256]);
    assert.equal(s.latestCheckpoint()?.manifestSha256, MANIFEST.sha256);
    assert.deepEqual(s.manifest(MANIFEST.sha256)?.tensors, MANIFEST.tensors);
    assert.equal(s.manifest('0'.repeat(64)), undefined);
  });

  it('refuses weights that do not fit the manifest', () => {
    const s = store(dirs.make());
    s.recordRoundStart({ round: 1, settings: {} });
    assert.throws(() => s.commitRound({ round: 1, event: eventFor(1), weights: weightsFor(1, 7), manifest: MANIFEST }), coded('invalid_argument', /manifest has 40 parameters, the weights 7/));
  });

  it('refuses a manifest row that was edited (it no longer hashes to its key)', () => {
    const dir = dirs.make();
    const s = store(dir);
    s.recordRoundStart({ round: 1, settings: {} });
    s.commitRound({ round: 1, event: eventFor(1), weights: weightsFor(1, MANIFEST.numParameters), manifest: MANIFEST });
    s.close();
    open.splice(0);
    const db = new Database(join(dir, 'cohort.db'));
    db.prepare('UPDATE manifests SET tensors = ?').run(JSON.stringify([{ name: 'conv.weight', shape: [4, 1, 3, 3] }, { name: 'conv.bias', shape: [2, 2] }]));
    db.close();
    const again = store(dir);
    assert.throws(() => again.manifest(MANIFEST.sha256), coded('failed_precondition', new RegExp(`stored as ${MANIFEST.sha256} .* hashes to [0-9a-f]{64}; refusing to use it`)));
  });

  it('migrates a schema-1 data dir: its checkpoints stay, without a manifest', () => {
    const dir = dirs.make();
    const v1 = openDatabase(join(dir, 'cohort.db'), { migrations: COORDINATOR_MIGRATIONS.slice(0, 1), clock, log: silentLogger, what: 'test' });
    v1.db.prepare("INSERT INTO rounds (round, state, started_at) VALUES (1, 'completed', 1)").run();
    v1.db.prepare("INSERT INTO checkpoints (round, time, file, sha256, num_parameters, ledger_head) VALUES (1, 1, 'round-1.f32', ?, 10, ?)").run('a'.repeat(64), '0'.repeat(64));
    v1.db.close();
    const s = store(dir);
    assert.deepEqual(s.recovery.schema, { from: 1, to: COORDINATOR_MIGRATIONS.length });
    assert.deepEqual(s.checkpoints().map((c) => [c.round, c.manifestSha256]), [[1, undefined]]);
  });

  it('keeps checkpoints committed without a manifest readable', () => {
    const s = store(dirs.make());
    s.recordRoundStart({ round: 1, settings: {} });
    s.commitRound({ round: 1, event: eventFor(1), weights: weightsFor(1, 10) });
    assert.equal(s.latestCheckpoint()?.manifestSha256, undefined);
    assert.equal(s.latestCheckpoint()?.weights.length, 10);
  });
});
