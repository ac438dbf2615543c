/** Cohort's own stack for benchmarks: a coordinator on 127.0.0.1:0, in-process daemons, timed rounds. */
import { PerturbWork } from '../../client/core/work.js';
import { NodeDaemon } from '../../client/grpc/daemon.js';
import { type Clock, systemClock } from '../../shared/clock.js';
import { silentLogger } from '../../shared/logger.js';
import { builtinModel, type FederatedModel } from '../../shared/model/model.js';
import { parameterCount, parseModelSpec, type ModelSpec } from '../../shared/model/spec.js';
import { secureRandom } from '../../shared/random.js';
import type { RoundEvent, RoundSettings } from '../../server/core/types.js';
import { type Coordinator, DEFAULT_ROUND_SETTINGS, type LaunchSettings } from '../../server/core/coordinator.js';
import { type StartedCoordinator, startCoordinator } from '../../server/main.js';
import type { BenchPki } from './pki.js';

/** Updates buffered at once: the CLI's default (`--upload-slots`). */
export const UPLOAD_SLOTS = 4;

/** The system clock with sub-millisecond resolution, so stage times of short rounds are exact. */
export const preciseClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  schedule: (ms, fn) => systemClock.schedule(ms, fn),
};

/**
 * A logistic regression with exactly `parameters` parameters: 10 classes and
 * `parameters / 10 − 1` features (d = 1,000,000 is 99,999 features × 10 classes + 10 biases).
 */
export function modelWithParameters(parameters: number): ModelSpec {
  const spec = parseModelSpec({ kind: 'logreg', features: parameters / 10 - 1, classes: 10 });
  if (parameterCount(spec) !== parameters) throw new RangeError(`no 10-class logreg has exactly ${parameters} parameters`);
  return spec;
}

/** Start a coordinator for `model` that waits for `nodes` nodes before each round. */
export function startBenchCoordinator(certsDir: string, model: ModelSpec | FederatedModel, nodes: number, initialWeights?: Float32Array): Promise<StartedCoordinator> {
  const defaults: RoundSettings = {
    ...DEFAULT_ROUND_SETTINGS,
    minNodes: nodes,
    trainTimeoutMs: 120_000,
    evalTimeoutMs: 120_000,
    waitForNodesMs: 120_000,
  };
  return startCoordinator(
    { host: '127.0.0.1', port: 0, bulkPort: 0, certsDir, model: 'manifest' in model ? model : builtinModel(model), ...(initialWeights ? { initialWeights } : {}), seed: 1, defaults, uploadSlots: UPLOAD_SLOTS, revocationPollMs: 60_000 },
    { log: silentLogger, clock: preciseClock },
  );
}

/** In-process daemons with PerturbWork, connected to `port`. */
export async function startInProcessNodes(pki: BenchPki, port: number, names: readonly string[]): Promise<{ stop(): Promise<void> }> {
  const controller = new AbortController();
  const daemons = names.map(
    (name) =>
      new NodeDaemon({ address: `127.0.0.1:${port}`, tls: pki.tls(name), work: new PerturbWork(), log: silentLogger, clock: systemClock, rng: secureRandom }),
  );
  const runs = daemons.map((d) => d.run(controller.signal).catch(() => undefined));
  await Promise.all(daemons.map((d) => d.when('connected')));
  return {
    stop: async () => {
      controller.abort();
      await Promise.all(runs);
    },
  };
}

/** How long one round and its stages took, from the coordinator's own round events. */
export interface RoundTiming {
  readonly round: number;
  /** The whole round: wait, select, train, commit, evaluate. */
  readonly seconds: number;
  /** Train stage: train tasks, local work, uploads, FedAvg, apply (the `train` to `commit` events). */
  readonly trainSeconds: number;
  /** Evaluate stage: evaluation tasks, the new model to each node, reports (the `evaluate` event to the end). */
  readonly evalSeconds: number;
}

/** Run `rounds` rounds on `coordinator` with every one of `nodes` nodes taking part; throws on any other outcome. */
export async function timeRounds(coordinator: Coordinator, rounds: number, nodes: number, settings: LaunchSettings = {}): Promise<RoundTiming[]> {
  const handle = coordinator.launch({ rounds, settings: { minNodes: nodes, ...settings } });
  const stageStart = new Map<string, number>();
  const timings: RoundTiming[] = [];
  for await (const e of handle.events) {
    if (e.state === 'running') {
      if (e.stage) stageStart.set(`${e.round}:${e.stage}`, e.seconds);
      continue;
    }
    check(e, nodes);
    const at = (stage: string): number => {
      const s = stageStart.get(`${e.round}:${stage}`);
      if (s === undefined) throw new Error(`round ${e.round} reported no ${stage} stage`);
      return s;
    };
    // Stages run train → commit → evaluate (the model is committed before it is evaluated).
    timings.push({ round: e.round, seconds: e.seconds, trainSeconds: at('commit') - at('train'), evalSeconds: e.seconds - at('evaluate') });
  }
  return timings;
}

function check(e: RoundEvent, nodes: number): void {
  if (e.state !== 'completed') throw new Error(`round ${e.round} ${e.state}: ${e.reason ?? ''}`);
  if (e.participants !== nodes || e.evaluated !== nodes) {
    throw new Error(`round ${e.round}: ${e.participants} participants and ${e.evaluated} evaluations, expected ${nodes} of each`);
  }
}
