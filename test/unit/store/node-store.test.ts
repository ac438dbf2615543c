import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { type NodeStore, openNodeStore } from '../../../client/store/index.js';
import { ManualClock } from '../../../shared/clock.js';
import { chainHash, GENESIS_HASH } from '../../../shared/durable/chain.js';
import { MemoryLogger, silentLogger } from '../../../shared/logger.js';
import { epsilonAfterRounds } from '../../../shared/dp/compose.js';
import { openDatabase } from '../../../shared/durable/sqlite.js';
import { NODE_MIGRATIONS } from '../../../client/store/schema.js';
import { coded, TempDirs } from './fixtures.js';

describe('node store', () => {
  const dirs = new TempDirs();
  let clock: ManualClock;
  let open: NodeStore[];

  beforeEach(() => {
    clock = new ManualClock(5_000);
    open = [];
  });
  afterEach(() => {
    for (const s of open) s.close();
    dirs.cleanup();
  });

  function store(dir: string, allowBrokenLedger = false): NodeStore {
    const s = openNodeStore(dir, { clock, log: silentLogger, allowBrokenLedger });
    open.push(s);
    return s;
  }

  function sql(dir: string, statement: string): void {
    const db = new Database(join(dir, 'node.db'));
    db.exec(statement);
    db.close();
  }

  const DELTA = 1e-5;
  const rdp = (sigmas: readonly number[]): number => epsilonAfterRounds(sigmas.map((sigma) => ({ q: 1, sigma })), DELTA);

  function recorded(dir: string, sigmas: readonly number[]): void {
    const s = openNodeStore(dir, { clock, log: silentLogger });
    sigmas.forEach((noiseMultiplier, i) => {
      clock.advance(1000);
      s.record({ round: 10 + i, noiseMultiplier, delta: DELTA });
    });
    s.close();
  }

  it('records contributions with an RDP-composed total (q = 1, converted once) and a hash chain, and keeps them across reopen', () => {
    const dir = join(dirs.make(), 'node-data');
    recorded(dir, [2, 3, 4]);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    const s = store(dir);
    const entries = s.entries();
    assert.deepEqual(entries.map((e) => [e.seq, e.round, e.time, e.epsilon, e.total, e.noiseMultiplier, e.delta, e.format]), [
      [1, 10, 6_000, rdp([2]), rdp([2]), 2, DELTA, 2],
      [2, 11, 7_000, rdp([3]), rdp([2, 3]), 3, DELTA, 2],
      [3, 12, 8_000, rdp([4]), rdp([2, 3, 4]), 4, DELTA, 2],
    ]);
    // Tighter than adding up each round's ε, and with δ once rather than three times.
    assert.ok(s.spent() < rdp([2]) + rdp([3]) + rdp([4]));
    assert.deepEqual(s.guarantee(DELTA), { epsilon: rdp([2, 3, 4]), delta: DELTA });
    const first = entries[0];
    assert.equal(first?.prevHash, GENESIS_HASH);
    assert.equal(first?.hash, chainHash(GENESIS_HASH, { delta: DELTA, epsilon: rdp([2]), format: 2, noiseMultiplier: 2, round: 10, seq: 1, time: 6_000, total: rdp([2]) }));
    assert.deepEqual(s.verify(), { ok: true, entries: 3, head: entries[2]?.hash });
  });

  it('refuses a contribution that would pass the budget, recording nothing', () => {
    const s = store(dirs.make());
    const budget = (rdp([3, 3]) + rdp([3, 3, 3])) / 2;
    s.record({ round: 1, noiseMultiplier: 3, delta: DELTA, budget });
    s.record({ round: 2, noiseMultiplier: 3, delta: DELTA, budget });
    assert.throws(() => s.record({ round: 3, noiseMultiplier: 3, delta: DELTA, budget }), coded('budget_exhausted', /round 3 \(noise multiplier 3 from this node's own noise\) would take this node's ε from [\d.]+ to [\d.]+ \(δ = 0\.00001\), past its budget/));
    assert.equal(s.entries().length, 2);
    s.record({ round: 3, noiseMultiplier: 30, delta: DELTA, budget });
    assert.equal(s.spent(), rdp([3, 3, 30]));
  });

  it('refuses bad input', () => {
    const s = store(dirs.make());
    assert.throws(() => s.record({ round: 0, noiseMultiplier: 1, delta: DELTA }), coded('invalid_argument', /round must be a positive integer/));
    assert.throws(() => s.record({ round: 1, noiseMultiplier: 0, delta: DELTA }), coded('invalid_argument', /noise multiplier must be a finite number > 0/));
    assert.throws(() => s.record({ round: 1, noiseMultiplier: Number.NaN, delta: DELTA }), coded('invalid_argument', /noise multiplier/));
    assert.throws(() => s.record({ round: 1, noiseMultiplier: 1, delta: 0 }), coded('invalid_argument', /delta/));
    assert.throws(() => s.record({ round: 1, noiseMultiplier: 1, delta: DELTA, budget: Number.NaN }), coded('invalid_argument', /budget/));
    assert.throws(() => s.saveConfig([] as unknown as object), coded('invalid_argument', /config must be an object/));
  });

  it('saves its config and refuses a config whose checksum no longer matches', () => {
    const dir = dirs.make();
    const s = store(dir);
    assert.equal(s.config(), undefined);
    s.saveConfig({ coordinator: '127.0.0.1:7443', name: 'clinic-a', epsilonBudget: 4 });
    s.saveConfig({ coordinator: '127.0.0.1:7443', name: 'clinic-a', epsilonBudget: 8 });
    s.close();
    assert.deepEqual(store(dir).config(), { coordinator: '127.0.0.1:7443', name: 'clinic-a', epsilonBudget: 8 });
    open.pop()?.close();
    sql(dir, `UPDATE config SET json = replace(json, '8', '80')`);
    assert.throws(() => openNodeStore(dir, { clock, log: silentLogger }), coded('failed_precondition', /node config in .*node\.db is corrupt \(its checksum does not match\)/));
  });

  it('detects an edited entry and deleted entries', () => {
    const cases: [string, RegExp, number][] = [
      ['UPDATE ledger SET epsilon = 0.01 WHERE seq = 2', /^entry 2 \(round 11\): .*edited/, 1],
      ['UPDATE ledger SET noise_multiplier = 30 WHERE seq = 2', /^entry 2 \(round 11\): .*edited/, 1],
      ['DELETE FROM ledger WHERE seq = 2', /^entry 3 \(round 12\): prev_hash/, 1],
      ['DELETE FROM ledger WHERE seq = 1', /^entry 2 \(round 11\): .*genesis/, 0],
    ];
    for (const [statement, expected, position] of cases) {
      const dir = dirs.make();
      recorded(dir, [2, 3, 4]);
      sql(dir, statement);
      assert.throws(() => openNodeStore(dir, { clock, log: silentLogger }), coded('failed_precondition', /node's privacy ledger in .*node\.db is broken/, /refusing/));
      const result = store(dir, true).verify();
      assert.equal(result.broken?.position, position, statement);
      assert.match(`${result.broken?.label}: ${result.broken?.reason}`, expected);
    }
  });

  it('detects a forged entry whose hash was recomputed but whose total is not what its noise gives', () => {
    const dir = dirs.make();
    recorded(dir, [2]);
    const db = new Database(join(dir, 'node.db'));
    const fields = { delta: DELTA, epsilon: rdp([2]), format: 2, noiseMultiplier: 2, round: 10, seq: 1, time: 6_000, total: 0.1 };
    db.prepare('UPDATE ledger SET total = ?, hash = ? WHERE seq = 1').run(0.1, chainHash(GENESIS_HASH, fields));
    db.close();
    const log = new MemoryLogger();
    const s = openNodeStore(dir, { clock, log, allowBrokenLedger: true });
    open.push(s);
    assert.match(s.verify().broken?.reason ?? '', /running total 0.1 is not what the entries so far give/);
    assert.ok(log.lines.some((l) => l.level === 'error' && /broken at entry 1/.test(l.msg)));
  });

  it('refuses an unwritable data dir, a garbage database and a dir another daemon holds', () => {
    const file = join(dirs.make(), 'file');
    writeFileSync(file, 'x');
    assert.throws(() => openNodeStore(join(file, 'data'), { clock, log: silentLogger }), coded('failed_precondition', /cannot use .*file\/data as the node data dir: ENOTDIR/));

    const garbage = dirs.make();
    writeFileSync(join(garbage, 'node.db'), 'this is not a database, just some text that is long enough'.repeat(100));
    assert.throws(() => openNodeStore(garbage, { clock, log: silentLogger }), coded('failed_precondition', /node\.db: the file is not a SQLite database/));

    const held = dirs.make();
    store(held);
    assert.throws(() => openNodeStore(held, { clock, log: silentLogger }), coded('failed_precondition', /in use by another process/));
  });

  it('loses nothing it recorded when killed with SIGKILL', () => {
    const dir = dirs.make();
    const module = new URL('../../../client/store/index.js', import.meta.url).href;
    const script = `
      const { openNodeStore } = await import(${JSON.stringify(module)});
      const s = openNodeStore(${JSON.stringify(dir)}, { clock: { now: () => 1, schedule() {} }, log: { info() {}, warn() {}, error() {}, debug() {}, child() { return this; } } });
      for (let r = 1; r <= 5; r++) s.record({ round: r, noiseMultiplier: 4, delta: 1e-5 });
      process.kill(process.pid, 'SIGKILL');`;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(result.signal, 'SIGKILL', result.stderr);
    const s = store(dir);
    assert.deepEqual(s.entries().map((e) => e.round), [1, 2, 3, 4, 5]);
    assert.equal(s.spent(), rdp([4, 4, 4, 4, 4]));
    assert.equal(s.verify().ok, true);
  });

  it('keeps a schema-1 ledger (basic composition) as a prefix: its ε adds to the total, each of its entries adds a δ', () => {
    const dir = dirs.make();
    const { db } = openDatabase(join(dir, 'node.db'), { migrations: NODE_MIGRATIONS.slice(0, 1), clock, log: silentLogger, what: 'test database' });
    let prev = GENESIS_HASH;
    let total = 0;
    for (const [i, epsilon] of [0.5, 0.25].entries()) {
      total += epsilon;
      const fields = { epsilon, round: i + 1, seq: i + 1, time: 1_000 * (i + 1), total };
      const hash = chainHash(prev, fields);
      db.prepare('INSERT INTO ledger (seq, round, time, epsilon, total, prev_hash, hash) VALUES (@seq, @round, @time, @epsilon, @total, @prev, @hash)').run({ ...fields, prev, hash });
      prev = hash;
    }
    db.close();
    const s = store(dir);
    assert.equal(s.verify().ok, true);
    assert.deepEqual(s.entries().map((e) => e.format), [1, 1]);
    s.record({ round: 3, noiseMultiplier: 2, delta: DELTA });
    assert.equal(s.spent(), 0.75 + rdp([2]));
    assert.deepEqual(s.guarantee(DELTA), { epsilon: 0.75 + rdp([2]), delta: 3 * DELTA });
    s.close();
    open.pop();
    assert.equal(store(dir).verify().ok, true);
  });
});
