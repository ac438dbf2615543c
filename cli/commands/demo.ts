/**
 * `cohort demo`: the whole federation on loopback with real TLS — a throw-away CA, a
 * coordinator, N node daemons on MNIST shards, and an operator launching R rounds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { createNode } from '../../client/main.js';
import type { DropStage } from '../../client/grpc/daemon.js';
import { initCa, issue } from '../../shared/pki/ca-dir.js';
import { builtinModel } from '../../shared/model/model.js';
import { parseModelSpec } from '../../shared/model/spec.js';
import { startCoordinator } from '../../server/main.js';
import { DEFAULT_ROUND_SETTINGS } from '../../server/core/coordinator.js';
import { DEFAULT_ADAPTIVE_CLIP } from '../../shared/dp/adaptive-clip.js';
import { launchRounds, planLine } from './round.js';
import { roundLine, roundsJson } from '../format.js';
import { type CliIo, printJson } from '../io.js';
import { createLogger, parseLogLevel } from '../logging.js';
import { intOption, numberOption, usage } from '../options.js';

interface DemoArgs {
  nodes: number;
  rounds: number;
  model: string;
  hidden?: number;
  seed: number;
  json?: boolean;
  logLevel: string;
  secureAggregation?: boolean;
  drop: number;
  dropStage: string;
  clip?: number;
  noiseMultiplier?: number;
  adaptiveClip?: boolean;
  epsilonBudget?: number;
  delta?: number;
}

const DROP_STAGES: readonly DropStage[] = ['keys', 'shares', 'masked', 'unmask'];

/** Register `cohort demo`. */
export function register(program: Command, io: CliIo): void {
  program
    .command('demo')
    .description('run a whole federation on 127.0.0.1 with real mutual TLS and MNIST shards')
    .option('--nodes <n>', 'node daemons', intOption('--nodes', 1, 200), 3)
    .option('--rounds <n>', 'training rounds', intOption('--rounds', 1, 1000), 5)
    .option('--model <kind>', 'logreg or mlp', 'logreg')
    .option('--hidden <n>', 'hidden units of the mlp', intOption('--hidden'))
    .option('--seed <n>', 'seed of the initial weights', intOption('--seed', 0), 1)
    .option('--secure-aggregation', 'SecAgg+: the coordinator sees only the sum of the surviving nodes\' updates')
    .option('--drop <k>', 'secure aggregation: make k nodes vanish mid-round (the last k), to show recovery', intOption('--drop', 0, 200), 0)
    .option('--drop-stage <stage>', 'where they vanish: keys, shares, masked or unmask', 'masked')
    .option('--clip <c>', 'L2 clip norm of each update in secure or private rounds (default 10)', numberOption('--clip', Number.MIN_VALUE, 1e6))
    .option('--noise-multiplier <s>', 'differential privacy: noise multiplier σ (0 = off)', numberOption('--noise-multiplier', 0, 1e4))
    .option('--adaptive-clip', 'adaptive clipping (Andrew et al. 2021), starting at --clip')
    .option('--epsilon-budget <e>', 'privacy budget ε; the demo stops when the next round would exceed it', numberOption('--epsilon-budget', Number.MIN_VALUE, 1e6))
    .option('--delta <d>', 'δ of the (ε, δ) guarantee (default 1e-5)', numberOption('--delta', Number.MIN_VALUE, 0.5))
    .option('--json', 'print one JSON object: {rounds: [...], final: {...}}')
    .option('--log-level <level>', 'debug, info, warn, error or silent (logs go to stderr)', 'warn')
    .action(async (args: DemoArgs) => {
      const level = parseLogLevel(args.logLevel);
      if (!(DROP_STAGES as readonly string[]).includes(args.dropStage)) throw usage(`--drop-stage must be one of ${DROP_STAGES.join(', ')}, got "${args.dropStage}"`);
      if (args.drop > 0 && !args.secureAggregation) throw usage('--drop injects secure-aggregation dropouts: add --secure-aggregation');
      if (args.drop > 0 && args.nodes - args.drop < 2) throw usage(`--drop ${args.drop} leaves fewer than 2 of ${args.nodes} nodes`);
      const minNodes = args.nodes - args.drop;
      if (args.epsilonBudget !== undefined && !(args.noiseMultiplier && args.noiseMultiplier > 0)) {
        throw usage('--epsilon-budget needs private rounds: add --noise-multiplier (e.g. 1.0)');
      }
      const model = parseModelSpec({ kind: args.model, hidden: args.hidden });
      const dir = mkdtempSync(join(tmpdir(), 'cohort-demo-'));
      const say = (s: string): void => (args.json ? io.err(s) : io.out(s));
      const stop = new AbortController();
      const running: Promise<void>[] = [];
      let coordinator: Awaited<ReturnType<typeof startCoordinator>> | undefined;
      try {
        const now = new Date(io.clock.now());
        initCa(dir, { sans: ['localhost', '127.0.0.1'], now });
        const names = Array.from({ length: args.nodes }, (_, i) => `node-${i + 1}`);
        for (const name of names) issue(dir, name, 'node', { now });
        issue(dir, 'operator', 'operator', { now });
        say(`demo: CA and ${args.nodes + 2} certificates in ${dir} (deleted at the end)\n`);

        coordinator = await startCoordinator(
          {
            host: '127.0.0.1',
            port: 0,
            bulkPort: 0,
            certsDir: dir,
            model: builtinModel(model),
            seed: args.seed,
            defaults: {
              ...DEFAULT_ROUND_SETTINGS,
              minNodes,
              secureAggregation: args.secureAggregation === true,
              ...(args.clip ? { clipNorm: args.clip } : {}),
              noiseMultiplier: args.noiseMultiplier ?? 0,
              ...(args.adaptiveClip ? { adaptiveClip: DEFAULT_ADAPTIVE_CLIP } : {}),
            },
            privacy: { epsilon: args.epsilonBudget, delta: args.delta ?? 1e-5 },
            uploadSlots: 4,
            revocationPollMs: 1000,
            // The demo's CA lives in the same throw-away dir and is deleted at the end.
            allowCaKeyInCertsDir: true,
          },
          { log: createLogger(level, 'coordinator'), clock: io.clock },
        );
        const address = `127.0.0.1:${coordinator.port}`;
        say(`demo: coordinator on ${address} (TLS 1.3, client certificates required)\n`);
        for (const [i, name] of names.entries()) {
          const dropAt = i >= args.nodes - args.drop ? (args.dropStage as DropStage) : undefined;
          const { daemon } = await createNode(
            { address, name, certsDir: dir, work: { kind: 'data', data: { kind: 'mnist', shard: i + 1, of: args.nodes } }, ...(dropAt ? { dropAt } : {}) },
            { log: createLogger(level, 'node').child({ node: name }), clock: io.clock },
          );
          running.push(daemon.run(stop.signal));
        }
        say(`demo: ${args.nodes} node daemons on MNIST shards 1..${args.nodes} of ${args.nodes}; training ${model.kind} for ${args.rounds} round(s)\n`);
        if (args.secureAggregation) {
          say(`demo: secure aggregation on${args.drop > 0 ? `; node-${minNodes + 1}..node-${args.nodes} will vanish at the ${args.dropStage} stage` : ''}\n`);
        }
        const rounds = await launchRounds(
          { coordinator: address, certs: dir, name: 'operator', rounds: args.rounds, wait: 30 },
          io,
          (r, index, of) => say(`${roundLine(r, index, of)}\n`),
          (plan, firstRound) => say(`demo: ${planLine(plan, firstRound)}\n`),
        );
        const refused = rounds.find((r) => r.status === 'refused');
        if (refused) say(`demo: stopped before round ${refused.round}: ${refused.reason ?? 'refused'}\n`);
        const result = roundsJson(rounds);
        if (args.json) printJson(io, result);
        else if (result.final.accuracy !== null) io.out(`final federated accuracy ${result.final.accuracy.toFixed(4)}, loss ${(result.final.loss ?? 0).toFixed(4)}\n`);
      } finally {
        stop.abort();
        await Promise.allSettled(running);
        await coordinator?.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
}
