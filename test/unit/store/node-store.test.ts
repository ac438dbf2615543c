import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { type NodeStore, openNodeStore } from '../../../client/store/index.js';
import { ManualClock } from '../../../shared/clock.js';
import { chainHash, GENESIS_HASH } from '../../../shared/durable/chain.js';
import { MemoryLogger, silentLogger } from '../../../shared/logger.js';
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

  function recorded(dir: string, epsilons: readonly number[]): void {
    const s = openNodeStore(dir, { clock, log: silentLogger });
    epsilons.forEach((epsilon, i) => {
      clock.advance(1000);
      s.record({ round: 10 + i, epsilon });
    });
    s.close();
  }

  it('records contributions with a running total and a hash chain, and keeps them across reopen', () => {
    const dir = join(dirs.make(), 'node-data');
    recorded(dir, [0.1, 0.2, 0.3]);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    const s = store(dir);
    const entries = s.entries();
    assert.deepEqual(entries.map((e) => [e.seq, e.round, e.time, e.epsilon, e.total]), [
      [1, 10, 6_000, 0.1, 0.1],
      [2, 11, 7_000, 0.2, 0.1 + 0.2],
      [3, 12, 8_000, 0.3, 0.1 + 0.2 + 0.3],
    ]);
    assert.equal(s.spent(), 0.1 + 0.2 + 0.3);
    const first = entries[0];
    assert.equal(first?.prevHash, GENESIS_HASH);
    assert.equal(first?.hash, chainHash(GENESIS_HASH, { epsilon: 0.1, round: 10, seq: 1, time: 6_000, total: 0.1 }));
    assert.deepEqual(s.verify(), { ok: true, entries: 3, head: entries[2]?.hash });
  });

  it('refuses a contribution that would pass the budget, recording nothing', () => {
    const s = store(dirs.make());
    s.record({ round: 1, epsilon: 0.6, budget: 1 });
    assert.throws(() => s.record({ round: 2, epsilon: 0.5, budget: 1 }), coded('budget_exhausted', /round 2 would spend epsilon 0.5, taking this node's total from 0.6 to 1.1, past its budget of 1/));
    assert.equal(s.entries().length, 1);
    s.record({ round: 2, epsilon: 0.4, budget: 1 });
    assert.equal(s.spent(), 1);
  });

  it('refuses bad input', () => {
    const s = store(dirs.make());
    assert.throws(() => s.record({ round: 0, epsilon: 1 }), coded('invalid_argument', /round must be a positive integer/));
    assert.throws(() => s.record({ round: 1, epsilon: -1 }), coded('invalid_argument', /epsilon must be a finite number >= 0/));
    assert.throws(() => s.record({ round: 1, epsilon: Number.NaN }), coded('invalid_argument', /epsilon/));
    assert.throws(() => s.record({ round: 1, epsilon: 1, budget: Number.NaN }), coded('invalid_argument', /budget/));
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
      ['DELETE FROM ledger WHERE seq = 2', /^entry 3 \(round 12\): prev_hash/, 1],
      ['DELETE FROM ledger WHERE seq = 1', /^entry 2 \(round 11\): .*genesis/, 0],
    ];
    for (const [statement, expected, position] of cases) {
      const dir = dirs.make();
      recorded(dir, [0.1, 0.2, 0.3]);
      sql(dir, statement);
      assert.throws(() => openNodeStore(dir, { clock, log: silentLogger }), coded('failed_precondition', /node's privacy ledger in .*node\.db is broken/, /refusing/));
      const result = store(dir, true).verify();
      assert.equal(result.broken?.position, position, statement);
      assert.match(`${result.broken?.label}: ${result.broken?.reason}`, expected);
    }
  });

  it('detects a forged entry whose hash was recomputed but whose total does not add up', () => {
    const dir = dirs.make();
    recorded(dir, [0.5]);
    const db = new Database(join(dir, 'node.db'));
    const fields = { epsilon: 0.5, round: 10, seq: 1, time: 6_000, total: 0.1 };
    db.prepare('UPDATE ledger SET total = ?, hash = ? WHERE seq = 1').run(0.1, chainHash(GENESIS_HASH, fields));
    db.close();
    const log = new MemoryLogger();
    const s = openNodeStore(dir, { clock, log, allowBrokenLedger: true });
    open.push(s);
    assert.match(s.verify().broken?.reason ?? '', /running total 0.1 is not the sum of the epsilons so far \(0.5\)/);
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
      for (let r = 1; r <= 5; r++) s.record({ round: r, epsilon: 0.125 });
      process.kill(process.pid, 'SIGKILL');`;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(result.signal, 'SIGKILL', result.stderr);
    const s = store(dir);
    assert.deepEqual(s.entries().map((e) => e.round), [1, 2, 3, 4, 5]);
    assert.equal(s.spent(), 0.625);
    assert.equal(s.verify().ok, true);
  });
});
