/** `cohort round launch`: queue rounds on the coordinator and follow them. */
import type { Command } from 'commander';
import type * as grpc from '@grpc/grpc-js';
import { CohortError } from '../../shared/errors.js';
import type { LaunchRequest } from '../../shared/wire/generated/cohort/v1/LaunchRequest.js';
import type { LaunchPlan__Output } from '../../shared/wire/generated/cohort/v1/LaunchPlan.js';
import type { RoundEvent__Output } from '../../shared/wire/generated/cohort/v1/RoundEvent.js';
import { type AdminArgs, adminClient, adminError, adminOptions } from '../admin-client.js';
import { declineLines, finalStatus, type RoundJson, roundJson, roundLine, roundsJson } from '../format.js';
import { type CliIo, printJson } from '../io.js';
import { readFileSync } from 'node:fs';
import { AGGREGATOR_KINDS, type AggregatorKind } from '../../server/core/aggregators.js';
import { parseTrainerOptions } from '../../shared/model/options.js';
import { choiceOption, intOption, numberOption, usage } from '../options.js';
import { ANSI, launchBar } from '../progress.js';

interface LaunchArgs extends AdminArgs {
  rounds: number;
  minNodes?: number;
  sampleRate?: number;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  trainTimeout?: number;
  evalTimeout?: number;
  wait?: number;
  detach?: boolean;
  json?: boolean;
  secureAggregation?: boolean;
  threshold?: number;
  neighbours?: number;
  clip?: number;
  stageTimeout?: number;
  noiseMultiplier?: number;
  noise?: string;
  adaptiveClip?: boolean;
  clipQuantile?: number;
  clipLearningRate?: number;
  aggregator?: AggregatorKind;
  trimFraction?: number;
  compress?: string;
  targetUpdates?: number;
  config?: Record<string, string>;
  configFile?: string;
}

/** What the privacy budget affords of a launch (private launches only). */
export interface PlanJson {
  requested: number;
  affordable: number;
  /** null: the coordinator has no budget. */
  budget: number | null;
  spent: number;
  /** ε after the affordable rounds, if each completes. */
  epsilonAfter: number;
}

function planJson(p: LaunchPlan__Output): PlanJson {
  return { requested: p.requested, affordable: p.affordable, budget: p.hasBudget ? p.budgetEpsilon : null, spent: p.spentEpsilon, epsilonAfter: p.epsilonAfter };
}

function eps(x: number): string {
  return String(Number(x.toPrecision(4)));
}

/** The line `round launch` prints before round 1: how many of the requested rounds the budget affords. */
export function planLine(p: PlanJson, firstRound: number): string {
  const budget = p.budget === null ? 'no privacy budget' : `privacy budget ε = ${eps(p.budget)}, ${eps(p.spent)} spent`;
  if (p.affordable === p.requested) {
    return `${budget}: ${p.requested === 1 ? 'the round fits' : `all ${p.requested} rounds fit`} (ε ${eps(p.epsilonAfter)} after them); queued from round ${firstRound}`;
  }
  return `${budget}: it affords ${p.affordable} of the ${p.requested} requested rounds (ε ${eps(p.epsilonAfter)} after them); queued ${p.affordable} from round ${firstRound}, the other ${p.requested - p.affordable} are refused and take no round numbers`;
}

/** `--config KEY=VALUE`, repeatable: collects the operator's options for the sites' trainers. */
function configOption(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw usage(`--config takes KEY=VALUE (e.g. --config lr_schedule=cosine), got "${value}"`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

/** The trainer options of a launch: --config-file (a JSON object of strings, numbers or booleans), then --config flags. */
function trainerOptions(args: { config?: Record<string, string>; configFile?: string }): Record<string, string> | undefined {
  let fromFile: Record<string, string> = {};
  if (args.configFile !== undefined) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(args.configFile, 'utf8'));
    } catch (err) {
      throw usage(`--config-file ${args.configFile}: ${(err as Error).message}`);
    }
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw usage(`--config-file ${args.configFile}: must hold a JSON object`);
    for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw usage(`--config-file ${args.configFile}: "${k}" must be a string, number or boolean`);
      fromFile[k] = String(v);
    }
  }
  const merged = { ...fromFile, ...(args.config ?? {}) };
  if (Object.keys(merged).length === 0) return undefined;
  try {
    return { ...parseTrainerOptions(merged, '--config') };
  } catch (err) {
    throw usage((err as Error).message);
  }
}

/** Launch rounds and collect their results; exported for the demo and tests. */
export async function launchRounds(
  args: LaunchArgs,
  io: CliIo,
  onRound?: (r: RoundJson, index: number, of: number) => void,
  onPlan?: (plan: PlanJson, firstRound: number) => void,
): Promise<RoundJson[]> {
  const request: LaunchRequest = {
    rounds: args.rounds,
    minNodes: args.minNodes ?? 0,
    sampleRate: args.sampleRate ?? 0,
    detach: args.detach === true,
    train: { epochs: args.epochs ?? 0, batchSize: args.batchSize ?? 0, learningRate: args.learningRate ?? 0, options: trainerOptions(args) ?? {} },
    trainTimeoutMs: args.trainTimeout ? Math.round(args.trainTimeout * 1000) : 0,
    evalTimeoutMs: args.evalTimeout ? Math.round(args.evalTimeout * 1000) : 0,
    waitForNodesMs: args.wait !== undefined ? Math.round(args.wait * 1000) : 0,
    secureAggregation: args.secureAggregation === true,
    threshold: args.threshold ?? 0,
    neighbours: args.neighbours ?? 0,
    clipNorm: args.clip ?? 0,
    secaggStageTimeoutMs: args.stageTimeout ? Math.round(args.stageTimeout * 1000) : 0,
    noiseMultiplier: args.noiseMultiplier ?? 0,
    noise: args.noise ?? '',
    adaptiveClip: args.adaptiveClip === true,
    clipQuantile: args.clipQuantile ?? 0,
    clipLearningRate: args.clipLearningRate ?? 0,
    aggregator: args.aggregator ?? '',
    trimFraction: args.trimFraction ?? 0,
    compress: args.compress ?? '',
    targetUpdates: args.targetUpdates ?? 0,
  };
  const client = adminClient(args);
  const rounds: RoundJson[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const call = client.LaunchRounds(request);
      // Progress: a bar redrawn in place on a terminal, one plain line per stage otherwise (both on stderr).
      let barShown = false;
      const clearBar = (): void => {
        if (barShown) io.err(ANSI.clearLine);
        barShown = false;
      };
      const onShutdown = (): void => {
        clearBar();
        call.cancel();
        reject(new CohortError('cancelled', 'stopped following the rounds; they go on at the coordinator (see cohort status)'));
      };
      io.shutdown.addEventListener('abort', onShutdown, { once: true });
      call.on('data', (e: RoundEvent__Output) => {
        if (String(e.status) === 'ROUND_STATUS_QUEUED') {
          if (e.plan) onPlan?.(planJson(e.plan), Number(e.round));
          else if (args.detach) io.err(`queued ${e.of} round(s) starting at round ${e.round}\n`);
          return;
        }
        if (!finalStatus(e)) {
          if (!e.stage) return;
          if (io.isTty) {
            io.err(`${ANSI.clearLine}${launchBar(e, rounds.length)}`);
            barShown = true;
          } else io.err(`round ${e.round} (${e.index}/${e.of}): ${e.stage}${e.selected ? ` — ${e.selected} selected` : ''}\n`);
          return;
        }
        clearBar();
        const r = roundJson(e);
        rounds.push(r);
        onRound?.(r, e.index, e.of);
      });
      call.on('error', (err: grpc.ServiceError) => {
        clearBar();
        io.shutdown.removeEventListener('abort', onShutdown);
        reject(adminError(err, args.coordinator));
      });
      call.on('end', () => {
        clearBar();
        io.shutdown.removeEventListener('abort', onShutdown);
        resolve();
      });
    });
  } finally {
    client.close();
  }
  return rounds;
}

/** Register `cohort round`. */
export function register(program: Command, io: CliIo): void {
  const round = program.command('round').description('operator: launch and follow training rounds');
  adminOptions(
    round
      .command('launch')
      .description('queue rounds; prints each round\'s federated accuracy, loss, participants and time')
      .option('--rounds <n>', 'number of rounds', intOption('--rounds', 1, 100_000), 1)
      .option('--min-nodes <n>', 'minimum participants (fewer selected: round skipped)', intOption('--min-nodes'))
      .option('--sample-rate <q>', 'Poisson sampling rate in (0, 1]', numberOption('--sample-rate', Number.MIN_VALUE, 1))
      .option('--epochs <n>', 'local epochs', intOption('--epochs', 1, 1000))
      .option('--batch-size <n>', 'local batch size', intOption('--batch-size', 1, 65536))
      .option('--learning-rate <lr>', 'local learning rate', numberOption('--learning-rate', Number.MIN_VALUE, 100))
      .option('--train-timeout <s>', 'seconds nodes have to return their update', numberOption('--train-timeout', 0.001, 86400))
      .option('--eval-timeout <s>', 'seconds nodes have to return their evaluation', numberOption('--eval-timeout', 0.001, 86400))
      .option('--wait <s>', 'seconds to wait for --min-nodes nodes to be connected', numberOption('--wait', 0, 86400))
      .option('--secure-aggregation', 'SecAgg+: the coordinator learns only the sum of the surviving nodes\' clipped updates')
      .option('--threshold <t>', 'Shamir threshold (secure aggregation; default chosen from the number of nodes)', intOption('--threshold'))
      .option('--neighbours <k>', 'neighbours per node (secure aggregation; default chosen from the number of nodes)', intOption('--neighbours'))
      .option('--clip <c>', 'L2 bound of each update: plain rounds scale larger updates down to it, secure and private rounds require nodes to clip to it (default 10)', numberOption('--clip', Number.MIN_VALUE, 1e6))
      .option('--aggregator <name>', `plain rounds: ${AGGREGATOR_KINDS.join(', ')} (default: the coordinator's, fedavg)`, choiceOption('--aggregator', AGGREGATOR_KINDS))
      .option('--trim-fraction <f>', 'trimmed mean: fraction of values dropped at each end of every coordinate (default 0.1)', numberOption('--trim-fraction', Number.MIN_VALUE, 0.499))
      .option('--compress <kind>', 'plain rounds: send updates (and the new model to nodes that hold the last one) quantised, int8 (~0.25× the bytes) or fp16 (~0.5×)')
      .option('--target-updates <n>', 'plain rounds: close training once n updates are in and tell the other selected nodes to stop (over-selection: sample more nodes than you need; default: wait for every selected node)', intOption('--target-updates', 1))
      .option('--noise-multiplier <s>', 'differential privacy: Gaussian noise multiplier σ (0 = off)', numberOption('--noise-multiplier', 0, 1e4))
      .option('--adaptive-clip', 'adaptive clipping (Andrew et al. 2021): --clip is where the clip norm starts')
      .option('--clip-quantile <q>', 'adaptive clipping: fraction of updates to keep within the clip norm (default 0.5)', numberOption('--clip-quantile', Number.MIN_VALUE, 0.999999))
      .option('--clip-learning-rate <eta>', 'adaptive clipping: geometric step of the clip norm (default 0.2)', numberOption('--clip-learning-rate', Number.MIN_VALUE, 10))
      .option('--noise <mode>', 'distributed (each node adds its share; needs --secure-aggregation) or central (the coordinator adds it)')
      .option('--config <key=value>', 'an option for the sites\' trainers (repeatable), passed to them as it is, e.g. --config lr_schedule=cosine', configOption)
      .option('--config-file <file>', 'a JSON object of options for the sites\' trainers (--config flags win)')
      .option('--stage-timeout <s>', 'seconds per secure-aggregation stage after training (default 30)', numberOption('--stage-timeout', 0.001, 86400))
      .option('--detach', 'return once the rounds are queued')
      .option('--json', 'print one JSON object: {rounds: [...], final: {...}}'),
  ).action(async (args: LaunchArgs) => {
    let plan: PlanJson | undefined;
    const rounds = await launchRounds(
      args,
      io,
      (r, index, of) => {
        if (args.json) return;
        io.out(`${roundLine(r, index, of)}\n`);
        for (const line of declineLines(r)) io.out(`  ${line}\n`);
      },
      (p, firstRound) => {
        plan = p;
        // Before round 1, on stderr with the other progress: stdout stays one JSON object with --json.
        io.err(`${planLine(p, firstRound)}\n`);
      },
    );
    const cut = plan ? plan.requested - plan.affordable : 0;
    const cutMessage = `${cut} of the ${plan?.requested ?? 0} requested round(s) refused: the privacy budget affords only ${plan?.affordable ?? 0}`;
    if (args.json && !args.detach) printJson(io, { ...roundsJson(rounds), ...(plan ? { plan } : {}) });
    if (args.detach) {
      if (cut > 0) throw new CohortError('budget_exhausted', cutMessage);
      return;
    }
    const refused = rounds.find((r) => r.status === 'refused');
    if (refused) throw new CohortError('budget_exhausted', `round ${refused.round} refused: ${refused.reason ?? 'by policy'}`);
    if (cut > 0) throw new CohortError('budget_exhausted', cutMessage);
    const bad = rounds.filter((r) => r.status !== 'completed');
    if (bad.length > 0) {
      throw new CohortError('failed_precondition', `${bad.length} of ${rounds.length} round(s) did not complete (${bad.map((r) => `round ${r.round}: ${r.status}`).join(', ')})`);
    }
  });
}
