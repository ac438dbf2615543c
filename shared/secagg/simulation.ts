/**
 * An in-process run of one SecAgg+ round — every node and the coordinator in this
 * process, messages passed by reference — for property tests, benchmarks and
 * socket-free demos. Dropouts are scripted per node by the stage whose message the node
 * never sends.
 */
import { CohortError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { RandomSource } from '../random.js';
import { SecAggClient } from './client.js';
import type { ClientMessage, SecAggConfig } from './messages.js';
import { SecAggServer, type ServerStep } from './server.js';
import type { SecAggSigner, SecAggVerifier } from './signing.js';

/** Inputs and behaviour of a simulated round. */
export interface SimulationOptions {
  readonly config: SecAggConfig;
  /** Each node's encoded input (called once, when the node masks). */
  readonly input: (nodeId: string) => Uint32Array;
  /** Stage (1–5) whose message the node never sends; it is gone from then on. */
  readonly dropAt?: ReadonlyMap<string, number>;
  readonly signer: (nodeId: string) => SecAggSigner;
  readonly verifier: SecAggVerifier;
  /** Each node's randomness. */
  readonly rng: (nodeId: string) => RandomSource;
  readonly logger: Logger;
}

/** Milliseconds spent per stage (index 1–5): wall clock, and process CPU time (which other load on the machine does not inflate). */
export interface StageTimes {
  /** Per node and stage: the node's own computation for that stage. */
  readonly client: Map<string, number[]>;
  readonly clientCpu: Map<string, number[]>;
  /** Per stage: the server's receiving of that stage's messages plus closing it. */
  readonly server: number[];
  readonly serverCpu: number[];
}

/** The outcome and the time each side spent. */
export interface SimulationResult {
  readonly outcome: Extract<ServerStep, { kind: 'completed' | 'aborted' }>;
  readonly times: StageTimes;
  /** The server's accumulator size in bytes at the end of stage 3. */
  readonly accumulatorBytes: number;
}

function now(): number {
  return performance.now();
}

function cpuNow(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Run `fn`, adding its wall and CPU milliseconds to `wall[stage]` and `cpu[stage]`. */
function measure<T>(wall: number[], cpu: number[], stage: number, fn: () => T): T {
  const t0 = now();
  const c0 = cpuNow();
  const r = fn();
  cpu[stage] = (cpu[stage] as number) + cpuNow() - c0;
  wall[stage] = (wall[stage] as number) + now() - t0;
  return r;
}

/** Run a whole round; throws if an honest node refuses a message (a protocol bug). */
export function simulateRound(opts: SimulationOptions): SimulationResult {
  const { config } = opts;
  const server = new SecAggServer(config, { verifier: opts.verifier, logger: opts.logger });
  const clients = new Map(
    config.participants.map((id) => [id, new SecAggClient(id, config, { signer: opts.signer(id), verifier: opts.verifier, rng: opts.rng(id), logger: opts.logger })]),
  );
  const zeros = (): number[] => [0, 0, 0, 0, 0, 0];
  const times: StageTimes = {
    client: new Map(config.participants.map((id) => [id, zeros()])),
    clientCpu: new Map(config.participants.map((id) => [id, zeros()])),
    server: zeros(),
    serverCpu: zeros(),
  };
  const alive = (id: string, stage: number): boolean => (opts.dropAt?.get(id) ?? Infinity) > stage;
  const timed = <T>(id: string, stage: number, fn: () => T): T => measure(times.client.get(id) as number[], times.clientCpu.get(id) as number[], stage, fn);
  const deliver = (from: string, stage: number, msg: unknown): void => {
    const r = measure(times.server, times.serverCpu, stage, () => server.receive(from, msg));
    if (!r.ok) throw new CohortError('internal', `server refused ${from}'s stage-${stage} message: ${r.error.message}`);
  };
  const close = (stage: number): ServerStep => {
    const r = measure(times.server, times.serverCpu, stage, () => server.closeStage());
    if (!r.ok) throw r.error;
    return r.value;
  };

  for (const [id, c] of clients) {
    if (!alive(id, 1)) continue;
    const adv = timed(id, 1, () => c.advertise());
    if (!adv.ok) throw adv.error;
    deliver(id, 1, adv.value);
  }
  let accumulatorBytes = 0;
  let step = close(1);
  while (step.kind === 'send') {
    const stage = step.stage;
    for (const { to, message } of step.messages) {
      if (!alive(to, stage)) continue;
      const c = clients.get(to) as SecAggClient;
      const replies = timed(to, stage, (): ClientMessage[] => {
        const r = c.handle(message);
        if (!r.ok) throw new CohortError('internal', `${to} refused the stage-${stage} message: ${r.error.message}`);
        if (r.value.type !== 'masking_report') return [r.value];
        // share_delivery is answered by the masking report, then the masked input.
        const masked = c.maskInput(opts.input(to));
        if (!masked.ok) throw new CohortError('internal', `${to} could not mask its input: ${masked.error.message}`);
        return [r.value, masked.value];
      });
      for (const reply of replies) deliver(to, stage, reply);
    }
    if (stage === 3) accumulatorBytes = server.accumulatorBytes;
    step = close(stage);
  }
  return { outcome: step, times, accumulatorBytes };
}
