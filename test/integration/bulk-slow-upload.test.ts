/**
 * SECURITY.md, "a trickling one [holds a slot] at most P·(1+⌈payload MiB⌉)"; README "No
 * stall outlasts the progress timeout": an upload that delivers 64 KiB just inside every P
 * never stalls, yet is refused once P·(1 + ⌈payload MiB⌉) has passed since the coordinator
 * started reading it, and its slot is free again. Real TLS; the server's clock is injected.
 */
import assert from 'node:assert/strict';
import { ManualClock } from '../../shared/clock.js';
import { CohortError } from '../../shared/errors.js';
import { MemoryLogger } from '../../shared/logger.js';
import { loadTlsMaterial } from '../../shared/pki/ca-dir.js';
import type { PeerIdentity } from '../../shared/pki/identity.js';
import { type BulkHost, type BulkLink, PROGRESS_BYTES, type RunningBulkServer, serveBulk } from '../../server/bulk/server.js';
import type { UpdateHeader, UpdateReceiver } from '../../shared/tensor/update.js';
import { RawBulkClient, rawFrame } from '../helpers/bulk-wire.js';
import { TestPki } from '../helpers/federation.js';

const N = 300_000; // 1.2 MB in f32: ⌈payload MiB⌉ = 2, so the whole upload has 3·P
const P = 1_000;
const TOKEN = Buffer.alloc(16, 1);

/** The coordinator reduced to one upload slot that counts the bytes it is given. */
class CountingHost implements BulkHost {
  received = 0;
  readonly events: string[] = [];
  private waiters: Array<{ bytes: number; resolve: () => void }> = [];

  attach(token: Buffer, _who: PeerIdentity, _link: BulkLink): void {
    if (!token.equals(TOKEN)) throw new CohortError('failed_precondition', 'no Join session has this token');
  }

  detached(): void {}

  model(): never {
    throw new CohortError('not_found', 'no model here');
  }

  /** Resolves once the slot has been given `bytes` bytes of payload in all. */
  until(bytes: number): Promise<void> {
    if (this.received >= bytes) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ bytes, resolve }));
  }

  async openUpdate(name: string, _header: UpdateHeader): Promise<UpdateReceiver> {
    this.events.push(`reading ${name}`);
    return {
      write: (b) => {
        this.received += b.byteLength;
        const due = this.waiters.filter((w) => this.received >= w.bytes);
        this.waiters = this.waiters.filter((w) => this.received < w.bytes);
        for (const w of due) w.resolve();
      },
      finish: () => this.events.push(`done ${name}`),
      abort: (detail, why) => this.events.push(`abort ${name} ${why}: ${detail}`),
    };
  }
}

describe('bulk server: an upload slow in total but never stalled (real TLS, injected clock, claims audit)', function () {
  let pki: TestPki;
  let server: RunningBulkServer | undefined;
  let client: RawBulkClient | undefined;

  before(() => {
    pki = new TestPki();
    pki.issue('node-a', 'node');
  });

  after(async () => {
    client?.destroy();
    await server?.close();
    pki.remove();
  });

  it('is refused with deadline_exceeded once P·(1 + ⌈payload MiB⌉) has passed, not before, and the upload is aborted (which frees its slot)', async () => {
    const clock = new ManualClock(Date.now());
    const host = new CountingHost();
    server = await serveBulk(host, {
      host: '127.0.0.1',
      port: 0,
      tls: loadTlsMaterial(pki.dir, 'coordinator'),
      policy: { isRevoked: () => false, allow: () => true, revocations: () => pki.revocations() },
      clock,
      log: new MemoryLogger(),
      progressTimeoutMs: P,
      maxQueuedBytes: N * 4 + 1024 * 1024,
    });
    client = await RawBulkClient.connect(server.port, loadTlsMaterial(pki.dir, 'node-a'));
    await client.write(rawFrame({ hello: { protocol: 'cohort.bulk.v1', sessionToken: TOKEN } }));
    assert.equal((await client.read())?.header.body, 'ready');
    await client.write(rawFrame({ payloadBytes: N * 4, update: { round: 1, numExamples: 10, numParameters: N, trainLoss: 0.5, encoding: 'TENSOR_ENCODING_F32' } }));

    // 64 KiB, then 0.9·P of time, three times: progress every P, 2.7·P in all.
    const chunk = new Uint8Array(PROGRESS_BYTES);
    for (let i = 1; i <= 3; i++) {
      await client.write(chunk);
      await host.until(i * PROGRESS_BYTES);
      clock.advance(0.9 * P);
      assert.deepEqual(host.events, ['reading node-a'], `still reading at ${(0.9 * i).toFixed(1)}·P`);
    }
    await client.write(chunk);
    await host.until(4 * PROGRESS_BYTES);
    clock.advance(0.9 * P); // 3.6·P: past the whole upload's 3·P
    const e = await client.read();
    assert.equal(e?.header.body, 'error', JSON.stringify(e?.header));
    const err = (e?.header as { error?: { code?: string; message?: string } }).error;
    assert.equal(err?.code, 'deadline_exceeded');
    assert.match(err?.message ?? '', /^upload too slow: not complete 3000 ms after the coordinator started reading it/);
    assert.equal(host.events.length, 2);
    assert.match(host.events[1] as string, /^abort node-a stalled: upload too slow/);
  });
});
