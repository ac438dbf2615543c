/**
 * What the trainer contract costs. Three federations side by side, each a coordinator and 3
 * in-process node daemons training a d-parameter model (4 tensors) through TrainerWork:
 * with an in-process identity trainer (the built-in models' path, minus their arithmetic),
 * with an identity trainer process in TypeScript (serveTrainer), and with one in Python
 * (the cohort_trainer SDK with numpy). Their rounds run in turn, so all see the same load.
 * Figures: seconds per round (median) and the time a node spends in its local work per round
 * (train + evaluate), whose difference between the paths is the contract (two weight
 * transfers each way, framing, checks). Target: the contract adds at most 20% to a node's
 * per-round time at d = 1M.
 *
 * Then examples/pytorch-mnist's trainer alone, driven through the contract: the time a train
 * request takes, split into the script's own training (the SDK's cohort.compute_seconds,
 * from the weights loaded to `task.send`) and the contract (everything else).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IncomingTask, LocalEvaluation, LocalUpdate, LocalWork } from '../client/core/agent.js';
import { ANY_MODEL_KINDS, NodeDaemon } from '../client/grpc/daemon.js';
import { ProcessTrainer } from '../client/trainer/process.js';
import type { Trainer } from '../client/trainer/trainer.js';
import { TrainerWork } from '../client/trainer/work.js';
import { runCli } from '../cli/main.js';
import { systemClock } from '../shared/clock.js';
import { type Logger, MemoryLogger, silentLogger } from '../shared/logger.js';
import { parseManifest, type TensorSpec } from '../shared/model/manifest.js';
import { type FederatedModel, tensorModel } from '../shared/model/model.js';
import { readSafetensorsFile } from '../shared/model/safetensors.js';
import { secureRandom } from '../shared/random.js';
import type { StartedCoordinator } from '../server/main.js';
import { preciseClock, startBenchCoordinator, timeRounds } from './helpers/federation.js';
import { BenchPki } from './helpers/pki.js';
import { median, type BenchFigure } from './report.js';

/** Model sizes; COHORT_BENCH_TRAINER_SIZES="100000" runs a small one. */
const SIZES = (process.env['COHORT_BENCH_TRAINER_SIZES'] ?? '100000,1000000').split(',').map(Number);
const ROUNDS = Number(process.env['COHORT_BENCH_TRAINER_ROUNDS'] ?? 5);
const NODES = 3;
const TARGET_RATIO = 1.2;
const HERE = fileURLToPath(new URL('.', import.meta.url));
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const PYTHON = process.env['COHORT_PYTHON'] ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

/** The in-process identity: the built-in path's shape without its arithmetic. */
class IdentityTrainer implements Trainer {
  constructor(private readonly tensors: readonly TensorSpec[]) {}
  describe() {
    return Promise.resolve({ trainer: 'identity (in-process)', tensors: this.tensors, trainExamples: 1, evalExamples: 1 });
  }
  train(_r: unknown, weights: Float32Array) {
    return Promise.resolve({ kind: 'weights' as const, tensors: this.tensors, values: weights, numExamples: 1, loss: 0 });
  }
  evaluate() {
    return Promise.resolve({ numExamples: 1, accuracy: 0, loss: 0 });
  }
  close() {
    return Promise.resolve();
  }
}

/** LocalWork that adds up the time spent in it. */
class TimedWork implements LocalWork {
  ms = 0;
  constructor(readonly inner: TrainerWork) {}
  incompatibility(model: FederatedModel) {
    return this.inner.incompatibility(model);
  }
  async train(task: IncomingTask, global: Float32Array): Promise<LocalUpdate> {
    const t0 = performance.now();
    try {
      return await this.inner.train(task, global);
    } finally {
      this.ms += performance.now() - t0;
    }
  }
  async evaluate(task: IncomingTask, global: Float32Array): Promise<LocalEvaluation> {
    const t0 = performance.now();
    try {
      return await this.inner.evaluate(task, global);
    } finally {
      this.ms += performance.now() - t0;
    }
  }
}

interface Side {
  readonly label: string;
  readonly coordinator: StartedCoordinator;
  readonly works: TimedWork[];
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

async function side(label: string, pki: BenchPki, model: FederatedModel, names: string[], trainer: (name: string) => Trainer): Promise<Side> {
  const coordinator = await startBenchCoordinator(pki.dir, model, NODES, new Float32Array(model.manifest.numParameters));
  const controller = new AbortController();
  const works = names.map((n) => new TimedWork(new TrainerWork(trainer(n), silentLogger)));
  const daemons = names.map(
    (name, i) =>
      new NodeDaemon({ address: `127.0.0.1:${coordinator.port}`, tls: pki.tls(name), work: works[i] as TimedWork, log: silentLogger, clock: systemClock, rng: secureRandom, modelKinds: ANY_MODEL_KINDS }),
  );
  const runs = daemons.map((d) => d.run(controller.signal).catch(() => undefined));
  await Promise.all(daemons.map((d) => d.when('connected')));
  return {
    label,
    coordinator,
    works,
    seconds: [],
    workMs: [],
    stop: async () => {
      controller.abort();
      await Promise.all(runs);
      await Promise.all(works.map((w) => w.inner.close()));
      await coordinator.close();
    },
  };
}

function processTrainer(command: string, name: string, log: Logger = silentLogger): ProcessTrainer {
  const t = new ProcessTrainer({ command, nodeName: name, log, clock: preciseClock, env: { ...process.env, PYTHONPATH: join(REPO, 'sdk', 'python') } });
  t.start();
  return t;
}

async function contractOverhead(d: number, pki: BenchPki, python: boolean): Promise<BenchFigure[]> {
  const manifest = manifestFor(d);
  const model = tensorModel(manifest);
  const tensors = JSON.stringify(manifest.tensors);
  const names = (p: string): string[] => Array.from({ length: NODES }, (_, i) => `${p}-${i + 1}`);
  const sides: Side[] = [];
  try {
    sides.push(await side('in-process', pki, model, names('inproc'), () => new IdentityTrainer(manifest.tensors)));
    sides.push(await side('TypeScript process', pki, model, names('tsproc'), (n) => processTrainer(`"${process.execPath}" "${join(HERE, 'helpers', 'identity-trainer.js')}" '${tensors}'`, n)));
    if (python) sides.push(await side('Python process', pki, model, names('pyproc'), (n) => processTrainer(`${PYTHON} "${join(REPO, 'bench', 'helpers', 'identity_trainer.py')}" '${tensors}'`, n)));
    for (let r = 0; r <= ROUNDS; r++) {
      for (const s of sides) {
        const before = s.works.reduce((a, w) => a + w.ms, 0);
        const [timing] = await timeRounds(s.coordinator.coordinator, 1, NODES);
        if (r === 0) continue; // warm-up
        s.seconds.push((timing as { seconds: number }).seconds);
        s.workMs.push((s.works.reduce((a, w) => a + w.ms, 0) - before) / NODES);
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
