/**
 * Why the bulk channel is raw TLS: CPU per byte of the three transports Cohort could move
 * tensors on, each over the same mutual TLS 1.3 with the federation's certificates and
 * each with as many client processes: grpc-js (bytes-only service, identity serializers,
 * 256 KiB messages, 1 MiB windows: helpers/raw-grpc.ts), Node's http2 without grpc-js
 * (same windows: helpers/raw-http2.ts) and plain node:tls sockets (helpers/raw-tls.ts).
 * A round is what a Cohort round moves per node now that each model travels once: d·4
 * bytes down and d·4 bytes up. The three run side by side and take turns round by round,
 * so they see the same load; CPU is the server's process.cpuUsage() and the clients'
 * own, so it does not depend on how busy the machine is the way wall time does.
 */
import type { ChildProcess } from 'node:child_process';
import { CHUNK_BYTES } from '../shared/wire/proto.js';
import { childrenCpuSeconds, helperScript, spawnChild, stopChildren } from './helpers/children.js';
import { BenchPki, nodeNames } from './helpers/pki.js';
import { type RawServer, startRawServer } from './helpers/raw-grpc.js';
import { startRawHttp2Server } from './helpers/raw-http2.js';
import { startRawTlsServer } from './helpers/raw-tls.js';
import { median, type BenchFigure } from './report.js';

const PARAMETERS = 1_000_000;
/** Client processes per transport (COHORT_BENCH_CHOICE_CLIENTS); three sets run at once. */
const CLIENTS = Number(process.env['COHORT_BENCH_CHOICE_CLIENTS'] ?? '10');
const WARMUP_ROUNDS = 2;
const ROUNDS = 6;

type Transport = 'grpc' | 'http2' | 'tls';
const TRANSPORTS: readonly Transport[] = ['grpc', 'http2', 'tls'];
const DESCRIPTION: Record<Transport, string> = {
  grpc: 'grpc-js bytes service (identity serializers, 256 KiB messages, 1 MiB windows)',
  http2: "Node's http2 module (1 MiB windows, 256 KiB writes)",
  tls: 'plain node:tls sockets (256 KiB writes, each after the previous one is flushed)',
};

interface Side {
  readonly server: RawServer;
  readonly clients: ChildProcess[];
}

interface Sample {
  readonly seconds: number;
  readonly serverCpu: number;
  readonly clientsCpu: number;
}

async function round(side: Side): Promise<Sample> {
  const bytes = PARAMETERS * 4;
  const c0 = await childrenCpuSeconds(side.clients);
  const s0 = process.cpuUsage();
  const ms = await side.server.phase(bytes, bytes);
  const s = process.cpuUsage(s0);
  const c1 = await childrenCpuSeconds(side.clients);
  return { seconds: ms / 1000, serverCpu: (s.user + s.system) / 1e6, clientsCpu: c1 - c0 };
}

async function start(transport: Transport, pki: BenchPki, names: readonly string[]): Promise<Side> {
  const tls = pki.tls('coordinator');
  const server = transport === 'grpc' ? await startRawServer(tls, CHUNK_BYTES) : transport === 'http2' ? await startRawHttp2Server(tls) : await startRawTlsServer(tls);
  const clients = names.map((name) => spawnChild(helperScript('raw-client-process.js'), [`127.0.0.1:${server.port}`, pki.dir, name, String(CHUNK_BYTES), transport]));
  return { server, clients };
}

/** CPU per megabyte moved, per side, for each transport. */
export async function benchTransportChoice(): Promise<BenchFigure[]> {
  const pki = new BenchPki();
  const names = nodeNames(CLIENTS);
  const sides = new Map<Transport, Side>();
  const samples = new Map<Transport, Sample[]>(TRANSPORTS.map((t) => [t, []]));
  try {
    pki.nodes(names);
    for (const t of TRANSPORTS) sides.set(t, await start(t, pki, names));
    for (const side of sides.values()) {
      await side.server.waitForClients(CLIENTS, 60_000);
      for (let i = 0; i < WARMUP_ROUNDS; i++) await round(side);
    }
    for (let i = 0; i < ROUNDS; i++) {
      for (const t of TRANSPORTS) (samples.get(t) as Sample[]).push(await round(sides.get(t) as Side));
    }
  } finally {
    for (const side of sides.values()) {
      await stopChildren(side.clients);
      await side.server.close();
    }
    pki.remove();
  }
  const mb = (2 * PARAMETERS * 4 * CLIENTS) / 1e6;
  const perMb = (t: Transport, f: (s: Sample) => number): number => Math.round((median((samples.get(t) as Sample[]).map(f)) / mb) * 1e6) / 1e3;
  const figures: BenchFigure[] = [];
  for (const t of TRANSPORTS) {
    figures.push(
      {
        section: 'transport-choice',
        name: `${DESCRIPTION[t]}: server CPU per MB moved (${CLIENTS} client processes, d=1M: d·4 bytes down + d·4 up each, ${mb.toFixed(0)} MB per round, median of ${ROUNDS})`,
        value: perMb(t, (s) => s.serverCpu),
        unit: 'CPU ms/MB',
        ...(t !== 'grpc' ? { baseline: perMb('grpc', (s) => s.serverCpu), baselineName: DESCRIPTION.grpc, ratio: Math.round((perMb(t, (s) => s.serverCpu) / perMb('grpc', (s) => s.serverCpu)) * 100) / 100, ratioMeaning: 'this transport / grpc-js' } : {}),
      },
      {
        section: 'transport-choice',
        name: `${DESCRIPTION[t]}: client CPU per MB moved (all clients, same rounds)`,
        value: perMb(t, (s) => s.clientsCpu),
        unit: 'CPU ms/MB',
        ...(t !== 'grpc' ? { baseline: perMb('grpc', (s) => s.clientsCpu), baselineName: DESCRIPTION.grpc, ratio: Math.round((perMb(t, (s) => s.clientsCpu) / perMb('grpc', (s) => s.clientsCpu)) * 100) / 100, ratioMeaning: 'this transport / grpc-js' } : {}),
      },
      {
        section: 'transport-choice',
        name: `${DESCRIPTION[t]}: wall time of a round (load-dependent: all three share the machine)`,
        value: Math.round(median((samples.get(t) as Sample[]).map((s) => s.seconds)) * 1000) / 1000,
        unit: 's/round',
      },
    );
  }
  return figures;
}
