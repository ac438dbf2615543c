/**
 * Hostile nodes (issue 12), measured:
 *
 * 1. Round time with four stalling and four header-abusing nodes among six honest ones,
 *    against the six alone, interleaved round by round (one process, real TLS, d = 100k,
 *    in-process daemons; the hostile nodes are written against the contract (generated
 *    stubs, bulk framing by hand) and attack every round: a staller sends its UPDATE header
 *    and nothing more, an abuser an UPDATE whose payload holds a NaN or whose header claims
 *    0 examples). Without a target a round with stallers cannot end before the progress
 *    timeout P tells a stalled upload from a slow one, so it is run with a short P and with
 *    the default; with --target-updates 6 (over-selection) it ends when the honest six are in.
 * 2. Coordinator RSS over 30 rounds at d = 1M with one node that asks for each task's
 *    model and never reads it (and joins again at once each time it is dropped), against the same
 *    federation without it: coordinator alone in its process, honest nodes as processes,
 *    RSS read after a full GC before and after the 30 rounds.
 */
import { builtinModel } from '../shared/model/model.js';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { silentLogger } from '../shared/logger.js';
import type { NodeCapabilities } from '../shared/wire/generated/cohort/v1/NodeCapabilities.js';
import { DEFAULT_PROGRESS_TIMEOUT_MS, DEFAULT_ROUND_SETTINGS } from '../server/core/coordinator.js';
import { type StartedCoordinator, startCoordinator } from '../server/main.js';
import { ScriptedNode, updateFrame, updateHeaderOnly } from '../test/helpers/scripted-node.js';
import { helperScript, spawnChild, stopChildren, waitForMessage } from './helpers/children.js';
import { modelWithParameters, preciseClock, startInProcessNodes } from './helpers/federation.js';
import type { HostileResult } from './helpers/hostile-coordinator-process.js';
import { isListening } from './helpers/messages.js';
import { BenchPki, nodeNames } from './helpers/pki.js';
import { median, type BenchFigure } from './report.js';

const HONEST = 6;
const ROUND_PARAMETERS = 100_000;
const ROUNDS = 5;
const SHORT_PROGRESS_MS = 1_000;
/** Rounds with the default progress timeout take ≥ 10 s each: fewer of them. */
const DEFAULT_PROGRESS_ROUNDS = 2;

const RSS_PARAMETERS = 1_000_000;
const RSS_NODES = 4;
const RSS_WARMUP = 2;
const RSS_ROUNDS = 30;
/** Every round waits P for the stuck node: 2 s keeps the 30 rounds near a minute. */
const RSS_PROGRESS_MS = 2_000;
const MIB = 1024 * 1024;

const PLAIN_ONLY: NodeCapabilities = { modelKinds: [], secureAggregation: false, privacy: false };

type Attack = 'stall' | 'nan' | 'no-examples';

/** The UPDATE a hostile node sends for a train task. */
function attackFrame(attack: Attack, round: number, d: number): Buffer {
  if (attack === 'stall') return updateHeaderOnly(round, d);
  if (attack === 'no-examples') return updateFrame(round, new Float32Array(d), { numExamples: 0 });
  const values = new Float32Array(d);
  values[d - 1] = Number.NaN;
  return updateFrame(round, values);
}

/**
 * A hostile node that answers every train task with `attack` and declines every evaluation.
 * A refused upload ends its session, so it joins again at once, as a determined attacker
 * would; `stop` ends the loop. Resolves once it has joined the first time.
 */
async function attackEveryRound(pki: BenchPki, port: number, name: string, attack: Attack): Promise<{ stop(): void }> {
  let stopped = false;
  let current: ScriptedNode | undefined;
  const session = async (node: ScriptedNode): Promise<void> => {
    let open = true;
    const ended = node.ended.finally(() => (open = false));
    void (async () => {
      while (open) {
        const { task } = await node.nextTask('TASK_KIND_TRAIN', false);
        if (open) void node.upload(attackFrame(attack, task.round, task.numParameters)).catch(() => undefined);
      }
    })();
    void (async () => {
      while (open) {
        const { task } = await node.nextTask('TASK_KIND_EVALUATE', false);
        if (open) void node.decline(task.round, 'TASK_KIND_EVALUATE');
      }
    })();
    await ended;
    node.close();
  };
  current = await ScriptedNode.connect(pki.dir, port, name, { capabilities: PLAIN_ONLY });
  void (async () => {
    while (!stopped) {
      await session(current as ScriptedNode);
      if (stopped) break;
      current = await ScriptedNode.connect(pki.dir, port, name, { capabilities: PLAIN_ONLY }).catch(() => undefined);
      if (!current) break;
    }
  })();
  return {
    stop: () => {
      stopped = true;
      current?.close();
    },
  };
}

interface Federation {
  readonly coordinator: StartedCoordinator;
  close(): Promise<void>;
}

async function federation(pki: BenchPki, names: readonly string[], hostile: readonly string[], progressTimeoutMs: number): Promise<Federation> {
  const coordinator = await startCoordinator(
    {
      host: '127.0.0.1',
      port: 0,
      bulkPort: 0,
      certsDir: pki.dir,
      model: builtinModel(modelWithParameters(ROUND_PARAMETERS)),
      seed: 1,
      defaults: { ...DEFAULT_ROUND_SETTINGS, minNodes: HONEST, trainTimeoutMs: 120_000, evalTimeoutMs: 120_000, waitForNodesMs: 120_000 },
      uploadSlots: 4,
      revocationPollMs: 60_000,
      progressTimeoutMs,
    },
    { log: silentLogger, clock: preciseClock },
  );
  const honest = await startInProcessNodes(pki, coordinator.port, names);
  const scripted = await Promise.all(hostile.map((n, i) => attackEveryRound(pki, coordinator.port, n, i < 4 ? 'stall' : i % 2 === 0 ? 'nan' : 'no-examples')));
  return {
    coordinator,
    close: async () => {
      for (const s of scripted) s.stop();
      await honest.stop();
      await coordinator.close();
    },
  };
}

/** One round; throws unless exactly the honest nodes took part. */
async function oneRound(f: Federation, targetUpdates: number | undefined): Promise<number> {
  for await (const e of f.coordinator.coordinator.launch({ rounds: 1, settings: targetUpdates ? { targetUpdates } : {} }).events) {
    if (e.state === 'running') continue;
    if (e.state !== 'completed' || e.participants !== HONEST) throw new Error(`round ${e.round} ${e.state} with ${e.participants} participants: ${e.reason ?? ''}`);
    return e.seconds;
  }
  throw new Error('no round event');
}

/** Seconds per round of the honest six alone and among the eight hostile nodes, rounds interleaved. */
async function roundTimes(pki: BenchPki, progressTimeoutMs: number, rounds: number, targetUpdates: number | undefined): Promise<{ alone: number[]; attacked: number[] }> {
  const honest = nodeNames(HONEST);
  const hostile = [...Array.from({ length: 4 }, (_, i) => `stall-${i + 1}`), ...Array.from({ length: 4 }, (_, i) => `abuse-${i + 1}`)];
  pki.nodes([...honest, ...honest.map((n) => `${n}-b`), ...hostile]);
  const alone = await federation(pki, honest, [], progressTimeoutMs);
  let attacked: Federation | undefined;
  try {
    attacked = await federation(pki, honest.map((n) => `${n}-b`), hostile, progressTimeoutMs);
    await oneRound(alone, targetUpdates);
    await oneRound(attacked, targetUpdates);
    const times = { alone: [] as number[], attacked: [] as number[] };
    for (let i = 0; i < rounds; i++) {
      times.alone.push(await oneRound(alone, targetUpdates));
      times.attacked.push(await oneRound(attacked, targetUpdates));
    }
    return times;
  } finally {
    await attacked?.close();
    await alone.close();
  }
}

function isMessage<T>(type: string): (m: unknown) => m is T {
  return (m: unknown): m is T => typeof m === 'object' && m !== null && (m as { type?: unknown }).type === type;
}

/** Coordinator RSS before and after RSS_ROUNDS rounds at d = 1M, with or without a node that stops reading. */
async function rssRun(pki: BenchPki, stuck: boolean): Promise<HostileResult & { drops: number }> {
  const names = nodeNames(RSS_NODES);
  pki.nodes([...names, 'stuck']);
  const children: ChildProcess[] = [];
  try {
    const coordinator = spawnChild(
      helperScript('hostile-coordinator-process.js'),
      [pki.dir, String(RSS_PARAMETERS), String(RSS_NODES), String(RSS_WARMUP), String(RSS_ROUNDS), String(RSS_PROGRESS_MS)],
      ['--expose-gc'],
    );
    children.push(coordinator);
    const { port } = await waitForMessage(coordinator, isListening, 60_000);
    const ready = waitForMessage(coordinator, isMessage('ready'), 180_000);
    children.push(...names.map((name) => spawnChild(helperScript('node-process.js'), [`127.0.0.1:${port}`, pki.dir, name])));
    await ready;
    let drops = 0;
    if (stuck) {
      const child = spawnChild(helperScript('stuck-node-process.js'), [String(port), pki.dir, 'stuck']);
      children.push(child);
      child.on('message', (m: unknown) => {
        if (isMessage('dropped')(m)) drops += 1;
      });
      await waitForMessage(child, isMessage('connected'), 60_000);
    }
    const result = waitForMessage(coordinator, isMessage<HostileResult>('hostile-result'), 900_000);
    coordinator.send({ type: 'go' });
    const r = await result;
    return { ...r, drops };
  } finally {
    await stopChildren(children);
    await Promise.all(children.filter((c) => c.exitCode === null && c.signalCode === null).map((c) => once(c, 'exit')));
  }
}

const r3 = (x: number): number => Math.round(x * 1000) / 1000;
const mib = (b: number): number => Math.round((b / MIB) * 10) / 10;

/** The round-time and memory figures of hostile nodes. */
export async function benchHostile(): Promise<BenchFigure[]> {
  const pki = new BenchPki();
  const figures: BenchFigure[] = [];
  try {
    for (const [progress, rounds, target] of [
      [SHORT_PROGRESS_MS, ROUNDS, undefined],
      [DEFAULT_PROGRESS_TIMEOUT_MS, DEFAULT_PROGRESS_ROUNDS, undefined],
      [DEFAULT_PROGRESS_TIMEOUT_MS, ROUNDS, HONEST],
    ] as const) {
      const t = await roundTimes(pki, progress, rounds, target);
      const alone = median(t.alone);
      const attacked = median(t.attacked);
      const name = `round with 4 stalling + 4 header-abusing nodes among ${HONEST} honest ones (all ${HONEST} honest take part), d = 100k, progress timeout ${progress / 1000} s`;
      figures.push(
        target === undefined
          ? {
              section: 'hostile',
              name: `${name}, every selected node awaited; median of ${rounds}, interleaved`,
              value: r3(attacked),
              unit: 's/round',
              baseline: r3(alone),
              baselineName: `the ${HONEST} honest nodes alone`,
              ratio: r3(attacked - alone - progress / 1000),
              ratioMeaning: 'seconds beyond one progress timeout that the hostile nodes added',
            }
          : {
              section: 'hostile',
              name: `${name}, --target-updates ${target} (over-selection); median of ${rounds}, interleaved`,
              value: r3(attacked),
              unit: 's/round',
              baseline: r3(alone),
              baselineName: `the ${HONEST} honest nodes alone, same settings`,
              ratio: r3(attacked / alone),
              ratioMeaning: 'round time with the hostile nodes / without them',
              target: 'about the time without them (≤ 1.5×)',
              met: attacked / alone <= 1.5,
            },
      );
    }
    const clean = await rssRun(pki, false);
    const withStuck = await rssRun(pki, true);
    // Least-squares slope of the RSS readings (one every 5 rounds), times the rounds: single readings move ±20–30 MiB.
    const growth = (r: HostileResult): number => {
      const ys = r.rssSamplesBytes;
      const xs = ys.map((_, i) => (i * RSS_ROUNDS) / (ys.length - 1));
      const mx = xs.reduce((a, x) => a + x, 0) / xs.length;
      const my = ys.reduce((a, y) => a + y, 0) / ys.length;
      const slope = xs.reduce((a, x, i) => a + (x - mx) * ((ys[i] as number) - my), 0) / xs.reduce((a, x) => a + (x - mx) ** 2, 0);
      return slope * RSS_ROUNDS;
    };
    const readings = (r: HostileResult): string => r.rssSamplesBytes.map((b) => Math.round(b / MIB)).join(', ');
    const live = (r: HostileResult): number => r.liveAfterBytes - r.liveBeforeBytes;
    figures.push({
      section: 'hostile',
      name: `coordinator RSS growth over ${RSS_ROUNDS} rounds at d = 1M (trend of RSS after GC every 5 rounds: ${readings(withStuck)} MiB; peak ${mib(withStuck.peakRssBytes)} MiB), ${RSS_NODES} node processes plus one that asks for each model and never reads it, rejoining each time it is dropped (dropped ${withStuck.drops} times; ${withStuck.queuedBytesAfter} bytes queued at the end; progress timeout ${RSS_PROGRESS_MS / 1000} s). Single RSS readings move by ±20–30 MiB with flat live memory (allocator pages), hence the trend and the next figure`,
      value: mib(growth(withStuck)),
      unit: 'MiB',
      baseline: mib(growth(clean)),
      baselineName: `the same ${RSS_NODES} nodes without it (${readings(clean)} MiB; peak ${mib(clean.peakRssBytes)} MiB)`,
      ratio: mib(growth(withStuck) - growth(clean)),
      ratioMeaning: 'MiB of RSS growth the stuck node added',
      target: 'no more growth than without it (within 5 MiB over the 30 rounds)',
      met: growth(withStuck) - growth(clean) <= 5 * MIB,
    });
    figures.push({
      section: 'hostile',
      name: `coordinator live memory growth (V8 heap in use + Buffers and typed arrays, after GC) over the same ${RSS_ROUNDS} rounds with the stuck node (${mib(withStuck.liveBeforeBytes)} → ${mib(withStuck.liveAfterBytes)} MiB)`,
      value: mib(live(withStuck)),
      unit: 'MiB',
      baseline: mib(live(clean)),
      baselineName: `without it (${mib(clean.liveBeforeBytes)} → ${mib(clean.liveAfterBytes)} MiB)`,
      ratio: mib(live(withStuck) - live(clean)),
      ratioMeaning: 'MiB of live growth the stuck node added',
      target: 'no more growth than without it (within 1 MiB)',
      met: live(withStuck) - live(clean) <= MIB,
    });
    figures.push({
      section: 'hostile',
      name: `seconds per round over those ${RSS_ROUNDS} rounds with the stuck node (median; every round waits one progress timeout for it)`,
      value: r3(median(withStuck.seconds)),
      unit: 's/round',
      baseline: r3(median(clean.seconds)),
      baselineName: 'without it',
    });
    return figures;
  } finally {
    pki.remove();
  }
}
