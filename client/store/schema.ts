/** Schema of the node daemon's database, as ordered migrations (append steps, never edit one). */
import type { Migration } from '../../shared/durable/sqlite.js';

/** Every schema step of `node.db`; the last one's version is the current schema. */
export const NODE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'own privacy ledger and config',
    sql: `
      -- hash = sha256(prev_hash || JCS({epsilon, round, seq, time, total})), see node-store.ts.
      CREATE TABLE ledger (
        seq       INTEGER PRIMARY KEY CHECK (seq >= 1),
        round     INTEGER NOT NULL,
        time      INTEGER NOT NULL,
        epsilon   REAL NOT NULL,
        total     REAL NOT NULL,
        prev_hash TEXT NOT NULL,
        hash      TEXT NOT NULL UNIQUE
      ) STRICT;

      -- One row: the daemon's config as JSON and the sha256 of that text.
      CREATE TABLE config (
        id         INTEGER PRIMARY KEY CHECK (id = 1),
        json       TEXT NOT NULL,
        sha256     TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 2,
    description: 'the noise each round gave this node, for its own RDP accountant',
    sql: `
      -- Format 2 rows record the round's noise multiplier as this node vouches for it and the
      -- delta of the node's accounting; total is then RDP-composed (q = 1), not a plain sum.
      -- hash = sha256(prev_hash || JCS({delta, epsilon, format, noiseMultiplier, round, seq, time, total})).
      ALTER TABLE ledger ADD COLUMN format INTEGER NOT NULL DEFAULT 1 CHECK (format IN (1, 2));
      ALTER TABLE ledger ADD COLUMN noise_multiplier REAL;
      ALTER TABLE ledger ADD COLUMN delta REAL;
    `,
  },
];
