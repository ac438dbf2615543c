/** `cohort coordinator`: run the coordinator until SIGINT/SIGTERM. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CohortError } from '../../shared/errors.js';
import { DEFAULT_FEATURE_RANGE, parseFeatureRange } from '../../shared/model/feature-range.js';
import { builtinModel, describeFederatedModel, type FederatedModel, tensorModel } from '../../shared/model/model.js';
import { readSafetensorsFile } from '../../shared/model/safetensors.js';
import { parseModelSpec } from '../../shared/model/spec.js';
import { parseTrainConfig } from '../../shared/model/train.js';
import type { RoundSettings } from '../../server/core/types.js';
import { AGGREGATOR_KINDS, type AggregatorKind } from '../../server/core/aggregators.js';
import { DEFAULT_PROGRESS_TIMEOUT_MS, DEFAULT_ROUND_SETTINGS, validateSettings } from '../../server/core/coordinator.js';
import { type CoordinatorConfig, startCoordinator } from '../../server/main.js';
import { loadCertificates } from '../certs.js';
import type { CliIo } from '../io.js';
import { createLogger, parseLogLevel, routeGrpcLogs } from '../logging.js';
import { choiceOption, describeRange, intOption, numberOption, parseDecimal, usage } from '../options.js';
import { DEFAULT_METRICS_HOST } from '../../shared/metrics/endpoint.js';
import type { CoordinatorMonitoring } from '../../server/metrics/monitor.js';
import { DEFAULT_REGRESSION_MARGIN } from '../../server/metrics/regression.js';


/** Raw options as commander hands them over. */
export interface CoordinatorArgs {
  host: string;
  port: number;
  /** Undefined: --port + 1 (0 when --port is 0). */
  bulkPort?: number;
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
  featureRange?: string;
  aggregator?: string;
  trimFraction?: number;
  maxWeightShare?: number;
  progressTimeout?: number;
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
  'featureRange',
  'aggregator',
  'trimFraction',
  'maxWeightShare',
  'progressTimeout',
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
  // Flags arrive parsed; a config file may hold JSON numbers or plain decimal strings, never "0x10".
  const num = <K extends keyof CoordinatorArgs>(k: K, fallback: number): number => {
    const v = pick(k);
    if (v === undefined) return fallback;
    const n = typeof v === 'number' ? v : typeof v === 'string' ? parseDecimal(v) : undefined;
    if (n === undefined || !Number.isFinite(n)) throw usage(`--config ${args.config ?? ''}: "${k}" must be a plain decimal number, got ${JSON.stringify(v)}`);
    return n;
  };
  try {
    const { model, initialWeights } = chooseModel(pick('model'), pick('features'), pick('classes'), pick('hidden'));
    const train = parseTrainConfig({ epochs: pick('epochs'), batchSize: pick('batchSize'), learningRate: pick('learningRate') });
    const seconds = (k: 'trainTimeout' | 'evalTimeout', fallback: number): number => (pick(k) === undefined ? fallback : num(k, 0) * 1000);
    const defaults: RoundSettings = {
      ...DEFAULT_ROUND_SETTINGS,
      minNodes: num('minNodes', DEFAULT_ROUND_SETTINGS.minNodes),
      sampleRate: num('sampleRate', DEFAULT_ROUND_SETTINGS.sampleRate),
      train,
      trainTimeoutMs: seconds('trainTimeout', DEFAULT_ROUND_SETTINGS.trainTimeoutMs),
      evalTimeoutMs: seconds('evalTimeout', DEFAULT_ROUND_SETTINGS.evalTimeoutMs),
      noiseMultiplier: num('noiseMultiplier', 0),
      clipNorm: num('clip', DEFAULT_ROUND_SETTINGS.clipNorm),
      aggregator: (pick('aggregator') ?? DEFAULT_ROUND_SETTINGS.aggregator) as AggregatorKind,
      trimFraction: num('trimFraction', DEFAULT_ROUND_SETTINGS.trimFraction),
      maxWeightShare: num('maxWeightShare', DEFAULT_ROUND_SETTINGS.maxWeightShare),
    };
    validateSettings(defaults);
    const bulkPort = args.bulkPort ?? (args.port === 0 ? 0 : args.port + 1);
    if (bulkPort > 65535) throw usage(`--port ${args.port} leaves no port above it for the bulk channel: give --bulk-port`);
    if (bulkPort !== 0 && bulkPort === args.port) throw usage(`--bulk-port must differ from --port (both are ${args.port})`);
    const progressSeconds = num('progressTimeout', DEFAULT_PROGRESS_TIMEOUT_MS / 1000);
    if (!(progressSeconds >= 0.001 && progressSeconds <= 3600)) throw usage(`--progress-timeout must be ${describeRange(0.001, 3600, false)} seconds, got ${String(pick('progressTimeout'))}`);
    const seed = num('seed', 1);
    const uploadSlots = num('uploadSlots', 4);
    if (!Number.isInteger(seed) || seed < 0) throw usage(`--seed must be ${describeRange(0, Number.MAX_SAFE_INTEGER, true)}, got ${String(pick('seed'))}`);
    if (!Number.isInteger(uploadSlots) || uploadSlots < 1 || uploadSlots > 64) throw usage(`--upload-slots must be ${describeRange(1, 64, true)}, got ${String(pick('uploadSlots'))}`);
    const budget = pick('epsilonBudget') === undefined ? undefined : num('epsilonBudget', 0);
    const delta = num('delta', DEFAULT_DELTA);
    if (budget !== undefined && !(budget > 0)) throw usage(`--epsilon-budget must be a positive number, got ${String(pick('epsilonBudget'))}`);
    if (!(delta > 0 && delta < 1)) throw usage(`--delta must be a number between 0 and 1 (neither 0 nor 1), got ${String(pick('delta'))}`);
    const privacy = { epsilon: budget, delta };
    const monitoring = monitoringConfig(pick('metricsPort') === undefined ? undefined : num('metricsPort', 0), pick('metricsHost'), pick('regressionMargin') === undefined ? undefined : num('regressionMargin', 0));
    const range = pick('featureRange');
    const featureRange = range === undefined ? DEFAULT_FEATURE_RANGE : parseFeatureRange(Array.isArray(range) ? range.join(',') : String(range));
    return {
      host: args.host,
      port: args.port,
      bulkPort,
      certsDir: args.certs,
      dataDir: args.dataDir,
      model,
      ...(initialWeights ? { initialWeights } : {}),
      seed,
      defaults,
      uploadSlots,
      progressTimeoutMs: Math.round(progressSeconds * 1000),
      revocationPollMs: 1000,
      privacy,
      monitoring,
      featureRange,
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
  if (!(m >= 0 && m <= 1)) throw usage(`--regression-margin must be ${describeRange(0, 1, false)}, got ${String(margin)}`);
  if (port === undefined) {
    if (host !== undefined) throw usage('--metrics-host needs --metrics-port');
    return { regressionMargin: m };
  }
  const p = Number(port);
  if (!Number.isInteger(p) || p < 0 || p > 65535) throw usage(`--metrics-port must be ${describeRange(0, 65535, true)}, got ${String(port)}`);
  if (host !== undefined && (typeof host !== 'string' || host.trim() === '')) throw usage(`--metrics-host must be a host name or address, got ${String(host)}`);
  return { regressionMargin: m, endpoint: { host: host === undefined ? DEFAULT_METRICS_HOST : String(host), port: p } };
}

/** Register `cohort coordinator`. */
export function register(program: Command, io: CliIo): void {
  program
    .command('coordinator')
    .description('run the coordinator: mutual-TLS gRPC server, round scheduler, FedAvg')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'gRPC port to listen on (0 = any free port)', intOption('--port', 0, 65535), 7443)
    .option('--bulk-port <port>', 'bulk-channel port for models and updates; nodes dial it too, so open it like --port (default: --port + 1, i.e. 7444; 0 = any free port)', intOption('--bulk-port', 0, 65535))
    .option('--certs <dir>', 'certs dir with ca.crt, coordinator.crt/.key and revocations.json (never the CA key: the coordinator refuses to start beside it)', 'certs')
    .option('--data-dir <dir>', 'rounds, privacy ledger and model checkpoints (SQLite + files; survives restarts)', './cohort-data')
    .option('--config <file>', 'JSON file with any of the options below (flags win)')
    .option('--model <kind|file>', 'logreg or mlp (default logreg), or a .safetensors file whose named float32 tensors are the model and its first weights')
    .option('--features <n>', 'input features (default 784, MNIST)', intOption('--features'))
    .option('--classes <n>', 'classes (default 10)', intOption('--classes', 2, 255))
    .option('--hidden <n>', 'hidden units of the mlp (default 64)', intOption('--hidden'))
    .option('--feature-range <min,max>', 'the range every site scales its features to; nodes warn their operator when theirs fall far outside (default 0,1)')
    .option('--seed <n>', 'seed of the initial weights', intOption('--seed', 0))
    .option('--min-nodes <n>', 'default minimum participants per round (default 2)', intOption('--min-nodes'))
    .option('--sample-rate <q>', 'default Poisson sampling rate in (0, 1] (default 1)', numberOption('--sample-rate', Number.MIN_VALUE, 1))
    .option('--epochs <n>', 'default local epochs per round (default 1)', intOption('--epochs', 1, 1000))
    .option('--batch-size <n>', 'default local batch size (default 32)', intOption('--batch-size', 1, 65536))
    .option('--learning-rate <lr>', 'default local learning rate (default 0.1)', numberOption('--learning-rate', Number.MIN_VALUE, 100))
    .option('--train-timeout <s>', 'seconds nodes have to return an update (default 120)', numberOption('--train-timeout', 0.001, 86400))
    .option('--eval-timeout <s>', 'seconds nodes have to return an evaluation (default 60)', numberOption('--eval-timeout', 0.001, 86400))
    .option('--upload-slots <n>', 'updates buffered at once (bounds memory; default 4)', intOption('--upload-slots', 1, 64))
    .option('--epsilon-budget <e>', 'privacy budget ε: rounds that would exceed it are refused (every round must then be private)', numberOption('--epsilon-budget', Number.MIN_VALUE, 1e6))
    .option('--delta <d>', `δ of the (ε, δ) guarantee (default ${DEFAULT_DELTA})`, numberOption('--delta', Number.MIN_VALUE, 0.5))
    .option('--noise-multiplier <s>', 'default noise multiplier σ of rounds (0 = not private)', numberOption('--noise-multiplier', 0, 1e4))
    .option('--clip <c>', 'default L2 bound of updates: plain rounds scale larger updates down to it, secure and private rounds require nodes to clip to it (default 10)', numberOption('--clip', Number.MIN_VALUE, 1e6))
    .option('--aggregator <name>', `default aggregation of plain rounds: ${AGGREGATOR_KINDS.join(', ')} (default fedavg)`, choiceOption('--aggregator', AGGREGATOR_KINDS))
    .option('--trim-fraction <f>', 'trimmed mean: fraction of values dropped at each end of every coordinate (default 0.1)', numberOption('--trim-fraction', 0, 0.499))
    .option('--max-weight-share <c>', 'largest share of a round\'s total example weight one node\'s update or evaluation may have (default 0.2)', numberOption('--max-weight-share', Number.MIN_VALUE, 1))
    .option('--progress-timeout <s>', `seconds a node may take to send the next message of an upload being read, or to take one of its Join stream, before it is dropped from the round (default ${DEFAULT_PROGRESS_TIMEOUT_MS / 1000})`, numberOption('--progress-timeout', 0.001, 3600))
    .option('--metrics-port <port>', 'serve Prometheus /metrics, /healthz and /readyz on this port (0 = any free port; default: off)', intOption('--metrics-port', 0, 65535))
    .option('--metrics-host <host>', `address of the metrics endpoint (default ${DEFAULT_METRICS_HOST}; it has no TLS or authentication)`)
    .option('--regression-margin <m>', `warn when federated accuracy falls more than this below the best round (default ${DEFAULT_REGRESSION_MARGIN})`, numberOption('--regression-margin', 0, 1))
    .option('--log-level <level>', 'debug, info, warn, error or silent', 'info')
    .action(async (args: CoordinatorArgs) => {
      const log = createLogger(parseLogLevel(args.logLevel), 'coordinator');
      routeGrpcLogs(log);
      const config = coordinatorConfig(args);
      loadCertificates(config.certsDir, 'coordinator');
      const started = await startCoordinator(config, { log, clock: io.clock });
      io.err(`cohort coordinator listening on ${config.host}:${started.port} (gRPC) and ${config.host}:${started.bulkPort} (bulk channel); TLS 1.3, client certificates from ${config.certsDir}/ca.crt\n`);
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
