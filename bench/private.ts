/**
 * Private training on MNIST with 100 nodes (one process, real mutual TLS): federated
 * accuracy and ε after 10 and 30 rounds for σ ∈ {0.5, 1.0}, next to the same federation
 * trained without differential privacy, all measured in the same run.
 */
import { setMaxListeners } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BuiltinTrainer } from '../client/trainer/builtin.js';
import { TrainerWork } from '../client/trainer/work.js';
import { loadLocalData } from '../client/data/index.js';
import { NodeDaemon } from '../client/grpc/daemon.js';
import { systemClock } from '../shared/clock.js';
import { silentLogger } from '../shared/logger.js';
import { builtinModel } from '../shared/model/model.js';
import { parseModelSpec } from '../shared/model/spec.js';
import { loadTlsMaterial } from '../shared/pki/ca-dir.js';
import { BenchPki } from './helpers/pki.js';
import { SeededRandom } from '../shared/random.js';
import { DEFAULT_ROUND_SETTINGS } from '../server/core/coordinator.js';
import type { RoundEvent } from '../server/core/types.js';
import { startCoordinator } from '../server/main.js';
import type { BenchFigure } from './report.js';

const NODES = 100;
const ROUNDS = 30;
const CHECKPOINTS = [10, 30];
/** Poisson rate: about 20 of the 100 nodes per round. */
const SAMPLE_RATE = 0.2;
const CLIP = 1;
const DELTA = 1e-5;

async function runFederation(certs: string, noiseMultiplier: number): Promise<RoundEvent[]> {
  const coordinator = await startCoordinator(
    {
      host: '127.0.0.1',
      port: 0,
      bulkPort: 0,
      certsDir: certs,
      model: builtinModel(parseModelSpec({ kind: 'logreg' })),
      seed: 1,
      defaults: { ...DEFAULT_ROUND_SETTINGS, minNodes: 5, sampleRate: SAMPLE_RATE, clipNorm: CLIP, noiseMultiplier, waitForNodesMs: 120_000 },
      uploadSlots: 4,
      revocationPollMs: 60_000,
      privacy: { epsilon: undefined, delta: DELTA },
    },
    { log: silentLogger, clock: systemClock },
  );
  const stop = new AbortController();
  setMaxListeners(NODES + 10, stop.signal);
  const daemons: Promise<void>[] = [];
  const connected: Promise<void>[] = [];
  try {
    for (let i = 1; i <= NODES; i++) {
      const name = `n${i}`;
      const daemon = new NodeDaemon({
        address: `127.0.0.1:${coordinator.port}`,
        tls: loadTlsMaterial(certs, name),
        work: new TrainerWork(new BuiltinTrainer(await loadLocalData({ kind: 'mnist', shard: i, of: NODES })), silentLogger),
        log: silentLogger,
        clock: systemClock,
        rng: new SeededRandom(i),
      });
      daemons.push(daemon.run(stop.signal));
      connected.push(daemon.when('connected'));
    }
    // Every node takes part in the sampling from the first round on.
    await Promise.all(connected);
    const events: RoundEvent[] = [];
    for await (const e of coordinator.coordinator.launch({ rounds: ROUNDS, settings: { waitForNodesMs: 120_000 } }).events) {
      if (e.state !== 'running') events.push(e);
    }
    return events;
  } finally {
    stop.abort();
    await Promise.allSettled(daemons);
    await coordinator.close();
  }
}

/** Accuracy (and ε) after `round` rounds: the last completed round at or before it. */
function at(events: RoundEvent[], round: number): RoundEvent | undefined {
  return [...events.slice(0, round)].reverse().find((e) => e.state === 'completed' && e.accuracy !== undefined);
}

/** The private-training table. */
export async function benchPrivateTraining(): Promise<BenchFigure[]> {
  const pki = new BenchPki();
  const certs = pki.dir;
  try {
    pki.nodes(Array.from({ length: NODES }, (_, i) => `n${i + 1}`));
    const plain = await runFederation(certs, 0);
    const figures: BenchFigure[] = [];
    for (const sigma of [0.5, 1.0]) {
      const priv = await runFederation(certs, sigma);
      for (const r of CHECKPOINTS) {
        const p = at(priv, r);
        const base = at(plain, r);
        const name = `MNIST logreg, ${NODES} nodes, q = ${SAMPLE_RATE}, C = ${CLIP}, σ = ${sigma}, after ${r} rounds (ε = ${p?.epsilon?.toFixed(3) ?? '?'} at δ = ${DELTA})`;
        figures.push({
          section: 'private-training',
          name,
          value: p?.accuracy ?? Number.NaN,
          unit: 'accuracy',
          ...(base?.accuracy !== undefined ? { baseline: base.accuracy, baselineName: 'same federation without DP', ratio: Number(((p?.accuracy ?? 0) / base.accuracy).toFixed(3)), ratioMeaning: 'private accuracy / non-private accuracy' } : {}),
        });
        figures.push({ section: 'private-training', name: `ε after ${r} rounds, σ = ${sigma}, q = ${SAMPLE_RATE}, δ = ${DELTA} (RDP)`, value: p?.epsilon ?? Number.NaN, unit: 'ε' });
      }
    }
    return figures;
  } finally {
    pki.remove();
  }
}
