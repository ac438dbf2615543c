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
    description: 'rounds each node took part in; who declined each round and why',
    sql: `
      ALTER TABLE nodes ADD COLUMN rounds_participated INTEGER NOT NULL DEFAULT 0 CHECK (rounds_participated >= 0);
      -- JSON array of {node, kind, category, reason}, as the round's event carried them; NULL when none declined.
      ALTER TABLE rounds ADD COLUMN declines TEXT;
    `,
  },
  {
    version: 3,
    description: 'one ledger chain for every released model (private or not) and every budget change',
    sql: `
      -- Chain order is seq; round entries still come in round order. Format 1 rows were
      -- hashed with the original field set, format 2 rows with the one in ledger.ts.
      CREATE TABLE ledger_v2 (
        seq                       INTEGER PRIMARY KEY CHECK (seq >= 1),
        kind                      TEXT NOT NULL CHECK (kind IN ('round', 'budget')),
        format                    INTEGER NOT NULL CHECK (format IN (1, 2)),
        round                     INTEGER UNIQUE REFERENCES rounds (round),
        time                      INTEGER NOT NULL,
        sample_rate               REAL,
        noise_multiplier          REAL,
        clip_norm                 REAL,
        min_survivors             INTEGER,
        survivors                 INTEGER,
        epsilon_after             REAL,
        epsilon_unamplified_after REAL,
        accountant                TEXT,
        noise                     TEXT CHECK (noise IN ('distributed', 'central', 'none')),
        secure_aggregation        INTEGER CHECK (secure_aggregation IN (0, 1)),
        -- sha256 of the released model's weights and of its manifest (format 2 rounds).
        model_sha256              TEXT CHECK (model_sha256 IS NULL OR length(model_sha256) = 64),
        manifest_sha256           TEXT CHECK (manifest_sha256 IS NULL OR length(manifest_sha256) = 64),
        budget_epsilon            REAL,
        operator                  TEXT,
        reason                    TEXT,
        delta                     REAL NOT NULL,
        prev_hash                 TEXT NOT NULL,
        hash                      TEXT NOT NULL UNIQUE,
        CHECK ((kind = 'round') = (round IS NOT NULL))
      ) STRICT;
      INSERT INTO ledger_v2 (seq, kind, format, round, time, sample_rate, noise_multiplier, clip_norm, min_survivors, survivors,
                             epsilon_after, accountant, noise, delta, prev_hash, hash)
        SELECT row_number() OVER (ORDER BY round), 'round', 1, round, time, sample_rate, noise_multiplier, clip_norm, min_survivors, survivors,
               epsilon_after, accountant, noise, delta, prev_hash, hash
        FROM ledger;
      DROP TABLE ledger;
      ALTER TABLE ledger_v2 RENAME TO ledger;
    `,
  },
  {
    version: 4,
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
