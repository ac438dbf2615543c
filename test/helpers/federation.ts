/** Test fixtures: a throw-away CA, a coordinator on 127.0.0.1:0, node daemons, an operator client. */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Clock, systemClock } from '../../shared/clock.js';
import { type Logger, MemoryLogger } from '../../shared/logger.js';
import { builtinModel, type FederatedModel } from '../../shared/model/model.js';
import { parseModelSpec } from '../../shared/model/spec.js';
import { copyHolderFiles, initCa, issue, revoke } from '../../shared/pki/ca-dir.js';
import { decodeRevocationFile, REVOCATIONS_FILE, type SignedRevocations } from '../../shared/pki/revocations.js';
import type { Role } from '../../shared/pki/names.js';
import { SeededRandom } from '../../shared/random.js';
import type { LocalWork } from '../../client/core/agent.js';
import type { NodeBudget } from '../../client/core/budget.js';
import type { RevocationMemory } from '../../client/core/secure.js';
import type { ModelCache } from '../../client/core/models.js';
import { type DropStage, NodeDaemon } from '../../client/grpc/daemon.js';
import type { ModelKindName } from '../../shared/model/model.js';
import { loadTlsMaterial } from '../../shared/pki/ca-dir.js';
import { DEFAULT_ROUND_SETTINGS } from '../../server/core/coordinator.js';
import type { PrivacyBudget } from '../../server/core/privacy.js';
import type { RoundSettings } from '../../server/core/types.js';
import { type StartedCoordinator, startCoordinator } from '../../server/main.js';
import type { CoordinatorMonitoring } from '../../server/metrics/monitor.js';

/** Round settings that suit loopback tests: short timeouts, no waiting for stragglers. */
export const TEST_SETTINGS: RoundSettings = {
  ...DEFAULT_ROUND_SETTINGS,
  trainTimeoutMs: 20_000,
  evalTimeoutMs: 20_000,
  waitForNodesMs: 10_000,
};

/**
 * A federation's certificates in a temp folder, laid out as in a deployment: the CA in
 * `caDir` (with ca.key, as on the CA workstation) and the coordinator's certs dir `dir`
 * (ca.crt, coordinator.crt/.key and the signed revocations.json, never ca.key). Every
 * holder's certificate and key is copied into `dir` as well, so tests load any
 * participant's TLS material from one place.
 */
export class TestPki {
  readonly root: string;
  /** The CA directory: ca.key, index.json, revoked.json and every certificate issued. */
  readonly caDir: string;
  /** The certs dir a coordinator (and, in tests, every holder) uses. */
  readonly dir: string;

  /** `sans`: the coordinator's names (default localhost, 127.0.0.1). */
  constructor(opts: { sans?: readonly string[] } = {}) {
    this.root = mkdtempSync(join(tmpdir(), 'cohort-test-certs-'));
    this.caDir = join(this.root, 'ca');
    this.dir = join(this.root, 'certs');
    initCa(this.caDir, { sans: opts.sans ?? ['localhost', '127.0.0.1'], now: new Date() });
    mkdirSync(this.dir, { mode: 0o700 });
    copyHolderFiles(this.caDir, 'coordinator', this.dir);
  }

  /** Issue (or re-issue, which revokes the old certificate) and publish the new list to `dir`. */
  issue(name: string, role: Role, now = new Date(), validityDays?: number): void {
    const r = issue(this.caDir, name, role, { now, ...(validityDays ? { validityDays } : {}) });
    copyHolderFiles(this.caDir, name, this.dir);
    if (r.revocations) this.publish();
  }

  /** Revoke on the CA and copy the signed list to the coordinator's certs dir. */
  revoke(name: string, now = new Date()): void {
    revoke(this.caDir, name, { now });
    this.publish();
  }

  /** Copy the CA's current revocations.json to the coordinator's certs dir (what the admin does). */
  publish(): void {
    // Copied under another name and renamed into place, so the coordinator never reads half a file.
    const temp = join(this.dir, `${REVOCATIONS_FILE}.copy`);
    copyFileSync(join(this.caDir, REVOCATIONS_FILE), temp);
    renameSync(temp, join(this.dir, REVOCATIONS_FILE));
  }

  /** The CA's newest signed list (what tests hand to a VerifiedPeers directly). */
  revocations(): SignedRevocations {
    const path = join(this.caDir, REVOCATIONS_FILE);
    return decodeRevocationFile(readFileSync(path, 'utf8'), path);
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** Start a coordinator on an ephemeral loopback port with `pki`'s certificates. */
export async function startTestCoordinator(
  pki: TestPki,
  opts: {
    log?: Logger;
    settings?: Partial<RoundSettings>;
    model?: Parameters<typeof parseModelSpec>[0] | { readonly tensors: FederatedModel; readonly weights: Float32Array };
    revocationPollMs?: number;
    privacy?: PrivacyBudget;
    monitoring?: CoordinatorMonitoring;
    /** Drives deadlines and progress timeouts (default: the system clock). */
    clock?: Clock;
    uploadSlots?: number;
    progressTimeoutMs?: number;
    sendQueueBytes?: number;
    bulkQueueBytes?: number;
    dataDir?: string;
  } = {},
): Promise<StartedCoordinator> {
  return startCoordinator(
    {
      host: '127.0.0.1',
      port: 0,
      bulkPort: 0,
      certsDir: pki.dir,
      ...(opts.model && 'tensors' in opts.model
        ? { model: opts.model.tensors, initialWeights: opts.model.weights }
        : { model: builtinModel(parseModelSpec(opts.model ?? {})) }),
      seed: 1,
      defaults: { ...TEST_SETTINGS, ...opts.settings },
      uploadSlots: opts.uploadSlots ?? 4,
      revocationPollMs: opts.revocationPollMs ?? 100,
      ...(opts.dataDir !== undefined ? { dataDir: opts.dataDir } : {}),
      ...(opts.privacy ? { privacy: opts.privacy } : {}),
      ...(opts.monitoring ? { monitoring: opts.monitoring } : {}),
      ...(opts.progressTimeoutMs !== undefined ? { progressTimeoutMs: opts.progressTimeoutMs } : {}),
      ...(opts.sendQueueBytes !== undefined ? { sendQueueBytes: opts.sendQueueBytes } : {}),
      ...(opts.bulkQueueBytes !== undefined ? { bulkQueueBytes: opts.bulkQueueBytes } : {}),
    },
    { log: opts.log ?? new MemoryLogger(), clock: opts.clock ?? systemClock },
  );
}

/** A daemon running in this process until `stop`. */
export interface RunningNode {
  readonly name: string;
  readonly daemon: NodeDaemon;
  /** Settles when the daemon's run loop ends (rejects on a fatal refusal). */
  readonly done: Promise<void>;
  stop(): Promise<void>;
}

/** Optional parts of a test node. */
export interface TestNodeOptions {
  /** Model kinds the node announces (default: the built-in trainer's). */
  readonly modelKinds?: readonly ModelKindName[];
  readonly log?: Logger;
  readonly dropAt?: DropStage;
  readonly budget?: NodeBudget;
  /** Where the node keeps the newest revocation list it has seen (default: memory only). */
  readonly revocationMemory?: RevocationMemory;
  /** The node's held model (pass the same one again to restart a node with what it kept). */
  readonly models?: ModelCache;
}

/** Start a node daemon named `name` (its certificate must exist in `pki`). */
export function startTestNode(pki: TestPki, port: number, name: string, work: LocalWork, opts: TestNodeOptions = {}): RunningNode {
  const { log = new MemoryLogger(), dropAt, budget, revocationMemory, models } = opts;
  const tls = loadTlsMaterial(pki.dir, name);
  const daemon = new NodeDaemon({
    address: `127.0.0.1:${port}`,
    tls,
    identity: { name, keyPem: tls.key.toString('utf8'), caPem: tls.ca.toString('utf8') },
    ...(dropAt ? { dropAt } : {}),
    ...(budget ? { budget } : {}),
    ...(revocationMemory ? { revocationMemory } : {}),
    ...(models ? { models } : {}),
    work,
    log: log.child({ node: name }),
    clock: systemClock,
    rng: new SeededRandom(7),
    backoff: { initialMs: 50, maxMs: 500 },
    ...(opts.modelKinds ? { modelKinds: opts.modelKinds } : {}),
  });
  const controller = new AbortController();
  const done = daemon.run(controller.signal);
  done.catch(() => undefined);
  return {
    name,
    daemon,
    done,
    stop: async () => {
      controller.abort();
      await done.catch(() => undefined);
    },
  };
}
