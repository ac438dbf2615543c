/** IPC messages between the bench process and its children (coordinator, node daemons, raw clients). */
import type { StartedCoordinator } from '../../server/main.js';
import type { RoundTiming } from './federation.js';

/** The coordinator child is serving on `port`. */
export interface ListeningMessage {
  readonly type: 'listening';
  readonly port: number;
}

/** The coordinator child finished its warm-up rounds and waits for `{type: 'go'}`. */
export interface WarmedMessage {
  readonly type: 'warmed';
}

/** What the coordinator child measured. */
export interface CoordinatorProcessResult {
  readonly type: 'result';
  readonly rounds: RoundTiming[];
  /** CPU time (user + system) the coordinator process spent during the measured rounds. */
  readonly cpuMicros: number;
  /** RSS with every node connected, before the first round. */
  readonly idleRssBytes: number;
  /** Highest RSS sampled (every 10 ms) during the measured rounds. */
  readonly roundsPeakRssBytes: number;
  /** The kernel's peak RSS of the process (Linux VmHWM: start-up and warm-up included), else the sampled peak. */
  readonly maxRssBytes: number;
  /** `process.memoryUsage().arrayBuffers` at the sampled RSS peak: Buffer and typed-array memory, live or awaiting GC. */
  readonly arrayBuffersAtPeakBytes: number;
  /** V8 heap size (`heapTotal`) at the sampled RSS peak. */
  readonly heapTotalAtPeakBytes: number;
}

/** A child's CPU time so far, sent in answer to `{type: 'cpu?'}`. */
export interface CpuMessage {
  readonly type: 'cpu';
  readonly micros: number;
}

function hasType(m: unknown, type: string): boolean {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === type;
}

/** Type guard for ListeningMessage. */
export function isListening(m: unknown): m is ListeningMessage {
  return hasType(m, 'listening');
}

/** Type guard for WarmedMessage. */
export function isWarmed(m: unknown): m is WarmedMessage {
  return hasType(m, 'warmed');
}

/** Type guard for CpuMessage. */
export function isCpu(m: unknown): m is CpuMessage {
  return hasType(m, 'cpu');
}

/** In a child: answer `{type: 'cpu?'}` with this process's CPU time. */
export function answerCpuQueries(): void {
  process.on('message', (m: unknown) => {
    if (hasType(m, 'cpu?')) {
      const u = process.cpuUsage();
      process.send?.({ type: 'cpu', micros: u.user + u.system } satisfies CpuMessage);
    }
  });
}

/**
 * In a coordinator child: close and exit on SIGTERM, SIGINT or when the parent goes away,
 * send {type: 'listening', port}, and return once `nodes` nodes are connected.
 */
export async function serveParentUntilConnected(started: StartedCoordinator, nodes: number): Promise<void> {
  const quit = (): void => {
    started.close().finally(() => process.exit(0));
  };
  process.on('SIGTERM', quit);
  process.on('SIGINT', quit);
  process.on('disconnect', quit);
  process.send?.({ type: 'listening', port: started.port } satisfies ListeningMessage);
  if (!(await started.coordinator.registry.waitForConnected(nodes, 180_000))) throw new Error(`only ${started.coordinator.registry.connected().length} of ${nodes} nodes connected`);
}

/** Commands the parent sends the coordinator child after 'warmed'. */
export type Command = 'go' | 'round' | 'finish';

/** `{type: 'round', compress: 'int8'}` runs that round with update compression. */
export type RoundCompression = 'int8' | 'fp16' | undefined;

/** In a child: run `handle` for each command from the parent, one at a time, in order. */
export function onCommand(handle: (command: Command, compress: RoundCompression) => Promise<void>, fail: (err: unknown) => void): void {
  let queue = Promise.resolve();
  process.on('message', (m: unknown) => {
    for (const command of ['go', 'round', 'finish'] as const) {
      if (!hasType(m, command)) continue;
      const c = (m as { compress?: unknown }).compress;
      const compress = c === 'int8' || c === 'fp16' ? c : undefined;
      queue = queue.then(() => handle(command, compress)).catch(fail);
    }
  });
}

/** One measured round of the coordinator child, answered to `{type: 'round'}`. */
export interface RoundDoneMessage {
  readonly type: 'round-done';
  readonly timing: RoundTiming;
  /** CPU time (user + system) the coordinator process spent in this round. */
  readonly cpuMicros: number;
  /** Payload bytes the bulk channel moved in this round: models down, updates up. */
  readonly bulkBytesDown: number;
  readonly bulkBytesUp: number;
}

/** Type guard for RoundDoneMessage. */
export function isRoundDone(m: unknown): m is RoundDoneMessage {
  return hasType(m, 'round-done');
}

/** Type guard for CoordinatorProcessResult. */
export function isResult(m: unknown): m is CoordinatorProcessResult {
  return hasType(m, 'result');
}

/** The identity trainers the trainer benchmark's node children use (trainer-node-process.ts). */
export const TRAINER_MODES = ['inproc', 'ts', 'py'] as const;
export type TrainerMode = (typeof TRAINER_MODES)[number];

/** A trainer-benchmark node's local work so far, sent in answer to `{type: 'work?'}`. */
export interface WorkMessage {
  readonly type: 'work';
  readonly ms: number;
}

/** Type guard for WorkMessage. */
export function isWork(m: unknown): m is WorkMessage {
  return hasType(m, 'work');
}
