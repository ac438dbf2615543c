/** `cohort privacy epsilon` and `cohort privacy noise`: the offline accountant and its inverse. */
import type { Command } from 'commander';
import { type AccountantName, NOISE_PRECISION, epsilonPld, epsilonRdp, noiseForEpsilon } from '../../shared/dp/index.js';
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

function commonOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--sample-rate <Q>', 'Poisson sampling rate q of nodes per round, in (0, 1]', rangeOption('--sample-rate', 0, 1, true, false))
    .requiredOption('--steps <T>', 'number of rounds T (integer ≥ 1)', intOption('--steps', 1))
    .requiredOption('--delta <D>', 'target δ, in (0, 1)', rangeOption('--delta', 0, 1, true, true))
    .option('--accountant <name>', 'rdp or pld', accountantOption, 'rdp' as AccountantName)
    .option('--json', 'print one JSON object');
}

/** Register `cohort privacy epsilon` and `cohort privacy noise`. */
export function register(program: Command, io: CliIo): void {
  const privacy = program.command('privacy').description('offline accountant for the Poisson-subsampled Gaussian mechanism');
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
}
