/** Composition root of a node daemon: certificates, local data, the work to do, the transport. */
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { CohortError } from '../shared/errors.js';
import { loadTlsMaterial } from '../shared/pki/ca-dir.js';
import { secureRandom } from '../shared/random.js';
import type { LocalWork } from './core/agent.js';
import { NodeBudget } from './core/budget.js';
import { openNodeStore } from './store/index.js';
import { revocationFile } from './store/revocation-file.js';
import { ModelWork, PerturbWork } from './core/work.js';
import { labelWarnings } from './data/check.js';
import { type DataSpec, type LocalData, loadLocalData } from './data/index.js';
import { concatDatasets, type Dataset } from '../shared/model/dataset.js';
import { type NodeMonitoring, NodeMonitor } from './metrics/monitor.js';
import { type Backoff, type DropStage, NodeDaemon } from './grpc/daemon.js';

/** What the node works on: its own data, or (benchmarks) a fixed perturbation. */
export type WorkSpec = { readonly kind: 'data'; readonly data: DataSpec } | { readonly kind: 'perturb' };

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

/** Build the node's local work: loads and splits its data (fails fast on a bad file); `onData` sees the data loaded. */
export async function localWork(spec: WorkSpec, log: Logger, onData?: (data: LocalData) => void): Promise<LocalWork> {
  if (spec.kind === 'perturb') {
    log.warn({}, 'framework-only mode: no training, updates are a fixed perturbation (for benchmarks)');
    return new PerturbWork();
  }
  const data = await loadLocalData(spec.data);
  log.info({ data: data.description }, 'local data loaded');
  // Said at once, before any coordinator is involved; the model checks follow on joining.
  for (const warning of labelWarnings({ parts: [data.train, data.heldOut], ...(data.labelName ? { labelName: data.labelName } : {}) })) log.warn({}, warning);
  onData?.(data);
  return new ModelWork(data);
}

/** Load certificates, data and state, and build the daemon (call `run` to connect). */
export async function createNode(config: NodeConfig, deps: { log: Logger; clock: Clock }): Promise<CreatedNode> {
  const tls = loadTlsMaterial(config.certsDir, config.name);
  const monitor = config.monitoring ? new NodeMonitor(config.monitoring, deps.log) : undefined;
  const spec = config.work.kind === 'data' ? config.work.data : undefined;
  const all = (d: LocalData): Dataset => concatDatasets([d.train, d.heldOut]);
  const work = await localWork(config.work, deps.log, (data) => {
    // Bundled MNIST never changes; a csv file is read again at each check.
    const joined = all(data);
    monitor?.watchData(joined, spec?.kind === 'csv' ? async () => all(await loadLocalData(spec)) : () => Promise.resolve(joined));
  });
  if (config.budget && config.dataDir === undefined) throw new CohortError('usage', 'a node privacy budget needs a data dir to keep its ledger in');
  const store = config.dataDir !== undefined ? openNodeStore(config.dataDir, { clock: deps.clock, log: deps.log }) : undefined;
  let budget: NodeBudget | undefined;
  try {
    budget = store && config.budget ? new NodeBudget(store, config.budget.epsilon, config.budget.delta) : undefined;
  } catch (err) {
    store?.close();
    throw err;
  }
  if (store) deps.log.info({ dataDir: config.dataDir, spent: store.spent(), budget: config.budget?.epsilon ?? null }, 'node state loaded');
  let daemon: NodeDaemon;
  try {
    daemon = new NodeDaemon({
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
      // The data dir exists once the store is open.
      ...(store && config.dataDir !== undefined ? { revocationMemory: revocationFile(config.dataDir) } : {}),
    });
  } catch (err) {
    store?.close();
    throw err;
  }
  monitor?.bind(daemon, budget);
  try {
    await monitor?.listen();
  } catch (err) {
    store?.close();
    throw err;
  }
  return {
    daemon,
    ...(monitor ? { monitor } : {}),
    close: async () => {
      store?.close();
      await monitor?.close();
    },
  };
}
