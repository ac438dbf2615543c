/**
 * Child entry of the trainer-contract benchmark: one node daemon in its own process, as
 * nodes are deployed, training through TrainerWork with an identity trainer that is
 * in-process (`inproc`: the built-in path's shape without its arithmetic), a TypeScript
 * process (`ts`, serveTrainer) or a Python process (`py`, the cohort_trainer SDK).
 * Usage: node trainer-node-process.js ADDRESS CERTS_DIR NAME inproc|ts|py TENSORS_JSON.
 * Sends {type: 'connected'}; answers {type: 'work?'} with the milliseconds spent in local
 * work so far; exits on SIGTERM, SIGINT, or when the IPC channel closes.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IncomingTask, LocalEvaluation, LocalUpdate, LocalWork } from '../../client/core/agent.js';
import { ANY_MODEL_KINDS, NodeDaemon } from '../../client/grpc/daemon.js';
import { ProcessTrainer } from '../../client/trainer/process.js';
import type { Trainer } from '../../client/trainer/trainer.js';
import { TrainerWork } from '../../client/trainer/work.js';
import { systemClock } from '../../shared/clock.js';
import { silentLogger } from '../../shared/logger.js';
import type { TensorSpec } from '../../shared/model/manifest.js';
import type { FederatedModel } from '../../shared/model/model.js';
import { loadTlsMaterial } from '../../shared/pki/ca-dir.js';
import { secureRandom } from '../../shared/random.js';
import { TRAINER_MODES, type TrainerMode, type WorkMessage } from './messages.js';
import { quietIpWarnings } from './warnings.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
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
  train(task: IncomingTask, global: Float32Array): Promise<LocalUpdate> {
    return this.timed(() => this.inner.train(task, global));
  }
  evaluate(task: IncomingTask, global: Float32Array): Promise<LocalEvaluation> {
    return this.timed(() => this.inner.evaluate(task, global));
  }
  private async timed<T>(work: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await work();
    } finally {
      this.ms += performance.now() - t0;
    }
  }
}

function trainerFor(mode: TrainerMode, tensorsJson: string, name: string): Trainer {
  if (mode === 'inproc') return new IdentityTrainer(JSON.parse(tensorsJson) as TensorSpec[]);
  const command =
    mode === 'ts'
      ? `"${process.execPath}" "${join(HERE, 'identity-trainer.js')}" '${tensorsJson}'`
      : `${PYTHON} "${join(REPO, 'bench', 'helpers', 'identity_trainer.py')}" '${tensorsJson}'`;
  const t = new ProcessTrainer({ command, nodeName: name, log: silentLogger, clock: systemClock, env: { ...process.env, PYTHONPATH: join(REPO, 'sdk', 'python') } });
  t.start();
  return t;
}

async function main(): Promise<void> {
  const [address, certsDir, name, mode, tensorsJson] = process.argv.slice(2);
  if (!address || !certsDir || !name || !TRAINER_MODES.includes(mode as TrainerMode) || !tensorsJson) {
    process.stderr.write('usage: trainer-node-process.js ADDRESS CERTS_DIR NAME inproc|ts|py TENSORS_JSON\n');
    process.exit(2);
  }
  const work = new TimedWork(new TrainerWork(trainerFor(mode as TrainerMode, tensorsJson, name), silentLogger));
  const daemon = new NodeDaemon({ address, tls: loadTlsMaterial(certsDir, name), work, log: silentLogger, clock: systemClock, rng: secureRandom, modelKinds: ANY_MODEL_KINDS });
  const stop = new AbortController();
  const quit = (): void => stop.abort();
  process.on('SIGTERM', quit);
  process.on('SIGINT', quit);
  process.on('disconnect', quit);
  process.on('message', (m: unknown) => {
    if (typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'work?') process.send?.({ type: 'work', ms: work.ms } satisfies WorkMessage);
  });
  daemon.when('connected').then(() => process.send?.({ type: 'connected', name }), () => undefined);
  await daemon.run(stop.signal);
  await work.inner.close();
  process.exit(0);
}

quietIpWarnings();
main().catch((err: unknown) => {
  process.stderr.write(`trainer-node-process: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
