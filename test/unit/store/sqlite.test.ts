import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore } from '../../../server/store/index.js';
import { COORDINATOR_MIGRATIONS } from '../../../server/store/schema.js';
import { ManualClock } from '../../../shared/clock.js';
import { applyMigrations, type Migration, openDatabase } from '../../../shared/durable/sqlite.js';
import { MemoryLogger, silentLogger } from '../../../shared/logger.js';
import { SeededRandom } from '../../../shared/random.js';
import { coded, entryFor, eventFor, TempDirs, weightsFor } from './fixtures.js';

const STEPS: Migration[] = [
  { version: 1, description: 'a', sql: 'CREATE TABLE a (x INTEGER) STRICT;' },
  { version: 2, description: 'b', sql: 'CREATE TABLE b (y TEXT) STRICT; INSERT INTO a VALUES (7);' },
];

function tables(db: Database.Database): string[] {
  return (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
}

describe('store database: opening and migrations', () => {
  const dirs = new TempDirs();
  const clock = new ManualClock(1_000);
  afterEach(() => dirs.cleanup());

  it('migrates an empty database to the latest version, and re-opening applies nothing', () => {
    const dir = dirs.make();
    const log = new MemoryLogger();
    const first = openStore(dir, { clock, log });
    assert.deepEqual(first.recovery.schema, { from: 0, to: COORDINATOR_MIGRATIONS.length });
    first.close();
    const again = openStore(dir, { clock, log });
    assert.deepEqual(again.recovery.schema, { from: COORDINATOR_MIGRATIONS.length, to: COORDINATOR_MIGRATIONS.length });
    again.close();
    assert.equal(log.lines.filter((l) => l.msg.includes('schema migrated')).length, 1);
    const db = new Database(join(dir, 'cohort.db'), { readonly: true });
    assert.deepEqual(tables(db), ['checkpoints', 'launches', 'ledger', 'manifests', 'nodes', 'rounds', 'schema_version']);
    assert.deepEqual(
      db.prepare('SELECT version, applied_at FROM schema_version').all(),
      COORDINATOR_MIGRATIONS.map((m) => ({ version: m.version, applied_at: 1_000 })),
    );
    db.close();
  });

  it('upgrades a data dir of schema 1: nodes keep their rows with 0 rounds counted, rounds have no declines', () => {
    const dir = dirs.make();
    mkdirSync(join(dir, 'checkpoints'));
    const v1 = openDatabase(join(dir, 'cohort.db'), { migrations: COORDINATOR_MIGRATIONS.slice(0, 1), clock, log: silentLogger, what: 'test database' });
    v1.db.prepare("INSERT INTO nodes VALUES ('clinic-a', 1, 2, 'disconnected')").run();
    v1.db.prepare("INSERT INTO rounds (round, state, started_at, finished_at, reason) VALUES (1, 'skipped', 1, 2, 'too few')").run();
    v1.db.close();
    const s = openStore(dir, { clock, log: silentLogger });
    assert.deepEqual(s.recovery.schema, { from: 1, to: COORDINATOR_MIGRATIONS.length });
    assert.deepEqual(s.nodes(), [{ name: 'clinic-a', firstSeen: 1, lastSeen: 2, status: 'disconnected', roundsParticipated: 0 }]);
    assert.equal(s.round(1)?.declines, undefined);
    s.close();
  });

  it('applies only the missing steps of a longer list, in order', () => {
    const path = join(dirs.make(), 'x.db');
    const v1 = openDatabase(path, { migrations: STEPS.slice(0, 1), clock, log: silentLogger, what: 'test database' });
    assert.deepEqual(v1.migration, { from: 0, to: 1 });
    v1.db.close();
    const v2 = openDatabase(path, { migrations: STEPS, clock, log: silentLogger, what: 'test database' });
    assert.deepEqual(v2.migration, { from: 1, to: 2 });
    assert.deepEqual(tables(v2.db), ['a', 'b', 'schema_version']);
    assert.deepEqual(v2.db.prepare('SELECT x FROM a').all(), [{ x: 7 }]);
    v2.db.close();
  });

  it('rolls back every step of a migration run when one fails', () => {
    const path = join(dirs.make(), 'x.db');
    const broken: Migration[] = [...STEPS, { version: 3, description: 'bad', sql: 'CREATE TABLE c (z INTEGER); INSERT INTO nowhere VALUES (1);' }];
    assert.throws(() => openDatabase(path, { migrations: broken, clock, log: silentLogger, what: 'test database' }), coded('failed_precondition', /x\.db/, /no such table: nowhere/));
    const db = new Database(path);
    assert.deepEqual(tables(db), []);
    db.close();
  });

  it('refuses a database written by a newer schema, and leaves it untouched', () => {
    const dir = dirs.make();
    openStore(dir, { clock, log: silentLogger }).close();
    const path = join(dir, 'cohort.db');
    const db = new Database(path);
    db.prepare("INSERT INTO schema_version VALUES (99, 'from the future', 5)").run();
    db.close();
    const before = readFileSync(path);
    assert.throws(() => openStore(dir, { clock, log: silentLogger }), coded('failed_precondition', /cohort\.db/, new RegExp(`schema version is 99, newer than this version of Cohort supports \\(${COORDINATOR_MIGRATIONS.length}\\)`)));
    assert.deepEqual(readFileSync(path), before);
  });

  it('checks that migration versions are 1, 2, 3…', () => {
    const db = new Database(':memory:');
    assert.throws(() => applyMigrations(db, [STEPS[1] as Migration], clock, ':memory:'), coded('internal', /has version 2, expected 1/));
    db.close();
  });

  it('refuses a garbage database file, naming it, and never writes to it', () => {
    const dir = dirs.make();
    const path = join(dir, 'cohort.db');
    const garbage = new Uint8Array(8192);
    new SeededRandom(7).fillBytes(garbage);
    writeFileSync(path, garbage);
    assert.throws(() => openStore(dir, { clock, log: silentLogger }), coded('failed_precondition', new RegExp(path.replace(/[/.]/g, '\\$&')), /not a SQLite database/));
    assert.deepEqual(new Uint8Array(readFileSync(path)), garbage);
  });

  it('refuses a database whose pages are damaged (integrity check)', () => {
    const dir = dirs.make();
    const store = openStore(dir, { clock, log: silentLogger });
    for (let r = 1; r <= 40; r++) store.commitRound({ round: r, event: eventFor(r, 'completed', { reason: 'x'.repeat(300) }), weights: weightsFor(r, 4), ledgerEntry: entryFor(r) });
    store.close();
    const path = join(dir, 'cohort.db');
    const bytes = readFileSync(path);
    const pageSize = bytes.readUInt16BE(16);
    assert.ok(bytes.byteLength >= 12 * pageSize, `database too small to damage: ${bytes.byteLength}`);
    // Overwrite the last page (a table's leaf page) with a pattern; the file header stays valid.
    bytes.fill(0xa5, bytes.byteLength - pageSize);
    writeFileSync(path, bytes);
    assert.throws(() => openStore(dir, { clock, log: silentLogger }), coded('failed_precondition', /cohort\.db/, /integrity check failed|corrupt|malformed/));
  });

  it('refuses a data dir another store holds open, and frees it on close', () => {
    const dir = dirs.make();
    const first = openStore(dir, { clock, log: silentLogger });
    assert.throws(() => openStore(dir, { clock, log: silentLogger }), coded('failed_precondition', /cohort\.db/, /in use by another process/));
    first.close();
    openStore(dir, { clock, log: silentLogger }).close();
  });
});
