import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ABORTED_REASON, type CoordinatorStore, openStore, type StoreOptions } from '../../../server/store/index.js';
import { ManualClock } from '../../../shared/clock.js';
import { MemoryLogger, silentLogger } from '../../../shared/logger.js';
import { coded, entryFor, eventFor, roundEntries, TempDirs, weightsFor } from './fixtures.js';

const D = 1000;

describe('coordinator store', () => {
  const dirs = new TempDirs();
  let clock: ManualClock;
  let open: CoordinatorStore[];

  beforeEach(() => {
    clock = new ManualClock(1_700_000_000_000);
    open = [];
  });
  afterEach(() => {
    for (const s of open) s.close();
    dirs.cleanup();
  });

  function store(dir: string, extra: Partial<StoreOptions> = {}): CoordinatorStore {
    const s = openStore(dir, { clock, log: silentLogger, ...extra });
    open.push(s);
    return s;
  }

  /** Start and commit rounds 1..n with deterministic weights and ledger entries. */
  function commitRounds(s: CoordinatorStore, n: number, from = 1): void {
    for (let r = from; r < from + n; r++) {
      s.recordRoundStart({ round: r, settings: { minNodes: 2, sampleRate: 0.5, train: { epochs: 1 } } });
      clock.advance(10);
      s.commitRound({ round: r, event: eventFor(r), weights: weightsFor(r, D), ledgerEntry: entryFor(r) });
    }
  }

  /** Open `dir`, run `fn` on the store and close it. */
  function using(dir: string, fn: (s: CoordinatorStore) => void): void {
    const s = openStore(dir, { clock, log: silentLogger });
    try {
      fn(s);
    } finally {
      s.close();
    }
  }

  function sql(dir: string, statement: string, ...params: unknown[]): void {
    const db = new Database(join(dir, 'cohort.db'));
    db.prepare(statement).run(...params);
    db.close();
  }

  describe('data dir', () => {
    it('creates the data dir and its checkpoint dir with mode 0700', () => {
      const dir = join(dirs.make(), 'nested', 'cohort-data');
      const s = store(dir);
      assert.equal(s.dataDir, dir);
      assert.equal(statSync(dir).mode & 0o777, 0o700);
      assert.equal(statSync(join(dir, 'checkpoints')).mode & 0o777, 0o700);
      assert.equal(statSync(join(dir, 'cohort.db')).mode & 0o777, 0o600);
    });

    it('refuses a data dir under a regular file, naming the path and the reason', () => {
      const file = join(dirs.make(), 'not-a-dir');
      writeFileSync(file, 'x');
      const dir = join(file, 'cohort-data');
      assert.throws(() => openStore(dir, { clock, log: silentLogger }), coded('failed_precondition', new RegExp(`cannot use ${dir.replace(/[/.]/g, '\\$&')} as the coordinator data dir`), /ENOTDIR/));
    });

    it('refuses a data dir that is a regular file', () => {
      const file = join(dirs.make(), 'cohort-data');
      writeFileSync(file, 'x');
      assert.throws(() => openStore(file, { clock, log: silentLogger }), coded('failed_precondition', /cohort-data as the coordinator data dir/, /EEXIST|ENOTDIR/));
    });

    it('warns about a data dir other users can read', () => {
      const dir = dirs.make();
      chmodSync(dir, 0o755);
      const log = new MemoryLogger();
      store(dir, { log });
      assert.ok(log.lines.some((l) => l.level === 'warn' && /readable by other users/.test(l.msg)));
    });
  });

  describe('rounds and checkpoints', () => {
    it('round-trips committed rounds through a reopen: weights bit-identical, ledger identical', () => {
      const dir = dirs.make();
      const s = store(dir);
      commitRounds(s, 3);
      const ledger = s.ledger();
      const rounds = s.rounds();
      const manifest = s.checkpoints();
      s.close();

      const again = store(dir);
      assert.deepEqual(again.recovery.abortedRounds, []);
      assert.deepEqual(again.ledger(), ledger);
      assert.deepEqual(again.rounds(), rounds);
      assert.deepEqual(again.checkpoints(), manifest);
      assert.equal(again.lastRound(), 3);
      assert.equal(again.lastPrivateEntry()?.epsilonAfter, 0.75);
      for (let r = 1; r <= 3; r++) {
        const cp = again.loadCheckpoint(r);
        assert.deepEqual(new Uint8Array(cp.weights.buffer), new Uint8Array(weightsFor(r, D).buffer), `round ${r} weights differ`);
      }
      const latest = again.latestCheckpoint();
      assert.equal(latest?.round, 3);
      assert.equal(latest?.epsilon, 0.75);
      assert.equal(latest?.ledgerHead, ledger[2]?.hash);
      assert.deepEqual(again.verifyLedger(), { ok: true, entries: 3, head: ledger[2]?.hash });
    });

    it('stores what the round event and settings said', () => {
      const s = store(dirs.make());
      s.recordRoundStart({ round: 1, settings: { minNodes: 3, train: { epochs: 2 } }, startedAt: 5 });
      clock.advance(250);
      s.commitRound({ round: 1, event: eventFor(1), weights: weightsFor(1, 4) });
      assert.deepEqual(s.round(1), {
        round: 1,
        state: 'completed',
        startedAt: 5,
        finishedAt: clock.now(),
        selected: 4,
        participants: 3,
        evaluated: 3,
        accuracy: 0.51,
        loss: 1,
        settings: { minNodes: 3, train: { epochs: 2 } },
      });
      assert.deepEqual(s.ledger(), [], 'a round without DP has no ledger entry');
      assert.equal(s.latestCheckpoint()?.epsilon, undefined);
    });

    it('writes checkpoints as raw little-endian float32 whose sha256 the manifest holds', () => {
      const dir = dirs.make();
      const s = store(dir);
      const info = s.commitRound({ round: 1, event: eventFor(1), weights: new Float32Array([1, -0, 2.5]) });
      assert.equal(info.file, 'round-1.f32');
      const bytes = readFileSync(join(dir, 'checkpoints', 'round-1.f32'));
      assert.equal(bytes.toString('hex'), '0000803f' + '00000080' + '00002040');
      // Computed independently: python3 -c "hashlib.sha256(struct.pack('<3f', 1, -0.0, 2.5))".
      assert.equal(info.sha256, '60d6c502d760a348a356a109d80444c7e88b26abfcd4aed1f6ce28d518c0fab2');
      // A view into a larger buffer is stored as its own values only.
      const view = new Float32Array([9, 1, -0, 2.5, 9]).subarray(1, 4);
      assert.equal(s.commitRound({ round: 2, event: eventFor(2), weights: view }).sha256, info.sha256);
      assert.deepEqual(s.loadCheckpoint(2).weights, new Float32Array([1, -0, 2.5]));
    });

    it('records skipped and failed rounds without a checkpoint or a ledger entry', () => {
      const dir = dirs.make();
      const s = store(dir);
      s.finishRound({ round: 1, event: eventFor(1, 'skipped') });
      s.recordRoundStart({ round: 2, settings: {} });
      const failed = s.finishRound({ round: 2, event: eventFor(2, 'failed') });
      assert.equal(failed.state, 'failed');
      assert.equal(failed.reason, 'round 2 failed in a test');
      assert.deepEqual(s.rounds().map((r) => [r.round, r.state]), [[1, 'skipped'], [2, 'failed']]);
      assert.deepEqual(s.checkpoints(), []);
      assert.equal(s.latestCheckpoint(), undefined);
      assert.deepEqual(readdirSync(join(dir, 'checkpoints')), []);
    });

    it('attaches the evaluation of a committed round to the round and its checkpoint, after the commit', () => {
      const dir = dirs.make();
      const s = store(dir);
      s.recordRoundStart({ round: 1, settings: {} });
      s.commitRound({ round: 1, event: eventFor(1, 'completed', { evaluated: 0, accuracy: undefined, loss: undefined }), weights: weightsFor(1, D) });
      assert.equal(s.checkpoints()[0]?.accuracy, undefined);
      s.recordEvaluation({ round: 1, evaluated: 3, accuracy: 0.875, loss: Infinity });
      assert.deepEqual([s.round(1)?.evaluated, s.round(1)?.accuracy, s.round(1)?.loss], [3, 0.875, undefined]);
      assert.equal(s.checkpoints()[0]?.accuracy, 0.875);
      s.finishRound({ round: 2, event: eventFor(2, 'failed') });
      assert.throws(() => s.recordEvaluation({ round: 2, evaluated: 1, accuracy: 0.5, loss: 1 }), coded('failed_precondition', /round 2 is not a committed round/));
      assert.throws(() => s.recordEvaluation({ round: 3, evaluated: 1, accuracy: 0.5, loss: 1 }), coded('failed_precondition', /round 3 is not a committed round/));
    });

    it('keeps who declined each round and why, across a reopen', () => {
      const dir = dirs.make();
      const s = store(dir);
      const declines = [
        { node: 'clinic-b', kind: 'train' as const, category: 'data' as const, reason: 'data has 8 features, the model expects 4' },
        { node: 'clinic-c', kind: 'evaluate' as const, category: 'no_data' as const, reason: 'no held-out examples to evaluate on' },
      ];
      s.commitRound({ round: 1, event: eventFor(1, 'completed', { declines }), weights: weightsFor(1, D) });
      s.finishRound({ round: 2, event: eventFor(2, 'failed', { declines: declines.slice(0, 1) }) });
      s.finishRound({ round: 3, event: eventFor(3, 'skipped') });
      s.close();
      const again = store(dir);
      assert.deepEqual(
        again.rounds().map((r) => [r.round, r.declines]),
        [
          [1, declines],
          [2, declines.slice(0, 1)],
          [3, undefined],
        ],
      );
    });

    it('refuses to finish or commit a round twice, or to start one that exists', () => {
      const s = store(dirs.make());
      commitRounds(s, 1);
      assert.throws(() => s.recordRoundStart({ round: 1, settings: {} }), coded('already_exists', /round 1 is already recorded \(completed\)/));
      assert.throws(() => s.commitRound({ round: 1, event: eventFor(1), weights: weightsFor(1, D) }), coded('failed_precondition', /round 1 is already completed/));
      assert.throws(() => s.finishRound({ round: 1, event: eventFor(1, 'failed') }), coded('failed_precondition', /already completed/));
    });

    it('refuses bad commits before writing anything', () => {
      const dir = dirs.make();
      const s = store(dir);
      commitRounds(s, 2);
      const nan = weightsFor(3, D);
      nan[17] = Number.NaN;
      const cases: [Parameters<CoordinatorStore['commitRound']>[0], RegExp][] = [
        [{ round: 3, event: eventFor(3), weights: nan }, /weights\[17\] of round 3 is NaN/],
        [{ round: 3, event: eventFor(4), weights: weightsFor(3, D) }, /event is for round 4/],
        [{ round: 3, event: eventFor(3, 'failed'), weights: weightsFor(3, D) }, /only a completed round is committed/],
        [{ round: 3, event: eventFor(3), weights: new Float32Array(0) }, /non-empty Float32Array/],
        [{ round: 3, event: eventFor(3), weights: weightsFor(3, D), ledgerEntry: entryFor(4) }, /ledger entry is for round 4/],
        [{ round: 3, event: eventFor(3), weights: weightsFor(3, D), ledgerEntry: entryFor(3, { epsilonAfter: 0.1 }) }, /epsilonAfter 0.1 is below the 0.5 already spent/],
        [{ round: 3, event: eventFor(3), weights: weightsFor(3, D), ledgerEntry: entryFor(3, { delta: 0 }) }, /delta must be in \(0, 1\)/],
        [{ round: 3, event: eventFor(3), weights: weightsFor(3, D), ledgerEntry: entryFor(3, { sampleRate: Number.NaN }) }, /sampleRate must be a finite number/],
        [{ round: 3, event: eventFor(3, 'completed', { participants: -1 }), weights: weightsFor(3, D) }, /participants must be a non-negative integer/],
        [{ round: 0, event: eventFor(0), weights: weightsFor(3, D) }, /round must be a positive integer/],
      ];
      for (const [args, pattern] of cases) assert.throws(() => s.commitRound(args), coded('invalid_argument', pattern));
      assert.deepEqual(readdirSync(join(dir, 'checkpoints')).sort(), ['round-1.f32', 'round-2.f32']);
      assert.equal(s.rounds().length, 2);
      assert.equal(s.ledger().length, 2);
    });

    it('leaves no file behind when the commit transaction fails', () => {
      const dir = dirs.make();
      const s = store(dir);
      // An unknown launch id fails inside the transaction, after the file was written.
      assert.throws(() => s.commitRound({ round: 1, event: eventFor(1), weights: weightsFor(1, D), ledgerEntry: entryFor(1), launchId: 42 }), coded('invalid_argument', /no launch 42/));
      assert.deepEqual(readdirSync(join(dir, 'checkpoints')), []);
      assert.deepEqual(s.rounds(), []);
      assert.deepEqual(s.ledger(), []);
    });

    it('stores a diverged loss as absent rather than refusing the round', () => {
      const s = store(dirs.make());
      s.commitRound({ round: 1, event: eventFor(1, 'completed', { loss: Number.POSITIVE_INFINITY }), weights: weightsFor(1, 4) });
      assert.equal(s.round(1)?.loss, undefined);
      assert.equal(s.round(1)?.accuracy, 0.51);
    });

    it('keeps only the newest checkpoints when asked', () => {
      const dir = dirs.make();
      const s = store(dir, { keepCheckpoints: 2 });
      commitRounds(s, 5);
      assert.deepEqual(s.checkpoints().map((c) => c.round), [4, 5]);
      assert.deepEqual(readdirSync(join(dir, 'checkpoints')).sort(), ['round-4.f32', 'round-5.f32']);
      assert.equal(s.ledger().length, 5, 'pruning checkpoints never touches the ledger');
      assert.equal(s.verifyLedger().ok, true);
    });
  });

  describe('corruption', () => {
    it('refuses a checkpoint with one flipped byte, and does not fall back to an older one', () => {
      const dir = dirs.make();
      using(dir, (s) => commitRounds(s, 3));
      const path = join(dir, 'checkpoints', 'round-3.f32');
      const bytes = readFileSync(path);
      bytes[1234] = (bytes[1234] as number) ^ 0x01;
      writeFileSync(path, bytes);
      const s = store(dir, {});
      const message = /checkpoint .*round-3\.f32 is corrupt: its sha256 is [0-9a-f]{64}, the manifest says [0-9a-f]{64}; refusing to use it/;
      assert.throws(() => s.latestCheckpoint(), coded('failed_precondition', message));
      assert.throws(() => s.loadCheckpoint(3), coded('failed_precondition', message));
      assert.equal(s.loadCheckpoint(2).round, 2, 'other checkpoints stay usable');
    });

    it('refuses a truncated or missing checkpoint file', () => {
      const dir = dirs.make();
      using(dir, (s) => commitRounds(s, 2));
      truncateSync(join(dir, 'checkpoints', 'round-2.f32'), 4 * D - 4);
      unlinkSync(join(dir, 'checkpoints', 'round-1.f32'));
      const log = new MemoryLogger();
      const s = store(dir, { log });
      assert.throws(() => s.loadCheckpoint(2), coded('failed_precondition', /round-2\.f32 is corrupt: 3996 bytes, the manifest says 4000/));
      assert.throws(() => s.loadCheckpoint(1), coded('failed_precondition', /cannot read the checkpoint of round 1 .*ENOENT/));
      assert.throws(() => s.loadCheckpoint(9), coded('not_found', /no checkpoint of round 9/));
      assert.ok(log.lines.some((l) => l.level === 'error' && /round-1\.f32 listed in the manifest is missing/.test(l.msg)));
    });

    it('removes files of uncommitted rounds and temp files on open, and nothing else', () => {
      const dir = dirs.make();
      using(dir, (s) => commitRounds(s, 1));
      const cps = join(dir, 'checkpoints');
      writeFileSync(join(cps, 'round-2.f32'), new Uint8Array(8));
      writeFileSync(join(cps, 'round-3.f32.tmp'), new Uint8Array(3));
      writeFileSync(join(cps, 'notes.txt'), 'keep me');
      mkdirSync(join(cps, 'archive'));
      const s = store(dir);
      assert.deepEqual([...s.recovery.removedFiles].sort(), ['round-2.f32', 'round-3.f32.tmp']);
      assert.deepEqual(readdirSync(cps).sort(), ['archive', 'notes.txt', 'round-1.f32']);
    });
  });

  describe('privacy ledger', () => {
    function tampered(mutate: (dir: string) => void, expected: RegExp, position: number): void {
      const dir = dirs.make();
      using(dir, (s) => commitRounds(s, 5));
      mutate(dir);
      assert.throws(() => openStore(dir, { clock, log: silentLogger }), coded('failed_precondition', /privacy ledger in .*cohort\.db is broken/, /refusing to use this data dir/));
      const s = store(dir, { allowBrokenLedger: true });
      const result = s.verifyLedger();
      assert.equal(result.ok, false);
      assert.equal(result.broken?.position, position);
      assert.match(`${result.broken?.label}: ${result.broken?.reason}`, expected);
    }

    it('detects an edited entry (UPDATE with sqlite directly)', () => {
      tampered((dir) => sql(dir, 'UPDATE ledger SET epsilon_after = 0.01 WHERE round = 3'), /^round 3: .*the entry was edited/, 2);
    });

    it('detects a deleted middle entry', () => {
      tampered((dir) => sql(dir, 'DELETE FROM ledger WHERE round = 2'), /^round 3: prev_hash .* does not match/, 1);
    });

    it('detects a deleted first entry', () => {
      tampered((dir) => sql(dir, 'DELETE FROM ledger WHERE round = 1'), /^round 2: .*genesis/, 0);
    });

    it('detects reordered entries (rounds swapped)', () => {
      tampered(
        (dir) => {
          const db = new Database(join(dir, 'cohort.db'));
          db.pragma('foreign_keys = OFF');
          db.exec('UPDATE ledger SET round = -1 WHERE round = 2; UPDATE ledger SET round = 2 WHERE round = 4; UPDATE ledger SET round = 4 WHERE round = -1;');
          db.close();
        },
        // The chain runs in seq order: the entry second in the chain now claims round 4.
        /^round 4: .*the entry was edited/,
        1,
      );
    });

    it('detects deleted last entries through the checkpoints committed after them', () => {
      tampered((dir) => sql(dir, 'DELETE FROM ledger WHERE round >= 4'), /^the end of the ledger: the checkpoint of round 4 was committed after a ledger entry that is no longer there/, 3);
    });

    it('appends an entry on its own while the round runs, and keeps it if the round is then aborted', () => {
      const dir = dirs.make();
      const s = store(dir);
      commitRounds(s, 1);
      assert.throws(() => s.appendLedger(entryFor(2)), coded('failed_precondition', /round 2 is not recorded; a ledger entry is appended while its round runs/));
      s.recordRoundStart({ round: 2, settings: {} });
      const appended = s.appendLedger(entryFor(2, { time: 123, noise: 'central' }));
      assert.equal(appended.time, 123);
      assert.equal(appended.prevHash, s.ledger()[0]?.hash);
      assert.throws(() => s.commitRound({ round: 2, event: eventFor(2), weights: weightsFor(2, D), ledgerEntry: entryFor(2) }), coded('invalid_argument', /already holds round 2/));
      s.close();
      const again = store(dir);
      assert.deepEqual(again.recovery.abortedRounds.map((r) => r.round), [2]);
      assert.deepEqual(roundEntries(again).map((e) => [e.round, e.noise, e.epsilonAfter]), [[1, 'distributed', 0.25], [2, 'central', 0.5]], 'spending is over-counted, never under');
      assert.equal(again.verifyLedger().ok, true);
      again.recordRoundStart({ round: 3, settings: {} });
      const info = again.commitRound({ round: 3, event: eventFor(3), weights: weightsFor(3, D) });
      assert.equal(info.epsilon, 0.5, 'a round without its own entry records the epsilon spent so far');
      assert.equal(info.ledgerHead, again.ledgerHead()?.hash);
    });

    it('refuses a malformed entry, naming the field', () => {
      const s = store(dirs.make());
      s.recordRoundStart({ round: 1, settings: {} });
      assert.throws(() => s.appendLedger({ ...entryFor(1), noise: 'local' as 'central' }), coded('invalid_argument', /noise must be "distributed", "central" or "none", got "local"/));
      assert.throws(() => s.appendLedger(entryFor(1, { accountant: 'RDP accountant' })), coded('invalid_argument', /accountant must be a short lower-case name/));
      assert.throws(() => s.appendLedger(entryFor(1, { time: 1.5 })), coded('invalid_argument', /time must be a non-negative integer/));
      assert.throws(() => s.appendLedger(entryFor(1, { survivors: 2.5 })), coded('invalid_argument', /survivors must be a non-negative integer, got 2.5/));
      assert.deepEqual(s.ledger(), []);
    });

    it('detects a rewritten tail against a head hash kept from an earlier report', () => {
      const dir = dirs.make();
      const s = store(dir);
      commitRounds(s, 2);
      const known = s.ledgerHead()?.hash as string;
      assert.equal(s.verifyLedger({ knownHead: known }).ok, true);
      commitRounds(s, 1, 3);
      assert.equal(s.verifyLedger({ knownHead: known }).ok, true, 'a later head still contains the known one');
      assert.match(s.verifyLedger({ knownHead: 'f'.repeat(64) }).broken?.reason ?? '', /known head f+ is not in the chain/);
    });
  });

  describe('recovery, launches and nodes', () => {
    it('aborts rounds left running, keeps their settings, and returns them', () => {
      const dir = dirs.make();
      const s = store(dir);
      commitRounds(s, 2);
      s.recordRoundStart({ round: 3, settings: { minNodes: 5 } });
      s.close();
      const log = new MemoryLogger();
      const again = store(dir, { log });
      assert.deepEqual(
        again.recovery.abortedRounds.map((r) => [r.round, r.state, r.reason, r.settings]),
        [[3, 'aborted', ABORTED_REASON, { minNodes: 5 }]],
      );
      assert.equal(again.round(3)?.state, 'aborted');
      assert.ok(log.lines.some((l) => l.level === 'warn' && l.fields.round === 3));
      assert.throws(() => again.commitRound({ round: 3, event: eventFor(3), weights: weightsFor(3, D) }), coded('failed_precondition', /round 3 is already aborted/));
      assert.equal(again.lastRound(), 3, 'an aborted round keeps its number');
    });

    it('keeps detached launches until all their rounds are done; aborted rounds do not count', () => {
      const dir = dirs.make();
      const s = store(dir);
      const launch = s.saveLaunch({ firstRound: 1, rounds: 3, settings: { sampleRate: 0.5 } });
      assert.deepEqual(launch, { id: 1, firstRound: 1, rounds: 3, done: 0, settings: { sampleRate: 0.5 }, createdAt: clock.now() });
      s.recordRoundStart({ round: 1, settings: {}, launchId: launch.id });
      s.commitRound({ round: 1, event: eventFor(1), weights: weightsFor(1, 8), launchId: launch.id });
      s.finishRound({ round: 2, event: eventFor(2, 'skipped'), launchId: launch.id });
      s.recordRoundStart({ round: 3, settings: {}, launchId: launch.id });
      s.close();

      const again = store(dir);
      assert.deepEqual(again.pendingLaunches().map((l) => [l.id, l.done, l.rounds]), [[1, 2, 3]]);
      assert.equal(again.round(1)?.launchId, 1);
      again.recordRoundStart({ round: 4, settings: {}, launchId: 1 });
      again.commitRound({ round: 4, event: eventFor(4), weights: weightsFor(4, 8), launchId: 1 });
      assert.deepEqual(again.pendingLaunches(), []);
      assert.throws(() => again.finishRound({ round: 5, event: eventFor(5, 'failed'), launchId: 1 }), coded('invalid_argument', /launch 1 already has all its 3 rounds done/));
      assert.equal(again.round(5), undefined, 'the failed step left nothing');
    });

    it('moves a launch forward explicitly, never backwards', () => {
      const s = store(dirs.make());
      const { id } = s.saveLaunch({ firstRound: 7, rounds: 4, settings: {} });
      s.advanceLaunch(id, 2);
      assert.equal(s.pendingLaunches()[0]?.done, 2);
      assert.throws(() => s.advanceLaunch(id, 1), coded('invalid_argument', /has 2 of 4 rounds done; cannot set 1/));
      assert.throws(() => s.advanceLaunch(id, 5), coded('invalid_argument', /cannot set 5/));
      assert.throws(() => s.advanceLaunch(99, 1), coded('not_found', /no launch 99/));
      s.advanceLaunch(id, 4);
      assert.deepEqual(s.pendingLaunches(), []);
    });

    it('keeps nodes, moving last-seen forward only, and marks connected ones disconnected on reopen', () => {
      const dir = dirs.make();
      const s = store(dir);
      s.upsertNode({ name: 'clinic-b', status: 'connected', seenAt: 100 });
      s.upsertNode({ name: 'clinic-a', status: 'connected', seenAt: 200 });
      s.upsertNode({ name: 'clinic-a', status: 'revoked', seenAt: 150 });
      s.upsertNode({ name: 'clinic-b', status: 'connected', seenAt: 120, roundsParticipated: 3 });
      s.upsertNode({ name: 'clinic-b', status: 'connected', seenAt: 130 });
      assert.deepEqual(s.nodes(), [
        { name: 'clinic-a', firstSeen: 200, lastSeen: 200, status: 'revoked', roundsParticipated: 0 },
        { name: 'clinic-b', firstSeen: 100, lastSeen: 130, status: 'connected', roundsParticipated: 3 },
      ]);
      assert.throws(() => s.upsertNode({ name: 'clinic-b', status: 'connected', roundsParticipated: -1 }), coded('invalid_argument', /non-negative integer/));
      assert.throws(() => s.upsertNode({ name: '', status: 'connected' }), coded('invalid_argument', /node name/));
      s.close();
      const again = store(dir);
      assert.equal(again.recovery.disconnectedNodes, 1);
      assert.deepEqual(again.nodes().map((n) => [n.name, n.status]), [['clinic-a', 'revoked'], ['clinic-b', 'disconnected']]);
    });

    it('refuses calls after close', () => {
      const s = store(dirs.make());
      s.close();
      assert.throws(() => s.rounds(), coded('failed_precondition', /is closed/));
      s.close();
      assert.equal(existsSync(s.dbPath), true);
    });
  });
});
