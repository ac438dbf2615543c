/** `cohort coordinator`: run the coordinator until SIGINT/SIGTERM. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CohortError } from '../../shared/errors.js';
import { builtinModel, describeFederatedModel, type FederatedModel, tensorModel } from '../../shared/model/model.js';
import { readSafetensorsFile } from '../../shared/model/safetensors.js';
import { parseModelSpec } from '../../shared/model/spec.js';
import { parseTrainConfig } from '../../shared/model/train.js';
import type { RoundSettings } from '../../server/core/types.js';
import { DEFAULT_ROUND_SETTINGS, validateSettings } from '../../server/core/coordinator.js';
import { type CoordinatorConfig, startCoordinator } from '../../server/main.js';
import type { CliIo } from '../io.js';
import { createLogger, parseLogLevel } from '../logging.js';
import { intOption, numberOption, usage } from '../options.js';
import { DEFAULT_METRICS_HOST } from '../../shared/metrics/endpoint.js';
import type { CoordinatorMonitoring } from '../../server/metrics/monitor.js';
import { DEFAULT_REGRESSION_MARGIN } from '../../server/metrics/regression.js';


/** Raw options as commander hands them over. */
interface CoordinatorArgs {
  host: string;
  port: number;
  certs: string;
  dataDir: string;
  config?: string;
  model?: string;
  features?: number;
  classes?: number;
  hidden?: number;
  seed?: number;
  minNodes?: number;
  sampleRate?: number;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  trainTimeout?: number;
  evalTimeout?: number;
  uploadSlots?: number;
  epsilonBudget?: number;
  delta?: number;
  noiseMultiplier?: number;
  clip?: number;
  metricsPort?: number;
  metricsHost?: string;
  regressionMargin?: number;
  logLevel: string;
}

const CONFIG_KEYS = new Set([
  'model',
  'features',
  'classes',
  'hidden',
  'seed',
  'minNodes',
  'sampleRate',
  'epochs',
  'batchSize',
  'learningRate',
  'trainTimeout',
  'evalTimeout',
  'uploadSlots',
  'epsilonBudget',
  'delta',
  'noiseMultiplier',
  'clip',
  'metricsPort',
  'metricsHost',
  'regressionMargin',
]);

/** δ of the (ε, δ) guarantee unless --delta says otherwise. */
const DEFAULT_DELTA = 1e-5;

/** Read a JSON config file: an object whose keys are the long option names in camelCase. */
function readConfigFile(path: string): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw usage(`--config ${path}: ${(err as Error).message}`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw usage(`--config ${path}: must hold a JSON object`);
  for (const key of Object.keys(raw)) {
    if (!CONFIG_KEYS.has(key)) throw usage(`--config ${path}: unknown option "${key}" (known: ${[...CONFIG_KEYS].join(', ')})`);
  }
  return raw as Record<string, unknown>;
}

/** Merge config file and flags (flags win) into a validated configuration. */
export function coordinatorConfig(args: CoordinatorArgs): CoordinatorConfig {
  const file = args.config ? readConfigFile(args.config) : {};
  const pick = <K extends keyof CoordinatorArgs>(k: K): unknown => args[k] ?? file[k as string];
  try {
    const { model, initialWeights } = chooseModel(pick('model'), pick('features'), pick('classes'), pick('hidden'));
    const train = parseTrainConfig({ epochs: pick('epochs'), batchSize: pick('batchSize'), learningRate: pick('learningRate') });
    const seconds = (k: 'trainTimeout' | 'evalTimeout', fallback: number): number => {
      const v = pick(k);
      return v === undefined ? fallback : Number(v) * 1000;
    };
    const defaults: RoundSettings = {
      ...DEFAULT_ROUND_SETTINGS,
      minNodes: Number(pick('minNodes') ?? DEFAULT_ROUND_SETTINGS.minNodes),
      sampleRate: Number(pick('sampleRate') ?? DEFAULT_ROUND_SETTINGS.sampleRate),
      train,
      trainTimeoutMs: seconds('trainTimeout', DEFAULT_ROUND_SETTINGS.trainTimeoutMs),
      evalTimeoutMs: seconds('evalTimeout', DEFAULT_ROUND_SETTINGS.evalTimeoutMs),
      noiseMultiplier: Number(pick('noiseMultiplier') ?? 0),
      clipNorm: Number(pick('clip') ?? DEFAULT_ROUND_SETTINGS.clipNorm),
    };
    validateSettings(defaults);
    const seed = Number(pick('seed') ?? 1);
    const uploadSlots = Number(pick('uploadSlots') ?? 4);
    if (!Number.isInteger(seed) || seed < 0) throw usage(`--seed must be a non-negative integer, got ${String(pick('seed'))}`);
    if (!Number.isInteger(uploadSlots) || uploadSlots < 1 || uploadSlots > 64) throw usage(`--upload-slots must be an integer in [1, 64]`);
    const budget = pick('epsilonBudget');
    const delta = Number(pick('delta') ?? DEFAULT_DELTA);
    if (budget !== undefined && !(Number(budget) > 0)) throw usage(`--epsilon-budget must be a positive number, got ${String(budget)}`);
    if (!(delta > 0 && delta < 1)) throw usage(`--delta must be in (0, 1), got ${String(pick('delta'))}`);
    const privacy = { epsilon: budget === undefined ? undefined : Number(budget), delta };
    const monitoring = monitoringConfig(pick('metricsPort'), pick('metricsHost'), pick('regressionMargin'));
    return {
      host: args.host,
      port: args.port,
      certsDir: args.certs,
      dataDir: args.dataDir,
      model,
      ...(initialWeights ? { initialWeights } : {}),
      seed,
      defaults,
      uploadSlots,
      revocationPollMs: 1000,
      privacy,
      monitoring,
    };
  } catch (err) {
    if (err instanceof CohortError && err.code === 'invalid_argument') throw usage(err.message);
    throw err;
  }
}

/**
 * `--model logreg|mlp` (with --features/--classes/--hidden) is a built-in model; any other
 * value is a safetensors file, whose tensors are the model and whose values its first weights.
 */
function chooseModel(kind: unknown, features: unknown, classes: unknown, hidden: unknown): { model: FederatedModel; initialWeights?: Float32Array } {
  if (kind === undefined || kind === 'logreg' || kind === 'mlp') return { model: builtinModel(parseModelSpec({ kind, features, classes, hidden })) };
  if (typeof kind !== 'string' || kind.trim() === '') throw usage(`--model must be logreg, mlp or a .safetensors file, got ${String(kind)}`);
  if (features !== undefined || classes !== undefined || hidden !== undefined) {
    throw usage('--features, --classes and --hidden describe the built-in models; a model file describes itself');
  }
  const file = readSafetensorsFile(kind);
  return { model: tensorModel(file.manifest), initialWeights: file.weights };
}

/** Metrics are always kept (the regression alert logs from them); the endpoint only with a port. */
function monitoringConfig(port: unknown, host: unknown, margin: unknown): CoordinatorMonitoring {
  const m = Number(margin ?? DEFAULT_REGRESSION_MARGIN);
  if (!(m >= 0 && m <= 1)) throw usage(`--regression-margin must be a number in [0, 1], got ${String(margin)}`);
  if (port === undefined) {
    if (host !== undefined) throw usage('--metrics-host needs --metrics-port');
    return { regressionMargin: m };
  }
  const p = Number(port);
  if (!Number.isInteger(p) || p < 0 || p > 65535) throw usage(`--metrics-port must be an integer between 0 and 65535, got ${String(port)}`);
  if (host !== undefined && (typeof host !== 'string' || host.trim() === '')) throw usage(`--metrics-host must be a host name or address, got ${String(host)}`);
  return { regressionMargin: m, endpoint: { host: host === undefined ? DEFAULT_METRICS_HOST : String(host), port: p } };
}

/** Register `cohort coordinator`. */
export function register(program: Command, io: CliIo): void {
  program
    .command('coordinator')
    .description('run the coordinator: mutual-TLS gRPC server, round scheduler, FedAvg')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 = any free port)', intOption('--port', 0, 65535), 7443)
    .option('--certs <dir>', 'CA directory with ca.crt, coordinator.crt/.key, revoked.json', 'certs')
    .option('--data-dir <dir>', 'rounds, privacy ledger and model checkpoints (SQLite + files; survives restarts)', './cohort-data')
    .option('--config <file>', 'JSON file with any of the options below (flags win)')
    .option('--model <kind|file>', 'logreg or mlp (default logreg), or a .safetensors file whose named float32 tensors are the model and its first weights')
    .option('--features <n>', 'input features (default 784, MNIST)', intOption('--features'))
    .option('--classes <n>', 'classes (default 10)', intOption('--classes', 2, 255))
    .option('--hidden <n>', 'hidden units of the mlp (default 64)', intOption('--hidden'))
    .option('--seed <n>', 'seed of the initial weights', intOption('--seed', 0))
    .option('--min-nodes <n>', 'default minimum participants per round (default 2)', intOption('--min-nodes'))
    .option('--sample-rate <q>', 'default Poisson sampling rate in (0, 1] (default 1)', numberOption('--sample-rate', 0, 1))
    .option('--epochs <n>', 'default local epochs per round (default 1)', intOption('--epochs', 1, 1000))
    .option('--batch-size <n>', 'default local batch size (default 32)', intOption('--batch-size', 1, 65536))
    .option('--learning-rate <lr>', 'default local learning rate (default 0.1)', numberOption('--learning-rate', 0, 100))
    .option('--train-timeout <s>', 'seconds nodes have to return an update (default 120)', numberOption('--train-timeout', 0.001, 86400))
    .option('--eval-timeout <s>', 'seconds nodes have to return an evaluation (default 60)', numberOption('--eval-timeout', 0.001, 86400))
    .option('--upload-slots <n>', 'updates buffered at once (bounds memory; default 4)', intOption('--upload-slots', 1, 64))
    .option('--epsilon-budget <e>', 'privacy budget ε: rounds that would exceed it are refused (every round must then be private)', numberOption('--epsilon-budget', Number.MIN_VALUE, 1e6))
    .option('--delta <d>', `δ of the (ε, δ) guarantee (default ${DEFAULT_DELTA})`, numberOption('--delta', Number.MIN_VALUE, 0.5))
    .option('--noise-multiplier <s>', 'default noise multiplier σ of rounds (0 = not private)', numberOption('--noise-multiplier', 0, 1e4))
    .option('--clip <c>', 'default L2 clip norm of updates in secure or private rounds (default 10)', numberOption('--clip', Number.MIN_VALUE, 1e6))
    .option('--metrics-port <port>', 'serve Prometheus /metrics, /healthz and /readyz on this port (0 = any free port; default: off)', intOption('--metrics-port', 0, 65535))
    .option('--metrics-host <host>', `address of the metrics endpoint (default ${DEFAULT_METRICS_HOST}; it has no TLS or authentication)`)
    .option('--regression-margin <m>', `warn when federated accuracy falls more than this below the best round (default ${DEFAULT_REGRESSION_MARGIN})`, numberOption('--regression-margin', 0, 1))
    .option('--log-level <level>', 'debug, info, warn, error or silent', 'info')
    .action(async (args: CoordinatorArgs) => {
      const log = createLogger(parseLogLevel(args.logLevel), 'coordinator');
      const config = coordinatorConfig(args);
      const started = await startCoordinator(config, { log, clock: io.clock });
      io.err(`cohort coordinator listening on ${config.host}:${started.port} (TLS 1.3, client certificates from ${config.certsDir}/ca.crt)\n`);
      io.err(`model: ${describeFederatedModel(config.model)}\n`);
      const metricsPort = started.monitor?.port;
      if (metricsPort !== undefined) io.err(`metrics on http://${config.monitoring?.endpoint?.host ?? DEFAULT_METRICS_HOST}:${metricsPort}/metrics (also /healthz, /readyz)\n`);
      await new Promise<void>((resolve) => {
        if (io.shutdown.aborted) resolve();
        io.shutdown.addEventListener('abort', () => resolve(), { once: true });
      });
      log.info({}, 'shutting down: the running round is cancelled, nothing is released');
      await started.close();
    });
}
