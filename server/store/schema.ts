/** Schema of the coordinator database, as ordered migrations (append steps, never edit one). */
import type { Migration } from '../../shared/durable/sqlite.js';

/** Every schema step of `cohort.db`; the last one's version is the current schema. */
export const COORDINATOR_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'nodes, rounds, launches, privacy ledger, checkpoint manifest',
    sql: `
      CREATE TABLE nodes (
        name       TEXT PRIMARY KEY,
        first_seen INTEGER NOT NULL,
        last_seen  INTEGER NOT NULL,
        status     TEXT NOT NULL CHECK (status IN ('connected', 'disconnected', 'revoked'))
      ) STRICT;

      CREATE TABLE rounds (
        round        INTEGER PRIMARY KEY CHECK (round >= 1),
        state        TEXT NOT NULL CHECK (state IN ('running', 'completed', 'skipped', 'failed', 'refused', 'aborted')),
        started_at   INTEGER NOT NULL,
        finished_at  INTEGER,
        selected     INTEGER NOT NULL DEFAULT 0,
        participants INTEGER NOT NULL DEFAULT 0,
        evaluated    INTEGER NOT NULL DEFAULT 0,
        accuracy     REAL,
        loss         REAL,
        reason       TEXT,
        settings     TEXT,
        launch_id    INTEGER REFERENCES launches (id)
      ) STRICT;

      CREATE TABLE launches (
        id          INTEGER PRIMARY KEY,
        first_round INTEGER NOT NULL CHECK (first_round >= 1),
        rounds      INTEGER NOT NULL CHECK (rounds >= 1),
        settings    TEXT NOT NULL,
        done        INTEGER NOT NULL DEFAULT 0 CHECK (done >= 0 AND done <= rounds),
        created_at  INTEGER NOT NULL
      ) STRICT;

      -- Ordered by round; hash = sha256(prev_hash || JCS of the other columns), see ledger.ts.
      CREATE TABLE ledger (
        round            INTEGER PRIMARY KEY REFERENCES rounds (round),
        time             INTEGER NOT NULL,
        sample_rate      REAL NOT NULL,
        noise_multiplier REAL NOT NULL,
        clip_norm        REAL NOT NULL,
        min_survivors    INTEGER NOT NULL,
        survivors        INTEGER NOT NULL,
        epsilon_after    REAL NOT NULL,
        delta            REAL NOT NULL,
        accountant       TEXT NOT NULL,
        noise            TEXT NOT NULL CHECK (noise IN ('distributed', 'central')),
        prev_hash        TEXT NOT NULL,
        hash             TEXT NOT NULL UNIQUE
      ) STRICT;

      -- The manifest of checkpoints/round-<N>.f32 (format in checkpoint-file.ts).
      CREATE TABLE checkpoints (
        round          INTEGER PRIMARY KEY REFERENCES rounds (round),
        time           INTEGER NOT NULL,
        file           TEXT NOT NULL UNIQUE,
        sha256         TEXT NOT NULL,
        num_parameters INTEGER NOT NULL CHECK (num_parameters >= 1),
        accuracy       REAL,
        epsilon        REAL,
        ledger_head    TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 2,
    description: 'model manifests: the named tensors of each checkpoint',
    sql: `
      -- A model's named tensors (JSON [{"name", "shape"}], in parameter order), keyed by
      -- the sha256 of their canonical form (shared/model/manifest.ts).
      CREATE TABLE manifests (
        sha256  TEXT PRIMARY KEY CHECK (length(sha256) = 64),
        tensors TEXT NOT NULL
      ) STRICT;

      -- NULL for checkpoints committed before manifests were recorded.
      ALTER TABLE checkpoints ADD COLUMN manifest_sha256 TEXT REFERENCES manifests (sha256);
    `,
  },
];
