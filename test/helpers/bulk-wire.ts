/**
 * The bulk channel as a third-party node would implement it from proto/cohort/v1/bulk.proto
 * alone: protobufjs loads the contract, frames are built and read by hand from the byte
 * layout the comments give, over a plain node:tls socket. Nothing here imports the daemon's
 * or the coordinator's bulk code, so tests written with it check the contract, not our
 * reading of it.
 */
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { connect, type TLSSocket } from 'node:tls';
import protobuf from 'protobufjs';

const PROTO_DIR = fileURLToPath(new URL('../../../proto/', import.meta.url));
let type: protobuf.Type | undefined;

function headerType(): protobuf.Type {
  if (!type) {
    const root = new protobuf.Root();
    root.resolvePath = (_o, target) => PROTO_DIR + target;
    root.loadSync('cohort/v1/bulk.proto');
    type = root.lookupType('cohort.v1.BulkHeader');
  }
  return type;
}

/** A BulkHeader with exactly these fields (camelCase, enums by name), protobuf-encoded. */
export function rawHeader(fields: Record<string, unknown>): Buffer {
  const t = headerType();
  return Buffer.from(t.encode(t.fromObject(fields)).finish());
}

/** A whole frame: 4-byte little-endian header length, header, payload. */
export function rawFrame(fields: Record<string, unknown>, payload: Uint8Array = new Uint8Array(0)): Buffer {
  const h = rawHeader(fields);
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32LE(h.length, 0);
  return Buffer.concat([prefix, h, payload]);
}

/** A decoded header as plain data (enums by name, 64-bit integers as numbers). */
export type RawHeader = Record<string, unknown> & { body?: string; payloadBytes?: number };

/** One frame read back from the coordinator. */
export interface ReadFrame {
  readonly header: RawHeader;
  readonly payload: Buffer;
}

/** PEM material of a test client. */
export interface PemMaterial {
  readonly ca: Buffer | string;
  readonly cert: Buffer | string;
  readonly key: Buffer | string;
}

/**
 * A scripted bulk client: it writes what the test tells it to and reads frames on demand.
 * It can stop reading (its socket is paused, so TCP back-pressure reaches the coordinator).
 */
export class RawBulkClient {
  /** Received and not yet read: chunks joined only when a read needs them (a 4 MB model arrives in hundreds). */
  private chunks: Buffer[] = [];
  private length = 0;
  private readonly waiters: (() => void)[] = [];
  private ended = false;
  closedWith: Error | undefined;

  private constructor(readonly socket: TLSSocket) {
    socket.on('data', (b: Buffer) => {
      this.chunks.push(b);
      this.length += b.length;
      this.wake();
    });
    socket.on('close', () => {
      this.ended = true;
      this.wake();
    });
    socket.on('error', (err) => {
      this.closedWith = err;
    });
  }

  /** Connect with `tls` to `port` on 127.0.0.1 (TLS 1.3, server name localhost). */
  static async connect(port: number, tls: PemMaterial, opts: { readonly maxVersion?: 'TLSv1.2' | 'TLSv1.3' } = {}): Promise<RawBulkClient> {
    const socket = connect({ host: '127.0.0.1', port, ca: tls.ca, cert: tls.cert, key: tls.key, servername: 'localhost', ...(opts.maxVersion ? { maxVersion: opts.maxVersion, minVersion: 'TLSv1.2' } : { minVersion: 'TLSv1.3' }) });
    const client = new RawBulkClient(socket);
    await Promise.race([once(socket, 'secureConnect'), once(socket, 'error').then(([e]) => Promise.reject(e as Error))]);
    return client;
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Wait until `bytes` have arrived; then they are the start of `buffered`. */
  private async waitFor(bytes: number): Promise<boolean> {
    while (this.length < bytes) {
      if (this.ended) return false;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    if ((this.chunks[0]?.length ?? 0) < bytes) this.chunks = [Buffer.concat(this.chunks)];
    return true;
  }

  private get buffered(): Buffer {
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  private consume(bytes: number): void {
    const first = this.buffered;
    this.length -= bytes;
    if (first.length === bytes) this.chunks.shift();
    else this.chunks[0] = first.subarray(bytes);
  }

  /** Write bytes; resolves when they are handed to the kernel. */
  write(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(bytes, (err) => (err ? reject(err) : resolve())));
  }

  /** The next frame, or undefined once the coordinator has closed the connection. */
  async read(): Promise<ReadFrame | undefined> {
    if (!(await this.waitFor(4))) return undefined;
    const h = this.buffered.readUInt32LE(0);
    if (!(await this.waitFor(4 + h))) return undefined;
    const t = headerType();
    const header = t.toObject(t.decode(this.buffered.subarray(4, 4 + h)), { longs: Number, enums: String, oneofs: true, defaults: true }) as RawHeader;
    const p = Number(header.payloadBytes ?? 0);
    if (!(await this.waitFor(4 + h + p))) return undefined;
    const payload = Buffer.from(this.buffered.subarray(4 + h, 4 + h + p));
    this.consume(4 + h + p);
    return { header, payload };
  }

  /** Resolves once the coordinator has closed the connection. */
  async closed(): Promise<void> {
    while (!this.ended) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Stop reading: nothing more is taken from the socket, so the coordinator's writes back up. */
  stopReading(): void {
    this.socket.pause();
  }

  destroy(): void {
    this.socket.destroy();
  }
}
