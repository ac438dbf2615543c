/**
 * Framework-only rounds: node daemons as separate processes (PerturbWork: no training),
 * a coordinator in its own process so that its memory and CPU are measured alone, and
 * d = 1,000,000 (logreg, 99,999 features × 10 classes + 10 biases). For 10, 25 and 50
 * nodes: seconds per round (median of the steady rounds after warm-up), the CPU time the
 * coordinator and the nodes spent per round, and the coordinator's peak RSS.
 *
 * Baseline (at 50 nodes): raw grpc-js moving the same bytes to and from as many client
 * processes (helpers/raw-grpc.ts): per round d·4 bytes down to each client and d·4 back
 * (our train stage), then d·4 down again answered by an empty message (our evaluation
 * broadcast, whose reports are a few bytes). Both run side by side, one round of each in
 * turn, so that both see the same load on the machine.
 *
 * All processes share this machine's cores, so with many nodes the wall time is bounded
 * by the nodes' CPU as much as by the coordinator's; the CPU figures separate the two.
 */
import type { ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { CHUNK_BYTES } from '../shared/wire/proto.js';
import { childrenCpuSeconds, helperScript, spawnChild, stopChildren, waitForMessage } from './helpers/children.js';
import type { RoundTiming } from './helpers/federation.js';
import { type CoordinatorProcessResult, isListening, isResult, isRoundDone, isWarmed } from './helpers/messages.js';
import { BenchPki, nodeNames } from './helpers/pki.js';
import { type RawServer, startRawServer } from './helpers/raw-grpc.js';
import { median, type BenchFigure } from './report.js';

const PARAMETERS = 1_000_000;
/** Node counts to run; COHORT_BENCH_ROUND_NODES="50" runs one (the last is the headline). */
const NODE_COUNTS = (process.env['COHORT_BENCH_ROUND_NODES'] ?? '10,25,50').split(',').map(Number);
const WARMUP_ROUNDS = 1;
const ROUNDS = 5;
const ROUND_TARGET_SECONDS = 0.5;
const RSS_TARGET_MIB = 250;
/** Memory "does not grow with nodes" when each extra node costs under 1 MiB (a model copy is 3.8 MiB). */
const RSS_GROWTH_TARGET_MIB_PER_NODE = 1;
const MIB = 1024 * 1024;

/** Node counts whose rounds are interleaved with the raw baseline's (the others are ours only, to keep the run short). */
const BASELINE_COUNTS = new Set([Math.max(...NODE_COUNTS)]);

/** Extra node.js flags for the coordinator child, e.g. `--cpu-prof` (from COHORT_BENCH_COORDINATOR_FLAGS). */
const COORDINATOR_FLAGS = (process.env['COHORT_BENCH_COORDINATOR_FLAGS'] ?? '').split(' ').filter(Boolean);

/** One of our measured rounds with the CPU both sides spent on it. */
interface OursRound {
  readonly timing: RoundTiming;
  readonly coordinatorCpuSeconds: number;
  readonly nodesCpuSeconds: number;
}

/** One raw baseline round: train phase and whole round seconds, and the CPU both sides spent. */
interface RawRound {
  readonly train: number;
  readonly round: number;
  readonly serverCpuSeconds: number;
  readonly clientsCpuSeconds: number;
}

interface Measured {
  readonly nodes: number;
  readonly ours: OursRound[];
  readonly raw: RawRound[];
  readonly memory: CoordinatorProcessResult;
}

/** The raw baseline, running next to our stack with as many client processes as we have nodes. */
interface RawSide {
  readonly server: RawServer;
  readonly clients: ChildProcess[];
}

async function rawRound(raw: RawSide): Promise<RawRound> {
  const bytes = PARAMETERS * 4;
  const clients0 = await childrenCpuSeconds(raw.clients);
  const server0 = process.cpuUsage();
  const up = await raw.server.phase(bytes, bytes);
  // Evaluation reports are a few bytes: the raw client answers with an empty message.
  const evalMs = await raw.server.phase(bytes, 0);
  const server = process.cpuUsage(server0);
  const clients1 = await childrenCpuSeconds(raw.clients);
  return { train: up / 1000, round: (up + evalMs) / 1000, serverCpuSeconds: (server.user + server.system) / 1e6, clientsCpuSeconds: clients1 - clients0 };
}

async function oursRound(coordinator: ChildProcess, nodes: readonly ChildProcess[]): Promise<OursRound> {
  const nodes0 = await childrenCpuSeconds(nodes);
  const done = waitForMessage(coordinator, isRoundDone, 300_000);
  coordinator.send({ type: 'round' });
  const d = await done;
  const nodes1 = await childrenCpuSeconds(nodes);
  return { timing: d.timing, coordinatorCpuSeconds: d.cpuMicros / 1e6, nodesCpuSeconds: nodes1 - nodes0 };
}

/**
 * Our rounds with `names.length` node processes and, with `baseline`, the raw transfer
 * with as many client processes, one round of each in turn so both see the same load.
 */
async function measure(pki: BenchPki, names: readonly string[], baseline: boolean): Promise<Measured> {
  const children: ChildProcess[] = [];
  let server: RawServer | undefined;
  try {
    const coordinator = spawnChild(helperScript('coordinator-process.js'), [pki.dir, String(PARAMETERS), String(names.length), String(WARMUP_ROUNDS), String(ROUNDS)], COORDINATOR_FLAGS);
    children.push(coordinator);
    const { port } = await waitForMessage(coordinator, isListening, 60_000);
    const nodes = names.map((name) => spawnChild(helperScript('node-process.js'), [`127.0.0.1:${port}`, pki.dir, name]));
    children.push(...nodes);
    let raw: RawSide | undefined;
    if (baseline) {
      server = await startRawServer(pki.tls('coordinator'), CHUNK_BYTES);
      const clients = names.map((name) => spawnChild(helperScript('raw-client-process.js'), [`127.0.0.1:${(server as RawServer).port}`, pki.dir, name, String(CHUNK_BYTES)]));
      children.push(...clients);
      raw = { server, clients };
    }
    await waitForMessage(coordinator, isWarmed, 300_000);
    if (raw) {
      await raw.server.waitForClients(names.length, 120_000);
      for (let i = 0; i < WARMUP_ROUNDS; i++) await rawRound(raw);
    }
    const ours: OursRound[] = [];
    const rawRounds: RawRound[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      ours.push(await oursRound(coordinator, nodes));
      if (raw) rawRounds.push(await rawRound(raw));
    }
    const memory = waitForMessage(coordinator, isResult, 60_000);
    coordinator.send({ type: 'finish' });
    return { nodes: names.length, ours, raw: rawRounds, memory: await memory };
  } finally {
    await stopChildren(children);
    await server?.close();
  }
}

/** Figure 3: framework-only rounds with 10, 25 and 50 node processes at d = 1M. */
export async function benchRound(): Promise<BenchFigure[]> {
  const pki = new BenchPki();
  const figures: BenchFigure[] = [];
  const all: Measured[] = [];
  try {
    pki.nodes(nodeNames(Math.max(...NODE_COUNTS)));
    for (const n of NODE_COUNTS) {
      const m = await measure(pki, nodeNames(n), BASELINE_COUNTS.has(n));
      all.push(m);
      figures.push(...roundFigures(m));
    }
  } finally {
    pki.remove();
  }
  if (all.length > 1) figures.push(growthFigure(all));
  return figures;
}

const r2 = (x: number): number => Math.round(x * 100) / 100;
const r3 = (x: number): number => Math.round(x * 1000) / 1000;

function roundFigures(m: Measured): BenchFigure[] {
  const n = m.nodes;
  const whole = median(m.ours.map((r) => r.timing.seconds));
  const train = median(m.ours.map((r) => r.timing.trainSeconds));
  const evaluation = median(m.ours.map((r) => r.timing.evalSeconds));
  const coordinatorCpu = median(m.ours.map((r) => r.coordinatorCpuSeconds));
  const nodeCpu = median(m.ours.map((r) => r.nodesCpuSeconds)) / n;
  const peakMib = Math.max(m.memory.maxRssBytes, m.memory.roundsPeakRssBytes) / MIB;
  const headline = n === Math.max(...NODE_COUNTS);
  const raw = m.raw.length > 0;
  const vs = (ours: number, base: number, baselineName: string, ratioMeaning: string): Partial<BenchFigure> =>
    raw ? { baseline: r3(base), baselineName, ratio: r2(ours / base), ratioMeaning } : {};
  const rawOf = (f: (r: RawRound) => number): number => (raw ? median(m.raw.map(f)) : Number.NaN);
  const interleaved = 'interleaved round by round with ours';
  return [
    {
      section: 'round',
      name: `framework-only round, ${n} node processes, d=1M (logreg 99999×10): whole round incl. evaluation broadcast = train ${r3(train)} s + evaluate ${r3(evaluation)} s, median of ${m.ours.length}`,
      value: r3(whole),
      unit: 's/round',
      ...vs(whole, rawOf((r) => r.round), `raw grpc-js, ${n} client processes: 4 MB down + 4 MB up, then 4 MB down + empty answer, per client; ${interleaved}`, 'our time / raw time'),
      ...(headline ? { target: `≤ ${ROUND_TARGET_SECONDS} s per round`, met: whole <= ROUND_TARGET_SECONDS } : {}),
    },
    {
      section: 'round',
      name: `framework-only train stage, ${n} node processes, d=1M: broadcast, perturb, upload, FedAvg`,
      value: r3(train),
      unit: 's/round',
      ...vs(train, rawOf((r) => r.train), `raw grpc-js, ${n} client processes: 4 MB down + 4 MB up per client`, 'our time / raw time'),
    },
    {
      section: 'round',
      name: `coordinator CPU per round, ${n} node processes, d=1M`,
      value: r3(coordinatorCpu),
      unit: 'CPU s/round',
      ...vs(coordinatorCpu, rawOf((r) => r.serverCpuSeconds), 'raw grpc-js server moving the same bytes', 'our CPU time / raw CPU time'),
    },
    {
      section: 'round',
      name: `node CPU per node per round, ${n} node processes, d=1M`,
      value: r3(nodeCpu),
      unit: 'CPU s/node/round',
      ...vs(nodeCpu, rawOf((r) => r.clientsCpuSeconds) / n, 'raw grpc-js client process moving the same bytes', 'our CPU time / raw CPU time'),
    },
    {
      section: 'round',
      // All processes share this machine's cores: no round can be shorter than the CPU it needs spread over them.
      name: `CPU floor of a round with ${n} node processes, d=1M: (coordinator + all nodes' CPU per round) / ${availableParallelism()} cores`,
      value: r3((coordinatorCpu + n * nodeCpu) / availableParallelism()),
      unit: 's/round',
      ...vs(
        (coordinatorCpu + n * nodeCpu) / availableParallelism(),
        rawOf((r) => (r.serverCpuSeconds + r.clientsCpuSeconds) / availableParallelism()),
        'the same floor for raw grpc-js moving the same bytes',
        'our floor / raw floor',
      ),
    },
    {
      section: 'round',
      name: `coordinator peak RSS, ${n} node processes, d=1M (idle with nodes connected ${Math.round(m.memory.idleRssBytes / MIB)} MiB; sampled peak during measured rounds ${Math.round(m.memory.roundsPeakRssBytes / MIB)} MiB, of which Buffers/typed arrays ${Math.round(m.memory.arrayBuffersAtPeakBytes / MIB)} MiB and V8 heap ${Math.round(m.memory.heapTotalAtPeakBytes / MIB)} MiB)`,
      value: Math.round(peakMib),
      unit: 'MiB',
      target: `≤ ${RSS_TARGET_MIB} MiB`,
      met: peakMib <= RSS_TARGET_MIB,
    },
  ];
}

function growthFigure(all: readonly Measured[]): BenchFigure {
  const first = all[0];
  const last = all[all.length - 1];
  if (!first || !last) throw new Error('no round measurements');
  const peak = (m: Measured): number => Math.max(m.memory.maxRssBytes, m.memory.roundsPeakRssBytes) / MIB;
  const perNode = (peak(last) - peak(first)) / (last.nodes - first.nodes);
  return {
    section: 'round',
    name: `coordinator peak RSS growth from ${first.nodes} to ${last.nodes} nodes (${Math.round(peak(first))} → ${Math.round(peak(last))} MiB)`,
    value: r2(perNode),
    unit: 'MiB per extra node',
    target: `< ${RSS_GROWTH_TARGET_MIB_PER_NODE} MiB per node, i.e. memory independent of the node count (one model copy is ${r2((PARAMETERS * 4) / MIB)} MiB)`,
    met: perNode < RSS_GROWTH_TARGET_MIB_PER_NODE,
  };
}
