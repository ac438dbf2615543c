/** Composition root of the coordinator: certificates, revocation watch, core, gRPC server. */
import { X509Certificate } from 'node:crypto';
import { unwatchFile, watchFile } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../shared/clock.js';
import { CohortError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { FeatureRange } from '../shared/model/feature-range.js';
import type { FederatedModel } from '../shared/model/model.js';
import { initParameters } from '../shared/model/spec.js';
import { findCaPrivateKey, loadRevocations, loadTlsMaterial } from '../shared/pki/ca-dir.js';
import { compareRevocations, REVOCATIONS_FILE, type RevocationList } from '../shared/pki/revocations.js';
import { normaliseSerial } from '../shared/pki/serial.js';
import { SeededRandom, secureRandom } from '../shared/random.js';
import { Coordinator, DEFAULT_PROGRESS_TIMEOUT_MS, type Resume } from './core/coordinator.js';
import type { PrivacyBudget } from './core/privacy.js';
import { StoreJournal } from './store/journal.js';
import { type CoordinatorStore, openStore } from './store/store.js';
import type { NodeRecord, RoundSettings } from './core/types.js';
import { RateLimiter, type RateLimit } from './grpc/rate-limit.js';
import type { TransportStats } from './grpc/node-service.js';
import { type RunningServer, serve } from './grpc/server.js';
import type { BulkStats } from './bulk/server.js';
import { type CoordinatorMonitoring, CoordinatorMonitor } from './metrics/monitor.js';

/** Finished rounds `cohort status` shows, also after a restart. */
const STATUS_HISTORY = 50;

/** Coordinator settings after parsing (see shared/config.ts). */
export interface CoordinatorConfig {
  readonly host: string;
  readonly port: number;
  /** The bulk channel's TCP port (0 picks a free one). */
  readonly bulkPort: number;
  readonly certsDir: string;
  readonly model: FederatedModel;
  /** The first global weights of a model given as a file; built-in models draw theirs from `seed`. */
  readonly initialWeights?: Float32Array;
  /** Seed of a built-in model's initial weights, and of the nodes' shuffle seeds. */
  readonly seed: number;
  readonly defaults: RoundSettings;
  readonly uploadSlots: number;
  /** Longest a node may stall an upload, a model transfer or its Join stream (default DEFAULT_PROGRESS_TIMEOUT_MS). */
  readonly progressTimeoutMs?: number;
  /** Join-stream bytes queued for one node before it is dropped (default: 4 MiB). */
  readonly sendQueueBytes?: number;
  /**
   * Bulk-channel bytes queued for one node before it is dropped (default: one model in f32
   * and 1 MiB; a node has at most one answer in flight, so only tests set it lower).
   */
  readonly bulkQueueBytes?: number;
  /** How often to look for a new revocations.json. */
  readonly revocationPollMs: number;
  /**
   * Start even though the CA private key is in the certs dir. Only `cohort demo`, whose
   * CA is thrown away when it ends, sets this; a real coordinator refuses (SECURITY.md).
   */
  readonly allowCaKeyInCertsDir?: boolean;
  /** Privacy budget; bound to the data dir at its first start (a different one is refused); default: none. */
  readonly privacy?: PrivacyBudget;
  /** Per-caller, per-method call rate (default DEFAULT_RATE_LIMIT). */
  readonly rateLimit?: RateLimit;
  /** Where rounds, the ledger and checkpoints are kept; undefined keeps them in memory only (demo, tests). */
  readonly dataDir?: string;
  /** Metrics, the accuracy regression alert and the monitoring endpoint; undefined turns all of it off. */
  readonly monitoring?: CoordinatorMonitoring;
  /** The range the model's input features are declared for (nodes warn far outside it); default [0, 1]. */
  readonly featureRange?: FeatureRange;
}

/** A started coordinator. */
export interface StartedCoordinator {
  readonly port: number;
  readonly bulkPort: number;
  readonly coordinator: Coordinator;
  /** Present when monitoring is on; `port` is set when the endpoint listens. */
  readonly monitor?: CoordinatorMonitor;
  /** What the Join streams hold right now. */
  readonly transport: TransportStats;
  /** What the bulk channel holds right now, and the payload bytes it has moved. */
  readonly bulk: BulkStats;
  close(): Promise<void>;
}

/**
 * The coordinator's copy of the CA-signed revocation list. The admin copies a new
 * revocations.json from the CA workstation and it is picked up without a restart: revoked
 * serials are refused on their next call and connected nodes holding one are cut off. A
 * file that is not a list signed by this CA, or is older than the list in force (or
 * differs from it under the same number), is refused and the list in force kept: a
 * half-copied or stale file must not un-revoke anyone.
 */
function watchRevocations(
  certsDir: string,
  initial: RevocationList,
  pollMs: number,
  onChange: (list: RevocationList) => void,
  deps: { log: Logger; clock: Clock },
): { current(): RevocationList; stop(): void } {
  const log = deps.log;
  let list = initial;
  const path = join(certsDir, REVOCATIONS_FILE);
  const listener = (): void => {
    let offered: RevocationList;
    try {
      offered = loadRevocations(certsDir);
      if (compareRevocations(list, offered) === 'same') return;
    } catch (err) {
      log.error({ path, inForce: list.number, reason: (err as Error).message }, 'revocation list refused; keeping the one in force');
      return;
    }
    list = offered;
    log.info({ number: list.number, nextUpdate: list.nextUpdate.toISOString(), revoked: list.revoked.length }, 'revocation list updated');
    reportFreshness(list, deps);
    onChange(list);
  };
  watchFile(path, { interval: pollMs, persistent: false }, listener);
  return { current: () => list, stop: () => unwatchFile(path, listener) };
}

// Nodes refuse secure rounds once the newest list they have seen has expired.
const EXPIRY_WARNING_MS = 7 * 86_400_000;

function reportFreshness(list: RevocationList, deps: { log: Logger; clock: Clock }): void {
  const now = deps.clock.now();
  const fields = { number: list.number, nextUpdate: list.nextUpdate.toISOString() };
  if (list.expired(new Date(now))) {
    deps.log.error(fields, 'the revocation list has expired: nodes refuse secure rounds until a fresh one is copied here (run "cohort ca crl" on the CA workstation)');
  } else if (list.nextUpdate.getTime() - now < EXPIRY_WARNING_MS) {
    deps.log.warn(fields, 'the revocation list expires within a week: run "cohort ca crl" on the CA workstation and copy revocations.json here');
  }
}

/**
 * The coordinator host must not hold the CA key: with it, whoever runs the host could
 * issue a second certificate for an existing node (key substitution) or new "nodes"
 * (sybils) that every peer accepts. The key is never read here; its presence is refused.
 */
function refuseCaKey(certsDir: string, log: Logger): void {
  const found = findCaPrivateKey(certsDir);
  if (!found) return;
  if (!found.readable) {
    log.warn({ path: found.path }, 'a CA private key file is in the certs dir (this user cannot read it): move it off the coordinator host');
    return;
  }
  throw new CohortError(
    'permission_denied',
    `${found.path} is the federation CA's private key, and the coordinator can read it: whoever runs this host could then issue certificates that every node accepts. ` +
      `Keep the CA on an admin workstation: move the key there (e.g. "scp ${found.path} admin-host:ca/ && rm ${found.path}", and run "cohort ca" commands there), ` +
      `and keep only ca.crt, coordinator.crt, coordinator.key and ${REVOCATIONS_FILE} in ${certsDir}. ("cohort demo" is exempt: its CA is thrown away when it ends.)`,
  );
}

/** Refuse to serve with a certificate the CA has revoked or replaced. */
function refuseOwnRevokedCertificate(certsDir: string, cert: Buffer, list: RevocationList): void {
  const serial = normaliseSerial(new X509Certificate(cert).serialNumber) ?? '';
  const entry = list.entry(serial);
  if (!entry) return;
  const why = entry.reason === 'replaced' ? 'replaced by a newer certificate' : 'revoked';
  throw new CohortError(
    'failed_precondition',
    `${join(certsDir, 'coordinator.crt')} (serial ${serial}) was ${why} (revocation list #${list.number}): copy the current coordinator.crt and coordinator.key from the CA workstation`,
  );
}

/** Cut off connected nodes whose certificate `list` revokes. */
function cutOffRevoked(coordinator: Coordinator, list: RevocationList): void {
  for (const session of coordinator.registry.connected()) {
    let serial: string | undefined;
    try {
      serial = normaliseSerial(new X509Certificate(session.certificatePem).serialNumber);
    } catch {
      serial = undefined; // every call checks the serial again
    }
    if (serial !== undefined && list.isRevoked(serial)) coordinator.revoke(session.name);
  }
}

/** Load certificates, build the core and serve it. */
export async function startCoordinator(config: CoordinatorConfig, deps: { log: Logger; clock: Clock }): Promise<StartedCoordinator> {
  if (!config.allowCaKeyInCertsDir) refuseCaKey(config.certsDir, deps.log);
  const tls = loadTlsMaterial(config.certsDir, 'coordinator');
  const revocationList = loadRevocations(config.certsDir);
  refuseOwnRevokedCertificate(config.certsDir, tls.cert, revocationList);
  reportFreshness(revocationList, deps);
  const store = config.dataDir !== undefined ? openStore(config.dataDir, { clock: deps.clock, log: deps.log }) : undefined;
  let durable: { journal: StoreJournal; weights: Float32Array | undefined; round: number; resume: Resume } | undefined;
  try {
    durable = store ? recover(store, config, deps.log) : undefined;
  } catch (err) {
    store?.close();
    throw err;
  }
  const monitor = config.monitoring ? new CoordinatorMonitor(config.monitoring, deps.log) : undefined;
  const progressTimeoutMs = config.progressTimeoutMs ?? DEFAULT_PROGRESS_TIMEOUT_MS;
  let coordinator: Coordinator;
  try {
    // Refuses a budget other than the data dir's; the store must not stay locked then.
    coordinator = new Coordinator({
    model: config.model,
    initialWeights: durable?.weights ?? firstWeights(config),
    // The version nodes may already hold: a restart on the data dir serves the same model under the same name.
    ...(durable?.weights ? { initialRound: durable.round } : {}),
    ...(durable ? { journal: durable.journal, resume: durable.resume } : {}),
    defaults: config.defaults,
    clock: deps.clock,
    samplingRng: secureRandom,
    seedRng: new SeededRandom(config.seed ^ 0x2545f491),
    log: deps.log,
    uploadSlots: config.uploadSlots,
    historySize: STATUS_HISTORY,
    progressTimeoutMs,
    ...(config.privacy ? { privacy: { budget: config.privacy } } : {}),
    ...(monitor ? { observer: monitor.observer } : {}),
    });
  } catch (err) {
    store?.close();
    throw err;
  }
  monitor?.metrics.bind(coordinator);
  const revocations = watchRevocations(config.certsDir, revocationList, config.revocationPollMs, (list) => cutOffRevoked(coordinator, list), deps);
  const limiter = new RateLimiter(deps.clock, config.rateLimit);
  let server: RunningServer;
  try {
    await monitor?.listen();
    server = await serve({
      coordinator,
      host: config.host,
      port: config.port,
      tls,
      policy: {
        isRevoked: (serial) => revocations.current().isRevoked(serial),
        revocations: () => revocations.current().signed,
        allow: (caller, method) => limiter.take(caller, method),
      },
      log: deps.log,
      clock: deps.clock,
      progressTimeoutMs,
      bulkPort: config.bulkPort,
      rng: secureRandom,
      ...(config.sendQueueBytes !== undefined ? { sendQueueBytes: config.sendQueueBytes } : {}),
      ...(config.bulkQueueBytes !== undefined ? { maxQueuedBytes: config.bulkQueueBytes } : {}),
      ...(monitor ? { rpcMetrics: monitor.metrics } : {}),
      ...(config.featureRange ? { featureRange: config.featureRange } : {}),
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
    bulkPort: server.bulkPort,
    coordinator,
    transport: server.transport,
    bulk: server.bulk,
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
function recover(store: CoordinatorStore, config: CoordinatorConfig, log: Logger): { journal: StoreJournal; weights: Float32Array | undefined; round: number; resume: Resume } {
  for (const r of store.recovery.abortedRounds) log.warn({ round: r.round, reason: r.reason }, 'round was cut off by a coordinator stop and is marked aborted');
  const checkpoint = store.latestCheckpoint();
  const expected = config.model.manifest.numParameters;
  if (checkpoint && checkpoint.weights.length !== expected) {
    throw new CohortError(
      'invalid_argument',
      `the data dir's latest model (round ${checkpoint.round}) has ${checkpoint.weights.length} parameters, but the configured model has ${expected}: start with the same --model/--features/--classes/--hidden, or a new --data-dir`,
    );
  }
  if (checkpoint?.manifestSha256 !== undefined && checkpoint.manifestSha256 !== config.model.manifest.sha256) {
    throw new CohortError(
      'invalid_argument',
      `the data dir's latest model (round ${checkpoint.round}) has the tensors of manifest ${checkpoint.manifestSha256}, but the configured model is manifest ${config.model.manifest.sha256}: start with the same --model, or a new --data-dir`,
    );
  }
  const journal = new StoreJournal(store, config.model.manifest);
  // Revoked is what the CA's list says now: a name revoked and then issued a new certificate is not.
  const revoked = new Set(loadRevocations(config.certsDir).revoked.filter((r) => r.reason === 'revoked').map((r) => r.name));
  const nodes = journal.nodes().map((n): NodeRecord => ({ ...n, status: revoked.has(n.name) ? 'revoked' : 'disconnected' }));
  const resume: Resume = { nextRound: store.lastRound() + 1, launches: journal.pendingLaunches(), ...journal.finishedRounds(STATUS_HISTORY), nodes };
  log.info(
    { dataDir: config.dataDir, lastRound: store.lastRound(), checkpoint: checkpoint?.round, ledgerEntries: store.ledger().length, pendingLaunches: resume.launches.length, nodes: resume.nodes?.length },
    'state loaded from the data dir',
  );
  return { journal, weights: checkpoint?.weights, round: checkpoint?.round ?? 0, resume };
}

/** The first global model: the model file's weights, or a built-in model drawn from the seed. */
function firstWeights(config: CoordinatorConfig): Float32Array {
  if (config.initialWeights) return config.initialWeights;
  if (!config.model.builtin) throw new CohortError('invalid_argument', 'a model given as tensors needs its initial weights (the model file)');
  return initParameters(config.model.builtin, new SeededRandom(config.seed));
}
