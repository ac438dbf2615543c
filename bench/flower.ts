/**
 * Our whole round against Flower 1.12's, measured in this run with the shared harness
 * (../shared/baselines/flower): F3, i.e. TLS and federated evaluation, 50 client or node
 * processes, d = 1M, 16 rounds each, compared on the warmed rounds 12–16 (Flower's rounds
 * get cheaper over the first ~11, so both sides are compared warmed). The sides take turns,
 * Flower first, COHORT_BENCH_FLOWER_REPS times (default 1), each run once the machine is
 * idle (the harness's quiet.py, as its run_comparison.sh does); medians are pooled.
 *
 * Needs FLOWER_SCRATCH: the directory the harness's setup.sh filled (Flower's source, its
 * Python dependencies, TLS certificates). Without it the section fails and says so.
 * Flower's figures come from its harness (run_flower.py: server and client CPU from /proc,
 * all threads); ours from the same coordinator and node daemon processes as the `round`
 * section (process CPU, all threads), without its raw-TLS clients beside them.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stopChildren, waitForMessage } from './helpers/children.js';
import { isWarmed } from './helpers/messages.js';
import { BenchPki, nodeNames } from './helpers/pki.js';
import { median, type BenchFigure } from './report.js';
import { finishFederation, oursRound, type OursRound, PARAMETERS, spawnFederation } from './round.js';

const NODES = 50;
const ROUNDS = 16;
/** The warmed rounds compared: 12..16. */
const FIRST_COMPARED = 12;
const REPS = Number(process.env['COHORT_BENCH_FLOWER_REPS'] ?? '1');
const HARNESS = process.env['COHORT_BENCH_FLOWER_HARNESS'] ?? fileURLToPath(new URL('../../../shared/baselines/flower', import.meta.url));
const RSS_TARGET_MIB = 250;

/** One Flower round as the harness's fl_server.py records it. */
interface FlowerRound {
  readonly round: number;
  readonly round_s: number;
  readonly train_s: number;
  readonly eval_s: number;
  readonly server_cpu_s: number;
  readonly clients_cpu_s: number;
  readonly server_vmhwm_kib: number;
}

/** Run one of the harness's Python scripts to its end; throws `failure` unless it exits 0. */
async function python(args: readonly string[], failure: string, env?: NodeJS.ProcessEnv): Promise<void> {
  const child = spawn(process.env['PY'] ?? '/usr/bin/python3', [...args], { cwd: join(HARNESS, 'harness'), env: env ?? process.env, stdio: ['ignore', 'ignore', 'inherit'] });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`${failure} (exit code ${code})`);
}

/** Wait, as the harness does before each run, until the machine is idle (< 0.2 cores busy over 5 s; at most 15 min). */
function quiet(): Promise<void> {
  return python(['quiet.py', '--idle-cores', '0.2', '--window', '5', '--max-wait', '900'], "the machine did not become idle within 15 minutes (the harness's quiet.py)");
}

/** Run Flower F3 once through the harness; its rounds FIRST_COMPARED.. and its server's peak RSS. */
async function flowerRun(scratch: string, out: string): Promise<FlowerRound[]> {
  const env = {
    ...process.env,
    PYTHONPATH: `${scratch}/flower/src/py:${scratch}/deps`,
    FLWR_TELEMETRY_ENABLED: '0',
    PYTHONDONTWRITEBYTECODE: '1',
  };
  const args = ['run_flower.py', '--n', String(NODES), '--d', String(PARAMETERS), '--rounds', String(ROUNDS), '--out', out, '--certs', join(scratch, 'certs'), '--fraction-evaluate', '1.0'];
  await python(args, 'the Flower harness (run_flower.py) failed', env);
  const server = JSON.parse(readFileSync(join(out, 'server.json'), 'utf8')) as { rounds: FlowerRound[] };
  return server.rounds.filter((r) => r.round >= FIRST_COMPARED);
}

/** Our rounds 1..ROUNDS (1 is the coordinator's warm-up); the rounds FIRST_COMPARED.. and the peak RSS. */
async function oursRun(pki: BenchPki): Promise<{ rounds: OursRound[]; peakRssBytes: number }> {
  const children: ChildProcess[] = [];
  try {
    const { coordinator, nodes } = await spawnFederation(pki, nodeNames(NODES), 1, ROUNDS - 1, children);
    await waitForMessage(coordinator, isWarmed, 300_000);
    const rounds: OursRound[] = [];
    for (let r = 2; r <= ROUNDS; r++) {
      const measured = await oursRound(coordinator, nodes, false);
      if (r >= FIRST_COMPARED) rounds.push(measured);
    }
    const m = await finishFederation(coordinator);
    return { rounds, peakRssBytes: Math.max(m.maxRssBytes, m.roundsPeakRssBytes) };
  } finally {
    await stopChildren(children);
  }
}

const r3 = (x: number): number => Math.round(x * 1000) / 1000;
const r2 = (x: number): number => Math.round(x * 100) / 100;

export async function benchFlower(): Promise<BenchFigure[]> {
  const scratch = process.env['FLOWER_SCRATCH'];
  if (!scratch || !existsSync(join(scratch, 'certs'))) {
    throw new Error(`Flower is not set up: run ${HARNESS}/setup.sh DIR once, then set FLOWER_SCRATCH=DIR (the section runs Flower 1.12 F3 beside our rounds)`);
  }
  const pki = new BenchPki();
  const out = mkdtempSync(join(tmpdir(), 'cohort-bench-flower-'));
  const flower: FlowerRound[] = [];
  const ours: OursRound[] = [];
  let flowerPeakKib = 0;
  let oursPeakBytes = 0;
  try {
    pki.nodes(nodeNames(NODES));
    for (let rep = 0; rep < REPS; rep++) {
      await quiet();
      const f = await flowerRun(scratch, join(out, `flower-${rep}`));
      flower.push(...f);
      flowerPeakKib = Math.max(flowerPeakKib, ...f.map((r) => r.server_vmhwm_kib));
      await quiet();
      const o = await oursRun(pki);
      ours.push(...o.rounds);
      oursPeakBytes = Math.max(oursPeakBytes, o.peakRssBytes);
    }
  } finally {
    pki.remove();
    rmSync(out, { recursive: true, force: true });
  }
  const fl = (f: (r: FlowerRound) => number): number => median(flower.map(f));
  const us = (f: (r: OursRound) => number): number => median(ours.map(f));
  const name = `Flower 1.12 F3 measured in this run (shared harness; rounds ${FIRST_COMPARED}–${ROUNDS} of ${REPS} run(s), medians)`;
  const round = us((r) => r.timing.seconds);
  const flowerRound = fl((r) => r.round_s);
  const coordinator = us((r) => r.coordinatorCpuSeconds);
  const server = fl((r) => r.server_cpu_s);
  const node = us((r) => r.nodesCpuSeconds) / NODES;
  const client = fl((r) => r.clients_cpu_s) / NODES;
  const peakMib = oursPeakBytes / 2 ** 20;
  const where = `${NODES} processes, d=${PARAMETERS}, TLS, federated evaluation, rounds ${FIRST_COMPARED}–${ROUNDS}`;
  const against = (what: string, value: number, base: number, unit: string, ratioMeaning: string, target: string, met: boolean): BenchFigure => ({
    section: 'flower',
    name: `${what}, ${where}`,
    value,
    unit,
    baseline: base,
    baselineName: name,
    ratio: r2(value / base),
    ratioMeaning,
    target,
    met,
  });
  return [
    against(
      `whole round vs Flower (ours: train ${r3(us((r) => r.timing.trainSeconds))} + evaluate ${r3(us((r) => r.timing.evalSeconds))} s; Flower: fit ${r3(fl((r) => r.train_s))} + evaluate ${r3(fl((r) => r.eval_s))} s)`,
      r3(round),
      r3(flowerRound),
      's/round',
      'our time / Flower time',
      '≤ 0.6',
      round / flowerRound <= 0.6,
    ),
    against("coordinator CPU vs Flower's server CPU per round", r3(coordinator), r3(server), 'CPU s/round', 'our CPU / Flower CPU', '≤ 0.6', coordinator / server <= 0.6),
    against("node CPU vs Flower's client CPU per round", r3(node), r3(client), 'CPU s/node/round', 'our CPU / Flower CPU', '≤ 1', node <= client),
    against("coordinator peak RSS vs Flower's server peak RSS", Math.round(peakMib), Math.round(flowerPeakKib / 1024), 'MiB', 'ours / Flower', `≤ ${RSS_TARGET_MIB} MiB`, peakMib <= RSS_TARGET_MIB),
  ];
}
