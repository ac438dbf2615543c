/** Composition root of a node daemon: certificates, local data, the work to do, the transport. */
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { CohortError } from '../shared/errors.js';
import { loadTlsMaterial } from '../shared/pki/ca-dir.js';
import { secureRandom } from '../shared/random.js';
import type { LocalWork } from './core/agent.js';
import { NodeBudget } from './core/budget.js';
import { ModelCache } from './core/models.js';
import { modelFile } from './store/model-file.js';
import { openNodeStore } from './store/index.js';
import { revocationFile } from './store/revocation-file.js';
import { PerturbWork } from './core/work.js';
import { labelWarnings } from './data/check.js';
import { BuiltinTrainer } from './trainer/builtin.js';
import { ProcessTrainer } from './trainer/process.js';
import { TrainerWork } from './trainer/work.js';
import { type DataSpec, type LocalData, loadLocalData } from './data/index.js';
import { concatDatasets, type Dataset } from '../shared/model/dataset.js';
import { type NodeMonitoring, NodeMonitor } from './metrics/monitor.js';
import { ANY_MODEL_KINDS, type Backoff, BUILTIN_MODEL_KINDS, type DropStage, NodeDaemon } from './grpc/daemon.js';

/** A site's own trainer process (`cohort node --trainer COMMAND`). */
export interface TrainerSpec {
  readonly kind: 'trainer';
  /** Shell command that starts it. */
  readonly command: string;
  readonly cwd?: string;
  /** How long it has to say Hello after each start. */
  readonly startTimeoutMs?: number;
}

/** What the node works on: its own data with the built-in trainer, its own trainer process, or (benchmarks) a fixed perturbation. */
export type WorkSpec = { readonly kind: 'data'; readonly data: DataSpec } | TrainerSpec | { readonly kind: 'perturb' };

/** Node daemon settings after parsing. */
export interface NodeConfig {
  readonly address: string;
  readonly name: string;
  readonly certsDir: string;
  readonly work: WorkSpec;
  readonly serverName?: string;
  readonly backoff?: Backoff;
  /** Fault injection for demos and tests: go offline when about to send this secure-aggregation step. */
  readonly dropAt?: DropStage;
  /** The node's own state (its privacy ledger); undefined keeps nothing (demo nodes). */
  readonly dataDir?: string;
  /** The node's own privacy budget; needs `dataDir`. */
  readonly budget?: { readonly epsilon: number; readonly delta: number };
  /** Metrics, the drift alert and the monitoring endpoint; undefined turns all of it off. */
  readonly monitoring?: NodeMonitoring;
}

/** A node daemon and the state it keeps open. */
export interface CreatedNode {
  readonly daemon: NodeDaemon;
  /** Present when monitoring is on. */
  readonly monitor?: NodeMonitor;
  /** Release the data dir and the metrics endpoint (call after `daemon.run` has returned). */
  close(): Promise<void>;
}

/**
 * Build the node's local work: the built-in trainer over its data (loaded and split now,
 * failing fast on a bad file; `onData` sees it), or its own trainer process (started now,
 * so it sets up before the first round). `close` stops the trainer.
 */
export async function localWork(
  spec: WorkSpec,
  deps: { readonly log: Logger; readonly clock: Clock; readonly nodeName: string },
  onData?: (data: LocalData) => void,
): Promise<{ work: LocalWork; close(): Promise<void> }> {
  const { log } = deps;
  if (spec.kind === 'perturb') {
    log.warn({}, 'framework-only mode: no training, updates are a fixed perturbation (for benchmarks)');
    return { work: new PerturbWork(), close: () => Promise.resolve() };
  }
  if (spec.kind === 'trainer') {
    const trainer = new ProcessTrainer({
      command: spec.command,
      ...(spec.cwd !== undefined ? { cwd: spec.cwd } : {}),
      ...(spec.startTimeoutMs !== undefined ? { startTimeoutMs: spec.startTimeoutMs } : {}),
      nodeName: deps.nodeName,
      log,
      clock: deps.clock,
    });
    trainer.start();
    const work = new TrainerWork(trainer, log);
    return { work, close: () => work.close() };
  }
  const data = await loadLocalData(spec.data);
  log.info({ data: data.description }, 'local data loaded');
  // Said at once, before any coordinator is involved; the model checks follow on joining.
  for (const warning of labelWarnings({ parts: [data.train, data.heldOut], ...(data.labelName ? { labelName: data.labelName } : {}) })) log.warn({}, warning);
  onData?.(data);
  const work = new TrainerWork(new BuiltinTrainer(data), log);
  return { work, close: () => work.close() };
}

/** Load certificates, data and state, and build the daemon (call `run` to connect). */
export async function createNode(config: NodeConfig, deps: { log: Logger; clock: Clock }): Promise<CreatedNode> {
  const tls = loadTlsMaterial(config.certsDir, config.name);
  const monitor = config.monitoring ? new NodeMonitor(config.monitoring, deps.log) : undefined;
  const spec = config.work.kind === 'data' ? config.work.data : undefined;
  const all = (d: LocalData): Dataset => concatDatasets([d.train, d.heldOut]);
  const { work, close: closeWork } = await localWork(config.work, { ...deps, nodeName: config.name }, (data) => {
    // Bundled MNIST never changes; a csv file is read again at each check.
    const joined = all(data);
    monitor?.watchData(joined, spec?.kind === 'csv' ? async () => all(await loadLocalData(spec)) : () => Promise.resolve(joined));
  });
  let store: ReturnType<typeof openNodeStore> | undefined;
  try {
    if (config.budget && config.dataDir === undefined) throw new CohortError('usage', 'a node privacy budget needs a data dir to keep its ledger in');
    store = config.dataDir !== undefined ? openNodeStore(config.dataDir, { clock: deps.clock, log: deps.log }) : undefined;
    const budget = store && config.budget ? new NodeBudget(store, config.budget.epsilon, config.budget.delta) : undefined;
    if (store) deps.log.info({ dataDir: config.dataDir, spent: store.spent(), budget: config.budget?.epsilon ?? null }, 'node state loaded');
    const daemon = new NodeDaemon({
      address: config.address,
      tls,
      work: monitor ? monitor.wrap(work) : work,
      identity: { name: config.name, keyPem: tls.key.toString('utf8'), caPem: tls.ca.toString('utf8') },
      log: deps.log,
      clock: deps.clock,
      rng: secureRandom,
      ...(config.backoff ? { backoff: config.backoff } : {}),
      ...(config.serverName ? { serverName: config.serverName } : {}),
      ...(config.dropAt ? { dropAt: config.dropAt } : {}),
      ...(budget ? { budget } : {}),
      // A site's trainer process may train any model its Hello matches; the built-in one only logreg and mlp.
      modelKinds: config.work.kind === 'trainer' ? ANY_MODEL_KINDS : BUILTIN_MODEL_KINDS,
      // The data dir exists once the store is open.
      ...(store && config.dataDir !== undefined ? { revocationMemory: revocationFile(config.dataDir) } : {}),
      // The last verified model survives restarts, so a restarted node fetches nothing the coordinator has not changed.
      ...(store && config.dataDir !== undefined ? { models: new ModelCache(modelFile(config.dataDir, deps.log), deps.log) } : {}),
    });
    monitor?.bind(daemon, budget);
    await monitor?.listen();
    const opened = store;
    return {
      daemon,
      ...(monitor ? { monitor } : {}),
      close: async () => {
        // The last model verified is on disk before the daemon exits (SIGTERM), so a restart fetches nothing it need not.
        await daemon.models.flush();
        opened?.close();
        await monitor?.close();
        await closeWork();
      },
    };
  } catch (err) {
    store?.close();
    await closeWork();
    throw err;
  }
}
