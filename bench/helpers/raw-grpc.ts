/**
 * The transport baseline: a minimal grpc-js service that moves opaque bytes, with identity
 * serializers (no protobuf), over the same mutual-TLS 1.3 credentials, channel options and
 * message size as Cohort. A "phase" streams `sendBytes` to every client on a long-lived
 * server stream (like Join) and waits for each client to stream `replyBytes` back on a
 * client-streaming call (like SubmitUpdate). Nothing is copied, checked or aggregated.
 */
import { once } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import { clientChannelOptions, mutualTlsChannelCredentials } from '../../client/grpc/daemon.js';
import type { TlsMaterial } from '../../shared/pki/ca-dir.js';
import { CHANNEL_OPTIONS } from '../../shared/wire/proto.js';
import { MAX_CONCURRENT_STREAMS, mutualTlsServerCredentials } from '../../server/grpc/credentials.js';
import { widenConnectionWindows } from '../../server/grpc/listeners.js';
import { answerHeader, payloadCache, phaseHeader, waitForJoins } from './raw-phase.js';

const identity = (b: Buffer): Buffer => b;
const DOWN = '/cohort.bench.Raw/Down';
const UP = '/cohort.bench.Raw/Up';
const NAME_KEY = 'bench-client';

const RAW_SERVICE: grpc.ServiceDefinition = {
  Down: { path: DOWN, requestStream: false, responseStream: true, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity },
  Up: { path: UP, requestStream: true, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity },
};

/** Zero-copy views of `buffer`, `chunkBytes` at a time. */
function slices(buffer: Buffer, chunkBytes: number): Buffer[] {
  const out: Buffer[] = [];
  for (let off = 0; off < buffer.length; off += chunkBytes) out.push(buffer.subarray(off, Math.min(buffer.length, off + chunkBytes)));
  return out;
}

/** Write every frame, honouring the stream's back-pressure. */
async function writeAll(stream: { write(b: Buffer): boolean } & NodeJS.EventEmitter, frames: readonly Buffer[]): Promise<void> {
  for (const f of frames) if (!stream.write(f)) await once(stream, 'drain');
}

/** A running raw server. */
export interface RawServer {
  readonly port: number;
  /** Resolve once `count` clients hold an open Down stream. */
  waitForClients(count: number, timeoutMs: number): Promise<void>;
  /** Send `sendBytes` to every client and collect `replyBytes` from each; resolves with the milliseconds it took. */
  phase(sendBytes: number, replyBytes: number, timeoutMs?: number): Promise<number>;
  close(): Promise<void>;
}

/** Start the raw server on 127.0.0.1:0 with the coordinator's certificate. */
export async function startRawServer(tls: TlsMaterial, chunkBytes: number): Promise<RawServer> {
  const server = new grpc.Server({ ...CHANNEL_OPTIONS, 'grpc.max_concurrent_streams': MAX_CONCURRENT_STREAMS });
  const downs = new Map<string, grpc.ServerWritableStream<Buffer, Buffer>>();
  const joinWaiters: (() => void)[] = [];
  let current: { id: number; replyBytes: number; pending: Set<string>; done: () => void; fail: (e: Error) => void } | undefined;
  let phaseId = 0;
  const payload = payloadCache();

  server.addService(RAW_SERVICE, {
    Down(call: grpc.ServerWritableStream<Buffer, Buffer>) {
      const name = String(call.metadata.get(NAME_KEY)[0] ?? '');
      downs.set(name, call);
      call.on('cancelled', () => downs.delete(name));
      for (const w of joinWaiters.splice(0)) w();
    },
    Up(call: grpc.ServerReadableStream<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) {
      const name = String(call.metadata.get(NAME_KEY)[0] ?? '');
      let header: Buffer | undefined;
      let received = 0;
      call.on('data', (b: Buffer) => {
        if (header) received += b.length;
        else header = b;
      });
      call.on('end', () => {
        callback(null, Buffer.alloc(0));
        const p = current;
        if (!p || !header || header.readUInt32LE(0) !== p.id) return;
        if (received !== p.replyBytes) {
          p.fail(new Error(`${name} replied ${received} bytes, expected ${p.replyBytes}`));
          return;
        }
        p.pending.delete(name);
        if (p.pending.size === 0) p.done();
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', mutualTlsServerCredentials(tls), (err, bound) => (err ? reject(err) : resolve(bound)));
  });
  // The same transport tuning as the coordinator, so the baseline is raw grpc-js, not a handicapped one.
  if (!widenConnectionWindows(server)) throw new Error('cannot reach the HTTP/2 listeners of this grpc-js version');

  return {
    port,
    waitForClients(count, timeoutMs) {
      return waitForJoins(() => downs.size, joinWaiters, count, timeoutMs, 'raw clients');
    },
    async phase(sendBytes, replyBytes, timeoutMs = 120_000) {
      const id = ++phaseId;
      const frames = [phaseHeader(id, sendBytes, replyBytes), ...slices(payload(sendBytes), chunkBytes)];
      let timer: NodeJS.Timeout | undefined;
      const finished = new Promise<void>((resolve, reject) => {
        current = { id, replyBytes, pending: new Set(downs.keys()), done: resolve, fail: reject };
        timer = setTimeout(() => reject(new Error(`raw phase ${id} did not finish within ${timeoutMs} ms`)), timeoutMs);
      });
      const t0 = performance.now();
      try {
        await Promise.all([...downs.values()].map((call) => writeAll(call, frames)));
        await finished;
        return performance.now() - t0;
      } finally {
        clearTimeout(timer);
        current = undefined;
      }
    },
    async close() {
      for (const call of downs.values()) call.end();
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => server.forceShutdown(), 1000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
    },
  };
}

/** A raw client: counts what the server streams down and answers each phase with its reply bytes. */
export class RawClient {
  private readonly client: grpc.Client;
  private readonly metadata = new grpc.Metadata();
  private readonly reply = payloadCache();
  private down: grpc.ClientReadableStream<Buffer> | undefined;

  constructor(
    address: string,
    tls: TlsMaterial,
    readonly name: string,
    private readonly chunkBytes: number,
    options: grpc.ChannelOptions = {},
  ) {
    this.client = new grpc.Client(address, mutualTlsChannelCredentials(tls), { ...clientChannelOptions(), ...options });
    this.metadata.set(NAME_KEY, name);
  }

  /** Open the Down stream; resolves when it ends (server closed it or `close` was called). */
  run(): Promise<void> {
    const down = this.client.makeServerStreamRequest(DOWN, identity, identity, Buffer.alloc(0), this.metadata);
    this.down = down;
    let phase: { header: Buffer; expected: number; received: number } | undefined;
    down.on('data', (b: Buffer) => {
      if (!phase) {
        phase = { header: b, expected: b.readUInt32LE(4), received: 0 };
        return;
      }
      phase.received += b.length;
      if (phase.received >= phase.expected) {
        const p = phase;
        phase = undefined;
        this.answer(p.header.readUInt32LE(0), p.header.readUInt32LE(8)).catch((err: unknown) => down.emit('error', err));
      }
    });
    return new Promise((resolve, reject) => {
      down.on('end', resolve);
      down.on('error', (err: grpc.ServiceError) => (err.code === grpc.status.CANCELLED ? resolve() : reject(err)));
    });
  }

  private answer(id: number, replyBytes: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const up = this.client.makeClientStreamRequest(UP, identity, identity, this.metadata, (err) => (err ? reject(err) : resolve()));
      const header = answerHeader(id);
      const frames = replyBytes > 0 ? [header, ...slices(this.reply(replyBytes), this.chunkBytes)] : [header];
      writeAll(up, frames).then(() => up.end(), reject);
    });
  }

  close(): void {
    this.down?.cancel();
    this.client.close();
  }
}
