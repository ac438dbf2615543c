/**
 * What update compression costs in accuracy and saves in bytes: the same federation (an
 * in-process coordinator and 10 in-process node daemons, each training on its own MNIST
 * shard over the real bulk channel) runs 10 rounds uncompressed, with --compress int8 and
 * with --compress fp16, from the same initial weights and the same shuffle seeds, so the
 * runs differ only by the quantisation. Accuracy is the federated evaluation of round 10
 * (each node's held-out split, example-weighted); bytes are the bulk channel's payload bytes
 * per round (models down, updates up), rounds 2–10 (round 1 sends every node the whole model).
 */
import { loadLocalData } from '../client/data/index.js';
import { BuiltinTrainer } from '../client/trainer/builtin.js';
import { TrainerWork } from '../client/trainer/work.js';
import { NodeDaemon } from '../client/grpc/daemon.js';
import { systemClock } from '../shared/clock.js';
import { silentLogger } from '../shared/logger.js';
import { builtinModel } from '../shared/model/model.js';
import { parseModelSpec } from '../shared/model/spec.js';
import { SeededRandom } from '../shared/random.js';
import { DEFAULT_ROUND_SETTINGS } from '../server/core/coordinator.js';
import type { Compression, RoundEvent } from '../server/core/types.js';
import { startCoordinator } from '../server/main.js';
import { UPLOAD_SLOTS } from './helpers/federation.js';
import { BenchPki, nodeNames } from './helpers/pki.js';
import type { BenchFigure } from './report.js';

const NODES = 10;
const ROUNDS = 10;
/** Accuracy loss int8 may cost after ROUNDS rounds (the target). */
const ACCURACY_TARGET = 0.005;
const BYTES_TARGET = 0.3;
const MODELS = ['logreg', 'mlp'] as const;

interface Run {
  readonly accuracy: number;
  /** Bulk payload bytes per round after the first. */
  readonly bytesPerRound: number;
}

async function federation(pki: BenchPki, kind: (typeof MODELS)[number], compress: Compression): Promise<Run> {
  const model = builtinModel(parseModelSpec({ kind }));
  const names = nodeNames(NODES);
  const started = await startCoordinator(
    {
      host: '127.0.0.1',
      port: 0,
      bulkPort: 0,
      certsDir: pki.dir,
      model,
      seed: 1,
      defaults: { ...DEFAULT_ROUND_SETTINGS, minNodes: NODES, trainTimeoutMs: 300_000, evalTimeoutMs: 300_000, waitForNodesMs: 120_000 },
      uploadSlots: UPLOAD_SLOTS,
      revocationPollMs: 60_000,
    },
    { log: silentLogger, clock: systemClock },
  );
  const stop = new AbortController();
  const runs: Promise<void>[] = [];
  try {
    const daemons = await Promise.all(
      names.map(async (name, i) => {
        const work = new TrainerWork(new BuiltinTrainer(await loadLocalData({ kind: 'mnist', shard: i + 1, of: NODES })), silentLogger);
        return new NodeDaemon({ address: `127.0.0.1:${started.port}`, tls: pki.tls(name), work, log: silentLogger, clock: systemClock, rng: new SeededRandom(100 + i) });
      }),
    );
    runs.push(...daemons.map((d) => d.run(stop.signal).catch(() => undefined)));
    await Promise.all(daemons.map((d) => d.when('connected')));
    const events: RoundEvent[] = [];
    let afterFirst = 0;
    for await (const e of started.coordinator.launch({ rounds: ROUNDS, settings: { compress } }).events) {
      if (e.state === 'running') continue;
      if (e.state !== 'completed') throw new Error(`round ${e.round} ${e.state}: ${e.reason ?? ''}`);
      events.push(e);
      if (events.length === 1) afterFirst = started.bulk.bytesDown + started.bulk.bytesUp;
    }
    const last = events[events.length - 1];
    if (last?.accuracy === undefined) throw new Error('the last round has no federated accuracy');
    return { accuracy: last.accuracy, bytesPerRound: (started.bulk.bytesDown + started.bulk.bytesUp - afterFirst) / (ROUNDS - 1) };
  } finally {
    stop.abort();
    await Promise.all(runs);
    await started.close();
  }
}

/** Accuracy after 10 MNIST rounds and bytes per round, compressed against uncompressed. */
export async function benchCompress(): Promise<BenchFigure[]> {
  const pki = new BenchPki();
  const figures: BenchFigure[] = [];
  try {
    pki.nodes(nodeNames(NODES));
    for (const kind of MODELS) {
      const plain = await federation(pki, kind, 'none');
      for (const compress of ['int8', 'fp16'] as const) {
        const r = await federation(pki, kind, compress);
        const drop = Math.round((plain.accuracy - r.accuracy) * 10_000) / 10_000;
        const bytes = Math.round((r.bytesPerRound / plain.bytesPerRound) * 1000) / 1000;
        figures.push(
          {
            section: 'compress',
            name: `${kind}: federated accuracy after ${ROUNDS} MNIST rounds, ${NODES} nodes, --compress ${compress}`,
            value: Math.round(r.accuracy * 10_000) / 10_000,
            unit: 'accuracy',
            baseline: Math.round(plain.accuracy * 10_000) / 10_000,
            baselineName: 'the same federation uncompressed (same initial weights and shuffle seeds)',
            ratio: drop,
            ratioMeaning: 'accuracy lost (uncompressed − compressed)',
            ...(compress === 'int8' ? { target: `lost ≤ ${ACCURACY_TARGET}`, met: drop <= ACCURACY_TARGET } : {}),
          },
          {
            section: 'compress',
            name: `${kind}: bulk-channel payload bytes per round (rounds 2–${ROUNDS}: models down + updates up), --compress ${compress}`,
            value: Math.round(r.bytesPerRound),
            unit: 'bytes/round',
            baseline: Math.round(plain.bytesPerRound),
            baselineName: 'uncompressed',
            ratio: bytes,
            ratioMeaning: 'compressed / uncompressed',
            ...(compress === 'int8' ? { target: `≤ ${BYTES_TARGET}`, met: bytes <= BYTES_TARGET } : {}),
          },
        );
      }
    }
  } finally {
    pki.remove();
  }
  return figures;
}
