/**
 * The raw HTTP/2 baseline: Node's own http2 module (what grpc-js runs on, without grpc-js's
 * framing, metadata and per-message work) over the same mutual TLS 1.3, with the same
 * 1 MiB flow-control windows as Cohort's gRPC transport. A long-lived GET stream carries
 * each phase down (12-byte header, then the payload in 256 KiB writes); each client
 * answers a phase with one POST stream carrying a 4-byte id and its reply bytes.
 */
import { once } from 'node:events';
import { connect, constants, createSecureServer, type ClientHttp2Session, type ServerHttp2Stream } from 'node:http2';
import type { Writable } from 'node:stream';
import type { TlsMaterial } from '../../shared/pki/ca-dir.js';
import { FLOW_CONTROL_WINDOW_BYTES } from '../../shared/wire/proto.js';
import type { RawServer } from './raw-grpc.js';
import { answerHeader, listenOnLoopback, payloadCache, phaseHeader, phaseReader, waitForJoins } from './raw-phase.js';

const SLICE_BYTES = 256 * 1024;

async function writeSliced(stream: Writable, data: Buffer): Promise<void> {
  for (let off = 0; off < data.length; off += SLICE_BYTES) {
    if (!stream.write(data.subarray(off, Math.min(data.length, off + SLICE_BYTES)))) await once(stream, 'drain');
  }
}

/** Start the raw HTTP/2 server on 127.0.0.1:0 with the coordinator's certificate. */
export async function startRawHttp2Server(tls: TlsMaterial): Promise<RawServer> {
  const downs = new Set<ServerHttp2Stream>();
  const joinWaiters: (() => void)[] = [];
  const payload = payloadCache();
  let current: { id: number; replyBytes: number; pending: number; done: () => void; fail: (e: Error) => void } | undefined;
  let phaseId = 0;
  const server = createSecureServer({
    key: tls.key,
    cert: tls.cert,
    ca: tls.ca,
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.3',
    settings: { initialWindowSize: FLOW_CONTROL_WINDOW_BYTES },
  });
  server.on('session', (session) => {
    if (!session.destroyed) session.setLocalWindowSize(FLOW_CONTROL_WINDOW_BYTES);
  });
  server.on('stream', (stream, headers) => {
    if (headers[constants.HTTP2_HEADER_PATH] === '/down') {
      stream.respond({ ':status': 200 });
      downs.add(stream);
      stream.on('close', () => downs.delete(stream));
      for (const w of joinWaiters.splice(0)) w();
      return;
    }
    let received = 0;
    let id = -1;
    stream.on('data', (b: Buffer) => {
      if (id < 0) id = b.readUInt32LE(0);
      received += b.length;
    });
    stream.on('end', () => {
      stream.respond({ ':status': 200 }, { endStream: true });
      const p = current;
      if (!p || id !== p.id) return;
      if (received !== 4 + p.replyBytes) {
        p.fail(new Error(`reply of ${received - 4} bytes, expected ${p.replyBytes}`));
        return;
      }
      p.pending -= 1;
      if (p.pending === 0) p.done();
    });
  });
  const port = await listenOnLoopback(server);
  return {
    port,
    waitForClients(count, timeoutMs) {
      return waitForJoins(() => downs.size, joinWaiters, count, timeoutMs, 'raw HTTP/2 clients');
    },
    async phase(sendBytes, replyBytes, timeoutMs = 120_000) {
      const id = ++phaseId;
      const header = phaseHeader(id, sendBytes, replyBytes);
      const body = payload(sendBytes);
      let timer: NodeJS.Timeout | undefined;
      const finished = new Promise<void>((resolve, reject) => {
        current = { id, replyBytes, pending: downs.size, done: resolve, fail: reject };
        timer = setTimeout(() => reject(new Error(`raw HTTP/2 phase ${id} did not finish within ${timeoutMs} ms`)), timeoutMs);
      });
      const t0 = performance.now();
      try {
        await Promise.all(
          [...downs].map(async (s) => {
            s.write(header);
            await writeSliced(s, body);
          }),
        );
        await finished;
        return performance.now() - t0;
      } finally {
        clearTimeout(timer);
        current = undefined;
      }
    },
    async close() {
      for (const s of downs) s.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        const force = setTimeout(resolve, 1000);
        force.unref();
      });
    },
  };
}

/** A raw HTTP/2 client: counts each phase on its GET stream and answers with a POST. */
export class RawHttp2Client {
  private session: ClientHttp2Session | undefined;
  private readonly reply = payloadCache();

  constructor(
    private readonly address: string,
    private readonly tls: TlsMaterial,
  ) {}

  /** Connect and serve phases; resolves when the session closes. */
  run(): Promise<void> {
    const session = connect(`https://${this.address}`, {
      key: this.tls.key,
      cert: this.tls.cert,
      ca: this.tls.ca,
      minVersion: 'TLSv1.3',
      servername: 'localhost',
      settings: { initialWindowSize: FLOW_CONTROL_WINDOW_BYTES },
    });
    this.session = session;
    session.on('connect', () => session.setLocalWindowSize(FLOW_CONTROL_WINDOW_BYTES));
    const down = session.request({ ':path': '/down', ':method': 'GET' });
    down.on(
      'data',
      phaseReader((id, replyBytes) => {
        const up = session.request({ ':path': '/up', ':method': 'POST' });
        up.on('response', () => undefined);
        up.resume();
        up.write(answerHeader(id));
        void (async () => {
          if (replyBytes > 0) await writeSliced(up, this.reply(replyBytes));
          up.end();
        })();
      }),
    );
    return new Promise((resolve, reject) => {
      session.on('close', () => resolve());
      session.on('error', reject);
    });
  }

  close(): void {
    this.session?.destroy();
  }
}
