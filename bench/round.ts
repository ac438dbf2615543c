/**
 * Framework-only rounds: node daemons as separate processes (PerturbWork: no training),
 * a coordinator in its own process so that its memory and CPU are measured alone, and
 * d = 1,000,000 (logreg, 99,999 features × 10 classes + 10 biases). For 10, 25 and 50
 * nodes: seconds per round (median of the steady rounds after warm-up), the CPU time the
 * coordinator and the nodes spent per round, the coordinator's peak RSS and the bulk
 * channel's payload bytes per round; then (headline count) rounds with --compress int8.
 *
 * A round: train task (the model is already at every node: it was the last evaluation's),
 * update up, commit, evaluation task with the new model down, report. So per node d·4
 * bytes up and d·4 down (int8: about a quarter of each).
 *
 * Baseline (at the headline count): raw mutual-TLS sockets (helpers/raw-tls.ts, the bulk
 * channel's floor) moving the same payload bytes to and from as many client processes: d·4
 * down and d·4 up per client (int8 rounds: the int8 payload sizes). Both run side by side,
 * one round of each in turn, so that both see the same load on the machine.
 *
 * All processes share this machine's cores, so with many nodes the wall time is bounded
 * by the nodes' CPU as much as by the coordinator's; the CPU figures separate the two.
 * The issue's time and CPU targets are relative to Flower 1.12 (F3: TLS + federated
 * evaluation, warmed rounds 12–16): the `flower` section measures Flower beside our rounds
 * in the same run and judges them there.
 */
import type { ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { encodedBytes } from '../shared/tensor/codec.js';
import { childrenCpuSeconds, helperScript, spawnChild, stopChildren, waitForMessage } from './helpers/children.js';
import type { RoundTiming } from './helpers/federation.js';
import { type CoordinatorProcessResult, isListening, isResult, isRoundDone, isWarmed } from './helpers/messages.js';
import { BenchPki, nodeNames } from './helpers/pki.js';
import type { RawServer } from './helpers/raw-grpc.js';
import { startRawTlsServer } from './helpers/raw-tls.js';
import { median, type BenchFigure } from './report.js';

/** d (COHORT_BENCH_ROUND_PARAMETERS; a multiple of 10): 1M is the headline. */
export const PARAMETERS = Number(process.env['COHORT_BENCH_ROUND_PARAMETERS'] ?? '1000000');
/** Node counts to run; COHORT_BENCH_ROUND_NODES="50" runs one (the last is the headline). */
const NODE_COUNTS = (process.env['COHORT_BENCH_ROUND_NODES'] ?? '10,25,50').split(',').map(Number);
const WARMUP_ROUNDS = 1;
const ROUNDS = 5;
/** Measured rounds with --compress int8 (headline count), after the uncompressed ones; COHORT_BENCH_ROUND_COMPRESSED=0 skips them. */
const COMPRESSED_ROUNDS = Number(process.env['COHORT_BENCH_ROUND_COMPRESSED'] ?? '3');
/** Unmeasured --compress int8 rounds before those. */
const COMPRESSED_WARMUP = 2;
const RSS_TARGET_MIB = 250;
/** int8 rounds' payload bytes over uncompressed ones (the issue's target). */
const COMPRESSED_BYTES_TARGET = 0.3;
/** Memory "does not grow with nodes" when each extra node costs under 1 MiB (a model copy is 3.8 MiB). */
const RSS_GROWTH_TARGET_MIB_PER_NODE = 1;
const MIB = 1024 * 1024;

/** Node counts whose rounds are interleaved with the raw baseline's (the others are ours only, to keep the run short). */
const BASELINE_COUNTS = new Set([Math.max(...NODE_COUNTS)]);

/** Extra node.js flags for the coordinator child, e.g. `--cpu-prof` (from COHORT_BENCH_COORDINATOR_FLAGS). */
const COORDINATOR_FLAGS = (process.env['COHORT_BENCH_COORDINATOR_FLAGS'] ?? '').split(' ').filter(Boolean);
/** Extra node.js flags for every node child (COHORT_BENCH_NODE_FLAGS), e.g. `--cpu-prof --cpu-prof-dir=DIR`. */
const NODE_FLAGS = (process.env['COHORT_BENCH_NODE_FLAGS'] ?? '').split(' ').filter(Boolean);

/** One of our measured rounds with the CPU both sides spent on it and the bytes it moved. */
export interface OursRound {
  readonly timing: RoundTiming;
  readonly coordinatorCpuSeconds: number;
  readonly nodesCpuSeconds: number;
  readonly bulkBytes: number;
}

/** One raw baseline round: seconds, the CPU both sides spent, payload bytes moved. */
interface RawRound {
  readonly round: number;
  readonly serverCpuSeconds: number;
  readonly clientsCpuSeconds: number;
  readonly bytes: number;
}

interface Measured {
  readonly nodes: number;
  readonly ours: OursRound[];
  readonly raw: RawRound[];
  /** --compress int8 rounds and their raw baseline (headline count only). */
  readonly compressed: OursRound[];
  readonly rawCompressed: RawRound[];
  readonly memory: CoordinatorProcessResult;
}

/** The raw baseline, running next to our stack with as many client processes as we have nodes. */
interface RawSide {
  readonly server: RawServer;
  readonly clients: ChildProcess[];
}

/** The payload bytes a node moves each way in one of our rounds. */
function payloadBytes(compress: boolean): number {
  return compress ? encodedBytes(PARAMETERS, 'int8') : PARAMETERS * 4;
}

async function rawRound(raw: RawSide, compress: boolean): Promise<RawRound> {
  const bytes = payloadBytes(compress);
  const clients0 = await childrenCpuSeconds(raw.clients);
  const server0 = process.cpuUsage();
  const ms = await raw.server.phase(bytes, bytes);
  const server = process.cpuUsage(server0);
  const clients1 = await childrenCpuSeconds(raw.clients);
  return { round: ms / 1000, serverCpuSeconds: (server.user + server.system) / 1e6, clientsCpuSeconds: clients1 - clients0, bytes: 2 * bytes * raw.clients.length };
}

export async function oursRound(coordinator: ChildProcess, nodes: readonly ChildProcess[], compress: boolean): Promise<OursRound> {
  const nodes0 = await childrenCpuSeconds(nodes);
  const done = waitForMessage(coordinator, isRoundDone, 300_000);
  coordinator.send(compress ? { type: 'round', compress: 'int8' } : { type: 'round' });
  const d = await done;
  const nodes1 = await childrenCpuSeconds(nodes);
  return { timing: d.timing, coordinatorCpuSeconds: d.cpuMicros / 1e6, nodesCpuSeconds: nodes1 - nodes0, bulkBytes: d.bulkBytesDown + d.bulkBytesUp };
}

/**
 * A coordinator child (`warmupRounds` unmeasured rounds once every node joined, then up to
 * `rounds` measured ones) and a node child per name, added to `children` for stopChildren.
 */
export async function spawnFederation(
  pki: BenchPki,
  names: readonly string[],
  warmupRounds: number,
  rounds: number,
  children: ChildProcess[],
  coordinatorFlags: readonly string[] = [],
  nodeFlags: readonly string[] = [],
): Promise<{ coordinator: ChildProcess; nodes: ChildProcess[] }> {
  const coordinator = spawnChild(helperScript('coordinator-process.js'), [pki.dir, String(PARAMETERS), String(names.length), String(warmupRounds), String(rounds)], coordinatorFlags);
  children.push(coordinator);
  const { port } = await waitForMessage(coordinator, isListening, 60_000);
  const nodes = names.map((name) => spawnChild(helperScript('node-process.js'), [`127.0.0.1:${port}`, pki.dir, name], nodeFlags));
  children.push(...nodes);
  return { coordinator, nodes };
}

/** End the coordinator child's measured rounds; its memory figures over them. */
export async function finishFederation(coordinator: ChildProcess): Promise<CoordinatorProcessResult> {
  const result = waitForMessage(coordinator, isResult, 60_000);
  coordinator.send({ type: 'finish' });
  return result;
}

/**
 * Our rounds with `names.length` node processes and, with `baseline`, the raw transfer
 * with as many client processes, one round of each in turn so both see the same load.
 */
async function measure(pki: BenchPki, names: readonly string[], baseline: boolean): Promise<Measured> {
  const children: ChildProcess[] = [];
  let server: RawServer | undefined;
  try {
    const { coordinator, nodes } = await spawnFederation(pki, names, WARMUP_ROUNDS, ROUNDS, children, COORDINATOR_FLAGS, NODE_FLAGS);
    let raw: RawSide | undefined;
    if (baseline) {
      server = await startRawTlsServer(pki.tls('coordinator'));
      const clients = names.map((name) => spawnChild(helperScript('raw-client-process.js'), [`127.0.0.1:${(server as RawServer).port}`, pki.dir, name, '0', 'tls']));
      children.push(...clients);
      raw = { server, clients };
    }
    await waitForMessage(coordinator, isWarmed, 300_000);
    if (raw) {
      await raw.server.waitForClients(names.length, 120_000);
      for (let i = 0; i < WARMUP_ROUNDS; i++) await rawRound(raw, false);
    }
    const run = async (count: number, compress: boolean): Promise<{ ours: OursRound[]; raw: RawRound[] }> => {
      const out = { ours: [] as OursRound[], raw: [] as RawRound[] };
      for (let i = 0; i < count; i++) {
        out.ours.push(await oursRound(coordinator, nodes, compress));
        if (raw) out.raw.push(await rawRound(raw, compress));
      }
      return out;
    };
    const plain = await run(ROUNDS, false);
    // Compressed rounds at the headline count only, after two unmeasured ones: the first still
    // sends whole models, the second is the first to run the int8 coding paths hot (with one
    // warm-up round the node CPU measured 62–76 ms over 3 rounds against 39–47 ms over 8).
    const compressed = baseline && COMPRESSED_ROUNDS > 0 ? await run(COMPRESSED_ROUNDS + COMPRESSED_WARMUP, true) : { ours: [], raw: [] };
    const memory = await finishFederation(coordinator);
    return { nodes: names.length, ours: plain.ours, raw: plain.raw, compressed: compressed.ours.slice(COMPRESSED_WARMUP), rawCompressed: compressed.raw.slice(COMPRESSED_WARMUP), memory };
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
  const bytes = median(m.ours.map((r) => r.bulkBytes));
  const peakMib = Math.max(m.memory.maxRssBytes, m.memory.roundsPeakRssBytes) / MIB;
  const raw = m.raw.length > 0;
  const vs = (ours: number, base: number, baselineName: string, ratioMeaning: string): Partial<BenchFigure> =>
    raw ? { baseline: r3(base), baselineName, ratio: r2(ours / base), ratioMeaning } : {};
  const rawOf = (rounds: readonly RawRound[], f: (r: RawRound) => number): number => (rounds.length > 0 ? median(rounds.map(f)) : Number.NaN);
  const interleaved = 'interleaved round by round with ours';
  const rawName = `raw mutual-TLS sockets, ${n} client processes: d·4 bytes down + d·4 up per client; ${interleaved}`;
  const figures: BenchFigure[] = [
    {
      section: 'round',
      name: `framework-only round, ${n} node processes, d=1M (logreg 99999×10): whole round incl. evaluation = train ${r3(train)} s + evaluate ${r3(evaluation)} s, median of ${m.ours.length}`,
      value: r3(whole),
      unit: 's/round',
      ...vs(whole, rawOf(m.raw, (r) => r.round), rawName, 'our time / raw time'),
    },
    {
      // Kept under this name for the Flower harness's summarize.py (it reads "framework-only train stage").
      section: 'round',
      name: `framework-only train stage, ${n} node processes, d=1M: local work, upload, FedAvg (no transfer down: the round's model is held from the previous evaluation), median of ${m.ours.length}`,
      value: r3(train),
      unit: 's/round',
    },
    {
      section: 'round',
      name: `coordinator CPU per round, ${n} node processes, d=1M`,
      value: r3(coordinatorCpu),
      unit: 'CPU s/round',
      ...vs(coordinatorCpu, rawOf(m.raw, (r) => r.serverCpuSeconds), 'raw TLS server moving the same bytes', 'our CPU time / raw CPU time'),
    },
    {
      section: 'round',
      name: `node CPU per node per round, ${n} node processes, d=1M`,
      value: r3(nodeCpu),
      unit: 'CPU s/node/round',
      ...vs(nodeCpu, rawOf(m.raw, (r) => r.clientsCpuSeconds) / n, 'raw TLS client process moving the same bytes', 'our CPU time / raw CPU time'),
    },
    {
      section: 'round',
      // All processes share this machine's cores: no round can be shorter than the CPU it needs spread over them.
      name: `CPU floor of a round with ${n} node processes, d=1M: (coordinator + all nodes' CPU per round) / ${availableParallelism()} cores`,
      value: r3((coordinatorCpu + n * nodeCpu) / availableParallelism()),
      unit: 's/round',
      ...vs(
        (coordinatorCpu + n * nodeCpu) / availableParallelism(),
        rawOf(m.raw, (r) => (r.serverCpuSeconds + r.clientsCpuSeconds) / availableParallelism()),
        'the same floor for raw TLS moving the same bytes',
        'our floor / raw floor',
      ),
    },
    {
      section: 'round',
      name: `bulk-channel payload bytes per round, ${n} node processes, d=1M (each model once: one down and one update up per node)`,
      value: Math.round(bytes),
      unit: 'bytes/round',
      ...(raw ? { baseline: Math.round(rawOf(m.raw, (r) => r.bytes)), baselineName: rawName, ratio: r3(bytes / rawOf(m.raw, (r) => r.bytes)), ratioMeaning: 'ours / raw' } : {}),
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
  if (m.compressed.length === 0) return figures;
  const cWhole = median(m.compressed.map((r) => r.timing.seconds));
  const cCoordinator = median(m.compressed.map((r) => r.coordinatorCpuSeconds));
  const cNode = median(m.compressed.map((r) => r.nodesCpuSeconds)) / n;
  const cBytes = median(m.compressed.map((r) => r.bulkBytes));
  const rawC = `raw mutual-TLS sockets moving the int8 payloads (${encodedBytes(PARAMETERS, 'int8')} bytes each way per client); ${interleaved}`;
  return [
    ...figures,
    {
      section: 'round',
      name: `--compress int8 round, ${n} node processes, d=1M: whole round, median of ${m.compressed.length}`,
      value: r3(cWhole),
      unit: 's/round',
      ...vs(cWhole, rawOf(m.rawCompressed, (r) => r.round), rawC, 'our time / raw time'),
    },
    {
      section: 'round',
      name: `--compress int8: coordinator CPU per round (quantising the global update included)`,
      value: r3(cCoordinator),
      unit: 'CPU s/round',
      ...vs(cCoordinator, rawOf(m.rawCompressed, (r) => r.serverCpuSeconds), 'raw TLS server moving the int8 payloads', 'our CPU time / raw CPU time'),
    },
    {
      section: 'round',
      name: `--compress int8: node CPU per node per round (quantising the update included)`,
      value: r3(cNode),
      unit: 'CPU s/node/round',
      ...vs(cNode, rawOf(m.rawCompressed, (r) => r.clientsCpuSeconds) / n, 'raw TLS client moving the int8 payloads', 'our CPU time / raw CPU time'),
    },
    {
      section: 'round',
      name: `--compress int8: bulk-channel payload bytes per round (uncompressed rounds: ${Math.round(bytes)})`,
      value: Math.round(cBytes),
      unit: 'bytes/round',
      baseline: Math.round(bytes),
      baselineName: 'our uncompressed rounds in this run',
      ratio: r3(cBytes / bytes),
      ratioMeaning: 'int8 / uncompressed',
      target: `≤ ${COMPRESSED_BYTES_TARGET}`,
      met: cBytes / bytes <= COMPRESSED_BYTES_TARGET,
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
