/**
 * Hostile or broken nodes on the bulk channel (issue 12's properties, on the path updates and
 * models now take), against a real coordinator over real TLS. The misbehaving nodes are
 * written against the contract (generated gRPC stubs for Join, bulk.proto framing by hand),
 * not the node daemon; the honest nodes are real daemons.
 */
import assert from 'node:assert/strict';
import { PerturbWork } from '../../client/core/work.js';
import { MemoryLogger } from '../../shared/logger.js';
import type { RoundEvent } from '../../server/core/types.js';
import type { StartedCoordinator } from '../../server/main.js';
import { RawBulkClient, rawFrame, type ReadFrame } from '../helpers/bulk-wire.js';
import { type RunningNode, startTestCoordinator, startTestNode, TestPki } from '../helpers/federation.js';
import { whenLogged } from '../helpers/log.js';
import { pemOf, ScriptedNode, updateFrame } from '../helpers/scripted-node.js';

/** The progress timeout of these coordinators: short, so stalls end quickly. */
const PROGRESS_MS = 400;

async function finalEvent(events: AsyncIterable<RoundEvent>): Promise<RoundEvent> {
  let last: RoundEvent | undefined;
  for await (const e of events) if (e.state !== 'running') last = e;
  if (!last) throw new Error('no final event');
  return last;
}

function errorOf(f: ReadFrame | undefined): { code: string; message: string } | undefined {
  return f?.header.body === 'error' ? (f.header['error'] as { code: string; message: string }) : undefined;
}

describe('hostile nodes on the bulk channel (integration, real TLS)', function () {
  this.timeout(120_000);
  let pki: TestPki;
  const scripted: ScriptedNode[] = [];
  const honest: RunningNode[] = [];
  let coordinator: StartedCoordinator | undefined;
  const names = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'stranger', 'dup', 'bad-length', 'bad-nan', 'truncated', 'oversize', 'no-examples', 'deaf', 'other', 'gone'];

  before(() => {
    pki = new TestPki();
    for (const n of names) pki.issue(n, 'node');
    pki.issue('alice', 'operator');
  });
  after(() => pki.remove());

  afterEach(async () => {
    for (const s of scripted.splice(0)) s.close();
    await Promise.all(honest.splice(0).map((n) => n.stop()));
    await coordinator?.close();
    coordinator = undefined;
  });

  async function start(log: MemoryLogger, honestNames: readonly string[], settings = {}): Promise<StartedCoordinator> {
    const c = await startTestCoordinator(pki, { log, progressTimeoutMs: PROGRESS_MS, settings: { minNodes: 2, ...settings } });
    coordinator = c;
    honest.push(...honestNames.map((n) => startTestNode(pki, c.port, n, new PerturbWork(), { log })));
    await Promise.all(honest.map((n) => n.daemon.when('connected')));
    return c;
  }

  async function script(c: StartedCoordinator, name: string): Promise<ScriptedNode> {
    const s = await ScriptedNode.connect(pki, c.port, name);
    scripted.push(s);
    return s;
  }

  it('answers each bad UPDATE with the contract\'s error; refused nodes are out of the round and the round completes with the rest', async () => {
    const log = new MemoryLogger();
    const c = await start(log, ['h1', 'h2']);
    const bad = ['stranger', 'dup', 'bad-length', 'bad-nan', 'truncated', 'oversize', 'no-examples'];
    const nodes = Object.fromEntries(await Promise.all(bad.map(async (n) => [n, await script(c, n)] as const)));
    const done = finalEvent(c.coordinator.launch({ rounds: 1, settings: {} }).events);
    const t = await (nodes['stranger'] as ScriptedNode).task('TASK_KIND_TRAIN');
    const round = t.round;
    const d = t.numParameters;
    const good = new Float32Array(d).fill(1e-3);
    const nan = good.slice();
    nan[d - 1] = Number.NaN;
    const node = (n: string): ScriptedNode => nodes[n] as ScriptedNode;

    // Not wanted (another round; a second submission): ERROR failed_precondition, connection kept.
    await node('stranger').bulk.write(updateFrame(round + 100, good));
    assert.match(errorOf(await node('stranger').bulk.read())?.message ?? '', /^round \d+ is not open/);
    await node('dup').bulk.write(updateFrame(round, good));
    assert.equal((await node('dup').bulk.read())?.header.body, 'ack');
    await node('dup').bulk.write(updateFrame(round, good));
    assert.match(errorOf(await node('dup').bulk.read())?.message ?? '', /duplicate submission/);

    // Refused: ERROR, then the coordinator closes the connection (and so the session).
    const refused: Array<[string, Buffer, string, RegExp]> = [
      ['bad-length', updateFrame(round, good.subarray(1)), 'invalid_argument', /parameters, the model has/],
      ['bad-nan', updateFrame(round, nan), 'invalid_argument', /value \d+ is NaN/],
      ['oversize', rawFrame({ update: { round, numExamples: 1, numParameters: 2 ** 28 + 1, encoding: 'TENSOR_ENCODING_F32' } }), 'invalid_argument', /num_parameters must be an integer/],
      ['no-examples', updateFrame(round, good, { numExamples: 0 }), 'invalid_argument', /num_examples must be an integer in \[1, 10000000\], got 0/],
    ];
    for (const [n, frame, code, why] of refused) {
      await node(n).bulk.write(frame);
      const e = errorOf(await node(n).bulk.read());
      assert.equal(e?.code, code, n);
      assert.match(e?.message ?? '', why, n);
      assert.equal(await node(n).bulk.read(), undefined, `${n}: closed after the ERROR`);
      await node(n).ended;
    }
    // Truncated: half the payload, then the connection goes away.
    const whole = updateFrame(round, good);
    await node('truncated').bulk.write(whole.subarray(0, whole.length >> 1));
    node('truncated').bulk.destroy();
    await node('truncated').ended;

    // A refused node that reconnects is still out of the round (stranger keeps the stage open).
    const again = await script(c, 'bad-length');
    await again.bulk.write(updateFrame(round, good));
    assert.match(errorOf(await again.bulk.read())?.message ?? '', /bad-length is no longer part of round \d+ \(rejected\)/);
    // The node refused as "not wanted" is still in the round.
    await node('stranger').bulk.write(updateFrame(round, good));
    assert.equal((await node('stranger').bulk.read())?.header.body, 'ack');

    // The scripted nodes do not evaluate: once they hang up the round does not wait for them.
    for (const s of scripted) s.close();
    const e = await done;
    assert.equal(e.state, 'completed', e.reason);
    assert.equal(e.participants, 4, 'h1, h2, stranger (second try) and dup (first try)');
    for (const n of ['bad-length', 'bad-nan', 'no-examples']) {
      assert.ok(log.lines.some((l) => l.msg === 'node left the stage' && l.fields['node'] === n && l.fields['reason'] === 'rejected'), n);
    }
    // A frame that breaks the framing never reaches the round: the connection, and so the session, ends.
    assert.ok(log.lines.some((l) => l.msg === 'node left the stage' && l.fields['node'] === 'oversize' && /num_parameters/.test(String(l.fields['detail']))));
    assert.equal(c.bulk.uploads, 0);
  });

  it('a node that stops reading is dropped once it takes nothing for the progress timeout, and what was queued for it is released', async () => {
    const log = new MemoryLogger();
    const c = await start(log, ['h1', 'h2']);
    const deaf = await script(c, 'deaf');
    const version = c.coordinator.modelVersion;
    deaf.bulk.stopReading();
    // The model is 31 KB: 400 of them are more than loopback's socket buffers hold.
    const fetch = rawFrame({ fetch: { want: { round: version.round, sha256: version.sha256 } } });
    await deaf.bulk.write(Buffer.concat(Array.from({ length: 400 }, () => fetch)));
    await whenLogged(log, (l) => l.msg === 'bulk peer not keeping up: dropped' && l.fields['node'] === 'deaf');
    await deaf.ended;
    assert.equal(c.bulk.queuedBytes, 0, 'nothing is held for the dropped node');
    assert.equal(c.bulk.connections, 2, 'only the honest nodes remain');
    assert.ok(!c.coordinator.registry.connected().some((s) => s.name === 'deaf'));
    // The federation goes on.
    const e = await finalEvent(c.coordinator.launch({ rounds: 1, settings: {} }).events);
    assert.equal(e.state, 'completed', e.reason);
    assert.equal(e.participants, 2);
  });

  it('refuses on the bulk port what gRPC refuses: an operator certificate, a revoked one, and another node\'s session token', async () => {
    const log = new MemoryLogger();
    const c = await start(log, ['h1']);
    const other = await ScriptedNode.connect(pki, c.port, 'other', { hello: false });
    scripted.push(other);
    const tryHello = async (name: string, token: Buffer): Promise<{ code: string; message: string } | undefined> => {
      const b = await RawBulkClient.connect(c.bulkPort, pemOf(pki, name));
      try {
        await b.write(rawFrame({ hello: { protocol: 'cohort.bulk.v1', sessionToken: token } }));
        const e = errorOf(await b.read());
        assert.equal(await b.read(), undefined, `${name}: closed after the ERROR`);
        return e;
      } finally {
        b.destroy();
      }
    };
    assert.equal((await tryHello('alice', other.token))?.code, 'permission_denied');
    const stolen = await tryHello('h2', other.token);
    assert.equal(stolen?.code, 'permission_denied');
    assert.match(stolen?.message ?? '', /this session token belongs to other, not to h2/);
    const seen = log.lines.length;
    pki.revoke('gone');
    await whenLogged(log, (l) => l.msg === 'revocation list updated' && log.lines.indexOf(l) >= seen);
    assert.equal((await tryHello('gone', other.token))?.code, 'unauthenticated');
    // The rightful holder still joins with its token.
    await other.bulk.write(rawFrame({ hello: { protocol: 'cohort.bulk.v1', sessionToken: other.token } }));
    assert.equal((await other.bulk.read())?.header.body, 'ready');
  });

  it('survives random and mutated frames on the bulk port: each connection ends with an ERROR or a close, and rounds go on', async () => {
    const log = new MemoryLogger();
    const c = await start(log, ['h1', 'h2']);
    const version = c.coordinator.modelVersion;
    const valid = [
      rawFrame({ fetch: { want: { round: version.round, sha256: version.sha256 } } }),
      updateFrame(1, new Float32Array(8)),
      rawFrame({ ack: { round: 1 } }),
      rawFrame({ error: { code: 'internal', message: 'x' } }),
    ];
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    for (let i = 0; i < 60; i++) {
      const s = await ScriptedNode.connect(pki, c.port, 'other');
      const base = valid[rand(valid.length)] as Buffer;
      const bytes = i % 3 === 0 ? Buffer.from(Array.from({ length: 1 + rand(64) }, () => rand(256))) : Buffer.from(base);
      if (i % 3 !== 0) for (let k = 0; k < 1 + rand(3); k++) bytes[rand(bytes.length)] = rand(256);
      await s.bulk.write(bytes).catch(() => undefined);
      // Whatever comes back, the coordinator must not stay silent with the connection open forever:
      // a frame it cannot parse is answered; a parseable one may wait for more bytes, so we close.
      s.close();
      await s.ended;
    }
    const e = await finalEvent(c.coordinator.launch({ rounds: 1, settings: {} }).events);
    assert.equal(e.state, 'completed', e.reason);
    assert.equal(e.participants, 2);
    assert.equal(c.bulk.uploads, 0);
    assert.ok(!log.lines.some((l) => l.level === 'error' && l.msg === 'unexpected error on a bulk connection'), 'every refusal was a known one');
    assert.ok(log.lines.filter((l) => l.msg === 'bulk frame refused').length >= 20, 'most mutations were refused by the parser');
  });
});
