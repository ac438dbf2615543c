/** Test fixtures: a throw-away CA, a coordinator on 127.0.0.1:0, node daemons, an operator client. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../shared/clock.js';
import { type Logger, MemoryLogger } from '../../shared/logger.js';
import { builtinModel, type FederatedModel } from '../../shared/model/model.js';
import { parseModelSpec } from '../../shared/model/spec.js';
import { initCa, issue } from '../../shared/pki/ca-dir.js';
import type { Role } from '../../shared/pki/names.js';
import { SeededRandom } from '../../shared/random.js';
import type { LocalWork } from '../../client/core/agent.js';
import type { NodeBudget } from '../../client/core/budget.js';
import { type DropStage, NodeDaemon } from '../../client/grpc/daemon.js';
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

/** A CA directory in a temp folder, with certificates issued on demand. */
export class TestPki {
  readonly dir: string;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'cohort-test-certs-'));
    initCa(this.dir, { sans: ['localhost', '127.0.0.1'], now: new Date() });
  }

  issue(name: string, role: Role, now = new Date(), validityDays?: number): void {
    issue(this.dir, name, role, { now, ...(validityDays ? { validityDays } : {}) });
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
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
  } = {},
): Promise<StartedCoordinator> {
  return startCoordinator(
    {
      host: '127.0.0.1',
      port: 0,
      certsDir: pki.dir,
      ...(opts.model && 'tensors' in opts.model
        ? { model: opts.model.tensors, initialWeights: opts.model.weights }
        : { model: builtinModel(parseModelSpec(opts.model ?? {})) }),
      seed: 1,
      defaults: { ...TEST_SETTINGS, ...opts.settings },
      uploadSlots: 4,
      revocationPollMs: opts.revocationPollMs ?? 100,
      ...(opts.privacy ? { privacy: opts.privacy } : {}),
      ...(opts.monitoring ? { monitoring: opts.monitoring } : {}),
    },
    { log: opts.log ?? new MemoryLogger(), clock: systemClock },
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
  readonly log?: Logger;
  readonly dropAt?: DropStage;
  readonly budget?: NodeBudget;
}

/** Start a node daemon named `name` (its certificate must exist in `pki`). */
export function startTestNode(pki: TestPki, port: number, name: string, work: LocalWork, opts: TestNodeOptions = {}): RunningNode {
  const { log = new MemoryLogger(), dropAt, budget } = opts;
  const tls = loadTlsMaterial(pki.dir, name);
  const daemon = new NodeDaemon({
    address: `127.0.0.1:${port}`,
    tls,
    identity: { name, keyPem: tls.key.toString('utf8'), caPem: tls.ca.toString('utf8') },
    ...(dropAt ? { dropAt } : {}),
    ...(budget ? { budget } : {}),
    work,
    log: log.child({ node: name }),
    clock: systemClock,
    rng: new SeededRandom(7),
    backoff: { initialMs: 50, maxMs: 500 },
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
