/**
 * Misbehaving nodes during a live round: each bad submission gets the right gRPC status,
 * nothing crashes, and the round completes with the nodes that behaved.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { PerturbWork } from '../../client/core/work.js';
import { deferred } from '../../shared/async.js';
import { MemoryLogger } from '../../shared/logger.js';
import type { CoordinatorMessage__Output } from '../../shared/wire/generated/cohort/v1/CoordinatorMessage.js';
import type { NodeServiceClient } from '../../shared/wire/generated/cohort/v1/NodeService.js';
import type { RoundEvent } from '../../server/core/types.js';
import type { StartedCoordinator } from '../../server/main.js';
import { type RunningNode, startTestCoordinator, startTestNode, TestPki } from '../helpers/federation.js';
import { rawNodeClient } from '../helpers/grpc.js';

interface Outcome {
  code: number;
  details: string;
}

/** Send `messages` as one SubmitUpdate stream and report the status it ended with. */
function submit(client: NodeServiceClient, messages: object[]): Promise<Outcome> {
  return new Promise((resolve) => {
    const call = client.SubmitUpdate({ deadline: Date.now() + 15_000 }, (err) => resolve(err ? { code: err.code, details: err.details } : { code: 0, details: '' }));
    for (const m of messages) call.write(m);
    call.end();
  });
}

function bytesOf(values: Float32Array): Buffer {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
}

/** A node speaking raw gRPC: joins, waits for its train task and keeps the session open. */
async function scriptedNode(pki: TestPki, port: number, name: string, options: grpc.ChannelOptions = {}) {
  const client = rawNodeClient(
    port,
    { ca: readFileSync(join(pki.dir, 'ca.crt')), cert: readFileSync(join(pki.dir, `${name}.crt`)), key: readFileSync(join(pki.dir, `${name}.key`)) },
    options,
  );
  const welcomed = deferred<void>();
  const task = deferred<{ round: number; numParameters: number }>();
  const call = client.Join({ protocol: 'cohort.v1', software: 'scripted' });
  call.on('data', (m: CoordinatorMessage__Output) => {
    if (m.body === 'welcome') welcomed.resolve();
    if (m.body === 'task' && m.task?.kind === 'TASK_KIND_TRAIN') task.resolve({ round: m.task.round, numParameters: m.task.numParameters });
  });
  call.on('error', () => undefined);
  await welcomed.promise;
  return {
    client,
    task: task.promise,
    close: () => {
      call.cancel();
      client.close();
    },
  };
}

describe('bad input from nodes during a round (integration)', function () {
  let pki: TestPki;
  let coordinator: StartedCoordinator;
  let honest: RunningNode[] = [];
  const scripted = ['stranger', 'bad-length', 'bad-nan', 'truncated', 'dup', 'oversize', 'bad-header'];
  const log = new MemoryLogger();

  before(async function () {
    pki = new TestPki();
    for (const n of ['honest-1', 'honest-2', ...scripted]) pki.issue(n, 'node');
    coordinator = await startTestCoordinator(pki, { log, settings: { minNodes: 2 } });
    honest = ['honest-1', 'honest-2'].map((n) => startTestNode(pki, coordinator.port, n, new PerturbWork(), { log }));
    await Promise.all(honest.map((n) => n.daemon.when('connected')));
  });

  after(async function () {
    await Promise.all(honest.map((n) => n.stop()));
    await coordinator?.close();
    pki?.remove();
  });

  it('rejects each bad submission with the right status and completes the round with the rest', async function () {
    const nodes = Object.fromEntries(
      await Promise.all(
        scripted.map(async (n) => [n, await scriptedNode(pki, coordinator.port, n, n === 'oversize' ? { 'grpc.max_send_message_length': 8 * 1024 * 1024 } : {})] as const),
      ),
    );
    const handle = coordinator.coordinator.launch({ rounds: 1, settings: {} });
    const events: RoundEvent[] = [];
    const finished = (async () => {
      for await (const e of handle.events) events.push(e);
    })();

    const { round, numParameters: d } = await nodes['stranger']!.task;
    const good = new Float32Array(d).fill(1e-3);
    const header = (over: object = {}) => ({ header: { round, numExamples: 10, numParameters: d, chunkCount: 1, trainLoss: 0.5, ...over } });
    const validUpdate = [header(), { chunk: { index: 0, data: bytesOf(good) } }];

    const results: Record<string, Outcome[]> = {};
    const run = async (name: string, attempts: object[][]): Promise<void> => {
      const node = nodes[name]!;
      await node.task;
      results[name] = [];
      for (const a of attempts) results[name].push(await submit(node.client, a));
    };
    const nan = good.slice();
    nan[d - 1] = Number.NaN;
    await Promise.all([
      // stranger only submits once dup is done, so the train stage is still open for dup's second try.
      run('dup', [validUpdate, validUpdate]).then(() => run('stranger', [[header({ round: round + 100 }), { chunk: { index: 0, data: bytesOf(good) } }], validUpdate])),
      run('bad-length', [[header({ numParameters: d - 1 }), { chunk: { index: 0, data: bytesOf(good.subarray(1)) } }], validUpdate]),
      run('bad-nan', [[header(), { chunk: { index: 0, data: bytesOf(nan) } }]]),
      run('truncated', [[header(), { chunk: { index: 0, data: bytesOf(good.subarray(0, d - 5)) } }]]),
      run('oversize', [[header(), { chunk: { index: 0, data: Buffer.alloc(2 * 1024 * 1024) } }]]),
      run('bad-header', [[{ chunk: { index: 0, data: bytesOf(good) } }], [header({ numExamples: 0 })]]),
    ]);

    const codes = (name: string): number[] => (results[name] ?? []).map((o) => o.code);
    assert.deepEqual(codes('stranger'), [grpc.status.FAILED_PRECONDITION, grpc.status.OK], 'unknown round id, then a valid update');
    assert.match(results['stranger']![0]!.details, /round \d+ is not open/);
    assert.deepEqual(codes('bad-length'), [grpc.status.INVALID_ARGUMENT, grpc.status.FAILED_PRECONDITION], 'wrong length, then refused as no longer in the round');
    assert.match(results['bad-length']![0]!.details, /parameters, the model has/);
    assert.deepEqual(codes('bad-nan'), [grpc.status.INVALID_ARGUMENT]);
    assert.match(results['bad-nan']![0]!.details, /NaN: updates must be finite/);
    assert.deepEqual(codes('truncated'), [grpc.status.INVALID_ARGUMENT]);
    assert.deepEqual(codes('dup'), [grpc.status.OK, grpc.status.FAILED_PRECONDITION]);
    assert.match(results['dup']![1]!.details, /duplicate submission/);
    assert.deepEqual(codes('oversize'), [grpc.status.RESOURCE_EXHAUSTED]);
    assert.deepEqual(codes('bad-header'), [grpc.status.INVALID_ARGUMENT, grpc.status.INVALID_ARGUMENT], 'no header first, then a header claiming 0 examples');

    // The scripted nodes do not evaluate; once they hang up the round need not wait for them.
    for (const n of Object.values(nodes)) n.close();
    await finished;
    const last = events[events.length - 1]!;
    assert.equal(last.state, 'completed', last.reason);
    // honest-1, honest-2, stranger (second try) and dup (first try); everyone else left the round.
    assert.equal(last.participants, 4);
    assert.equal(last.selected, 2 + scripted.length);
  });
});
