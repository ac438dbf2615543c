/**
 * Opening an embedded SQLite database for a data dir: exclusive lock, WAL with full
 * fsync on commit, an integrity check, and versioned schema migrations.
 */
import { closeSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Clock } from '../clock.js';
import { CohortError } from '../errors.js';
import type { Logger } from '../logger.js';
import { reasonOf } from './atomic.js';

/** An open better-sqlite3 connection. */
export type Db = Database.Database;

/** One schema step; versions are 1, 2, 3… and each step's SQL runs once, in order. */
export interface Migration {
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

/** What opening did to the schema. */
export interface MigrationResult {
  readonly from: number;
  readonly to: number;
}

/** Options of `openDatabase`. */
export interface OpenDatabaseOptions {
  readonly migrations: readonly Migration[];
  readonly clock: Clock;
  readonly log: Logger;
  /** What the file is, for messages ("coordinator database"). */
  readonly what: string;
}

/**
 * Open (creating if missing, mode 0600) the database at `path` and bring its schema up
 * to date. Refuses with `failed_precondition` naming the path when the file is not a
 * database, fails its integrity check, is held by another process, or comes from a
 * newer schema. Nothing is written to a file that is refused.
 */
export function openDatabase(path: string, opts: OpenDatabaseOptions): { db: Db; migration: MigrationResult } {
  const refuse = (reason: string, cause?: unknown): never => {
    throw new CohortError('failed_precondition', `cannot open the ${opts.what} ${path}: ${reason}`, { cause });
  };
  try {
    closeSync(openSync(path, 'a', 0o600));
  } catch (err) {
    refuse(reasonOf(err), err);
  }
  let db: Db | undefined;
  try {
    // timeout 0: a lock held by another process is a live coordinator or daemon, not a blip.
    db = new Database(path, { timeout: 0 });
    // EXCLUSIVE before WAL: no shared-memory index, and the lock is kept until close, so a
    // second process on the same data dir is refused instead of interleaving writes.
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.exec('BEGIN EXCLUSIVE; COMMIT');
    const check = db.pragma('quick_check', { simple: false }) as { quick_check: string }[];
    const problems = check.map((r) => r.quick_check).filter((m) => m !== 'ok');
    if (problems.length > 0) refuse(`the integrity check failed (${problems.slice(0, 3).join('; ')}); restore it from a backup`);
    const migration = applyMigrations(db, opts.migrations, opts.clock, path);
    if (migration.to !== migration.from) opts.log.info({ path, from: migration.from, to: migration.to }, `${opts.what} schema migrated`);
    return { db, migration };
  } catch (err) {
    db?.close();
    if (err instanceof CohortError) throw err;
    return refuse(describeSqliteError(err), err);
  }
}

/** A human reason for an error thrown by SQLite while opening. */
function describeSqliteError(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  switch (code) {
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
      return 'it is in use by another process (is another coordinator or daemon running on this data dir?)';
    case 'SQLITE_NOTADB':
      return 'the file is not a SQLite database (corrupted or overwritten); it was left untouched';
    case 'SQLITE_CORRUPT':
      return `the database is corrupt (${reasonOf(err)}); it was left untouched, restore it from a backup`;
    default:
      return reasonOf(err);
  }
}

/**
 * Apply the steps of `migrations` newer than the database's version, all in one
 * transaction (a failing step leaves the schema as it was). Refuses a database whose
 * version is newer than the last step known here.
 */
export function applyMigrations(db: Db, migrations: readonly Migration[], clock: Clock, path: string): MigrationResult {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new CohortError('internal', `migration ${i} has version ${m.version}, expected ${i + 1}`);
  });
  const latest = migrations.length;
  const run = db.transaction((): MigrationResult => {
    db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at INTEGER NOT NULL)');
    const row = db.prepare('SELECT max(version) AS v FROM schema_version').get() as { v: number | null };
    const from = row.v ?? 0;
    if (from > latest) {
      throw new CohortError(
        'failed_precondition',
        `cannot open ${path}: its schema version is ${from}, newer than this version of Cohort supports (${latest}); upgrade Cohort or use another data dir`,
      );
    }
    const record = db.prepare('INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)');
    for (const m of migrations.slice(from)) {
      db.exec(m.sql);
      record.run(m.version, m.description, clock.now());
    }
    return { from, to: latest };
  });
  return run.immediate();
}
