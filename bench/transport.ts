/**
 * A whole round through Cohort's stack against raw mutual-TLS sockets moving the same bytes.
 *
 * Ours: a coordinator and 10 in-process node daemons (PerturbWork, mutual TLS 1.3) run
 * whole rounds: train task, update up over the bulk channel, FedAvg and commit, evaluation
 * task with the new model down over the bulk channel, report. Raw: plain node:tls sockets in
 * the same process, same certificates (helpers/raw-tls.ts), moving d·4 bytes down to and d·4
 * bytes back from each of 10 clients: the bytes our round moves, with nothing parsed,
 * checked, aggregated or committed. Both stacks are up together and their rounds alternate.
 */
import { modelWithParameters, type RoundTiming, startBenchCoordinator, startInProcessNodes, timeRounds } from './helpers/federation.js';
import { BenchPki, nodeNames } from './helpers/pki.js';
import { RawTlsClient, startRawTlsServer } from './helpers/raw-tls.js';
import { median, type BenchFigure } from './report.js';

const NODES = 10;
const SIZES = [100_000, 1_000_000];
const WARMUP_ROUNDS = 2;
const ROUNDS = 9;

/** Per-round seconds of our stack and of the raw baseline. */
interface Measured {
  readonly ours: RoundTiming[];
  readonly raw: number[];
}

/** Both stacks side by side in this process; rounds alternate, ours then raw, so both see the same load. */
async function measure(pki: BenchPki, parameters: number, names: readonly string[]): Promise<Measured> {
  const started = await startBenchCoordinator(pki.dir, modelWithParameters(parameters), names.length);
  const server = await startRawTlsServer(pki.tls('coordinator'));
  const clients = names.map((name) => new RawTlsClient(`127.0.0.1:${server.port}`, pki.tls(name)));
  const rawRuns = clients.map((c) => c.run().catch(() => undefined));
  let nodes: { stop(): Promise<void> } | undefined;
  const bytes = parameters * 4;
  const m: Measured = { ours: [], raw: [] };
  try {
    nodes = await startInProcessNodes(pki, started.port, names);
    await server.waitForClients(names.length, 30_000);
    for (let i = 0; i < WARMUP_ROUNDS + ROUNDS; i++) {
      const ours = await timeRounds(started.coordinator, 1, names.length);
      const ms = await server.phase(bytes, bytes);
      if (i < WARMUP_ROUNDS) continue;
      m.ours.push(...ours);
      m.raw.push(ms / 1000);
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

/** Figure 1: our whole round against raw TLS moving the same bytes, 10 nodes, d = 100k and 1M. */
export async function benchTransport(): Promise<BenchFigure[]> {
  const pki = new BenchPki();
  const names = nodeNames(NODES);
  const figures: BenchFigure[] = [];
  try {
    pki.nodes(names);
    for (const d of SIZES) figures.push(transportFigure(d, await measure(pki, d, names)));
  } finally {
    pki.remove();
  }
  return figures;
}

function transportFigure(d: number, m: Measured): BenchFigure {
  const label = d >= 1e6 ? `${d / 1e6}M` : `${d / 1e3}k`;
  const mb = (bytes: number, seconds: number): number => Math.round(bytes / seconds / 1e6);
  const roundBytes = 2 * NODES * d * 4;
  const ours = median(m.ours.map((r) => r.seconds));
  const raw = median(m.raw);
  const ratio = Math.round((raw / ours) * 100) / 100;
  return {
    section: 'transport',
    name: `whole round, ${NODES} in-process nodes, d=${label}: ${(roundBytes / 1e6).toFixed(0)} MB moved in ${(ours * 1000).toFixed(1)} ms (raw ${(raw * 1000).toFixed(1)} ms)`,
    value: mb(roundBytes, ours),
    unit: 'MB/s',
    baseline: mb(roundBytes, raw),
    baselineName: 'raw mutual-TLS sockets, same certificates: d·4 bytes down to and back from each client',
    ratio,
    ratioMeaning: 'our throughput / raw throughput',
    target: '≥ 0.7 of raw',
    met: ratio >= 0.7,
  };
}
