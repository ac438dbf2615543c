/**
 * What the trainer contract costs. Three federations side by side, each a coordinator (in
 * this process) and 3 node daemons, each daemon in its own process as nodes are deployed,
 * training a d-parameter model (4 tensors) through TrainerWork: with an in-process identity
 * trainer (the built-in models' path, minus their arithmetic), with an identity trainer
 * process in TypeScript (serveTrainer), and with one in Python (the cohort_trainer SDK with
 * numpy). Their rounds run in turn, so all see the same load. Figures: seconds per round
 * (median) and the time a node spends in its local work per round (train + evaluate),
 * whose difference between the paths is the contract (the weights in for evaluation, the
 * trained weights out, framing, checks; the training weights are the evaluation's, kept by
 * the trainer). Target: the contract adds at most 20% to a node's per-round time at d = 1M.
 *
 * Then examples/pytorch-mnist's trainer alone, driven through the contract: the time a train
 * request takes, split into the script's own training (the SDK's cohort.compute_seconds,
 * from the weights loaded to `task.send`) and the contract (everything else).
 */
import { type ChildProcess, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IncomingTask } from '../client/core/agent.js';
import { ProcessTrainer } from '../client/trainer/process.js';
import { TrainerWork } from '../client/trainer/work.js';
import { runCli } from '../cli/main.js';
import { systemClock } from '../shared/clock.js';
import { type Logger, MemoryLogger, silentLogger } from '../shared/logger.js';
import { parseManifest } from '../shared/model/manifest.js';
import { type FederatedModel, tensorModel } from '../shared/model/model.js';
import { readSafetensorsFile } from '../shared/model/safetensors.js';
import type { StartedCoordinator } from '../server/main.js';
import { helperScript, spawnChild, stopChildren, waitForMessage } from './helpers/children.js';
import { preciseClock, startBenchCoordinator, timeRounds } from './helpers/federation.js';
import { BenchPki } from './helpers/pki.js';
import { isWork, type TrainerMode } from './helpers/messages.js';
import { median, type BenchFigure } from './report.js';

const isConnected = (m: unknown): m is { type: 'connected' } => typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'connected';

/** Model sizes; COHORT_BENCH_TRAINER_SIZES="100000" runs a small one. */
const SIZES = (process.env['COHORT_BENCH_TRAINER_SIZES'] ?? '100000,1000000').split(',').map(Number);
/** Rounds of ~0.1 s vary by ±30% with scheduling on 2 cores: medians of many. */
const ROUNDS = Number(process.env['COHORT_BENCH_TRAINER_ROUNDS'] ?? 40);
/** Node daemons per federation (each with its trainer process); COHORT_BENCH_TRAINER_NODES=1 runs one site. */
const NODES = Number(process.env['COHORT_BENCH_TRAINER_NODES'] ?? 3);
const TARGET_RATIO = 1.2;
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const PYTHON = process.env['COHORT_PYTHON'] ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

interface Side {
  readonly label: string;
  readonly coordinator: StartedCoordinator;
  readonly nodes: ChildProcess[];
  readonly seconds: number[];
  /** Local work per node per round, ms. */
  readonly workMs: number[];
  stop(): Promise<void>;
}

function manifestFor(d: number): ReturnType<typeof parseManifest> {
  const q = Math.floor(d / 4);
  return parseManifest(
    [
      { name: 'layer1.weight', shape: [q] },
      { name: 'layer1.bias', shape: [q] },
      { name: 'layer2.weight', shape: [q] },
      { name: 'layer2.bias', shape: [d - 3 * q] },
    ],
    'bench',
  );
}

async function side(label: string, mode: TrainerMode, pki: BenchPki, model: FederatedModel, names: string[]): Promise<Side> {
  const coordinator = await startBenchCoordinator(pki.dir, model, NODES, new Float32Array(model.manifest.numParameters));
  const tensors = JSON.stringify(model.manifest.tensors);
  const nodes = names.map((name) => spawnChild(helperScript('trainer-node-process.js'), [`127.0.0.1:${coordinator.port}`, pki.dir, name, mode, tensors]));
  try {
    await Promise.all(nodes.map((n) => waitForMessage(n, isConnected, 120_000)));
  } catch (err) {
    await stopChildren(nodes);
    await coordinator.close();
    throw err;
  }
  return {
    label,
    coordinator,
    nodes,
    seconds: [],
    workMs: [],
    stop: async () => {
      await stopChildren(nodes);
      await coordinator.close();
    },
  };
}

/** Milliseconds of local work the side's nodes have spent so far, summed. */
async function workMs(s: Side): Promise<number> {
  const answers = s.nodes.map((n) => {
    const a = waitForMessage(n, isWork, 30_000);
    n.send({ type: 'work?' });
    return a;
  });
  return (await Promise.all(answers)).reduce((sum, m) => sum + m.ms, 0);
}

function processTrainer(command: string, name: string, log: Logger = silentLogger): ProcessTrainer {
  const t = new ProcessTrainer({ command, nodeName: name, log, clock: preciseClock, env: { ...process.env, PYTHONPATH: join(REPO, 'sdk', 'python') } });
  t.start();
  return t;
}

async function contractOverhead(d: number, pki: BenchPki, python: boolean): Promise<BenchFigure[]> {
  const manifest = manifestFor(d);
  const model = tensorModel(manifest);
  const names = (p: string): string[] => Array.from({ length: NODES }, (_, i) => `${p}-${i + 1}`);
  const sides: Side[] = [];
  try {
    sides.push(await side('in-process', 'inproc', pki, model, names('inproc')));
    sides.push(await side('TypeScript process', 'ts', pki, model, names('tsproc')));
    if (python) sides.push(await side('Python process', 'py', pki, model, names('pyproc')));
    for (let r = 0; r <= ROUNDS; r++) {
      for (const s of sides) {
        const before = await workMs(s);
        const [timing] = await timeRounds(s.coordinator.coordinator, 1, NODES);
        if (r === 0) continue; // warm-up
        s.seconds.push((timing as { seconds: number }).seconds);
        s.workMs.push(((await workMs(s)) - before) / NODES);
      }
    }
  } finally {
    for (const s of sides) await s.stop();
  }
  const base = sides[0] as Side;
  const baseRound = median(base.seconds);
  const baseWork = median(base.workMs);
  const figures: BenchFigure[] = [];
  for (const s of sides.slice(1)) {
    const round = median(s.seconds);
    const ratio = Math.round((round / baseRound) * 100) / 100;
    figures.push({
      section: 'trainer',
      name: `round with an identity trainer, ${s.label} vs in-process, d = ${d}, ${NODES} nodes`,
      value: Math.round(round * 1000),
      unit: 'ms per round',
      baseline: Math.round(baseRound * 1000),
      baselineName: 'the same rounds through an in-process identity trainer',
      ratio,
      ratioMeaning: 'trainer process round time / in-process round time',
      ...(d >= 1_000_000 ? { target: `≤ ${TARGET_RATIO}× at d = 1M`, met: ratio <= TARGET_RATIO } : {}),
    });
    figures.push({
      section: 'trainer',
      name: `a node's local work per round (train + evaluate), ${s.label}, d = ${d}`,
      value: Math.round(median(s.workMs) * 10) / 10,
      unit: 'ms',
      baseline: Math.round(baseWork * 10) / 10,
      baselineName: 'in-process identity trainer',
    });
  }
  return figures;
}

/** examples/pytorch-mnist's trainer alone: one train request's time, split into training and the contract. */
async function pytorchSplit(dir: string): Promise<BenchFigure[]> {
  const io = { out: () => undefined, err: () => undefined, isTty: false, clock: systemClock, shutdown: new AbortController().signal };
  await runCli(['data', 'export', 'mnist:1/3', '--out', join(dir, 'site')], io);
  const script = join(REPO, 'examples', 'pytorch-mnist', 'train.py');
  const env = { ...process.env, PYTHONPATH: join(REPO, 'sdk', 'python'), COHORT_INIT_MODEL: join(dir, 'init.safetensors') };
  const init = spawnSync(PYTHON, [script, '--data', join(dir, 'site')], { env, encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`writing the initial model failed: ${init.stderr}`);
  const file = readSafetensorsFile(join(dir, 'init.safetensors'));
  const model = tensorModel(file.manifest);
  const log = new MemoryLogger();
  const trainer = processTrainer(`${PYTHON} "${script}" --data "${join(dir, 'site')}"`, 'bench', log);
  const work = new TrainerWork(trainer, log);
  const totals: number[] = [];
  const compute: number[] = [];
  try {
    for (let r = 0; r <= 3; r++) {
      const task: IncomingTask = {
        round: r + 1,
        kind: 'train',
        model,
        train: { epochs: 1, batchSize: 32, learningRate: 0.05 },
        numParameters: model.manifest.numParameters,
        modelVersion: { round: 0, sha256: Buffer.alloc(32) }, updateEncoding: 'f32',
        deadlineMs: Date.now() + 600_000,
        seed: r,
      };
      const t0 = performance.now();
      await work.train(task, file.weights);
      const ms = performance.now() - t0;
      const line = log.lines.filter((l) => l.msg === 'trainer metrics').pop();
      const seconds = (line?.fields['metrics'] as Record<string, number> | undefined)?.['cohort.compute_seconds'];
      if (seconds === undefined) throw new Error('the trainer reported no cohort.compute_seconds');
      if (r === 0) continue; // the first request also waits for the trainer to start
      totals.push(ms);
      compute.push(seconds * 1000);
    }
  } finally {
    await work.close();
  }
  const total = median(totals);
  const training = median(compute);
  return [
    {
      section: 'trainer',
      name: `examples/pytorch-mnist train request (1 epoch, 2666 digits, ${model.manifest.numParameters} parameters): the script's own training`,
      value: Math.round(training),
      unit: 'ms',
      baseline: Math.round(total),
      baselineName: 'the whole request through the contract',
      ratio: Math.round(((total - training) / total) * 1000) / 10,
      ratioMeaning: '% of the request spent in the contract (weights in and out, loading them into the model, checks)',
    },
  ];
}

/** The trainer section of `npm run bench`. */
export async function benchTrainer(): Promise<BenchFigure[]> {
  const python = spawnSync(PYTHON, ['-c', 'import numpy, google.protobuf'], { stdio: 'ignore' }).status === 0;
  const torch = python && spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
  const pki = new BenchPki();
  const dir = mkdtempSync(join(tmpdir(), 'cohort-bench-trainer-'));
  try {
    pki.nodes(['inproc', 'tsproc', 'pyproc'].flatMap((p) => Array.from({ length: NODES }, (_, i) => `${p}-${i + 1}`)));
    const figures: BenchFigure[] = [];
    for (const d of SIZES) figures.push(...(await contractOverhead(d, pki, python)));
    if (torch) figures.push(...(await pytorchSplit(dir)));
    else process.stderr.write(`trainer: ${PYTHON} lacks ${python ? 'torch' : 'numpy/protobuf'}; skipping the Python figures\n`);
    return figures;
  } finally {
    pki.remove();
    rmSync(dir, { recursive: true, force: true });
  }
}
