/**
 * The coordinator's durable state in its data dir: `cohort.db` (SQLite, WAL, fsync on
 * every commit) for nodes, rounds, launches, the hash-chained privacy ledger and the
 * checkpoint manifest, and `checkpoints/round-<N>.f32` for the weights. A round becomes
 * visible only through one transaction that writes its ledger entry, marks it completed
 * and records its checkpoint, so `kill -9` at any moment leaves either all of it or none.
 */
import { existsSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import type { Clock } from '../../shared/clock.js';
import { atomicWriteFile, ensureDataDir, fsyncDir, reasonOf, sha256Hex, TEMP_SUFFIX } from '../../shared/durable/atomic.js';
import { type ChainVerification, chainHash, GENESIS_HASH, verifyChain } from '../../shared/durable/chain.js';
import { type Db, openDatabase } from '../../shared/durable/sqlite.js';
import { DECLINE_CATEGORIES, type DeclineCategory, type NodeDecline } from '../../shared/decline.js';
import { CohortError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { NodeRecord, RoundEvent } from '../core/types.js';
import { BYTES_PER_PARAMETER, checkpointFileName, decodeWeights, encodeWeights, roundOfFileName } from './checkpoint-file.js';
import { type BudgetEntry, type BudgetEntryInput, checkSpending, type LedgerEntry, type LedgerNoise, ledgerFields, parseBudgetEntry, parseRoundEntry, type RoundEntry, type RoundEntryInput } from './ledger.js';
import { COORDINATOR_MIGRATIONS } from './schema.js';
import { type ModelManifest, parseManifest } from '../../shared/model/manifest.js';

/** The coordinator's data dir when none is given. */
export const DEFAULT_DATA_DIR = './cohort-data';
/** The database file inside the data dir. */
export const DATABASE_FILE = 'cohort.db';
/** The checkpoint directory inside the data dir. */
export const CHECKPOINT_DIR = 'checkpoints';
/** Why a round found `running` when the store opens was aborted. */
export const ABORTED_REASON = 'coordinator stopped during the round; nothing was released';

/** States a stored round can be in (`aborted`: the coordinator died while it ran). */
export type StoredRoundState = 'running' | 'completed' | 'skipped' | 'failed' | 'refused' | 'aborted';

/** A round as stored. */
export interface StoredRound {
  readonly round: number;
  readonly state: StoredRoundState;
  readonly startedAt: number;
  readonly finishedAt?: number;
  readonly selected: number;
  readonly participants: number;
  readonly evaluated: number;
  readonly accuracy?: number;
  readonly loss?: number;
  readonly reason?: string;
  /** The settings recorded at start (absent for a round finished without starting). */
  readonly settings?: Record<string, unknown>;
  readonly launchId?: number;
  /** Nodes that declined a task of the round (absent when none did). */
  readonly declines?: readonly NodeDecline[];
}

/** A manifest row: where a checkpoint is and what its bytes must hash to. */
export interface CheckpointInfo {
  readonly round: number;
  readonly time: number;
  /** File name inside the checkpoints dir. */
  readonly file: string;
  readonly sha256: string;
  readonly numParameters: number;
  readonly accuracy?: number;
  /** Total ε spent when it was committed; absent before any private round and once any model was released without noise (unbounded). */
  readonly epsilon?: number;
  /** The ledger's head hash when it was committed. */
  readonly ledgerHead: string;
  /** The model's manifest hash (absent for checkpoints from before schema 2). */
  readonly manifestSha256?: string;
}

/** A checkpoint whose file matched its manifest row. */
export interface Checkpoint extends CheckpointInfo {
  readonly weights: Float32Array;
}

/** A launch queued with `--detach`, resumed after a restart until `done === rounds`. */
export interface StoredLaunch {
  readonly id: number;
  readonly firstRound: number;
  readonly rounds: number;
  /** Rounds of the launch that finished (completed, skipped or failed; not aborted). */
  readonly done: number;
  readonly settings: Record<string, unknown>;
  readonly createdAt: number;
}

/** A node as stored. */
export interface StoredNode {
  readonly name: string;
  readonly firstSeen: number;
  readonly lastSeen: number;
  readonly status: NodeRecord['status'];
  /** Rounds whose aggregate included this node. */
  readonly roundsParticipated: number;
}

/** What opening the store repaired; the caller logs or reports it. */
export interface Recovery {
  /** Rounds that were running when the coordinator stopped, now `aborted`. */
  readonly abortedRounds: readonly StoredRound[];
  /** Checkpoint files of uncommitted rounds and temp files, removed. */
  readonly removedFiles: readonly string[];
  /** Nodes stored as connected, now disconnected (their sessions died with the process). */
  readonly disconnectedNodes: number;
  readonly schema: { readonly from: number; readonly to: number };
}

/** Options of `openStore`. */
export interface StoreOptions {
  readonly clock: Clock;
  readonly log: Logger;
  /** Keep only the newest N checkpoints (default: all). */
  readonly keepCheckpoints?: number;
  /** Open even if the ledger's hash chain is broken (inspection only; default false). */
  readonly allowBrokenLedger?: boolean;
}

/** Arguments of `commitRound`. */
export interface CommitRoundArgs {
  readonly round: number;
  /** The round's final event; its state must be `completed`. */
  readonly event: RoundEvent;
  /** The new global model. */
  readonly weights: Float32Array;
  readonly ledgerEntry?: RoundEntryInput;
  /** The launch this round belongs to; its `done` count moves on in the same transaction. */
  readonly launchId?: number;
  /** The model's named tensors; recorded (once per manifest) with the checkpoint. */
  readonly manifest?: ModelManifest;
}

interface RoundRow {
  round: number;
  state: StoredRoundState;
  started_at: number;
  finished_at: number | null;
  selected: number;
  participants: number;
  evaluated: number;
  accuracy: number | null;
  loss: number | null;
  reason: string | null;
  settings: string | null;
  launch_id: number | null;
  declines: string | null;
}

interface LedgerRow {
  seq: number;
  kind: 'round' | 'budget';
  format: 1 | 2;
  round: number | null;
  time: number;
  sample_rate: number | null;
  noise_multiplier: number | null;
  clip_norm: number | null;
  min_survivors: number | null;
  survivors: number | null;
  epsilon_after: number | null;
  epsilon_unamplified_after: number | null;
  accountant: string | null;
  noise: LedgerNoise | null;
  secure_aggregation: 0 | 1 | null;
  model_sha256: string | null;
  manifest_sha256: string | null;
  budget_epsilon: number | null;
  operator: string | null;
  reason: string | null;
  delta: number;
  prev_hash: string;
  hash: string;
}

interface CheckpointRow {
  round: number;
  time: number;
  file: string;
  sha256: string;
  num_parameters: number;
  accuracy: number | null;
  epsilon: number | null;
  ledger_head: string;
  manifest_sha256: string | null;
}

interface LaunchRow {
  id: number;
  first_round: number;
  rounds: number;
  settings: string;
  done: number;
  created_at: number;
}

interface NodeRow {
  name: string;
  first_seen: number;
  last_seen: number;
  status: NodeRecord['status'];
  rounds_participated: number;
}

const NODE_STATUSES: ReadonlySet<string> = new Set(['connected', 'disconnected', 'revoked']);

/**
 * Open the coordinator's store in `dataDir` (created with mode 0700 if missing), migrate
 * its schema, and recover from a crash: running rounds become `aborted`, files of rounds
 * that never committed are removed. Refuses (`failed_precondition`, naming the path) an
 * unwritable dir, a corrupt or foreign database, a newer schema, a data dir held by
 * another process, or (unless `allowBrokenLedger`) a ledger whose hash chain is broken.
 */
export function openStore(dataDir: string, opts: StoreOptions): CoordinatorStore {
  if (opts.keepCheckpoints !== undefined && !(Number.isSafeInteger(opts.keepCheckpoints) && opts.keepCheckpoints >= 1)) {
    throw new CohortError('invalid_argument', `keepCheckpoints must be a positive integer, got ${opts.keepCheckpoints}`);
  }
  const dir = ensureDataDir(dataDir, 'coordinator data dir', opts.log);
  const checkpointDir = ensureDataDir(join(dir, CHECKPOINT_DIR), 'checkpoint dir', opts.log);
  const dbPath = join(dir, DATABASE_FILE);
  const { db, migration } = openDatabase(dbPath, { migrations: COORDINATOR_MIGRATIONS, clock: opts.clock, log: opts.log, what: 'coordinator database' });
  try {
    return new CoordinatorStore(db, dir, dbPath, checkpointDir, migration, opts);
  } catch (err) {
    db.close();
    throw err;
  }
}

/** The coordinator's durable state. Synchronous: every call is one short SQLite transaction. */
export class CoordinatorStore {
  /** What opening repaired. */
  readonly recovery: Recovery;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly keepCheckpoints: number | undefined;
  private closed = false;
  private readonly sql: {
    insertRound: Database.Statement;
    getRound: Database.Statement;
    endRound: Database.Statement;
    listRounds: Database.Statement;
    lastRound: Database.Statement;
    abortRunning: Database.Statement;
    ledgerHead: Database.Statement;
    lastRoundEntry: Database.Statement;
    lastPrivateEntry: Database.Statement;
    lastBudgetEntry: Database.Statement;
    nonPrivateRelease: Database.Statement;
    listLedger: Database.Statement;
    insertLedger: Database.Statement;
    insertCheckpoint: Database.Statement;
    setRoundEvaluation: Database.Statement;
    setCheckpointAccuracy: Database.Statement;
    insertManifest: Database.Statement;
    getManifest: Database.Statement;
    getCheckpoint: Database.Statement;
    latestCheckpoint: Database.Statement;
    listCheckpoints: Database.Statement;
    staleCheckpoints: Database.Statement;
    deleteCheckpoint: Database.Statement;
    insertLaunch: Database.Statement;
    getLaunch: Database.Statement;
    setLaunchDone: Database.Statement;
    stepLaunch: Database.Statement;
    pendingLaunches: Database.Statement;
    upsertNode: Database.Statement;
    listNodes: Database.Statement;
    disconnectNodes: Database.Statement;
  };

  /** Use `openStore`. */
  constructor(
    private readonly db: Db,
    /** The data dir (absolute). */
    readonly dataDir: string,
    /** The database file. */
    readonly dbPath: string,
    /** Where checkpoint files live. */
    readonly checkpointDir: string,
    schema: { from: number; to: number },
    opts: StoreOptions,
  ) {
    this.log = opts.log;
    this.clock = opts.clock;
    this.keepCheckpoints = opts.keepCheckpoints;
    this.sql = {
      insertRound: db.prepare('INSERT INTO rounds (round, state, started_at, settings, launch_id) VALUES (?, ?, ?, ?, ?)'),
      getRound: db.prepare('SELECT * FROM rounds WHERE round = ?'),
      endRound: db.prepare(
        `INSERT INTO rounds (round, state, started_at, finished_at, selected, participants, evaluated, accuracy, loss, reason, launch_id, declines)
         VALUES (@round, @state, @startedAt, @finishedAt, @selected, @participants, @evaluated, @accuracy, @loss, @reason, @launchId, @declines)
         ON CONFLICT (round) DO UPDATE SET state = excluded.state, finished_at = excluded.finished_at, selected = excluded.selected,
           participants = excluded.participants, evaluated = excluded.evaluated, accuracy = excluded.accuracy, loss = excluded.loss,
           reason = excluded.reason, launch_id = coalesce(excluded.launch_id, rounds.launch_id), declines = excluded.declines`,
      ),
      listRounds: db.prepare('SELECT * FROM rounds ORDER BY round'),
      lastRound: db.prepare('SELECT max(round) AS r FROM rounds'),
      abortRunning: db.prepare("UPDATE rounds SET state = 'aborted', finished_at = ?, reason = ? WHERE state = 'running' RETURNING *"),
      ledgerHead: db.prepare('SELECT * FROM ledger ORDER BY seq DESC LIMIT 1'),
      lastRoundEntry: db.prepare("SELECT * FROM ledger WHERE kind = 'round' ORDER BY seq DESC LIMIT 1"),
      lastPrivateEntry: db.prepare("SELECT * FROM ledger WHERE kind = 'round' AND noise != 'none' ORDER BY seq DESC LIMIT 1"),
      lastBudgetEntry: db.prepare("SELECT * FROM ledger WHERE kind = 'budget' ORDER BY seq DESC LIMIT 1"),
      nonPrivateRelease: db.prepare("SELECT 1 FROM ledger WHERE kind = 'round' AND noise = 'none' LIMIT 1"),
      listLedger: db.prepare('SELECT * FROM ledger ORDER BY seq'),
      insertLedger: db.prepare(
        `INSERT INTO ledger (seq, kind, format, round, time, sample_rate, noise_multiplier, clip_norm, min_survivors, survivors, epsilon_after,
                             epsilon_unamplified_after, accountant, noise, secure_aggregation, model_sha256, manifest_sha256, budget_epsilon, operator, reason, delta, prev_hash, hash)
         VALUES (@seq, @kind, @format, @round, @time, @sample_rate, @noise_multiplier, @clip_norm, @min_survivors, @survivors, @epsilon_after,
                 @epsilon_unamplified_after, @accountant, @noise, @secure_aggregation, @model_sha256, @manifest_sha256, @budget_epsilon, @operator, @reason, @delta, @prev_hash, @hash)`,
      ),
      insertCheckpoint: db.prepare(
        `INSERT INTO checkpoints (round, time, file, sha256, num_parameters, accuracy, epsilon, ledger_head, manifest_sha256)
         VALUES (@round, @time, @file, @sha256, @numParameters, @accuracy, @epsilon, @ledgerHead, @manifestSha256)`,
      ),
      setRoundEvaluation: db.prepare("UPDATE rounds SET evaluated = @evaluated, accuracy = @accuracy, loss = @loss, declines = @declines WHERE round = @round AND state = 'completed'"),
      setCheckpointAccuracy: db.prepare('UPDATE checkpoints SET accuracy = @accuracy WHERE round = @round'),
      insertManifest: db.prepare('INSERT INTO manifests (sha256, tensors) VALUES (?, ?) ON CONFLICT (sha256) DO NOTHING'),
      getManifest: db.prepare('SELECT * FROM manifests WHERE sha256 = ?'),
      getCheckpoint: db.prepare('SELECT * FROM checkpoints WHERE round = ?'),
      latestCheckpoint: db.prepare('SELECT * FROM checkpoints ORDER BY round DESC LIMIT 1'),
      listCheckpoints: db.prepare('SELECT * FROM checkpoints ORDER BY round'),
      staleCheckpoints: db.prepare('SELECT * FROM checkpoints ORDER BY round DESC LIMIT -1 OFFSET ?'),
      deleteCheckpoint: db.prepare('DELETE FROM checkpoints WHERE round = ?'),
      insertLaunch: db.prepare('INSERT INTO launches (first_round, rounds, settings, done, created_at) VALUES (?, ?, ?, 0, ?) RETURNING *'),
      getLaunch: db.prepare('SELECT * FROM launches WHERE id = ?'),
      setLaunchDone: db.prepare('UPDATE launches SET done = ? WHERE id = ?'),
      stepLaunch: db.prepare('UPDATE launches SET done = done + 1 WHERE id = ? AND done < rounds'),
      pendingLaunches: db.prepare('SELECT * FROM launches WHERE done < rounds ORDER BY id'),
      upsertNode: db.prepare(
        `INSERT INTO nodes (name, first_seen, last_seen, status, rounds_participated) VALUES (@name, @at, @at, @status, coalesce(@rounds, 0))
         ON CONFLICT (name) DO UPDATE SET last_seen = max(nodes.last_seen, excluded.last_seen), status = excluded.status,
           rounds_participated = coalesce(@rounds, nodes.rounds_participated)`,
      ),
      listNodes: db.prepare('SELECT * FROM nodes ORDER BY name'),
      disconnectNodes: db.prepare("UPDATE nodes SET status = 'disconnected' WHERE status = 'connected'"),
    };
    this.recovery = this.recover(schema);
    const verification = this.verifyLedger();
    if (!verification.ok) {
      const b = verification.broken;
      const message = `the privacy ledger in ${dbPath} is broken at ${b?.label ?? 'an unknown entry'}: ${b?.reason ?? 'unknown'}; the epsilon spent so far cannot be trusted`;
      if (!opts.allowBrokenLedger) throw new CohortError('failed_precondition', `${message}, refusing to use this data dir`);
      this.log.error({ path: dbPath, position: b?.position }, message);
    }
  }

  // ------------------------------------------------------------------ rounds

  /** Record that `round` started with `settings` (stored as JSON). */
  recordRoundStart(args: { readonly round: number; readonly settings: object; readonly startedAt?: number; readonly launchId?: number }): void {
    this.assertOpen();
    checkRound(args.round);
    const existing = this.sql.getRound.get(args.round) as RoundRow | undefined;
    if (existing) throw new CohortError('already_exists', `round ${args.round} is already recorded (${existing.state})`);
    if (args.launchId !== undefined && !this.sql.getLaunch.get(args.launchId)) throw new CohortError('invalid_argument', `no launch ${args.launchId}`);
    const startedAt = args.startedAt ?? this.now();
    this.write(`record the start of round ${args.round}`, () => {
      this.sql.insertRound.run(args.round, 'running', Math.floor(startedAt), settingsJson(args.settings), args.launchId ?? null);
    });
  }

  /** Record a round that ended without releasing a model (skipped, failed or refused): no checkpoint, no ledger entry. */
  finishRound(args: { readonly round: number; readonly event: RoundEvent; readonly launchId?: number }): StoredRound {
    this.assertOpen();
    const { round, event } = args;
    checkRound(round);
    if (event.round !== round) throw new CohortError('invalid_argument', `the event is for round ${event.round}, not ${round}`);
    const state = event.state;
    if (state !== 'skipped' && state !== 'failed' && state !== 'refused') {
      throw new CohortError('invalid_argument', `finishRound records skipped, failed or refused rounds; round ${round} is ${state}`);
    }
    const row = endRow(round, state, event, 0, args.launchId);
    const tx = this.db.transaction(() => {
      this.checkRunningOrAbsent(round);
      if (args.launchId !== undefined) this.stepLaunch(args.launchId);
      this.sql.endRound.run({ ...row, finishedAt: this.now() });
    });
    this.write(`record the end of round ${round}`, () => tx.immediate());
    return this.round(round) as StoredRound;
  }

  /**
   * Commit a completed round: write its checkpoint file (durably, under a name nothing
   * refers to yet), then in one transaction append the ledger entry, mark the round
   * completed and add the checkpoint to the manifest. A crash before the transaction
   * commits leaves no trace but an orphan file, removed on the next open.
   */
  commitRound(args: CommitRoundArgs): CheckpointInfo {
    this.assertOpen();
    const { round, event, weights } = args;
    checkRound(round);
    if (event.round !== round) throw new CohortError('invalid_argument', `the event is for round ${event.round}, not ${round}`);
    if (event.state !== 'completed') throw new CohortError('invalid_argument', `only a completed round is committed; round ${round} is ${event.state}`);
    if (!(weights instanceof Float32Array) || weights.length === 0) throw new CohortError('invalid_argument', 'weights must be a non-empty Float32Array');
    if (args.manifest && args.manifest.numParameters !== weights.length) {
      throw new CohortError('invalid_argument', `the manifest has ${args.manifest.numParameters} parameters, the weights ${weights.length}`);
    }
    for (let i = 0; i < weights.length; i++) {
      if (!Number.isFinite(weights[i])) throw new CohortError('invalid_argument', `weights[${i}] of round ${round} is ${weights[i]}; a non-finite model is never checkpointed`);
    }
    this.checkRunningOrAbsent(round);
    const entry = args.ledgerEntry === undefined ? undefined : this.checkRoundEntry(args.ledgerEntry);
    if (entry && entry.round !== round) throw new CohortError('invalid_argument', `the ledger entry is for round ${entry.round}, not ${round}`);
    const roundRow = endRow(round, 'completed', event, 0, args.launchId);

    const bytes = encodeWeights(weights);
    const file = checkpointFileName(round);
    const path = join(this.checkpointDir, file);
    const sha256 = sha256Hex(bytes);
    try {
      atomicWriteFile(path, bytes);
    } catch (err) {
      throw ioError(`could not write the checkpoint ${path}`, err);
    }

    const tx = this.db.transaction((): CheckpointInfo => {
      const time = this.now();
      if (args.launchId !== undefined) this.stepLaunch(args.launchId);
      this.sql.endRound.run({ ...roundRow, finishedAt: time });
      // The entry names the very model it releases: its weights' hash and its manifest's.
      if (entry) this.insertLedgerEntry({ kind: 'round', ...entry, modelSha256: sha256, ...(args.manifest ? { manifestSha256: args.manifest.sha256 } : {}) }, time);
      const ledgerHead = this.ledgerHead()?.hash ?? GENESIS_HASH;
      const epsilon = this.sql.nonPrivateRelease.get() ? undefined : this.lastPrivateEntry()?.epsilonAfter;
      const info: CheckpointInfo = {
        round,
        time,
        file,
        sha256,
        numParameters: weights.length,
        ...(finiteOrUndefined(event.accuracy) === undefined ? {} : { accuracy: event.accuracy }),
        ...(epsilon === undefined ? {} : { epsilon }),
        ledgerHead,
        ...(args.manifest ? { manifestSha256: args.manifest.sha256 } : {}),
      };
      if (args.manifest) this.sql.insertManifest.run(args.manifest.sha256, JSON.stringify(args.manifest.tensors));
      this.sql.insertCheckpoint.run({ ...info, accuracy: info.accuracy ?? null, epsilon: info.epsilon ?? null, manifestSha256: info.manifestSha256 ?? null });
      return info;
    });
    let info: CheckpointInfo;
    try {
      info = tx.immediate();
    } catch (err) {
      removeQuietly(path);
      throw err instanceof CohortError ? err : ioError(`could not commit round ${round}`, err);
    }
    this.prune();
    return info;
  }

  /**
   * Attach the federated evaluation of a committed round's model to the round and its
   * checkpoint. Evaluation runs on the committed model, so it always comes after the commit.
   */
  recordEvaluation(args: { readonly round: number; readonly evaluated: number; readonly accuracy?: number; readonly loss?: number; readonly declines?: readonly NodeDecline[] }): void {
    this.assertOpen();
    checkRound(args.round);
    if (!Number.isInteger(args.evaluated) || args.evaluated < 0) throw new CohortError('invalid_argument', `evaluated must be a non-negative integer, got ${args.evaluated}`);
    const accuracy = finiteOrUndefined(args.accuracy) ?? null;
    const loss = finiteOrUndefined(args.loss) ?? null;
    const tx = this.db.transaction(() => {
      const updated = this.sql.setRoundEvaluation.run({ round: args.round, evaluated: args.evaluated, accuracy, loss, declines: declinesJson(args.declines) });
      if (updated.changes !== 1) throw new CohortError('failed_precondition', `round ${args.round} is not a committed round`);
      this.sql.setCheckpointAccuracy.run({ round: args.round, accuracy });
    });
    this.write(`record the evaluation of round ${args.round}`, () => tx.immediate());
  }

  /** One round, if recorded. */
  round(round: number): StoredRound | undefined {
    this.assertOpen();
    const row = this.sql.getRound.get(round) as RoundRow | undefined;
    return row && toRound(row);
  }

  /** Every recorded round, in order. */
  rounds(): StoredRound[] {
    this.assertOpen();
    return (this.sql.listRounds.all() as RoundRow[]).map(toRound);
  }

  /** The highest round number ever recorded (0 if none): new rounds are numbered after it. */
  lastRound(): number {
    this.assertOpen();
    return (this.sql.lastRound.get() as { r: number | null }).r ?? 0;
  }

  // ------------------------------------------------------------------ ledger

  /**
   * Durably append a ledger entry for running round `entry.round` on its own (the
   * PrivacyLedger port), before the round's model is released. If the coordinator then
   * dies, the round is aborted but the entry stays: spending is over-counted, never under.
   * Prefer passing the entry to `commitRound`, which writes both at once.
   */
  appendLedger(input: RoundEntryInput): RoundEntry {
    this.assertOpen();
    const entry = this.checkRoundEntry(input);
    const row = this.sql.getRound.get(entry.round) as RoundRow | undefined;
    if (row?.state !== 'running') throw new CohortError('failed_precondition', `round ${entry.round} is ${row ? row.state : 'not recorded'}; a ledger entry is appended while its round runs`);
    return this.write(`append the ledger entry of round ${entry.round}`, () => this.db.transaction(() => this.insertLedgerEntry({ kind: 'round', ...entry }, this.now())).immediate()) as RoundEntry;
  }

  /**
   * Durably record a change of the privacy budget (or its value at first start) in the
   * ledger's chain, so every later report shows who changed it, when and why.
   */
  appendBudget(input: BudgetEntryInput): BudgetEntry {
    this.assertOpen();
    const entry = parseBudgetEntry(input);
    return this.write('record the budget change', () => this.db.transaction(() => this.insertLedgerEntry({ kind: 'budget', ...entry }, this.now())).immediate()) as BudgetEntry;
  }

  /** The ledger (released models and budget changes), in chain order. */
  ledger(): LedgerEntry[] {
    this.assertOpen();
    return (this.sql.listLedger.all() as LedgerRow[]).map(toLedgerEntry);
  }

  /** The last ledger entry of any kind (its hash is the chain's head). */
  ledgerHead(): LedgerEntry | undefined {
    this.assertOpen();
    const row = this.sql.ledgerHead.get() as LedgerRow | undefined;
    return row && toLedgerEntry(row);
  }

  /** The last private round's entry: its `epsilonAfter` is the ε spent so far. */
  lastPrivateEntry(): RoundEntry | undefined {
    this.assertOpen();
    const row = this.sql.lastPrivateEntry.get() as LedgerRow | undefined;
    return row && (toLedgerEntry(row) as RoundEntry);
  }

  /** The budget in force: the last budget entry (undefined if none was ever recorded). */
  budget(): BudgetEntry | undefined {
    this.assertOpen();
    const row = this.sql.lastBudgetEntry.get() as LedgerRow | undefined;
    return row && (toLedgerEntry(row) as BudgetEntry);
  }

  /**
   * Recompute the ledger's hash chain and report the first broken entry. Also checks that
   * each checkpoint's recorded ledger head is still in the chain (so deleting the last
   * entries shows while their checkpoints remain) and, if given, that `knownHead` (a hash
   * from an earlier budget report) is.
   */
  verifyLedger(opts: { readonly knownHead?: string } = {}): ChainVerification {
    this.assertOpen();
    const entries = this.ledger();
    const result = verifyChain(entries.map((e) => ({ label: e.kind === 'round' ? `round ${e.round}` : `the budget change of ${isoDate(e.time)}`, fields: ledgerFields(e), prevHash: e.prevHash, hash: e.hash })));
    if (!result.ok) return result;
    const hashes = new Set([GENESIS_HASH, ...entries.map((e) => e.hash)]);
    for (const c of this.sql.listCheckpoints.all() as CheckpointRow[]) {
      if (!hashes.has(c.ledger_head)) {
        return {
          ...result,
          ok: false,
          broken: { position: entries.length, label: `the end of the ledger`, reason: `the checkpoint of round ${c.round} was committed after a ledger entry that is no longer there (entries were deleted)` },
        };
      }
    }
    if (opts.knownHead !== undefined && !hashes.has(opts.knownHead)) {
      return { ...result, ok: false, broken: { position: entries.length, label: 'the end of the ledger', reason: `the known head ${opts.knownHead} is not in the chain (entries were deleted or rewritten)` } };
    }
    return result;
  }

  // ------------------------------------------------------------------ checkpoints

  /** The checkpoint manifest, in round order (files are not read). */
  checkpoints(): CheckpointInfo[] {
    this.assertOpen();
    return (this.sql.listCheckpoints.all() as CheckpointRow[]).map(toCheckpointInfo);
  }

  /** Read round `round`'s checkpoint; refuses a file whose length or sha256 differs from the manifest. */
  loadCheckpoint(round: number): Checkpoint {
    this.assertOpen();
    const row = this.sql.getCheckpoint.get(round) as CheckpointRow | undefined;
    if (!row) throw new CohortError('not_found', `no checkpoint of round ${round} in ${this.dbPath}`);
    const info = toCheckpointInfo(row);
    const path = join(this.checkpointDir, info.file);
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (err) {
      throw new CohortError('failed_precondition', `cannot read the checkpoint of round ${round} (${path}): ${reasonOf(err)}`, { cause: err });
    }
    const expectedBytes = info.numParameters * BYTES_PER_PARAMETER;
    if (bytes.byteLength !== expectedBytes) {
      throw new CohortError('failed_precondition', `the checkpoint ${path} is corrupt: ${bytes.byteLength} bytes, the manifest says ${expectedBytes}; refusing to use it`);
    }
    const actual = sha256Hex(bytes);
    if (actual !== info.sha256) {
      throw new CohortError('failed_precondition', `the checkpoint ${path} is corrupt: its sha256 is ${actual}, the manifest says ${info.sha256}; refusing to use it`);
    }
    return { ...info, weights: decodeWeights(bytes) };
  }

  /** A recorded manifest by its hash, checked against the hash (undefined if none). */
  manifest(sha256: string): ModelManifest | undefined {
    this.assertOpen();
    const row = this.sql.getManifest.get(sha256) as { sha256: string; tensors: string } | undefined;
    if (!row) return undefined;
    let manifest: ModelManifest;
    try {
      manifest = parseManifest(JSON.parse(row.tensors), `the manifest ${sha256} in ${this.dbPath}`);
    } catch (err) {
      throw new CohortError('failed_precondition', `the manifest ${sha256} in ${this.dbPath} is corrupt: ${reasonOf(err)}`, { cause: err });
    }
    if (manifest.sha256 !== sha256) throw new CohortError('failed_precondition', `the manifest stored as ${sha256} in ${this.dbPath} hashes to ${manifest.sha256}; refusing to use it`);
    return manifest;
  }

  /** The newest checkpoint, verified (undefined if none); a corrupt one throws rather than falling back. */
  latestCheckpoint(): Checkpoint | undefined {
    this.assertOpen();
    const row = this.sql.latestCheckpoint.get() as CheckpointRow | undefined;
    return row && this.loadCheckpoint(row.round);
  }

  // ------------------------------------------------------------------ launches

  /** Persist a detached launch so it resumes after a restart. */
  saveLaunch(args: { readonly firstRound: number; readonly rounds: number; readonly settings: object }): StoredLaunch {
    this.assertOpen();
    checkRound(args.firstRound);
    if (!Number.isSafeInteger(args.rounds) || args.rounds < 1) throw new CohortError('invalid_argument', `rounds must be a positive integer, got ${args.rounds}`);
    const row = this.write('save the launch', () => this.sql.insertLaunch.get(args.firstRound, args.rounds, settingsJson(args.settings), this.now()) as LaunchRow);
    return toLaunch(row);
  }

  /** Set how many of launch `id`'s rounds are done (never backwards, at most its size). */
  advanceLaunch(id: number, done: number): void {
    this.assertOpen();
    const row = this.sql.getLaunch.get(id) as LaunchRow | undefined;
    if (!row) throw new CohortError('not_found', `no launch ${id}`);
    if (!Number.isSafeInteger(done) || done < row.done || done > row.rounds) {
      throw new CohortError('invalid_argument', `launch ${id} has ${row.done} of ${row.rounds} rounds done; cannot set ${done}`);
    }
    this.write(`advance launch ${id}`, () => this.sql.setLaunchDone.run(done, id));
  }

  /** Mark launch `id` as having no rounds left to run (the rest were refused); it is not resumed. */
  closeLaunch(id: number): void {
    this.assertOpen();
    const row = this.sql.getLaunch.get(id) as LaunchRow | undefined;
    if (!row) throw new CohortError('not_found', `no launch ${id}`);
    this.write(`close launch ${id}`, () => this.sql.setLaunchDone.run(row.rounds, id));
  }

  /** Launches with rounds still to run, oldest first. */
  pendingLaunches(): StoredLaunch[] {
    this.assertOpen();
    return (this.sql.pendingLaunches.all() as LaunchRow[]).map(toLaunch);
  }

  // ------------------------------------------------------------------ nodes

  /**
   * Record a node's status; `seenAt` (default now) only moves `lastSeen` forward;
   * `roundsParticipated`, when given, replaces the stored count.
   */
  upsertNode(args: { readonly name: string; readonly status: NodeRecord['status']; readonly seenAt?: number; readonly roundsParticipated?: number }): void {
    this.assertOpen();
    if (typeof args.name !== 'string' || args.name.length === 0 || args.name.length > 256) throw new CohortError('invalid_argument', 'node name must be 1 to 256 characters');
    if (!NODE_STATUSES.has(args.status)) throw new CohortError('invalid_argument', `unknown node status ${JSON.stringify(args.status)}`);
    const rounds = args.roundsParticipated;
    if (rounds !== undefined && !(Number.isSafeInteger(rounds) && rounds >= 0)) throw new CohortError('invalid_argument', `rounds participated must be a non-negative integer, got ${rounds}`);
    const at = Math.floor(args.seenAt ?? this.now());
    this.write(`record node ${args.name}`, () => this.sql.upsertNode.run({ name: args.name, at, status: args.status, rounds: rounds ?? null }));
  }

  /** Every node ever seen, by name. */
  nodes(): StoredNode[] {
    this.assertOpen();
    return (this.sql.listNodes.all() as NodeRow[]).map((r) => ({
      name: r.name,
      firstSeen: r.first_seen,
      lastSeen: r.last_seen,
      status: r.status,
      roundsParticipated: r.rounds_participated,
    }));
  }

  /** Close the database (releases the data dir's lock). Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  // ------------------------------------------------------------------ internals

  private recover(schema: { from: number; to: number }): Recovery {
    const now = this.now();
    const { aborted, disconnected } = this.db.transaction(() => ({
      aborted: (this.sql.abortRunning.all(now, ABORTED_REASON) as RoundRow[]).map(toRound),
      disconnected: this.sql.disconnectNodes.run().changes,
    }))();
    for (const r of aborted) this.log.warn({ round: r.round }, `round ${r.round} aborted: ${ABORTED_REASON}`);

    const referenced = new Set((this.sql.listCheckpoints.all() as CheckpointRow[]).map((r) => r.file));
    const removed: string[] = [];
    for (const name of readdirSync(this.checkpointDir)) {
      const orphan = name.endsWith(TEMP_SUFFIX) || (roundOfFileName(name) !== undefined && !referenced.has(name));
      if (!orphan) continue;
      removeQuietly(join(this.checkpointDir, name));
      removed.push(name);
    }
    if (removed.length > 0) {
      fsyncDir(this.checkpointDir);
      this.log.info({ files: removed }, 'removed checkpoint files of rounds that never committed');
    }
    for (const file of referenced) {
      if (!existsSync(join(this.checkpointDir, file))) this.log.error({ file }, `checkpoint file ${file} listed in the manifest is missing`);
    }
    return { abortedRounds: aborted, removedFiles: removed, disconnectedNodes: disconnected, schema };
  }

  private prune(): void {
    if (this.keepCheckpoints === undefined) return;
    const stale = this.sql.staleCheckpoints.all(this.keepCheckpoints) as CheckpointRow[];
    if (stale.length === 0) return;
    // Rows first: a crash before the unlinks leaves orphan files, which the next open removes.
    this.write('prune old checkpoints', () => this.db.transaction(() => stale.forEach((r) => this.sql.deleteCheckpoint.run(r.round)))());
    for (const r of stale) removeQuietly(join(this.checkpointDir, r.file));
    fsyncDir(this.checkpointDir);
  }

  /** A checked round entry that follows the ledger's last round and last private round. */
  private checkRoundEntry(input: RoundEntryInput): RoundEntryInput {
    const lastRound = this.sql.lastRoundEntry.get() as LedgerRow | undefined;
    const entry = parseRoundEntry(input, lastRound && (toLedgerEntry(lastRound) as RoundEntry));
    checkSpending(entry, this.lastPrivateEntry());
    return entry;
  }

  private insertLedgerEntry(entry: ({ kind: 'round' } & RoundEntryInput) | ({ kind: 'budget' } & BudgetEntryInput), now: number): LedgerEntry {
    const head = this.ledgerHead();
    const prevHash = head?.hash ?? GENESIS_HASH;
    const chained = { seq: (head?.seq ?? 0) + 1, format: 2 as const, ...entry, time: entry.time ?? now };
    const stored = { ...chained, prevHash, hash: chainHash(prevHash, ledgerFields({ ...chained, prevHash, hash: '' } as LedgerEntry)) } as LedgerEntry;
    this.sql.insertLedger.run(toLedgerRow(stored));
    return stored;
  }

  private checkRunningOrAbsent(round: number): void {
    const row = this.sql.getRound.get(round) as RoundRow | undefined;
    if (row && row.state !== 'running') throw new CohortError('failed_precondition', `round ${round} is already ${row.state}`);
  }

  private stepLaunch(id: number): void {
    if (this.sql.stepLaunch.run(id).changes !== 1) {
      const row = this.sql.getLaunch.get(id) as LaunchRow | undefined;
      throw new CohortError('invalid_argument', row ? `launch ${id} already has all its ${row.rounds} rounds done` : `no launch ${id}`);
    }
  }

  private write<T>(what: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw err instanceof CohortError ? err : ioError(`could not ${what}`, err);
    }
  }

  private now(): number {
    return Math.floor(this.clock.now());
  }

  private assertOpen(): void {
    if (this.closed) throw new CohortError('failed_precondition', `the store ${this.dbPath} is closed`);
  }
}

function checkRound(round: number): void {
  if (!Number.isSafeInteger(round) || round < 1) throw new CohortError('invalid_argument', `round must be a positive integer, got ${round}`);
}

function finiteOrUndefined(v: number | undefined): number | undefined {
  return v !== undefined && Number.isFinite(v) ? v : undefined;
}

/** Row values of a round's end; non-finite metrics (a diverged model's loss) are stored as NULL. */
function endRow(round: number, state: StoredRoundState, event: RoundEvent, finishedAt: number, launchId: number | undefined): Record<string, unknown> {
  const count = (name: string, v: number): number => {
    if (!Number.isSafeInteger(v) || v < 0) throw new CohortError('invalid_argument', `round ${round}: ${name} must be a non-negative integer, got ${v}`);
    return v;
  };
  return {
    round,
    state,
    startedAt: Math.floor(event.startedAtMs),
    finishedAt,
    selected: count('selected', event.selected),
    participants: count('participants', event.participants),
    evaluated: count('evaluated', event.evaluated),
    accuracy: finiteOrUndefined(event.accuracy) ?? null,
    loss: finiteOrUndefined(event.loss) ?? null,
    reason: event.reason ?? null,
    launchId: launchId ?? null,
    declines: declinesJson(event.declines),
  };
}

/** Declines as stored: only the fields operators see, NULL for none. */
function declinesJson(declines: readonly NodeDecline[] | undefined): string | null {
  return declines && declines.length > 0 ? JSON.stringify(declines.map(({ node, kind, category, reason }) => ({ node, kind, category, reason }))) : null;
}

/** Stored declines; entries that are not well-formed are skipped (they only inform operators). */
function parseDeclines(json: string): NodeDecline[] {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return [];
  }
  if (!Array.isArray(value)) return [];
  return value.flatMap((d: unknown): NodeDecline[] => {
    const o = d as Record<string, unknown> | null;
    const ok =
      o !== null &&
      typeof o === 'object' &&
      typeof o['node'] === 'string' &&
      (o['kind'] === 'train' || o['kind'] === 'evaluate') &&
      typeof o['reason'] === 'string' &&
      (DECLINE_CATEGORIES as readonly unknown[]).includes(o['category']);
    return ok ? [{ node: o['node'] as string, kind: o['kind'] as NodeDecline['kind'], category: o['category'] as DeclineCategory, reason: o['reason'] as string }] : [];
  });
}

function settingsJson(settings: object): string {
  if (settings === null || typeof settings !== 'object' || Array.isArray(settings)) throw new CohortError('invalid_argument', 'settings must be an object');
  return JSON.stringify(settings);
}

function parseSettings(json: string, where: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw new CohortError('failed_precondition', `the stored settings of ${where} are not valid JSON`, { cause: err });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new CohortError('failed_precondition', `the stored settings of ${where} are not an object`);
  return value as Record<string, unknown>;
}

function toRound(r: RoundRow): StoredRound {
  return {
    round: r.round,
    state: r.state,
    startedAt: r.started_at,
    selected: r.selected,
    participants: r.participants,
    evaluated: r.evaluated,
    ...(r.finished_at === null ? {} : { finishedAt: r.finished_at }),
    ...(r.accuracy === null ? {} : { accuracy: r.accuracy }),
    ...(r.loss === null ? {} : { loss: r.loss }),
    ...(r.reason === null ? {} : { reason: r.reason }),
    ...(r.settings === null ? {} : { settings: parseSettings(r.settings, `round ${r.round}`) }),
    ...(r.launch_id === null ? {} : { launchId: r.launch_id }),
    ...(r.declines === null ? {} : { declines: parseDeclines(r.declines) }),
  };
}

function toLedgerEntry(r: LedgerRow): LedgerEntry {
  const stored = { seq: r.seq, time: r.time, format: r.format, delta: r.delta, prevHash: r.prev_hash, hash: r.hash };
  if (r.kind === 'budget') {
    return {
      kind: 'budget',
      ...stored,
      ...(r.budget_epsilon === null ? {} : { epsilon: r.budget_epsilon }),
      ...(r.operator === null ? {} : { operator: r.operator }),
      reason: r.reason ?? '',
    };
  }
  return {
    kind: 'round',
    ...stored,
    round: r.round ?? 0,
    sampleRate: r.sample_rate ?? NaN,
    noiseMultiplier: r.noise_multiplier ?? NaN,
    ...(r.clip_norm === null ? {} : { clipNorm: r.clip_norm }),
    minSurvivors: r.min_survivors ?? 0,
    survivors: r.survivors ?? 0,
    ...(r.epsilon_after === null ? {} : { epsilonAfter: r.epsilon_after }),
    ...(r.epsilon_unamplified_after === null ? {} : { epsilonUnamplifiedAfter: r.epsilon_unamplified_after }),
    accountant: r.accountant ?? '',
    noise: r.noise ?? 'none',
    ...(r.secure_aggregation === null ? {} : { secureAggregation: r.secure_aggregation === 1 }),
    ...(r.model_sha256 === null ? {} : { modelSha256: r.model_sha256 }),
    ...(r.manifest_sha256 === null ? {} : { manifestSha256: r.manifest_sha256 }),
  };
}

function toLedgerRow(e: LedgerEntry): LedgerRow {
  const round = e.kind === 'round' ? e : undefined;
  const budget = e.kind === 'budget' ? e : undefined;
  const nul = <T>(v: T | undefined): T | null => (v === undefined ? null : v);
  return {
    seq: e.seq,
    kind: e.kind,
    format: e.format,
    round: nul(round?.round),
    time: e.time,
    sample_rate: nul(round?.sampleRate),
    noise_multiplier: nul(round?.noiseMultiplier),
    clip_norm: nul(round?.clipNorm),
    min_survivors: nul(round?.minSurvivors),
    survivors: nul(round?.survivors),
    epsilon_after: nul(round?.epsilonAfter),
    epsilon_unamplified_after: nul(round?.epsilonUnamplifiedAfter),
    accountant: nul(round?.accountant),
    noise: nul(round?.noise),
    secure_aggregation: round?.secureAggregation === undefined ? null : round.secureAggregation ? 1 : 0,
    model_sha256: nul(round?.modelSha256),
    manifest_sha256: nul(round?.manifestSha256),
    budget_epsilon: nul(budget?.epsilon),
    operator: nul(budget?.operator),
    reason: nul(budget?.reason),
    delta: e.delta,
    prev_hash: e.prevHash,
    hash: e.hash,
  };
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString();
}

function toCheckpointInfo(r: CheckpointRow): CheckpointInfo {
  return {
    round: r.round,
    time: r.time,
    file: r.file,
    sha256: r.sha256,
    numParameters: r.num_parameters,
    ...(r.accuracy === null ? {} : { accuracy: r.accuracy }),
    ...(r.epsilon === null ? {} : { epsilon: r.epsilon }),
    ledgerHead: r.ledger_head,
    ...(r.manifest_sha256 === null ? {} : { manifestSha256: r.manifest_sha256 }),
  };
}

function toLaunch(r: LaunchRow): StoredLaunch {
  return { id: r.id, firstRound: r.first_round, rounds: r.rounds, done: r.done, settings: parseSettings(r.settings, `launch ${r.id}`), createdAt: r.created_at };
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone: the goal is reached.
  }
}

/** A CohortError for a failed read or write; a full disk is `resource_exhausted`. */
function ioError(what: string, err: unknown): CohortError {
  const code = (err as { code?: unknown }).code;
  const full = code === 'ENOSPC' || code === 'SQLITE_FULL' || code === 'EDQUOT';
  return new CohortError(full ? 'resource_exhausted' : 'internal', `${what}: ${reasonOf(err)}`, { cause: err });
}
