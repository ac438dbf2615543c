/**
 * A node whose data does not fit the coordinator's model says so at once, in its own log
 * and in the data's own terms, declines each task with a category and a short reason,
 * and sends nothing else about its data; the operator sees who declined and why in
 * `round launch` and `status`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { PeerCertificate } from 'node:tls';
import { BuiltinTrainer } from '../../client/trainer/builtin.js';
import { TrainerWork } from '../../client/trainer/work.js';
import { NODE_VERSION } from '../../client/grpc/daemon.js';
import { loadLocalData } from '../../client/data/index.js';
import { runCli } from '../../cli/main.js';
import { MemoryLogger } from '../../shared/logger.js';
import { builtinModel } from '../../shared/model/model.js';
import { initParameters, parameterCount, parseModelSpec } from '../../shared/model/spec.js';
import { modelToWire } from '../../shared/wire/model.js';
import { loadTlsMaterial } from '../../shared/pki/ca-dir.js';
import { SeededRandom } from '../../shared/random.js';
import type { CoordinatorMessage } from '../../shared/wire/generated/cohort/v1/CoordinatorMessage.js';
import { loadContract } from '../../shared/wire/proto.js';
import { type StubBulk, startStubBulk } from '../helpers/bulk-stub.js';
import { mutualTlsServerCredentials } from '../../server/grpc/credentials.js';
import { type RunningNode, startTestCoordinator, startTestNode, TestPki } from '../helpers/federation.js';
import { recordingIo } from '../helpers/io.js';
import type { StartedCoordinator } from '../../server/main.js';

const SPEC = parseModelSpec({ features: 4, classes: 2 });
const MODEL = modelToWire(builtinModel(SPEC));

/** A CSV with a header and `rows` rows of `columns(i)`; the label column is "outcome". */
function csv(dir: string, name: string, header: string[], rows: number, columns: (i: number) => number[]): string {
  const path = join(dir, `${name}.csv`);
  const lines = [header.join(','), ...Array.from({ length: rows }, (_, i) => columns(i).join(','))];
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/** Scaled features in [0, 1] whose label follows the first two (learnable). */
function scaledRow(i: number): number[] {
  const a = ((i * 37) % 100) / 100;
  const b = ((i * 61) % 100) / 100;
  return [a, b, ((i * 13) % 100) / 100, 0.5, a + b > 1 ? 1 : 0];
}

async function work(path: string): Promise<TrainerWork> {
  return new TrainerWork(new BuiltinTrainer(await loadLocalData({ kind: 'csv', path, label: 'outcome' })), new MemoryLogger());
}

/** One call a node made, as the scripted coordinator parsed it. */
interface Received {
  readonly node: string;
  readonly method: string;
  readonly request: unknown;
}

/**
 * A coordinator that only follows a script: it welcomes every node with MODEL and the
 * range [0, 1], sends the tasks it is told to, and records every call a node makes.
 */
class ScriptedCoordinator {
  readonly received: Received[] = [];
  readonly joins = new Map<string, grpc.ServerWritableStream<unknown, CoordinatorMessage>>();
  private readonly server = new grpc.Server();
  private readonly listeners = new Set<() => void>();
  private readonly weights = initParameters(SPEC, new SeededRandom(1));
  private bulk: StubBulk | undefined;
  port = 0;

  async start(pki: TestPki): Promise<void> {
    const bulk = await startStubBulk(pki.dir, this.weights);
    this.bulk = bulk;
    const who = (call: { getAuthContext(): { sslPeerCertificate?: PeerCertificate } | null | undefined }): string => String(call.getAuthContext()?.sslPeerCertificate?.subject?.CN ?? '?');
    const record = (node: string, method: string, request: unknown): void => {
      this.received.push({ node, method, request });
      for (const l of [...this.listeners]) l();
    };
    const unary =
      (method: string) =>
      (call: grpc.ServerUnaryCall<{ round?: number }, unknown>, cb: grpc.sendUnaryData<unknown>): void => {
        record(who(call), method, call.request);
        cb(null, { round: call.request.round ?? 0 });
      };
    this.server.addService(loadContract().cohort.v1.NodeService.service, {
      Join: (call: grpc.ServerWritableStream<unknown, CoordinatorMessage>) => {
        const node = who(call);
        record(node, 'Join', call.request);
        this.joins.set(node, call);
        call.write({ welcome: { nodeName: node, coordinatorVersion: 'scripted', model: MODEL, featureRange: { min: 0, max: 1 }, ...bulk.welcome } });
      },
      SubmitEvaluation: unary('SubmitEvaluation'),
      Decline: unary('Decline'),
      SecAggSend: unary('SecAggSend'),
    });
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync('127.0.0.1:0', mutualTlsServerCredentials(loadTlsMaterial(pki.dir, 'coordinator')), (err, p) => (err ? reject(err) : resolve(p))),
    );
  }

  /** Send `node` a task of MODEL with its weights, as a coordinator would. */
  sendTask(node: string, round: number, kind: 'TASK_KIND_TRAIN' | 'TASK_KIND_EVALUATE'): void {
    const call = this.joins.get(node);
    assert.ok(call, `${node} has not joined`);
    call.write({
      task: {
        round,
        kind,
        model: MODEL,
        train: { epochs: 1, batchSize: 8, learningRate: 0.1 },
        numParameters: parameterCount(SPEC),
        deadlineMs: Date.now() + 60_000,
        seed: 7,
        modelVersion: (this.bulk as StubBulk).version,
        updateEncoding: 'TENSOR_ENCODING_F32',
      },
    });
  }

  /** Resolve once `count` calls satisfy `accept`. */
  until(count: number, accept: (r: Received) => boolean): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.received.filter(accept).length < count) return;
        this.listeners.delete(check);
        resolve();
      };
      this.listeners.add(check);
      check();
    });
  }

  close(): void {
    this.server.forceShutdown();
    void this.bulk?.close();
  }
}

describe('a node checks its data against the coordinator\'s model (integration)', function () {
  let pki: TestPki;
  let dir: string;

  before(function () {
    pki = new TestPki();
    for (const n of ['hospital-a', 'hospital-b', 'hospital-c', 'hospital-d']) pki.issue(n, 'node');
    pki.issue('alice', 'operator');
    dir = mkdtempSync(join(tmpdir(), 'cohort-data-checks-'));
  });

  after(function () {
    pki.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('against a scripted coordinator that records everything a node sends', function () {
    let coordinator: ScriptedCoordinator;
    const nodes: RunningNode[] = [];
    const logs = new Map<string, MemoryLogger>();

    before(async function () {
      coordinator = new ScriptedCoordinator();
      await coordinator.start(pki);
      const files = {
        // 8 columns against a 4-feature model.
        'hospital-b': csv(dir, 'wide', ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'outcome'], 50, (i) => [...scaledRow(i).slice(0, 4), 0.1, 0.2, 0.3, 0.4, i % 2]),
        // Labels coded 1/2: 150 of 300 rows carry a 2.
        'hospital-c': csv(dir, 'coded', ['age', 'bmi', 'bp', 'sugar', 'outcome'], 300, (i) => [...scaledRow(i).slice(0, 4), 1 + (i % 2)]),
        // Fits the model, but ages 20..79 and blood pressure in mmHg were not scaled.
        'hospital-d': csv(dir, 'unscaled', ['age', 'bmi', 'bp', 'sugar', 'outcome'], 60, (i) => [20 + i, 0.4, 110 + i, 0.5, i % 2]),
      };
      for (const [name, path] of Object.entries(files)) {
        const log = new MemoryLogger();
        logs.set(name, log);
        nodes.push(startTestNode(pki, coordinator.port, name, await work(path), { log }));
      }
      await Promise.all(nodes.map((n) => n.daemon.when('connected')));
    });

    after(async function () {
      await Promise.all(nodes.map((n) => n.stop()));
      coordinator.close();
    });

    it('says what does not fit at once, on joining, in the data\'s own terms and only in its own log', function () {
      const said = (name: string, level: string): string[] => (logs.get(name)?.lines ?? []).filter((l) => l.level === level).map((l) => l.msg);
      assert.ok(
        said('hospital-b', 'error').some((m) => m.includes("the coordinator's model expects 4 features but this node's data has 8 (columns a, b, c, d, e and 3 more)")),
        said('hospital-b', 'error').join('\n'),
      );
      assert.ok(
        said('hospital-c', 'error').some((m) => m.includes('labels must be 0..1 in column "outcome"; found 2 in 150 rows; they look coded 1..2: recode them as 0..1')),
        said('hospital-c', 'error').join('\n'),
      );
      assert.ok(
        said('hospital-d', 'warn').some((m) => m.startsWith('2 of 4 features fall far outside the model\'s input range [0, 1]: "age" (20 to 79), "bp" (110 to 169). Scale each column to [0, 1]')),
        said('hospital-d', 'warn').join('\n'),
      );
      assert.ok(said('hospital-d', 'info').includes("local data fits the coordinator's model"));
      // Joining sent nothing but the Join request itself: protocol, software, what the node can do (and no model: it holds none).
      const capabilities = { modelKinds: ['logreg', 'mlp'], secureAggregation: true, privacy: true };
      assert.deepEqual(
        coordinator.received.map((r) => [r.node, r.method, r.request]).sort(),
        ['hospital-b', 'hospital-c', 'hospital-d'].map((n) => [n, 'Join', { protocol: 'cohort.v1', software: NODE_VERSION, capabilities, heldModel: null }]),
      );
    });

    it('declines each task with the category and the short reason, and sends nothing else about its data', async function () {
      for (const node of ['hospital-b', 'hospital-c']) {
        coordinator.sendTask(node, 1, 'TASK_KIND_TRAIN');
        coordinator.sendTask(node, 1, 'TASK_KIND_EVALUATE');
      }
      await coordinator.until(4, (r) => r.method === 'Decline');
      for (const n of nodes) await n.daemon.agent?.idle();
      const sent = coordinator.received.filter((r) => r.method !== 'Join');
      const expected = (node: string, reason: string): Received[] =>
        (['TASK_KIND_TRAIN', 'TASK_KIND_EVALUATE'] as const).map((kind) => ({ node, method: 'Decline', request: { round: 1, kind, category: 'DECLINE_CATEGORY_DATA', reason } }));
      const byNode = (a: Received, b: Received): number => a.node.localeCompare(b.node);
      // Everything that left each node, field by field: no row counts, column names or values.
      assert.deepEqual([...sent].sort(byNode), [
        ...expected('hospital-b', 'data has 8 features, the model expects 4'),
        ...expected('hospital-c', 'data has labels outside 0..1, the model has 2 classes'),
      ]);
    });
  });

  describe('what the operator sees', function () {
    let coordinator: StartedCoordinator;
    const nodes: RunningNode[] = [];
    let admin: string[];

    before(async function () {
      coordinator = await startTestCoordinator(pki, { model: { features: 4, classes: 2 }, settings: { minNodes: 2 } });
      admin = ['--coordinator', `127.0.0.1:${coordinator.port}`, '--certs', pki.dir, '--name', 'alice'];
      const good = csv(dir, 'good', ['age', 'bmi', 'bp', 'sugar', 'outcome'], 80, scaledRow);
      const wide = csv(dir, 'wide-op', ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'outcome'], 50, (i) => [...scaledRow(i).slice(0, 4), 0, 0, 0, 0, i % 2]);
      for (const [name, path] of [['hospital-a', good], ['hospital-b', wide], ['hospital-c', good]] as const) nodes.push(startTestNode(pki, coordinator.port, name, await work(path)));
      await Promise.all(nodes.map((n) => n.daemon.when('connected')));
    });

    after(async function () {
      await Promise.all(nodes.map((n) => n.stop()));
      await coordinator.close();
    });

    it('round launch names the node that declined and why, under the round', async function () {
      const rec = recordingIo();
      assert.equal(await runCli(['round', 'launch', '--rounds', '1', ...admin], rec.io), 0, rec.err());
      const lines = rec.out().split('\n');
      assert.match(lines[0] ?? '', /^round 1 \(1\/1\)  accuracy \d\.\d{4}  loss \d\.\d{4}  participants 2\/3  /);
      assert.equal(lines[1], '  hospital-b declined (data): data has 8 features, the model expects 4');
      assert.equal(lines.length, 3, rec.out());
    });

    it('round launch --json and status --json carry the declines with their category', async function () {
      const decline = (stage: string): object => ({ node: 'hospital-b', stage, category: 'data', reason: 'data has 8 features, the model expects 4' });
      const launched = recordingIo();
      assert.equal(await runCli(['round', 'launch', '--rounds', '1', '--json', ...admin], launched.io), 0, launched.err());
      const doc = JSON.parse(launched.out()) as { rounds: Array<{ declines?: object[] }> };
      assert.deepEqual(doc.rounds[0]?.declines, [decline('train'), decline('evaluate')]);
      const status = recordingIo();
      assert.equal(await runCli(['status', '--json', ...admin], status.io), 0, status.err());
      const s = JSON.parse(status.out()) as { recent: Array<{ round: number; declines?: object[] }> };
      assert.deepEqual(
        s.recent.map((r) => [r.round, r.declines]),
        [
          [1, [decline('train'), decline('evaluate')]],
          [2, [decline('train'), decline('evaluate')]],
        ],
      );
    });

    it('status lists who declined under each recent round', async function () {
      const rec = recordingIo();
      assert.equal(await runCli(['status', ...admin], rec.io), 0, rec.err());
      const lines = rec.out().split('\n');
      const at = lines.findIndex((l) => l.startsWith('  round 2'));
      assert.ok(at > 0, rec.out());
      assert.equal(lines[at + 1], '    hospital-b declined (data): data has 8 features, the model expects 4');
    });
  });
});
