/**
 * Attack tests for SECURITY.md, "Certificates, identities and revocation": the coordinator
 * host cannot hold the CA key, and a coordinator cannot hide a revocation from the nodes
 * (forged, unsigned, edited, rolled-back or expired lists, revoked or replaced peers in a
 * secure round), neither in one session nor across a node's restart.
 */
import assert from 'node:assert/strict';
import { builtinModel } from '../../shared/model/model.js';
import { modelToWire } from '../../shared/wire/model.js';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { PerturbWork } from '../../client/core/work.js';
import { revocationFile } from '../../client/store/revocation-file.js';
import { systemClock } from '../../shared/clock.js';
import { CohortError } from '../../shared/errors.js';
import { MemoryLogger } from '../../shared/logger.js';
import { parseModelSpec } from '../../shared/model/spec.js';
import { loadTlsMaterial } from '../../shared/pki/ca-dir.js';
import { encodeRevocationFile, REVOCATIONS_FILE, signRevocations, type SignedRevocations } from '../../shared/pki/revocations.js';
import type { CoordinatorMessage } from '../../shared/wire/generated/cohort/v1/CoordinatorMessage.js';
import type { DeclineRequest__Output } from '../../shared/wire/generated/cohort/v1/DeclineRequest.js';
import type { SecAggFromNode__Output } from '../../shared/wire/generated/cohort/v1/SecAggFromNode.js';
import type { SecAggSetup } from '../../shared/wire/generated/cohort/v1/SecAggSetup.js';
import { loadContract } from '../../shared/wire/proto.js';
import { mutualTlsServerCredentials } from '../../server/grpc/credentials.js';
import { versionOf } from '../../shared/model/version.js';
import { DEFAULT_ROUND_SETTINGS } from '../../server/core/coordinator.js';
import type { RoundEvent } from '../../server/core/types.js';
import { type StartedCoordinator, startCoordinator } from '../../server/main.js';
import { type RunningNode, startTestCoordinator, startTestNode, TestPki } from '../helpers/federation.js';
import { joinOutcome, rawNodeClient, type RawTls } from '../helpers/grpc.js';
import { startStubBulk, type StubBulk } from '../helpers/bulk-stub.js';
import { whenLogged } from '../helpers/log.js';

const BIN = fileURLToPath(new URL('../../../bin/cohort.js', import.meta.url));
const DAY = 86_400_000;
// 20 features × 2 classes + 2 biases.
const MODEL = { kind: 'logreg', features: 20, classes: 2 };
const PARAMETERS = 42;
/** The model every scripted task names: zeros, as the scripted bulk channel serves it. */
const ZEROS = new Float32Array(PARAMETERS);
const ZEROS_VERSION = versionOf(0, ZEROS);

function material(dir: string, name: string): RawTls {
  return { ca: readFileSync(join(dir, 'ca.crt')), cert: readFileSync(join(dir, `${name}.crt`)), key: readFileSync(join(dir, `${name}.key`)) };
}

/** Run the real `cohort` binary to its exit. */
function cohort(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

/** Items as they arrive, and promises for the first one that matches. */
class Arrivals<T> {
  readonly items: T[] = [];
  private readonly waiters: { match: (t: T) => boolean; resolve: (t: T) => void }[] = [];

  add(item: T): void {
    this.items.push(item);
    for (const w of [...this.waiters]) {
      if (w.match(item)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(item);
      }
    }
  }

  when(match: (t: T) => boolean): Promise<T> {
    const seen = this.items.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }
}

type JoinCall = grpc.ServerWritableStream<unknown, CoordinatorMessage>;

/**
 * A malicious coordinator: a NodeService with the federation's real coordinator
 * certificate that sends whatever the test scripts and records what nodes answer.
 */
class ScriptedCoordinator {
  readonly joins = new Arrivals<JoinCall>();
  readonly declines = new Arrivals<DeclineRequest__Output>();
  readonly secagg = new Arrivals<SecAggFromNode__Output>();

  private constructor(
    private readonly server: grpc.Server,
    readonly port: number,
    private readonly bulk: StubBulk,
  ) {}

  /** What a Welcome needs for the node to open its bulk channel (any token is accepted). */
  get bulkWelcome(): { bulkPort: number; bulkToken: Buffer } {
    return this.bulk.welcome;
  }

  static async start(certsDir: string): Promise<ScriptedCoordinator> {
    const server = new grpc.Server();
    let self: ScriptedCoordinator | undefined;
    const ack = (round: number): { round: number } => ({ round });
    server.addService(loadContract().cohort.v1.NodeService.service, {
      Join: (call: JoinCall) => self?.joins.add(call),
      Decline: (call: grpc.ServerUnaryCall<DeclineRequest__Output, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        self?.declines.add(call.request);
        cb(null, ack(call.request.round));
      },
      SecAggSend: (call: grpc.ServerUnaryCall<SecAggFromNode__Output, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        self?.secagg.add(call.request);
        cb(null, ack(call.request.round));
      },
      SubmitEvaluation: (_call: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, ack(0)),
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', mutualTlsServerCredentials(loadTlsMaterial(certsDir, 'coordinator')), (err, p) => (err ? reject(err) : resolve(p))),
    );
    // The bulk channel of this coordinator serves the zeros model and refuses every update.
    const bulk = await startStubBulk(certsDir, ZEROS);
    self = new ScriptedCoordinator(server, port, bulk);
    return self;
  }

  close(): void {
    this.server.forceShutdown();
    void this.bulk.close();
  }
}

function wire(signed: SignedRevocations): { list: Buffer; signature: Buffer } {
  return { list: Buffer.from(signed.list), signature: Buffer.from(signed.signature) };
}

describe('revocation and the CA key (attack tests)', function () {
  describe('the coordinator host never holds the CA key', function () {
    let pki: TestPki;

    before(function () {
      pki = new TestPki();
    });

    after(function () {
      pki.remove();
    });

    it('a coordinator whose certs dir holds ca.key refuses to start: exit 3, and the message says how to move the key (real cohort binary)', async function () {
      copyFileSync(join(pki.caDir, 'ca.key'), join(pki.dir, 'ca.key'));
      try {
        const r = await cohort(['coordinator', '--port', '0', '--bulk-port', '0', '--certs', pki.dir, '--data-dir', join(pki.root, 'data-1'), '--log-level', 'silent']);
        assert.equal(r.code, 3, r.stderr);
        assert.match(r.stderr, /ca\.key is the federation CA's private key, and the coordinator can read it/);
        assert.match(r.stderr, /Keep the CA on an admin workstation: move the key there .*and keep only ca\.crt, coordinator\.crt, coordinator\.key and revocations\.json in /);
        assert.doesNotMatch(r.stderr, /listening/);
      } finally {
        rmSync(join(pki.dir, 'ca.key'));
      }
    });

    it('a copy of the CA key under another name is refused too', async function () {
      copyFileSync(join(pki.caDir, 'ca.key'), join(pki.dir, 'old-ca-backup.pem'));
      try {
        const r = await cohort(['coordinator', '--port', '0', '--bulk-port', '0', '--certs', pki.dir, '--data-dir', join(pki.root, 'data-2'), '--log-level', 'silent']);
        assert.equal(r.code, 3, r.stderr);
        assert.match(r.stderr, /old-ca-backup\.pem is the federation CA's private key/);
      } finally {
        rmSync(join(pki.dir, 'old-ca-backup.pem'));
      }
    });

    it('only the throw-away demo may start with the CA key beside it', async function () {
      const settings = { host: '127.0.0.1', port: 0, bulkPort: 0, certsDir: pki.caDir, model: builtinModel(parseModelSpec(MODEL)), seed: 1, defaults: DEFAULT_ROUND_SETTINGS, uploadSlots: 1, revocationPollMs: 1000 };
      await assert.rejects(startCoordinator(settings, { log: new MemoryLogger(), clock: systemClock }), (err: unknown) => err instanceof CohortError && err.code === 'permission_denied');
      const demo = await startCoordinator({ ...settings, allowCaKeyInCertsDir: true }, { log: new MemoryLogger(), clock: systemClock });
      await demo.close();
    });
  });

  describe('a scripted coordinator cannot hide a revocation from a node', function () {
    let pki: TestPki;
    let evil: ScriptedCoordinator;
    let node: RunningNode;
    let call: JoinCall;
    const log = new MemoryLogger();
    const lists: SignedRevocations[] = [];
    const pem = (name: string): string => readFileSync(join(pki.dir, `${name}.crt`), 'utf8');
    let bobFirstPem: string;
    let round = 0;

    before(async function () {
      pki = new TestPki();
      for (const n of ['alice', 'bob', 'carol', 'dave']) pki.issue(n, 'node');
      bobFirstPem = pem('bob');
      lists.push(pki.revocations()); // #1
      pki.revoke('carol');
      lists.push(pki.revocations()); // #2: carol revoked
      pki.issue('bob', 'node');
      lists.push(pki.revocations()); // #3: bob's first certificate replaced
      evil = await ScriptedCoordinator.start(pki.dir);
      node = startTestNode(pki, evil.port, 'alice', new PerturbWork(), { log });
      call = await evil.joins.when(() => true);
      call.write({ welcome: { nodeName: 'alice', coordinatorVersion: 'evil', revocations: wire(lists[2] as SignedRevocations), ...evil.bulkWelcome } });
      await node.daemon.when('connected');
    });

    after(async function () {
      await node?.stop();
      evil?.close();
      pki?.remove();
    });

    /** Send a secure training task with these participants and this list; resolve with the node's decline, or its key advertisement. */
    async function secureRound(participants: Record<string, string>, revocations: SignedRevocations | undefined): Promise<{ declined?: string; advertised?: boolean }> {
      round += 1;
      const r = round;
      const names = Object.keys(participants);
      const secagg: SecAggSetup = {
        roundId: `evil-${r}`,
        participants: names,
        k: names.length - 1,
        t: names.length - 1,
        minSurvivors: 2,
        vectorLength: PARAMETERS,
        graphSeed: Buffer.alloc(32, r),
        certificates: names.map((name) => ({ name, pem: participants[name] })),
        fixedPoint: { clipNorm: 10, noiseBound: 0, maxSummands: names.length, scale: 1000 },
      };
      call.write({
        task: {
          round: r,
          kind: 'TASK_KIND_TRAIN',
          model: modelToWire(builtinModel(parseModelSpec(MODEL))),
          train: { epochs: 1, batchSize: 32, learningRate: 0.1 },
          numParameters: PARAMETERS,
          deadlineMs: Date.now() + 60_000,
          seed: r,
          secagg,
          ...(revocations ? { revocations: wire(revocations) } : {}),
          modelVersion: ZEROS_VERSION,
          updateEncoding: 'TENSOR_ENCODING_F32',
        },
      });
      return Promise.race([
        evil.declines.when((d) => d.round === r).then((d) => ({ declined: d.reason })),
        evil.secagg.when((m) => m.round === r && m.body === 'advertise').then(() => ({ advertised: true })),
      ]);
    }

    const honest = (): Record<string, string> => ({ alice: pem('alice'), bob: pem('bob'), dave: pem('dave') });

    it('control: with the current list and unrevoked peers the node takes part (advertises its keys)', async function () {
      assert.deepEqual(await secureRound(honest(), lists[2]), { advertised: true });
    });

    it('refuses a secure round that comes without a revocation list', async function () {
      const r = await secureRound(honest(), undefined);
      assert.match(r.declined ?? '', /secure aggregation refused: the coordinator sent no revocation list with this secure round/);
    });

    it('refuses a list the federation CA did not sign: another CA\'s, an unsigned one, an edited one', async function () {
      const foreign = new TestPki();
      try {
        const other = await secureRound(honest(), foreign.revocations());
        assert.match(other.declined ?? '', /not signed by the federation CA/);
      } finally {
        foreign.remove();
      }
      const current = lists[2] as SignedRevocations;
      const unsigned = await secureRound(honest(), { list: current.list, signature: new Uint8Array(0) });
      assert.match(unsigned.declined ?? '', /not signed by the federation CA/);
      const doc = JSON.parse(Buffer.from(current.list).toString('utf8')) as { revoked: unknown[] };
      const edited = await secureRound(honest(), { list: Buffer.from(JSON.stringify({ ...doc, revoked: [] })), signature: current.signature });
      assert.match(edited.declined ?? '', /not signed by the federation CA/);
    });

    it('refuses an older list than it has seen, e.g. one that omits the replacement of a peer\'s certificate', async function () {
      const r = await secureRound({ alice: pem('alice'), bob: bobFirstPem, dave: pem('dave') }, lists[1]);
      assert.match(r.declined ?? '', /revocation list #2 is older than list #3, which was already seen/);
    });

    it('refuses a round whose peer certificates include a revoked peer, with the current list', async function () {
      const r = await secureRound({ alice: pem('alice'), carol: pem('carol'), dave: pem('dave') }, lists[2]);
      assert.match(r.declined ?? '', /secure aggregation refused: the certificate of carol \(serial [0-9a-f]+\) is revoked \(revocation list #3\)/);
    });

    it('refuses the certificate that a re-issue replaced, and accepts its successor', async function () {
      const r = await secureRound({ alice: pem('alice'), bob: bobFirstPem, dave: pem('dave') }, lists[2]);
      assert.match(r.declined ?? '', /the certificate of bob .* was replaced by a newer certificate, which revokes it/);
      assert.deepEqual(await secureRound(honest(), lists[2]), { advertised: true });
    });

    it('refuses secure rounds once the newest list it has is past its next update (a withheld list runs out)', async function () {
      const caPem = readFileSync(join(pki.caDir, 'ca.crt'), 'utf8');
      const caKey = readFileSync(join(pki.caDir, 'ca.key'), 'utf8');
      // A genuine CA list, #4, whose validity ended yesterday.
      const stale = signRevocations(caPem, caKey, { number: 4, issuedAt: new Date(Date.now() - 31 * DAY), nextUpdate: new Date(Date.now() - DAY), revoked: [] });
      const r = await secureRound(honest(), stale);
      assert.match(r.declined ?? '', /the newest revocation list this node has seen \(#4\) expired at/);
      const again = await secureRound(honest(), lists[2]);
      assert.match(again.declined ?? '', /#3 is older than list #4/);
    });
  });

  describe('a real coordinator rolled back to an older list', function () {
    let pki: TestPki;
    const names = ['n1', 'n2', 'n3'];
    const dataDirs = new Map<string, string>();
    let coordinator: StartedCoordinator | undefined;
    let nodes: RunningNode[] = [];

    before(function () {
      pki = new TestPki();
      for (const n of [...names, 'mallory']) pki.issue(n, 'node');
      for (const n of names) dataDirs.set(n, mkdtempSync(join(tmpdir(), `cohort-node-${n}-`)));
    });

    after(async function () {
      await Promise.all(nodes.map((n) => n.stop()));
      await coordinator?.close();
      for (const d of dataDirs.values()) rmSync(d, { recursive: true, force: true });
      pki.remove();
    });

    const start = (port: number, log: MemoryLogger, who: string[]): RunningNode[] =>
      who.map((n) => startTestNode(pki, port, n, new PerturbWork(), { log, ...(dataDirs.has(n) ? { revocationMemory: revocationFile(dataDirs.get(n) as string) } : {}) }));

    it('cannot slip a revoked node into a secure round: the nodes remember the newer list across restarts and decline', async function () {
      const before = readFileSync(join(pki.dir, REVOCATIONS_FILE), 'utf8');
      pki.revoke('mallory');
      const settings = { secureAggregation: true, minNodes: 3, secaggStageTimeoutMs: 10_000, waitForNodesMs: 10_000 };
      coordinator = await startTestCoordinator(pki, { model: MODEL, settings });
      const firstLog = new MemoryLogger();
      nodes = start(coordinator.port, firstLog, names);
      await Promise.all(nodes.map((n) => n.daemon.when('connected')));
      await Promise.all(names.map((n) => whenLogged(firstLog, (l) => l.msg === 'revocation list updated' && l.fields['node'] === n)));
      await Promise.all(nodes.map((n) => n.stop()));
      await coordinator.close();

      // The coordinator's operator restores the list from before mallory's revocation, and restarts.
      writeFileSync(join(pki.dir, REVOCATIONS_FILE), before);
      coordinator = await startTestCoordinator(pki, { model: MODEL, settings });
      const log = new MemoryLogger();
      nodes = start(coordinator.port, log, [...names, 'mallory']);
      await Promise.all(nodes.map((n) => n.daemon.when('connected')));
      const events: RoundEvent[] = [];
      for await (const e of coordinator.coordinator.launch({ rounds: 1, settings: { minNodes: 3 } }).events) if (e.state !== 'running') events.push(e);
      assert.notEqual(events[0]?.state, 'completed', 'no secure sum may be released with the rolled-back list');
      for (const n of names) {
        const declined = log.lines.find((l) => l.msg === 'declining secure round' && l.fields['node'] === n);
        assert.match(String(declined?.fields['reason']), /revocation list #1 is older than list #2, which was already seen/, `${n} must decline`);
      }
    });
  });

  describe('the coordinator\'s own copy of the list', function () {
    let pki: TestPki;
    let coordinator: StartedCoordinator;
    const log = new MemoryLogger();

    before(async function () {
      pki = new TestPki();
      pki.issue('site', 'node');
      pki.issue('rotated', 'node');
      pki.issue('gone', 'node');
      coordinator = await startTestCoordinator(pki, { log, revocationPollMs: 20 });
    });

    after(async function () {
      await coordinator?.close();
      pki?.remove();
    });

    it('re-issuing a certificate revokes the one it replaces: the old session is cut off and the old certificate refused; the new one joins', async function () {
      const old = material(pki.dir, 'rotated');
      const node = startTestNode(pki, coordinator.port, 'rotated', new PerturbWork());
      await node.daemon.when('connected');
      pki.issue('rotated', 'node');
      await assert.rejects(node.done, (err: unknown) => err instanceof CohortError && err.code === 'unauthenticated' && /revoked/.test(err.message));
      const again = await joinOutcome(rawNodeClient(coordinator.port, old));
      assert.equal(again.code, grpc.status.UNAUTHENTICATED);
      assert.match(again.details, /has been revoked/);
      const renewed = startTestNode(pki, coordinator.port, 'rotated', new PerturbWork());
      try {
        await renewed.daemon.when('connected');
        assert.equal(coordinator.coordinator.nodes().find((n) => n.name === 'rotated')?.status, 'connected');
      } finally {
        await renewed.stop();
      }
    });

    it('keeps the list in force when an older, forged or unsigned file is put in its place', async function () {
      const olderText = encodeRevocationFile(pki.revocations());
      pki.revoke('gone');
      const number = (JSON.parse(Buffer.from(pki.revocations().list).toString('utf8')) as { number: number }).number;
      await whenLogged(log, (l) => l.msg === 'revocation list updated' && l.fields['number'] === number);
      const foreign = new TestPki();
      const attempts = [olderText, readFileSync(join(foreign.dir, REVOCATIONS_FILE), 'utf8'), '{"format": "cohort-revocations/1", "list": "e30=", "signature": ""}'];
      foreign.remove();
      const reasons = [/#\d+ is older than list #\d+/, /not signed by the federation CA/, /not signed by the federation CA/];
      for (const [i, text] of attempts.entries()) {
        const refused = whenLogged(log, (l) => l.msg === 'revocation list refused; keeping the one in force' && reasons[i]?.test(String(l.fields['reason'])) === true);
        writeFileSync(join(pki.dir, REVOCATIONS_FILE), text);
        assert.equal((await refused).fields['inForce'], number);
        const gone = await joinOutcome(rawNodeClient(coordinator.port, material(pki.dir, 'gone')));
        assert.equal(gone.code, grpc.status.UNAUTHENTICATED, 'still revoked');
      }
      const site = await joinOutcome(rawNodeClient(coordinator.port, material(pki.dir, 'site')));
      assert.equal(site.first, 'welcome');
    });
  });
});
