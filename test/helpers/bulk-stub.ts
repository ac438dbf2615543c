/**
 * The bulk channel of a scripted coordinator (tests whose coordinator is a bare grpc-js
 * server): it serves one fixed model to any session token and refuses every update, so a
 * real node daemon can reach its 'connected' state and fetch what its tasks name.
 */
import { systemClock } from '../../shared/clock.js';
import { CohortError } from '../../shared/errors.js';
import { MemoryLogger } from '../../shared/logger.js';
import { type ModelVersion, versionOf } from '../../shared/model/version.js';
import { loadTlsMaterial } from '../../shared/pki/ca-dir.js';
import { type RunningBulkServer, serveBulk } from '../../server/bulk/server.js';

/** A running stub; `welcome` goes into the scripted Welcome, `version` into every Task. */
export interface StubBulk {
  readonly server: RunningBulkServer;
  readonly version: ModelVersion;
  readonly welcome: { readonly bulkPort: number; readonly bulkToken: Buffer };
  close(): Promise<void>;
}

/** Serve `weights` (as round 0) on a free port with the coordinator certificate of `certsDir`. */
export async function startStubBulk(certsDir: string, weights: Float32Array): Promise<StubBulk> {
  const version = versionOf(0, weights);
  const payload = new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength);
  const server = await serveBulk(
    {
      attach: () => undefined,
      detached: () => undefined,
      model: (want) => {
        if (!Buffer.from(want.sha256).equals(version.sha256)) throw new CohortError('not_found', 'the stub serves one model only');
        return { frame: { type: 'model', version, numParameters: weights.length, encoding: 'f32' }, payload };
      },
      openUpdate: () => Promise.reject(new CohortError('failed_precondition', 'the scripted coordinator takes no updates')),
    },
    {
      host: '127.0.0.1',
      port: 0,
      tls: loadTlsMaterial(certsDir, 'coordinator'),
      policy: { isRevoked: () => false, allow: () => true, revocations: () => ({ list: new Uint8Array(0), signature: new Uint8Array(0) }) },
      clock: systemClock,
      log: new MemoryLogger(),
      progressTimeoutMs: 10_000,
      maxQueuedBytes: weights.byteLength + (1 << 20),
    },
  );
  return { server, version, welcome: { bulkPort: server.port, bulkToken: Buffer.alloc(16, 5) }, close: () => server.close() };
}
