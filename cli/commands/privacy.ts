/** `cohort privacy epsilon` and `cohort privacy noise`: the offline accountant and its inverse. */
import type { Command } from 'commander';
import { type AccountantName, NOISE_PRECISION, epsilonPld, epsilonRdp, noiseForEpsilon } from '../../shared/dp/index.js';
import { type PlanVerdict, privacyPlan, TOO_SMALL_RATIO, WORKABLE_RATIO } from '../../shared/dp/plan.js';
import { formatDelta } from '../../shared/dp/report/format.js';
import { parameterCount, parseModelSpec } from '../../shared/model/spec.js';
import { type CliIo, printJson } from '../io.js';
import { intOption, parseDecimal, usage } from '../options.js';

/** Parsed options of `privacy epsilon`. */
export interface EpsilonArgs {
  noiseMultiplier: number;
  sampleRate: number;
  steps: number;
  delta: number;
  accountant: AccountantName;
  json?: boolean;
}

/** Parsed options of `privacy noise`. */
export interface NoiseArgs {
  targetEpsilon: number;
  sampleRate: number;
  steps: number;
  delta: number;
  accountant: AccountantName;
  json?: boolean;
}

/** A finite number in an interval whose ends may be open; the message names the option. */
function rangeOption(name: string, lo: number, hi: number, loOpen: boolean, hiOpen: boolean): (v: string) => number {
  const text = `${loOpen ? '(' : '['}${lo}, ${hi === Infinity ? '∞' : hi}${hiOpen ? ')' : ']'}`;
  return (v) => {
    const n = parseDecimal(v);
    if (n === undefined || !((loOpen ? n > lo : n >= lo) && (hiOpen ? n < hi : n <= hi))) throw usage(`${name} must be a number in ${text}, got "${v}"`);
    return n;
  };
}

function accountantOption(v: string): AccountantName {
  if (v !== 'rdp' && v !== 'pld') throw usage(`--accountant must be rdp or pld, got "${v}"`);
  return v;
}

/** Format a number for a sentence: 4 significant digits, or exponent form when small. */
function num(x: number): string {
  if (x === Infinity) return '∞';
  return Math.abs(x) < 1e-3 && x !== 0 ? x.toExponential(2) : String(Number(x.toPrecision(4)));
}

/** Result of `privacy epsilon`: exactly the JSON object printed with --json. */
export interface EpsilonOutput {
  epsilon: number | null;
  delta: number;
  accountant: AccountantName;
}

/** Run the accountant; an infinite ε (no finite guarantee) is reported as null. */
export function privacyEpsilon(args: EpsilonArgs): { output: EpsilonOutput; sentence: string } {
  const p = { q: args.sampleRate, sigma: args.noiseMultiplier, steps: args.steps, delta: args.delta };
  let epsilon: number;
  let detail: string;
  if (args.accountant === 'rdp') {
    const r = epsilonRdp(p);
    epsilon = r.epsilon;
    detail = `RDP accountant, best order ${r.order}`;
  } else {
    const r = epsilonPld(p);
    epsilon = r.epsilon;
    detail = r.interval === 0 ? 'PLD accountant, exact Gaussian curve since q = 1' : `PLD accountant, pessimistic grid ${r.interval}`;
  }
  const rounds = args.steps === 1 ? '1 round' : `${args.steps} rounds`;
  const sentence =
    `${rounds} of the Gaussian mechanism with noise multiplier ${args.noiseMultiplier} and sample rate ${args.sampleRate} ` +
    `satisfy (ε = ${num(epsilon)}, δ = ${args.delta})-differential privacy (${detail}).`;
  return { output: { epsilon: Number.isFinite(epsilon) ? epsilon : null, delta: args.delta, accountant: args.accountant }, sentence };
}

/** Run the inverse accountant. */
export function privacyNoise(args: NoiseArgs): { output: { noiseMultiplier: number }; sentence: string } {
  const r = noiseForEpsilon({ targetEpsilon: args.targetEpsilon, q: args.sampleRate, steps: args.steps, delta: args.delta, accountant: args.accountant });
  const sentence =
    `Noise multiplier ${r.noiseMultiplier} (the smallest reaching the target, rounded up to ${NOISE_PRECISION}) gives ` +
    `ε = ${num(r.epsilon)} ≤ ${args.targetEpsilon} at δ = ${args.delta} after ${args.steps} rounds with sample rate ${args.sampleRate} ` +
    `(${args.accountant.toUpperCase()} accountant).`;
  return { output: { noiseMultiplier: r.noiseMultiplier }, sentence };
}

/** δ unless --delta says otherwise, as everywhere else in Cohort. */
const DEFAULT_DELTA = 1e-5;

function commonOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--sample-rate <Q>', 'Poisson sampling rate q of nodes per round, in (0, 1]', rangeOption('--sample-rate', 0, 1, true, false))
    .requiredOption('--steps <T>', 'number of rounds T (integer ≥ 1)', intOption('--steps', 1))
    .option('--delta <D>', `target δ, in (0, 1) (default ${DEFAULT_DELTA})`, rangeOption('--delta', 0, 1, true, true), DEFAULT_DELTA)
    .option('--accountant <name>', 'rdp or pld', accountantOption, 'rdp' as AccountantName)
    .option('--json', 'print one JSON object');
}

/** Parsed options of `privacy plan`. */
export interface PlanArgs {
  nodes: number;
  sampleRate: number;
  rounds: number;
  clip: number;
  targetEpsilon: number;
  delta: number;
  model?: string;
  features?: number;
  classes?: number;
  hidden?: number;
  json?: boolean;
}

/** What `privacy plan --json` prints. */
export interface PlanOutput {
  nodes: number;
  sampleRate: number;
  rounds: number;
  clip: number;
  targetEpsilon: number;
  delta: number;
  parameters: number;
  noiseMultiplier: number;
  expectedParticipants: number;
  /** Per round: ε against released models (amplified by q) and against the coordinator and its operators (q = 1). */
  perRound: { round: number; epsilon: number; epsilonUnamplified: number }[];
  noiseStdSum: number;
  noiseStdMean: number;
  noiseToUpdate: number;
  assumption: string;
  verdict: PlanVerdict;
  verdictText: string;
}

/** The assumption behind the noise-to-update ratio, said once for text and JSON. */
export const UPDATE_NORM_ASSUMPTION =
  'every node sends an update of norm C (the clip norm, the most a node can contribute) and all updates point the same way, so the mean update has norm C: the best case. Real updates are shorter and disagree, so the real ratio is larger.';

/** The plan and its verdict. */
export function privacyPlanOutput(args: PlanArgs): PlanOutput {
  const model = parseModelSpec({ kind: args.model, features: args.features, classes: args.classes, hidden: args.hidden });
  const parameters = parameterCount(model);
  const p = privacyPlan({ nodes: args.nodes, sampleRate: args.sampleRate, rounds: args.rounds, clipNorm: args.clip, targetEpsilon: args.targetEpsilon, delta: args.delta, parameters });
  const ratio = num(p.noiseToUpdate);
  const need = (x: number): string => String(Math.ceil(x));
  const verdictText = {
    'too-small': `Verdict: too small for node-level DP. Even in the best case the noise on each round's mean update is ${ratio} times the update itself; on MNIST (README table) ratios above ${TOO_SMALL_RATIO} roughly halved accuracy or worse. At σ = ${p.noiseMultiplier} it takes about ${need(p.participantsForNoisy)} participants per round to bring the ratio to ${TOO_SMALL_RATIO}, and ${need(p.participantsForWorkable)} to bring it below ${WORKABLE_RATIO}.`,
    noisy: `Verdict: noisy. In the best case the noise on each round's mean update is ${ratio} times the update; on MNIST (README table) ratios between ${WORKABLE_RATIO} and ${TOO_SMALL_RATIO} cost several points of accuracy. About ${need(p.participantsForWorkable)} participants per round would bring it below ${WORKABLE_RATIO}.`,
    workable: `Verdict: workable. In the best case the noise on each round's mean update is ${ratio} times the update; on MNIST (README table) ratios below ${WORKABLE_RATIO} cost about a point of accuracy or less.`,
  }[p.verdict];
  return {
    nodes: args.nodes,
    sampleRate: args.sampleRate,
    rounds: args.rounds,
    clip: args.clip,
    targetEpsilon: args.targetEpsilon,
    delta: args.delta,
    parameters,
    noiseMultiplier: p.noiseMultiplier,
    expectedParticipants: p.expectedParticipants,
    perRound: p.epsilonAfter.map((e, i) => ({ round: i + 1, epsilon: e, epsilonUnamplified: p.epsilonUnamplifiedAfter[i] as number })),
    noiseStdSum: p.noiseStdSum,
    noiseStdMean: p.noiseStdMean,
    noiseToUpdate: p.noiseToUpdate,
    assumption: UPDATE_NORM_ASSUMPTION,
    verdict: p.verdict,
    verdictText,
  };
}

/** Rounds shown in the text table: all up to 30, else the first 10, every tenth of the way, and the last. */
function shownRounds(rounds: number): number[] {
  if (rounds <= 30) return Array.from({ length: rounds }, (_, i) => i + 1);
  const step = Math.ceil(rounds / 10);
  const set = new Set<number>([...Array.from({ length: 10 }, (_, i) => i + 1), rounds]);
  for (let r = step; r < rounds; r += step) set.add(r);
  return [...set].sort((a, b) => a - b);
}

/** The plan as text. */
export function planText(o: PlanOutput): string {
  const out: string[] = [];
  out.push(
    ...wrapText(
      `Privacy plan: ${o.nodes} node${o.nodes === 1 ? '' : 's'}, q = ${o.sampleRate} (${num(o.expectedParticipants)} expected per round), ${o.rounds} round${o.rounds === 1 ? '' : 's'}, clip C = ${o.clip}, target ε = ${o.targetEpsilon} at δ = ${formatDelta(o.delta)}, ${o.parameters} model parameters`,
    ),
    '',
    `Noise multiplier σ = ${o.noiseMultiplier} (the smallest reaching ε ≤ ${o.targetEpsilon} after ${o.rounds} rounds, RDP accountant, rounded up to ${NOISE_PRECISION})`,
    `Noise std per coordinate: σ·C = ${num(o.noiseStdSum)} on the sum, σ·C/(q·N) = ${num(o.noiseStdMean)} on the mean update`,
    '',
    'ε after each round:',
  );
  const rows = shownRounds(o.rounds).map((r) => o.perRound[r - 1] as PlanOutput['perRound'][number]);
  const w = Math.max(5, String(o.rounds).length);
  out.push(`  ${'round'.padStart(w)}  ${'released models'.padStart(15)}  ${'coordinator (q = 1)'.padStart(19)}`);
  for (const r of rows) out.push(`  ${String(r.round).padStart(w)}  ${num(r.epsilon).padStart(15)}  ${num(r.epsilonUnamplified).padStart(19)}`);
  if (rows.length < o.rounds) out.push(`  (the other ${o.rounds - rows.length} rounds are in --json)`);
  out.push('', ...wrapText(`Noise relative to the mean update: ${num(o.noiseToUpdate)} (σ·√d/(q·N), d = ${o.parameters}). This assumes ${o.assumption}`), '', ...wrapText(o.verdictText));
  return `${out.join('\n')}\n`;
}

/** Lines of at most 100 columns, broken at spaces. */
function wrapText(text: string, width = 100): string[] {
  const lines: string[] = [];
  let cur = '';
  for (const word of text.split(' ')) {
    if (cur !== '' && cur.length + 1 + word.length > width) {
      lines.push(cur);
      cur = word;
    } else cur = cur === '' ? word : `${cur} ${word}`;
  }
  lines.push(cur);
  return lines;
}

/** Register `cohort privacy epsilon`, `noise` and `plan`. */
export function register(program: Command, io: CliIo): void {
  const privacy = program.command('privacy').description('offline accountant for the Poisson-subsampled Gaussian mechanism, and a plan before training');
  commonOptions(
    privacy
      .command('epsilon')
      .description('ε after T rounds; with --json prints {"epsilon", "delta", "accountant"} (epsilon null when unbounded)')
      .requiredOption('--noise-multiplier <S>', 'noise multiplier σ (> 0)', rangeOption('--noise-multiplier', 0, Infinity, true, true)),
  ).action((args: EpsilonArgs) => {
    const r = privacyEpsilon(args);
    if (args.json) printJson(io, r.output);
    else io.out(`${r.sentence}\n`);
  });
  commonOptions(
    privacy
      .command('noise')
      .description(`smallest noise multiplier reaching a target ε, rounded up to ${NOISE_PRECISION}; with --json prints {"noiseMultiplier"}`)
      .requiredOption('--target-epsilon <E>', 'target ε (> 0)', rangeOption('--target-epsilon', 0, Infinity, true, true)),
  ).action((args: NoiseArgs) => {
    const r = privacyNoise(args);
    if (args.json) printJson(io, r.output);
    else io.out(`${r.sentence}\n`);
  });
  privacy
    .command('plan')
    .description('before training: the σ a target ε needs, ε after each round, and how large the noise is against the mean update, with a verdict')
    .requiredOption('--nodes <N>', 'nodes in the federation', intOption('--nodes', 1))
    .option('--sample-rate <Q>', 'Poisson sampling rate q of nodes per round, in (0, 1]', rangeOption('--sample-rate', 0, 1, true, false), 1)
    .requiredOption('--rounds <T>', 'number of rounds', intOption('--rounds', 1, 100_000))
    .option('--clip <C>', 'L2 clip norm of each update', rangeOption('--clip', 0, 1e6, true, false), 10)
    .requiredOption('--target-epsilon <E>', 'ε allowed after all rounds (> 0)', rangeOption('--target-epsilon', 0, Infinity, true, true))
    .option('--delta <D>', `δ, in (0, 1) (default ${DEFAULT_DELTA})`, rangeOption('--delta', 0, 1, true, true), DEFAULT_DELTA)
    .option('--model <kind>', 'logreg or mlp (default logreg), for the number of parameters')
    .option('--features <n>', 'input features (default 784)', intOption('--features'))
    .option('--classes <n>', 'classes (default 10)', intOption('--classes', 2, 255))
    .option('--hidden <n>', 'hidden units of the mlp (default 64)', intOption('--hidden'))
    .option('--json', 'print one JSON object')
    .action((args: PlanArgs) => {
      const o = privacyPlanOutput(args);
      if (args.json) printJson(io, o);
      else io.out(planText(o));
    });
}
