/**
 * What the three raw transport baselines (raw-grpc, raw-http2, raw-tls) share: the 12-byte
 * phase header (id, send bytes, reply bytes), the payload buffers, the loopback listen, the
 * wait for clients and the client's parse of a phase off a byte stream. Nothing here runs per message.
 */
import type { Server } from 'node:net';

const HEADER_BYTES = 12;

/** Payload buffers by size, filled once with non-constant bytes. */
export function payloadCache(): (bytes: number) => Buffer {
  const cache = new Map<number, Buffer>();
  return (bytes) => {
    let b = cache.get(bytes);
    if (!b) {
      b = Buffer.allocUnsafe(bytes);
      for (let i = 0; i < bytes; i++) b[i] = (i * 2654435761) >>> 24;
      cache.set(bytes, b);
    }
    return b;
  };
}

/** Listen on 127.0.0.1 on a free port; resolves with the port. */
export function listenOnLoopback(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
}

/** The header a phase starts with. */
export function phaseHeader(id: number, sendBytes: number, replyBytes: number): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32LE(id, 0);
  header.writeUInt32LE(sendBytes, 4);
  header.writeUInt32LE(replyBytes, 8);
  return header;
}

/** The 4-byte id a client's answer starts with. */
export function answerHeader(id: number): Buffer {
  const answer = Buffer.alloc(4);
  answer.writeUInt32LE(id, 0);
  return answer;
}

/**
 * Resolve once `connected()` reaches `count`; `joinWaiters` are called by the server on each
 * join (re-checked every 200 ms in case a join and a leave cross).
 */
export async function waitForJoins(connected: () => number, joinWaiters: (() => void)[], count: number, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (connected() < count) {
    if (Date.now() > deadline) throw new Error(`only ${connected()} of ${count} ${what} connected within ${timeoutMs} ms`);
    await new Promise<void>((resolve) => {
      joinWaiters.push(resolve);
      setTimeout(resolve, 200).unref();
    });
  }
}

/**
 * A client's reader of phases off a byte stream: the header, then its send bytes counted
 * (not kept); calls `onPhase` once each phase has fully arrived.
 */
export function phaseReader(onPhase: (id: number, replyBytes: number) => void): (chunk: Buffer) => void {
  const header = Buffer.alloc(HEADER_BYTES);
  let headerFill = 0;
  let remaining = 0;
  return (chunk) => {
    let off = 0;
    while (off < chunk.length) {
      if (headerFill < HEADER_BYTES) {
        const n = Math.min(HEADER_BYTES - headerFill, chunk.length - off);
        chunk.copy(header, headerFill, off, off + n);
        headerFill += n;
        off += n;
        if (headerFill === HEADER_BYTES) remaining = header.readUInt32LE(4);
      } else {
        const n = Math.min(remaining, chunk.length - off);
        remaining -= n;
        off += n;
      }
      if (headerFill === HEADER_BYTES && remaining === 0) {
        headerFill = 0;
        onPhase(header.readUInt32LE(0), header.readUInt32LE(8));
      }
    }
  };
}
