/**
 * Fuzzing the RPC boundary: 1,200 random and mutated messages against a running
 * coordinator. It stays up, answers every one with an error status, and its state
 * (nodes, rounds, ledger) is what it was before.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import fc from 'fast-check';
import { PerturbWork } from '../../client/core/work.js';
import { clientChannelOptions } from '../../client/grpc/daemon.js';
import { MemoryLogger } from '../../shared/logger.js';
import { loadContract } from '../../shared/wire/proto.js';
import type { StartedCoordinator } from '../../server/main.js';
import { type RunningNode, startTestCoordinator, startTestNode, TestPki } from '../helpers/federation.js';

type Kind = 'unary' | 'server-stream';

const METHODS: ReadonlyArray<{ path: string; kind: Kind; type: string }> = [
  { path: '/cohort.v1.NodeService/Join', kind: 'server-stream', type: 'JoinRequest' },
  { path: '/cohort.v1.NodeService/SubmitEvaluation', kind: 'unary', type: 'EvaluationResult' },
  { path: '/cohort.v1.NodeService/Decline', kind: 'unary', type: 'DeclineRequest' },
  { path: '/cohort.v1.NodeService/SecAggSend', kind: 'unary', type: 'SecAggFromNode' },
  { path: '/cohort.v1.AdminService/LaunchRounds', kind: 'server-stream', type: 'LaunchRequest' },
  { path: '/cohort.v1.AdminService/GetStatus', kind: 'unary', type: 'StatusRequest' },
  { path: '/cohort.v1.AdminService/BudgetReport', kind: 'unary', type: 'BudgetReportRequest' },
];

const identity = (b: Buffer): Buffer => b;

/** Valid messages of each type, to mutate (a fuzzer that only sends noise never gets past the parser). */
function seeds(): Record<string, Buffer[]> {
  const root = loadContract().cohort.v1 as unknown as Record<string, { serialize(v: object): Buffer }>;
  const enc = (type: string, v: object): Buffer => (root[type] as { serialize(v: object): Buffer }).serialize(v);
  return {
    JoinRequest: [enc('JoinRequest', { protocol: 'cohort.v2', software: 'fuzz' })],
    EvaluationResult: [enc('EvaluationResult', { round: 1, numExamples: 5, accuracy: 0.9, loss: 0.3 })],
    DeclineRequest: [enc('DeclineRequest', { round: 1, kind: 'TASK_KIND_TRAIN', reason: 'fuzz' })],
    SecAggFromNode: [enc('SecAggFromNode', { round: 1, roundId: '1-x', consistencySignature: Buffer.alloc(32, 1) })],
    LaunchRequest: [enc('LaunchRequest', { rounds: 1 })],
    StatusRequest: [Buffer.alloc(0)],
    BudgetReportRequest: [Buffer.alloc(0)],
  };
}

function mutate(bytes: Buffer, edits: Array<[number, number]>): Buffer {
  const out = Buffer.from(bytes);
  for (const [pos, value] of edits) if (out.length > 0) out[pos % out.length] = value;
  return out;
}

describe('RPC boundary fuzzing (integration)', function () {
  let pki: TestPki;
  let coordinator: StartedCoordinator;
  let nodes: RunningNode[] = [];

  before(async function () {
    pki = new TestPki();
    for (const n of ['a', 'b', 'fuzzer', 'flood']) pki.issue(n, 'node');
    coordinator = await startTestCoordinator(pki, { log: new MemoryLogger() });
    nodes = ['a', 'b'].map((n) => startTestNode(pki, coordinator.port, n, new PerturbWork()));
    await Promise.all(nodes.map((n) => n.daemon.when('connected')));
    for await (const e of coordinator.coordinator.launch({ rounds: 1, settings: { noiseMultiplier: 1, clipNorm: 1 } }).events) void e;
  });

  after(async function () {
    await Promise.all(nodes.map((n) => n.stop()));
    await coordinator?.close();
    pki?.remove();
  });

  it('cuts off a node that floods a method with RESOURCE_EXHAUSTED', async function () {
    const creds = grpc.credentials.createFromSecureContext(
      createSecureContext({ ca: readFileSync(join(pki.dir, 'ca.crt')), cert: readFileSync(join(pki.dir, 'flood.crt')), key: readFileSync(join(pki.dir, 'flood.key')) }),
    );
    const NodeService = loadContract().cohort.v1.NodeService;
    const client = new NodeService(`127.0.0.1:${coordinator.port}`, creds, clientChannelOptions());
    const codes = await Promise.all(
      Array.from(
        { length: 300 },
        () =>
          new Promise<number>((resolve) => {
            client.SubmitEvaluation({ round: 99, numExamples: 1, accuracy: 0.5, loss: 1 }, { deadline: Date.now() + 10_000 }, (err) => resolve(err ? err.code : 0));
          }),
      ),
    );
    client.close();
    const exhausted = codes.filter((c) => c === grpc.status.RESOURCE_EXHAUSTED).length;
    assert.ok(exhausted >= 50, `only ${exhausted} of 300 calls were rate limited`);
    assert.ok(codes.every((c) => c === grpc.status.RESOURCE_EXHAUSTED || c === grpc.status.FAILED_PRECONDITION));
  });

  it('answers 1,200 random and mutated messages with error statuses and changes nothing', async function () {
    const snapshot = (): unknown => ({
      nodes: coordinator.coordinator.nodes().map((n) => [n.name, n.status, n.roundsParticipated]),
      completed: coordinator.coordinator.status().completedRounds,
      queued: coordinator.coordinator.status().queuedRounds,
      ledger: coordinator.coordinator.accountant.entries().length,
      weights: Buffer.from(coordinator.coordinator.weights.buffer).toString('base64'),
    });
    const before = snapshot();

    const creds = grpc.credentials.createFromSecureContext(
      createSecureContext({ ca: readFileSync(join(pki.dir, 'ca.crt')), cert: readFileSync(join(pki.dir, 'fuzzer.crt')), key: readFileSync(join(pki.dir, 'fuzzer.key')) }),
    );
    const client = new grpc.Client(`127.0.0.1:${coordinator.port}`, creds, clientChannelOptions());
    const valid = seeds();
    const message = fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
      fc.tuple(fc.constantFrom(...Object.values(valid).flat()), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 })).map(([b, edits]) => mutate(b, edits)),
    );
    const cases = fc.sample(fc.tuple(fc.constantFrom(...METHODS), fc.array(message, { minLength: 1, maxLength: 3 })), { seed: 42, numRuns: 1200 });

    const call = (m: (typeof METHODS)[number], msgs: Buffer[]): Promise<number> =>
      new Promise((resolve) => {
        const deadline = Date.now() + 10_000;
        const done = (err: grpc.ServiceError | null): void => resolve(err ? err.code : grpc.status.OK);
        if (m.kind === 'unary') {
          client.makeUnaryRequest(m.path, identity, identity, msgs[0] as Buffer, { deadline }, (err) => done(err));
        } else {
          const s = client.makeServerStreamRequest(m.path, identity, identity, msgs[0] as Buffer, { deadline });
          // A stream that opens (it must not) is closed by us and counted as a success.
          s.on('data', () => {
            s.cancel();
            resolve(grpc.status.OK);
          });
          s.on('error', (err: grpc.ServiceError) => done(err));
          s.on('end', () => resolve(grpc.status.OK));
        }
      });

    const statuses = new Map<number, number>();
    for (const [m, msgs] of cases) {
      const code = await call(m, msgs);
      statuses.set(code, (statuses.get(code) ?? 0) + 1);
    }
    client.close();
    assert.equal(statuses.get(grpc.status.OK), undefined, `some messages were accepted: ${JSON.stringify([...statuses])}`);
    assert.equal([...statuses.values()].reduce((a, b) => a + b, 0), 1200);
    // Mutated messages get past the parser: refusals come from every layer, not only decoding (INTERNAL).
    for (const code of [grpc.status.INVALID_ARGUMENT, grpc.status.FAILED_PRECONDITION, grpc.status.PERMISSION_DENIED]) {
      assert.ok((statuses.get(code) ?? 0) > 20, `too few ${grpc.status[code]}: ${JSON.stringify([...statuses])}`);
    }
    assert.deepEqual(snapshot(), before);

    // Still serving: a real round completes after the barrage.
    const events = [];
    for await (const e of coordinator.coordinator.launch({ rounds: 1, settings: {} }).events) if (e.state !== 'running') events.push(e);
    assert.equal(events[0]?.state, 'completed', events[0]?.reason);
  });
});
