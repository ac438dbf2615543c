/**
 * The node daemon's own durable state: `node.db` in its data dir holds the ledger of the
 * rounds this node contributed to (the noise each gave it, the ε of that round alone and the
 * running total, hash-chained like the coordinator's ledger) and the daemon's config.
 *
 * The running total is the node's own RDP accountant at q = 1: the rounds' RDP curves add
 * up order by order and are converted to (ε, δ) once (Mironov 2017), which is tighter than
 * adding up per-round ε and keeps δ at the node's δ rather than T·δ. Entries written before
 * schema 2 (format 1) were added up by basic composition; they stay a prefix whose ε adds to
 * the total and whose δ each add to the total δ.
 *
 * SQLite rather than JSON lines: the same opener as the coordinator (exclusive lock, so
 * two daemons cannot share a data dir; WAL with fsync on commit; integrity check;
 * versioned migrations), and an append is one transaction, so there is no torn last line
 * to repair after a crash. The ledger stays auditable by hand
 * (`sqlite3 node.db 'SELECT * FROM ledger'`) and its chain can be recomputed from the rows.
 */
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import type { Clock } from '../../shared/clock.js';
import { ensureDataDir, reasonOf, sha256Hex } from '../../shared/durable/atomic.js';
import { type ChainFields, type ChainVerification, chainHash, GENESIS_HASH, verifyChain } from '../../shared/durable/chain.js';
import { type Db, openDatabase } from '../../shared/durable/sqlite.js';
import { CohortError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { NODE_MIGRATIONS } from './schema.js';
import { type AccountedRound, epsilonAfterRounds } from '../../shared/dp/compose.js';

/** The database file inside the node's data dir. */
export const NODE_DATABASE_FILE = 'node.db';

/** One round this node contributed to. */
export interface NodeLedgerEntry {
  /** 1, 2, 3… in the order recorded. */
  readonly seq: number;
  readonly round: number;
  /** When it was recorded, ms since the epoch. */
  readonly time: number;
  /** ε of this round alone (q = 1, at `delta`). */
  readonly epsilon: number;
  /** ε of every round so far: RDP-composed (format 2), after the format-1 prefix's plain sum. */
  readonly total: number;
  /** 1: written before schema 2 (basic composition, noise not recorded); 2: RDP. */
  readonly format: 1 | 2;
  /** The round's noise multiplier as this node vouches for it (format 2). */
  readonly noiseMultiplier?: number;
  /** δ of this node's accounting when recorded (format 2). */
  readonly delta?: number;
  readonly prevHash: string;
  readonly hash: string;
}

/** What the node's ledger guarantees in all: (ε, δ). */
export interface NodeGuarantee {
  readonly epsilon: number;
  readonly delta: number;
}

/**
 * ε after `entries` plus one more round with noise multiplier `sigma`, at `delta`: the
 * format-1 prefix's sum plus the RDP composition (q = 1) of the format-2 rounds, converted once.
 */
export function nodeEpsilon(entries: readonly Pick<NodeLedgerEntry, 'format' | 'epsilon' | 'noiseMultiplier'>[], delta: number, sigma?: number): number {
  let legacy = 0;
  const rounds: AccountedRound[] = [];
  for (const e of entries) {
    if (e.format === 1) legacy += e.epsilon;
    else rounds.push({ q: 1, sigma: e.noiseMultiplier as number });
  }
  if (sigma !== undefined) rounds.push({ q: 1, sigma });
  return legacy + epsilonAfterRounds(rounds, delta);
}

/** Options of `openNodeStore`. */
export interface NodeStoreOptions {
  readonly clock: Clock;
  readonly log: Logger;
  /** Open even if the ledger's hash chain is broken (inspection only; default false). */
  readonly allowBrokenLedger?: boolean;
}

interface LedgerRow {
  seq: number;
  round: number;
  time: number;
  epsilon: number;
  total: number;
  format: 1 | 2;
  noise_multiplier: number | null;
  delta: number | null;
  prev_hash: string;
  hash: string;
}

interface ConfigRow {
  json: string;
  sha256: string;
}

/**
 * Open the node's store in `dataDir` (created with mode 0700 if missing). Refuses
 * (`failed_precondition`, naming the path) an unwritable dir, a corrupt or foreign
 * database, a newer schema, a dir held by another daemon, a config whose checksum does
 * not match, or (unless `allowBrokenLedger`) a broken ledger chain.
 */
export function openNodeStore(dataDir: string, opts: NodeStoreOptions): NodeStore {
  const dir = ensureDataDir(dataDir, 'node data dir', opts.log);
  const dbPath = join(dir, NODE_DATABASE_FILE);
  const { db } = openDatabase(dbPath, { migrations: NODE_MIGRATIONS, clock: opts.clock, log: opts.log, what: 'node database' });
  try {
    return new NodeStore(db, dir, dbPath, opts);
  } catch (err) {
    db.close();
    throw err;
  }
}

/** The node daemon's durable state. */
export class NodeStore {
  private readonly clock: Clock;
  private closed = false;
  private readonly sql: {
    head: Database.Statement;
    list: Database.Statement;
    insert: Database.Statement;
    getConfig: Database.Statement;
    putConfig: Database.Statement;
  };

  /** Use `openNodeStore`. */
  constructor(
    private readonly db: Db,
    /** The data dir (absolute). */
    readonly dataDir: string,
    /** The database file. */
    readonly dbPath: string,
    opts: NodeStoreOptions,
  ) {
    this.clock = opts.clock;
    this.sql = {
      head: db.prepare('SELECT * FROM ledger ORDER BY seq DESC LIMIT 1'),
      list: db.prepare('SELECT * FROM ledger ORDER BY seq'),
      insert: db.prepare(
        'INSERT INTO ledger (seq, round, time, epsilon, total, format, noise_multiplier, delta, prev_hash, hash) VALUES (@seq, @round, @time, @epsilon, @total, @format, @noiseMultiplier, @delta, @prevHash, @hash)',
      ),
      getConfig: db.prepare('SELECT json, sha256 FROM config WHERE id = 1'),
      putConfig: db.prepare(
        'INSERT INTO config (id, json, sha256, updated_at) VALUES (1, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET json = excluded.json, sha256 = excluded.sha256, updated_at = excluded.updated_at',
      ),
    };
    this.config();
    const verification = this.verify();
    if (!verification.ok) {
      const b = verification.broken;
      const message = `the node's privacy ledger in ${dbPath} is broken at ${b?.label ?? 'an unknown entry'}: ${b?.reason ?? 'unknown'}; the epsilon spent so far cannot be trusted`;
      if (!opts.allowBrokenLedger) throw new CohortError('failed_precondition', `${message}, refusing to use this data dir`);
      opts.log.error({ path: dbPath, position: b?.position }, message);
    }
  }

  /**
   * Durably record that this node contributes to `round` with noise multiplier
   * `noiseMultiplier` (the noise it adds itself, as it vouches for it), before its update
   * leaves the node. With `budget`, refuses (`budget_exhausted`, nothing recorded) when the
   * total ε at `delta` would pass it.
   */
  record(args: { readonly round: number; readonly noiseMultiplier: number; readonly delta: number; readonly budget?: number }): NodeLedgerEntry {
    this.assertOpen();
    const { round, noiseMultiplier: sigma, delta, budget } = args;
    if (!Number.isSafeInteger(round) || round < 1) throw new CohortError('invalid_argument', `round must be a positive integer, got ${round}`);
    if (typeof sigma !== 'number' || !Number.isFinite(sigma) || !(sigma > 0)) throw new CohortError('invalid_argument', `noise multiplier must be a finite number > 0, got ${sigma}`);
    if (typeof delta !== 'number' || !(delta > 0 && delta < 1)) throw new CohortError('invalid_argument', `delta must be in (0, 1), got ${delta}`);
    if (budget !== undefined && !(typeof budget === 'number' && budget >= 0)) throw new CohortError('invalid_argument', `budget must be a number >= 0, got ${budget}`);
    const entries = this.entries();
    const head = entries[entries.length - 1];
    const epsilon = epsilonAfterRounds([{ q: 1, sigma }], delta);
    const total = nodeEpsilon(entries, delta, sigma);
    if (budget !== undefined && total > budget) {
      throw new CohortError(
        'budget_exhausted',
        `round ${round} (noise multiplier ${sigma} from this node's own noise) would take this node's ε from ${fmt(head ? nodeEpsilon(entries, delta) : 0)} to ${fmt(total)} (δ = ${delta}), past its budget of ${budget}`,
      );
    }
    const seq = (head?.seq ?? 0) + 1;
    const time = Math.floor(this.clock.now());
    const prevHash = head?.hash ?? GENESIS_HASH;
    const fields = { seq, round, time, epsilon, total, format: 2 as const, noiseMultiplier: sigma, delta };
    const entry: NodeLedgerEntry = { ...fields, prevHash, hash: chainHash(prevHash, entryFields(fields)) };
    try {
      this.sql.insert.run(entry);
    } catch (err) {
      throw new CohortError('internal', `could not record round ${round} in ${this.dbPath}: ${reasonOf(err)}`, { cause: err });
    }
    return entry;
  }

  /** Every recorded contribution, in order. */
  entries(): NodeLedgerEntry[] {
    this.assertOpen();
    return (this.sql.list.all() as LedgerRow[]).map(toEntry);
  }

  /** Total ε spent so far (0 before any contribution). */
  spent(): number {
    return this.head()?.total ?? 0;
  }

  /** (ε, δ) of every contribution so far at `delta`: each format-1 entry adds its own δ (basic composition). */
  guarantee(delta: number): NodeGuarantee {
    const entries = this.entries();
    const legacy = entries.filter((e) => e.format === 1).length;
    return { epsilon: entries.length === 0 ? 0 : nodeEpsilon(entries, delta), delta: delta * (1 + legacy) };
  }

  /** Recompute the chain, and that each total is what the node's accountant gives for the entries up to it. */
  verify(): ChainVerification {
    const entries = this.entries();
    const result = verifyChain(entries.map((e) => ({ label: `entry ${e.seq} (round ${e.round})`, fields: entryFields(e), prevHash: e.prevHash, hash: e.hash })));
    if (!result.ok) return result;
    let legacy = 0;
    for (const [position, e] of entries.entries()) {
      const label = `entry ${e.seq} (round ${e.round})`;
      if (e.seq !== position + 1) return { ...result, ok: false, broken: { position, label, reason: `expected sequence number ${position + 1} (entries were deleted)` } };
      let expected: number;
      if (e.format === 1) {
        legacy += e.epsilon;
        expected = legacy;
      } else {
        if (e.noiseMultiplier === undefined || e.delta === undefined) return { ...result, ok: false, broken: { position, label, reason: 'its noise multiplier or delta is missing' } };
        expected = nodeEpsilon(entries.slice(0, position + 1), e.delta);
      }
      if (e.total !== expected) return { ...result, ok: false, broken: { position, label, reason: `its running total ${e.total} is not what the entries so far give (${expected})` } };
    }
    return result;
  }

  /** The saved config, checked against its checksum (undefined if never saved). */
  config(): Record<string, unknown> | undefined {
    this.assertOpen();
    const row = this.sql.getConfig.get() as ConfigRow | undefined;
    if (!row) return undefined;
    const refuse = (reason: string): never => {
      throw new CohortError('failed_precondition', `the node config in ${this.dbPath} is corrupt (${reason}); save it again`);
    };
    if (sha256Hex(row.json) !== row.sha256) refuse('its checksum does not match');
    let value: unknown;
    try {
      value = JSON.parse(row.json);
    } catch {
      refuse('it is not valid JSON');
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) refuse('it is not an object');
    return value as Record<string, unknown>;
  }

  /** Replace the saved config (a JSON object). */
  saveConfig(config: object): void {
    this.assertOpen();
    if (config === null || typeof config !== 'object' || Array.isArray(config)) throw new CohortError('invalid_argument', 'config must be an object');
    const json = JSON.stringify(config);
    try {
      this.sql.putConfig.run(json, sha256Hex(json), Math.floor(this.clock.now()));
    } catch (err) {
      throw new CohortError('internal', `could not save the node config in ${this.dbPath}: ${reasonOf(err)}`, { cause: err });
    }
  }

  /** Close the database (releases the data dir's lock). Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  private head(): NodeLedgerEntry | undefined {
    this.assertOpen();
    const row = this.sql.head.get() as LedgerRow | undefined;
    return row && toEntry(row);
  }

  private assertOpen(): void {
    if (this.closed) throw new CohortError('failed_precondition', `the node store ${this.dbPath} is closed`);
  }
}

/** The hashed fields of a node ledger entry (format 1 entries keep the fields they were hashed with). */
function entryFields(e: Pick<NodeLedgerEntry, 'seq' | 'round' | 'time' | 'epsilon' | 'total' | 'format' | 'noiseMultiplier' | 'delta'>): ChainFields {
  const v1 = { epsilon: e.epsilon, round: e.round, seq: e.seq, time: e.time, total: e.total };
  return e.format === 1 ? v1 : { ...v1, delta: e.delta ?? null, format: 2, noiseMultiplier: e.noiseMultiplier ?? null };
}

function toEntry(r: LedgerRow): NodeLedgerEntry {
  return {
    seq: r.seq,
    round: r.round,
    time: r.time,
    epsilon: r.epsilon,
    total: r.total,
    format: r.format,
    ...(r.noise_multiplier === null ? {} : { noiseMultiplier: r.noise_multiplier }),
    ...(r.delta === null ? {} : { delta: r.delta }),
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

function fmt(x: number): string {
  return String(Number(x.toPrecision(4)));
}
