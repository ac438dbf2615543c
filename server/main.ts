/** Composition root of the coordinator: certificates, revocation watch, core, gRPC server. */
import { unwatchFile, watchFile } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../shared/clock.js';
import { CohortError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { FederatedModel } from '../shared/model/model.js';
import { initParameters } from '../shared/model/spec.js';
import { loadRevocations, loadTlsMaterial, type RevocationList } from '../shared/pki/ca-dir.js';
import { SeededRandom, secureRandom } from '../shared/random.js';
import { CHUNK_BYTES } from '../shared/wire/proto.js';
import { Coordinator } from './core/coordinator.js';
import type { JournalLaunch } from './core/journal.js';
import type { PrivacyBudget } from './core/privacy.js';
import { StoreJournal } from './store/journal.js';
import { type CoordinatorStore, openStore } from './store/store.js';
import type { RoundSettings } from './core/types.js';
import { RateLimiter, type RateLimit } from './grpc/rate-limit.js';
import { type RunningServer, serve } from './grpc/server.js';
import { type CoordinatorMonitoring, CoordinatorMonitor } from './metrics/monitor.js';

/** Coordinator settings after parsing (see shared/config.ts). */
export interface CoordinatorConfig {
  readonly host: string;
  readonly port: number;
  readonly certsDir: string;
  readonly model: FederatedModel;
  /** The first global weights of a model given as a file; built-in models draw theirs from `seed`. */
  readonly initialWeights?: Float32Array;
  /** Seed of a built-in model's initial weights, and of the nodes' shuffle seeds. */
  readonly seed: number;
  readonly defaults: RoundSettings;
  readonly uploadSlots: number;
  /** How often to re-read revoked.json. */
  readonly revocationPollMs: number;
  /** Privacy budget set at start (operators cannot change it from the round CLI); default: none. */
  readonly privacy?: PrivacyBudget;
  /** Per-caller, per-method call rate (default DEFAULT_RATE_LIMIT). */
  readonly rateLimit?: RateLimit;
  /** Where rounds, the ledger and checkpoints are kept; undefined keeps them in memory only (demo, tests). */
  readonly dataDir?: string;
  /** Metrics, the accuracy regression alert and the monitoring endpoint; undefined turns all of it off. */
  readonly monitoring?: CoordinatorMonitoring;
}

/** A started coordinator. */
export interface StartedCoordinator {
  readonly port: number;
  readonly coordinator: Coordinator;
  /** Present when monitoring is on; `port` is set when the endpoint listens. */
  readonly monitor?: CoordinatorMonitor;
  close(): Promise<void>;
}

/**
 * Revocations are re-read when revoked.json changes, so `cohort ca revoke` on the CA host
 * takes effect without a restart: revoked serials are refused on their next call and a
 * connected node whose certificate was revoked is cut off.
 */
function watchRevocations(certsDir: string, pollMs: number, onChange: (list: RevocationList) => void, log: Logger): { current(): RevocationList; stop(): void } {
  let list = loadRevocations(certsDir);
  const path = join(certsDir, 'revoked.json');
  const listener = (): void => {
    try {
      list = loadRevocations(certsDir);
      log.info({ revoked: list.names() }, 'revocation list reloaded');
      onChange(list);
    } catch (err) {
      // Keep the previous list: a half-written file must not un-revoke anyone.
      log.error({ err: (err as Error).message }, 'could not reload the revocation list; keeping the previous one');
    }
  };
  watchFile(path, { interval: pollMs, persistent: false }, listener);
  return { current: () => list, stop: () => unwatchFile(path, listener) };
}

/** Load certificates, build the core and serve it. */
export async function startCoordinator(config: CoordinatorConfig, deps: { log: Logger; clock: Clock }): Promise<StartedCoordinator> {
  const tls = loadTlsMaterial(config.certsDir, 'coordinator');
  const store = config.dataDir !== undefined ? openStore(config.dataDir, { clock: deps.clock, log: deps.log }) : undefined;
  let durable: { journal: StoreJournal; weights: Float32Array | undefined; resume: { nextRound: number; launches: JournalLaunch[] } } | undefined;
  try {
    durable = store ? recover(store, config, deps.log) : undefined;
  } catch (err) {
    store?.close();
    throw err;
  }
  const monitor = config.monitoring ? new CoordinatorMonitor(config.monitoring, deps.log) : undefined;
  const coordinator = new Coordinator({
    model: config.model,
    initialWeights: durable?.weights ?? firstWeights(config),
    ...(durable ? { journal: durable.journal, resume: durable.resume } : {}),
    defaults: config.defaults,
    clock: deps.clock,
    samplingRng: secureRandom,
    seedRng: new SeededRandom(config.seed ^ 0x2545f491),
    log: deps.log,
    chunkBytes: CHUNK_BYTES,
    uploadSlots: config.uploadSlots,
    ...(config.privacy ? { privacy: { budget: config.privacy } } : {}),
    ...(monitor ? { observer: monitor.observer } : {}),
  });
  monitor?.metrics.bind(coordinator);
  const revocations = watchRevocations(
    config.certsDir,
    config.revocationPollMs,
    (list) => {
      for (const name of list.names()) if (coordinator.registry.session(name)) coordinator.revoke(name);
    },
    deps.log,
  );
  const limiter = new RateLimiter(deps.clock, config.rateLimit);
  let server: RunningServer;
  try {
    await monitor?.listen();
    server = await serve({
      coordinator,
      host: config.host,
      port: config.port,
      tls,
      policy: { isRevoked: (serial) => revocations.current().isRevoked(serial), allow: (caller, method) => limiter.take(caller, method) },
      log: deps.log,
      ...(monitor ? { rpcMetrics: monitor.metrics } : {}),
    });
  } catch (err) {
    revocations.stop();
    await monitor?.close();
    await coordinator.close();
    store?.close();
    throw CohortError.from(err);
  }
  monitor?.ready();
  return {
    port: server.port,
    coordinator,
    ...(monitor ? { monitor } : {}),
    close: async () => {
      monitor?.stopping();
      revocations.stop();
      await server.close();
      store?.close();
      await monitor?.close();
    },
  };
}

/**
 * Pick up where the last run stopped: the newest verified checkpoint is the global model,
 * round numbers continue after the last recorded round (rounds cut off by a crash were
 * marked aborted by the store: nothing of theirs was released or spent), and launches
 * with rounds left are queued again.
 */
function recover(store: CoordinatorStore, config: CoordinatorConfig, log: Logger): { journal: StoreJournal; weights: Float32Array | undefined; resume: { nextRound: number; launches: JournalLaunch[] } } {
  for (const r of store.recovery.abortedRounds) log.warn({ round: r.round, reason: r.reason }, 'round was cut off by a coordinator stop and is marked aborted');
  const checkpoint = store.latestCheckpoint();
  const expected = config.model.manifest.numParameters;
  if (checkpoint && checkpoint.weights.length !== expected) {
    throw new CohortError(
      'failed_precondition',
      `the data dir's latest model (round ${checkpoint.round}) has ${checkpoint.weights.length} parameters, but the configured model has ${expected}: start with the same --model/--features/--classes/--hidden, or a new --data-dir`,
    );
  }
  if (checkpoint?.manifestSha256 !== undefined && checkpoint.manifestSha256 !== config.model.manifest.sha256) {
    throw new CohortError(
      'failed_precondition',
      `the data dir's latest model (round ${checkpoint.round}) has the tensors of manifest ${checkpoint.manifestSha256}, but the configured model is manifest ${config.model.manifest.sha256}: start with the same --model, or a new --data-dir`,
    );
  }
  const journal = new StoreJournal(store, config.model.manifest);
  const resume = { nextRound: store.lastRound() + 1, launches: journal.pendingLaunches() };
  log.info({ dataDir: config.dataDir, lastRound: store.lastRound(), checkpoint: checkpoint?.round, ledgerEntries: store.ledger().length, pendingLaunches: resume.launches.length }, 'state loaded from the data dir');
  return { journal, weights: checkpoint?.weights, resume };
}

/** The first global model: the model file's weights, or a built-in model drawn from the seed. */
function firstWeights(config: CoordinatorConfig): Float32Array {
  if (config.initialWeights) return config.initialWeights;
  if (!config.model.builtin) throw new CohortError('invalid_argument', 'a model given as tensors needs its initial weights (the model file)');
  return initParameters(config.model.builtin, new SeededRandom(config.seed));
}
