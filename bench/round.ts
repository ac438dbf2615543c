/**
 * Framework-only rounds: node daemons as separate processes (PerturbWork: no training),
 * a coordinator in its own process so that its memory and CPU are measured alone, and
 * d = 1,000,000 (logreg, 99,999 features × 10 classes + 10 biases). For 10, 25 and 50
 * nodes: seconds per round (median of the steady rounds after warm-up), the CPU time the
 * coordinator and the nodes spent per round, and the coordinator's peak RSS.
 *
 * Baseline: raw grpc-js moving the same bytes to and from the same number of client
 * processes (helpers/raw-grpc.ts): per round d·4 bytes down to each client and d·4 back
 * (our train stage), then d·4 down again answered by an empty message (our evaluation
 * broadcast, whose reports are a few bytes).
 *
 * All processes share this machine's cores, so with many nodes the wall time is bounded
 * by the nodes' CPU as much as by the coordinator's; the CPU figures separate the two.
 */
import type { ChildProcess } from 'node:child_process';
import { CHUNK_BYTES } from '../shared/wire/proto.js';
import { childrenCpuSeconds, helperScript, spawnChild, stopChildren, waitForMessage } from './helpers/children.js';
import { type CoordinatorProcessResult, isListening, isResult, isWarmed } from './helpers/messages.js';
import { BenchPki, nodeNames } from './helpers/pki.js';
import { startRawServer } from './helpers/raw-grpc.js';
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

/** Extra node.js flags for the coordinator child, e.g. `--cpu-prof` (from COHORT_BENCH_COORDINATOR_FLAGS). */
const COORDINATOR_FLAGS = (process.env['COHORT_BENCH_COORDINATOR_FLAGS'] ?? '').split(' ').filter(Boolean);

interface OursResult extends CoordinatorProcessResult {
  readonly nodes: number;
  /** CPU seconds all node processes spent during the measured rounds. */
  readonly nodesCpuSeconds: number;
}

interface RawResult {
  readonly train: number[];
  readonly round: number[];
  readonly serverCpuSeconds: number;
  readonly clientsCpuSeconds: number;
}

async function measureOurs(pki: BenchPki, names: readonly string[]): Promise<OursResult> {
  const children: ChildProcess[] = [];
  try {
    const coordinator = spawnChild(helperScript('coordinator-process.js'), [pki.dir, String(PARAMETERS), String(names.length), String(WARMUP_ROUNDS), String(ROUNDS)], COORDINATOR_FLAGS);
    children.push(coordinator);
    const { port } = await waitForMessage(coordinator, isListening, 60_000);
    const nodes = names.map((name) => spawnChild(helperScript('node-process.js'), [`127.0.0.1:${port}`, pki.dir, name]));
    children.push(...nodes);
    await waitForMessage(coordinator, isWarmed, 300_000);
    const cpu0 = await childrenCpuSeconds(nodes);
    const result = waitForMessage(coordinator, isResult, 300_000);
    coordinator.send({ type: 'go' });
    const r = await result;
    const cpu1 = await childrenCpuSeconds(nodes);
    return { ...r, nodes: names.length, nodesCpuSeconds: cpu1 - cpu0 };
  } finally {
    await stopChildren(children);
  }
}

async function measureRaw(pki: BenchPki, names: readonly string[]): Promise<RawResult> {
  const server = await startRawServer(pki.tls('coordinator'), CHUNK_BYTES);
  const clients: ChildProcess[] = [];
  const bytes = PARAMETERS * 4;
  const train: number[] = [];
  const round: number[] = [];
  try {
    for (const name of names) clients.push(spawnChild(helperScript('raw-client-process.js'), [`127.0.0.1:${server.port}`, pki.dir, name, String(CHUNK_BYTES)]));
    await server.waitForClients(names.length, 120_000);
    for (let i = 0; i < WARMUP_ROUNDS; i++) {
      await server.phase(bytes, bytes);
      await server.phase(bytes, 0);
    }
    const clientsCpu0 = await childrenCpuSeconds(clients);
    const serverCpu0 = process.cpuUsage();
    for (let i = 0; i < ROUNDS; i++) {
      const up = await server.phase(bytes, bytes);
      const evalMs = await server.phase(bytes, 0);
      train.push(up / 1000);
      round.push((up + evalMs) / 1000);
    }
    const serverCpu = process.cpuUsage(serverCpu0);
    const clientsCpuSeconds = (await childrenCpuSeconds(clients)) - clientsCpu0;
    return { train, round, serverCpuSeconds: (serverCpu.user + serverCpu.system) / 1e6, clientsCpuSeconds };
  } finally {
    await stopChildren(clients);
    await server.close();
  }
}

/** Figure 3: framework-only rounds with 10, 25 and 50 node processes at d = 1M. */
export async function benchRound(): Promise<BenchFigure[]> {
  const pki = new BenchPki();
  const figures: BenchFigure[] = [];
  const ours: OursResult[] = [];
  try {
    pki.nodes(nodeNames(Math.max(...NODE_COUNTS)));
    for (const n of NODE_COUNTS) {
      const names = nodeNames(n);
      const o = await measureOurs(pki, names);
      const raw = await measureRaw(pki, names);
      ours.push(o);
      figures.push(...roundFigures(o, raw));
    }
  } finally {
    pki.remove();
  }
  if (ours.length > 1) figures.push(growthFigure(ours));
  return figures;
}

const r2 = (x: number): number => Math.round(x * 100) / 100;
const r3 = (x: number): number => Math.round(x * 1000) / 1000;

function roundFigures(o: OursResult, raw: RawResult): BenchFigure[] {
  const n = o.nodes;
  const whole = median(o.rounds.map((r) => r.seconds));
  const train = median(o.rounds.map((r) => r.trainSeconds));
  const evaluation = median(o.rounds.map((r) => r.evalSeconds));
  const rawWhole = median(raw.round);
  const rawTrain = median(raw.train);
  const coordinatorCpu = o.cpuMicros / 1e6 / ROUNDS;
  const serverCpu = raw.serverCpuSeconds / ROUNDS;
  const nodeCpu = o.nodesCpuSeconds / ROUNDS / n;
  const clientCpu = raw.clientsCpuSeconds / ROUNDS / n;
  const peakMib = Math.max(o.maxRssBytes, o.roundsPeakRssBytes) / MIB;
  const headline = n === Math.max(...NODE_COUNTS);
  return [
    {
      section: 'round',
      name: `framework-only round, ${n} node processes, d=1M (logreg 99999×10): whole round incl. evaluation broadcast = train ${r3(train)} s + evaluate ${r3(evaluation)} s`,
      value: r3(whole),
      unit: 's/round',
      baseline: r3(rawWhole),
      baselineName: `raw grpc-js, ${n} client processes: 4 MB down + 4 MB up, then 4 MB down + empty answer, per client`,
      ratio: r2(whole / rawWhole),
      ratioMeaning: 'our time / raw time',
      ...(headline ? { target: `≤ ${ROUND_TARGET_SECONDS} s per round`, met: whole <= ROUND_TARGET_SECONDS } : {}),
    },
    {
      section: 'round',
      name: `framework-only train stage, ${n} node processes, d=1M: broadcast, perturb, upload, FedAvg`,
      value: r3(train),
      unit: 's/round',
      baseline: r3(rawTrain),
      baselineName: `raw grpc-js, ${n} client processes: 4 MB down + 4 MB up per client`,
      ratio: r2(train / rawTrain),
      ratioMeaning: 'our time / raw time',
    },
    {
      section: 'round',
      name: `coordinator CPU per round, ${n} node processes, d=1M`,
      value: r3(coordinatorCpu),
      unit: 'CPU s/round',
      baseline: r3(serverCpu),
      baselineName: 'raw grpc-js server moving the same bytes',
      ratio: r2(coordinatorCpu / serverCpu),
      ratioMeaning: 'our CPU time / raw CPU time',
    },
    {
      section: 'round',
      name: `node CPU per node per round, ${n} node processes, d=1M`,
      value: r3(nodeCpu),
      unit: 'CPU s/node/round',
      baseline: r3(clientCpu),
      baselineName: 'raw grpc-js client process moving the same bytes',
      ratio: r2(nodeCpu / clientCpu),
      ratioMeaning: 'our CPU time / raw CPU time',
    },
    {
      section: 'round',
      name: `coordinator peak RSS, ${n} node processes, d=1M (idle with nodes connected ${Math.round(o.idleRssBytes / MIB)} MiB; sampled peak during steady rounds ${Math.round(o.roundsPeakRssBytes / MIB)} MiB, of which Buffers/typed arrays ${Math.round(o.arrayBuffersAtPeakBytes / MIB)} MiB)`,
      value: Math.round(peakMib),
      unit: 'MiB',
      target: `≤ ${RSS_TARGET_MIB} MiB`,
      met: peakMib <= RSS_TARGET_MIB,
    },
  ];
}

function growthFigure(ours: readonly OursResult[]): BenchFigure {
  const first = ours[0];
  const last = ours[ours.length - 1];
  if (!first || !last) throw new Error('no round measurements');
  const peak = (o: OursResult): number => Math.max(o.maxRssBytes, o.roundsPeakRssBytes) / MIB;
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
