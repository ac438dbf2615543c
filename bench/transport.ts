/**
 * Broadcast + collect through Cohort's stack against raw grpc-js moving the same bytes.
 *
 * Ours: a coordinator and 10 in-process node daemons (PerturbWork, mutual TLS 1.3) run
 * whole rounds; the train stage (from the coordinator's own stage events) is the global
 * weights streamed to 10 nodes and 10 updates streamed back, assembled, checked and
 * averaged. Raw: a bytes-only grpc-js service in the same process, same certificates,
 * channel options and message size (CHUNK_BYTES), streams the same bytes down to 10 clients and
 * collects the same bytes back. Both stacks are up together and their rounds alternate. A round also broadcasts the new weights for federated
 * evaluation; the whole round is compared with a raw round that adds that second phase.
 */
import { CHUNK_BYTES } from '../shared/wire/proto.js';
import { modelWithParameters, type RoundTiming, startBenchCoordinator, startInProcessNodes, timeRounds } from './helpers/federation.js';
import { BenchPki, nodeNames } from './helpers/pki.js';
import { RawClient, startRawServer } from './helpers/raw-grpc.js';
import { median, type BenchFigure } from './report.js';

const NODES = 10;
const SIZES = [100_000, 1_000_000];
const WARMUP_ROUNDS = 2;
const ROUNDS = 9;

/** Per-round seconds of our stack and of the raw baseline. */
interface Measured {
  readonly ours: RoundTiming[];
  readonly rawTrain: number[];
  readonly rawRound: number[];
}

/** Both stacks side by side in this process; rounds alternate, ours then raw, so both see the same load. */
async function measure(pki: BenchPki, parameters: number, names: readonly string[]): Promise<Measured> {
  const started = await startBenchCoordinator(pki.dir, modelWithParameters(parameters), names.length);
  const server = await startRawServer(pki.tls('coordinator'), CHUNK_BYTES);
  const clients = names.map((name) => new RawClient(`127.0.0.1:${server.port}`, pki.tls(name), name, CHUNK_BYTES));
  const rawRuns = clients.map((c) => c.run().catch(() => undefined));
  let nodes: { stop(): Promise<void> } | undefined;
  const bytes = parameters * 4;
  const m: Measured = { ours: [], rawTrain: [], rawRound: [] };
  try {
    nodes = await startInProcessNodes(pki, started.port, names);
    await server.waitForClients(names.length, 30_000);
    for (let i = 0; i < WARMUP_ROUNDS + ROUNDS; i++) {
      const ours = await timeRounds(started.coordinator, 1, names.length);
      const up = await server.phase(bytes, bytes);
      // Evaluation reports are a few bytes: the raw client answers with an empty message.
      const evalMs = await server.phase(bytes, 0);
      if (i < WARMUP_ROUNDS) continue;
      m.ours.push(...ours);
      m.rawTrain.push(up / 1000);
      m.rawRound.push((up + evalMs) / 1000);
    }
    return m;
  } finally {
    for (const c of clients) c.close();
    await server.close();
    await Promise.all(rawRuns);
    await nodes?.stop();
    await started.close();
  }
}

/** Figure 1: ours/raw throughput of broadcast + collect with 10 nodes, d = 100k and 1M. */
export async function benchTransport(): Promise<BenchFigure[]> {
  const pki = new BenchPki();
  const names = nodeNames(NODES);
  const figures: BenchFigure[] = [];
  try {
    pki.nodes(names);
    for (const d of SIZES) figures.push(...transportFigures(d, await measure(pki, d, names)));
  } finally {
    pki.remove();
  }
  return figures;
}

function transportFigures(d: number, m: Measured): BenchFigure[] {
  const label = d >= 1e6 ? `${d / 1e6}M` : `${d / 1e3}k`;
  const mb = (bytes: number, seconds: number): number => Math.round(bytes / seconds / 1e6);
  const trainBytes = 2 * NODES * d * 4;
  const roundBytes = 3 * NODES * d * 4;
  const ourTrain = median(m.ours.map((r) => r.trainSeconds));
  const ourRound = median(m.ours.map((r) => r.seconds));
  const rawTrain = median(m.rawTrain);
  const rawRound = median(m.rawRound);
  const ratio = (raw: number, ours: number): number => Math.round((raw / ours) * 100) / 100;
  const trainRatio = ratio(rawTrain, ourTrain);
  return [
    {
      section: 'transport',
      name: `broadcast+collect (train stage), ${NODES} in-process nodes, d=${label}: ${(trainBytes / 1e6).toFixed(0)} MB moved in ${(ourTrain * 1000).toFixed(1)} ms (raw ${(rawTrain * 1000).toFixed(1)} ms)`,
      value: mb(trainBytes, ourTrain),
      unit: 'MB/s',
      baseline: mb(trainBytes, rawTrain),
      baselineName: `raw grpc-js bytes service, same TLS 1.3 certs, ${CHUNK_BYTES / 1024} KiB messages: d·4 bytes down to and back from each client`,
      ratio: trainRatio,
      ratioMeaning: 'our throughput / raw throughput',
      target: '≥ 0.7 of raw',
      met: trainRatio >= 0.7,
    },
    {
      section: 'transport',
      name: `whole round incl. evaluation broadcast, ${NODES} in-process nodes, d=${label}: ${(ourRound * 1000).toFixed(1)} ms (raw ${(rawRound * 1000).toFixed(1)} ms)`,
      value: mb(roundBytes, ourRound),
      unit: 'MB/s',
      baseline: mb(roundBytes, rawRound),
      baselineName: 'raw grpc-js: the train phase plus a second d·4-byte broadcast answered by an empty message',
      ratio: ratio(rawRound, ourRound),
      ratioMeaning: 'our throughput / raw throughput',
    },
  ];
}
