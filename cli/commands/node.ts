/** `cohort node`: run a node daemon until SIGINT/SIGTERM. */
import { type Command, Option } from 'commander';
import { type WorkSpec, createNode } from '../../client/main.js';
import { parseDataSpec } from '../../client/data/index.js';
import { validateName } from '../../shared/pki/names.js';
import { loadCertificates } from '../certs.js';
import type { CliIo } from '../io.js';
import { createLogger, parseLogLevel, routeGrpcLogs } from '../logging.js';
import { intOption, numberOption, parseHostPort, usage } from '../options.js';
import { DEFAULT_METRICS_HOST } from '../../shared/metrics/endpoint.js';
import { DEFAULT_PSI_BINS, DEFAULT_PSI_THRESHOLD } from '../../shared/metrics/psi.js';

interface NodeArgs {
  coordinator: string;
  name: string;
  certs: string;
  data?: string;
  label?: string;
  trainer?: string;
  trainerStartTimeout?: number;
  work: string;
  serverName?: string;
  dataDir?: string;
  epsilonBudget?: number;
  delta?: number;
  metricsPort?: number;
  metricsHost?: string;
  driftThreshold?: number;
  driftBins?: number;
  drift: boolean;
  logLevel: string;
}

/** Register `cohort node`. */
export function register(program: Command, io: CliIo): void {
  program
    .command('node')
    .description('run a node daemon: connects out to the coordinator, trains on local data, sends updates')
    .requiredOption('--coordinator <host:port>', 'coordinator address')
    .requiredOption('--name <name>', 'this node\'s name; uses CERTS/NAME.crt and CERTS/NAME.key')
    .option('--certs <dir>', 'directory with ca.crt and this node\'s certificate and key', 'certs')
    .option('--data <spec>', 'mnist:I/N (shard I of N of the bundled MNIST) or csv:PATH (with --label) (required)')
    .option('--label <column>', 'label column of a csv: data spec')
    .option('--trainer <command>', 'train with this site\'s own trainer process instead of the built-in models, e.g. "python3 train.py" (see proto/cohort/trainer/v1/trainer.proto)')
    .option('--trainer-start-timeout <s>', 'seconds the trainer has to say Hello after each start (default 120)', numberOption('--trainer-start-timeout', 0.1, 86400))
    // Benchmarks only (a node that does not train): not for users, so not in --help.
    .addOption(new Option('--work <kind>', 'train or perturb (framework-only benchmark: no training)').default('train').hideHelp())
    .option('--server-name <name>', 'name to check in the coordinator\'s certificate (default: the host of --coordinator)')
    .option('--data-dir <dir>', 'this node\'s own state: its privacy ledger (default ./cohort-node-NAME)')
    .option('--epsilon-budget <e>', 'this node\'s own privacy budget: it charges only the noise it adds itself (its own RDP accountant, q = 1) and declines rounds that would pass it or leave its update without its own noise', numberOption('--epsilon-budget', Number.MIN_VALUE, 1e6))
    .option('--delta <d>', 'δ for this node\'s own accounting (default 1e-5)', numberOption('--delta', Number.MIN_VALUE, 0.5))
    .option('--metrics-port <port>', 'serve this node\'s own Prometheus /metrics, /healthz and /readyz on this port (0 = any free port; default: off)', intOption('--metrics-port', 0, 65535))
    .option('--metrics-host <host>', `address of the metrics endpoint (default ${DEFAULT_METRICS_HOST}; it has no TLS or authentication)`)
    .option('--drift-threshold <psi>', `warn when a feature's PSI against the data at start exceeds this (default ${DEFAULT_PSI_THRESHOLD})`, numberOption('--drift-threshold', Number.MIN_VALUE, 1e6))
    .option('--drift-bins <n>', `bins per feature for the drift check (default ${DEFAULT_PSI_BINS})`, intOption('--drift-bins', 1, 1000))
    .option('--no-drift', 'do not check the local data for drift')
    .option('--log-level <level>', 'debug, info, warn, error or silent', 'info')
    .action(async (args: NodeArgs) => {
      const { host, port } = parseHostPort(args.coordinator);
      validateName(args.name);
      let work: WorkSpec;
      if (args.trainer !== undefined && (args.data !== undefined || args.label !== undefined)) {
        throw usage('--trainer and --data do not go together: the trainer reads its own data');
      }
      if (args.trainerStartTimeout !== undefined && args.trainer === undefined) throw usage('--trainer-start-timeout applies to --trainer only');
      if (args.work === 'perturb') work = { kind: 'perturb' };
      else if (args.trainer !== undefined) {
        if (args.trainer.trim() === '') throw usage('--trainer needs a command, e.g. --trainer "python3 train.py"');
        work = { kind: 'trainer', command: args.trainer, ...(args.trainerStartTimeout !== undefined ? { startTimeoutMs: args.trainerStartTimeout * 1000 } : {}) };
      } else if (args.work === 'train') {
        if (!args.data) throw usage('--data (mnist:I/N, or csv:PATH with --label COLUMN) or --trainer "COMMAND" is required');
        work = { kind: 'data', data: parseDataSpec(args.data, args.label) };
      } else throw usage(`--work must be train or perturb, got "${args.work}"`);
      if (args.metricsHost !== undefined && args.metricsPort === undefined) throw usage('--metrics-host needs --metrics-port');
      loadCertificates(args.certs, args.name);
      const log = createLogger(parseLogLevel(args.logLevel), 'node').child({ node: args.name });
      routeGrpcLogs(log);
      const drift = { ...(args.driftThreshold !== undefined ? { threshold: args.driftThreshold } : {}), ...(args.driftBins !== undefined ? { bins: args.driftBins } : {}) };
      const node = await createNode(
        {
          address: `${host.includes(':') ? `[${host}]` : host}:${port}`,
          name: args.name,
          certsDir: args.certs,
          work,
          dataDir: args.dataDir ?? `./cohort-node-${args.name}`,
          ...(args.epsilonBudget !== undefined ? { budget: { epsilon: args.epsilonBudget, delta: args.delta ?? 1e-5 } } : {}),
          ...(args.serverName ? { serverName: args.serverName } : {}),
          monitoring: {
            drift: args.drift ? drift : false,
            ...(args.metricsPort !== undefined ? { endpoint: { host: args.metricsHost ?? DEFAULT_METRICS_HOST, port: args.metricsPort } } : {}),
          },
        },
        { log, clock: io.clock },
      );
      io.err(`cohort node ${args.name}: connecting to ${args.coordinator}\n`);
      const metricsPort = node.monitor?.port;
      if (metricsPort !== undefined) io.err(`metrics on http://${args.metricsHost ?? DEFAULT_METRICS_HOST}:${metricsPort}/metrics (also /healthz, /readyz)\n`);
      try {
        await node.daemon.run(io.shutdown);
      } finally {
        await node.close();
      }
      const why = io.shutdown.reason instanceof Error ? io.shutdown.reason.message : 'stop requested';
      io.err(`cohort node ${args.name}: stopped (${why})\n`);
    });
}
