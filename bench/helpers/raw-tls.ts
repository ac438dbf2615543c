/**
 * The raw mutual-TLS baseline: plain node:tls sockets with the federation's certificates
 * (TLS 1.3 only, client certificates required), no framing beyond a 12-byte phase header,
 * nothing copied, checked or aggregated. It is the floor of the bulk channel's transport:
 * the server writes each phase's payload in 256 KiB slices, the next slice once the
 * previous one is handed to the kernel (as the bulk server does, so a slow reader never
 * makes it hold more than one slice of ciphertext), and counts the bytes it receives.
 */
import { connect, createServer, type TLSSocket } from 'node:tls';
import type { TlsMaterial } from '../../shared/pki/ca-dir.js';
import type { RawServer } from './raw-grpc.js';
import { answerHeader, listenOnLoopback, payloadCache, phaseHeader, phaseReader, waitForJoins } from './raw-phase.js';

const SLICE_BYTES = 256 * 1024;

/** Write `data` in slices, each after the previous one was flushed. */
function writeSliced(socket: TLSSocket, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    let off = 0;
    const next = (err?: Error | null): void => {
      if (err) {
        reject(err);
        return;
      }
      if (off >= data.length) {
        resolve();
        return;
      }
      const end = Math.min(data.length, off + SLICE_BYTES);
      const slice = data.subarray(off, end);
      off = end;
      socket.write(slice, next);
    };
    next();
  });
}

interface Peer {
  readonly socket: TLSSocket;
  /** Bytes still expected from this client in the current phase (header included). */
  expected: number;
  received: number;
  done: (() => void) | undefined;
}

/** Start the raw TLS server on 127.0.0.1:0 with the coordinator's certificate. */
export async function startRawTlsServer(tls: TlsMaterial): Promise<RawServer> {
  const peers = new Set<Peer>();
  const joinWaiters: (() => void)[] = [];
  const payload = payloadCache();
  let phaseId = 0;
  const server = createServer({ key: tls.key, cert: tls.cert, ca: tls.ca, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.3' }, (socket) => {
    socket.setNoDelay(true);
    const peer: Peer = { socket, expected: 0, received: 0, done: undefined };
    peers.add(peer);
    socket.on('data', (chunk: Buffer) => {
      peer.received += chunk.length;
      if (peer.done && peer.received >= peer.expected) {
        const d = peer.done;
        peer.done = undefined;
        d();
      }
    });
    socket.on('close', () => peers.delete(peer));
    socket.on('error', () => undefined);
    for (const w of joinWaiters.splice(0)) w();
  });
  const port = await listenOnLoopback(server);
  return {
    port,
    waitForClients(count, timeoutMs) {
      return waitForJoins(() => peers.size, joinWaiters, count, timeoutMs, 'raw TLS clients');
    },
    async phase(sendBytes, replyBytes, timeoutMs = 120_000) {
      const id = ++phaseId;
      const header = phaseHeader(id, sendBytes, replyBytes);
      const body = payload(sendBytes);
      const t0 = performance.now();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`raw TLS phase ${id} did not finish within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        const each = [...peers].map(async (p) => {
          // The client answers every phase with a 4-byte id and its reply bytes.
          const answered = new Promise<void>((resolve) => {
            p.received = 0;
            p.expected = 4 + replyBytes;
            p.done = resolve;
          });
          p.socket.write(header);
          await writeSliced(p.socket, body);
          await answered;
        });
        await Promise.race([Promise.all(each), timeout]);
        return performance.now() - t0;
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      for (const p of peers) p.socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A raw TLS client: counts each phase's payload and answers with its reply bytes. */
export class RawTlsClient {
  private socket: TLSSocket | undefined;
  private readonly reply = payloadCache();

  constructor(
    private readonly address: string,
    private readonly tls: TlsMaterial,
  ) {}

  /** Connect and serve phases; resolves when the server closes the connection. */
  run(): Promise<void> {
    const [host, port] = this.address.split(':');
    const socket = connect({ host, port: Number(port), key: this.tls.key, cert: this.tls.cert, ca: this.tls.ca, minVersion: 'TLSv1.3', servername: 'localhost' });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on(
      'data',
      phaseReader((id, replyBytes) => {
        socket.write(answerHeader(id));
        // Sliced like the server's writes and a Cohort node's updates, so both sides measure the same thing.
        if (replyBytes > 0) void writeSliced(socket, this.reply(replyBytes)).catch(() => socket.destroy());
      }),
    );
    return new Promise((resolve, reject) => {
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });
  }

  close(): void {
    this.socket?.destroy();
  }
}
