/**
 * A node written from the contract alone, for attack tests: it joins over raw gRPC (generated
 * stubs), keeps the tasks the coordinator sends, and opens its bulk connection with the
 * spec-level client of bulk-wire.ts. The test then scripts what it sends.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import { deferred } from '../../shared/async.js';
import type { CoordinatorMessage__Output } from '../../shared/wire/generated/cohort/v1/CoordinatorMessage.js';
import type { NodeServiceClient } from '../../shared/wire/generated/cohort/v1/NodeService.js';
import type { Task__Output } from '../../shared/wire/generated/cohort/v1/Task.js';
import { RawBulkClient, rawFrame } from './bulk-wire.js';
import type { TestPki } from './federation.js';
import { rawNodeClient } from './grpc.js';

/** A scripted node with both connections open. */
export interface ScriptedNode {
  readonly name: string;
  readonly client: NodeServiceClient;
  readonly bulk: RawBulkClient;
  /** The Welcome's bulk token (another node's certificate must not be able to use it). */
  readonly token: Buffer;
  readonly bulkPort: number;
  /** The first task of `kind` for `round` (or any round), as it arrives. */
  task(kind: 'TASK_KIND_TRAIN' | 'TASK_KIND_EVALUATE', round?: number): Promise<Task__Output>;
  /** Resolves when the coordinator ends the Join stream. */
  readonly ended: Promise<void>;
  close(): void;
}

/** PEM material of `name` from the test CA. */
export function pemOf(pki: TestPki, name: string): { ca: Buffer; cert: Buffer; key: Buffer } {
  return { ca: readFileSync(join(pki.dir, 'ca.crt')), cert: readFileSync(join(pki.dir, `${name}.crt`)), key: readFileSync(join(pki.dir, `${name}.key`)) };
}

/** Join as `name`, then HELLO on the bulk port and wait for READY (`hello: false` leaves the bulk connection unopened). */
export async function scriptedNode(pki: TestPki, port: number, name: string, opts: { hello?: boolean } = {}): Promise<ScriptedNode> {
  const tls = pemOf(pki, name);
  const client = rawNodeClient(port, tls);
  const welcome = deferred<{ bulkPort: number; token: Buffer }>();
  const tasks: Task__Output[] = [];
  const waiters: Array<{ match: (t: Task__Output) => boolean; resolve: (t: Task__Output) => void }> = [];
  const ended = deferred<void>();
  const call: grpc.ClientReadableStream<CoordinatorMessage__Output> = client.Join({ protocol: 'cohort.v1', software: 'scripted' });
  call.on('data', (m: CoordinatorMessage__Output) => {
    if (m.body === 'welcome' && m.welcome) welcome.resolve({ bulkPort: m.welcome.bulkPort, token: Buffer.from(m.welcome.bulkToken) });
    if (m.body === 'task' && m.task) {
      const t = m.task;
      tasks.push(t);
      for (const w of [...waiters]) {
        if (w.match(t)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(t);
        }
      }
    }
  });
  call.on('error', () => ended.resolve());
  call.on('end', () => ended.resolve());
  const { bulkPort, token } = await welcome.promise;
  const bulk = await RawBulkClient.connect(bulkPort, tls);
  if (opts.hello !== false) {
    await bulk.write(rawFrame({ hello: { protocol: 'cohort.bulk.v1', sessionToken: token } }));
    const ready = await bulk.read();
    if (ready?.header.body !== 'ready') throw new Error(`${name}: no READY but ${JSON.stringify(ready?.header)}`);
  }
  return {
    name,
    client,
    bulk,
    token,
    bulkPort,
    ended: ended.promise,
    task(kind, round) {
      const match = (t: Task__Output): boolean => t.kind === kind && (round === undefined || t.round === round);
      const seen = tasks.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.push({ match, resolve }));
    },
    close() {
      bulk.destroy();
      call.cancel();
      client.close();
    },
  };
}

/** An UPDATE frame of float32 `values` for `round` (fields in `over` replace the header's). */
export function updateFrame(round: number, values: Float32Array, over: Record<string, unknown> = {}): Buffer {
  const payload = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  return rawFrame(
    { payloadBytes: payload.byteLength, update: { round, numExamples: 10, numParameters: values.length, trainLoss: 0.5, encoding: 'TENSOR_ENCODING_F32', ...over } },
    payload,
  );
}
