/**
 * Each model version travels to a node once, and the right model is used whatever happened
 * in between: a node that reconnects mid-federation holding a stale model, a node whose kept
 * model file is damaged, a coordinator restarted on its data dir (the nodes' copies are still
 * right and nothing is fetched) or without it (other weights: everything is fetched again).
 * Real coordinator and daemons over TLS; every piece of work records the sha256 of the
 * weights it was handed, which must be the version the coordinator committed.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncomingTask, LocalEvaluation, LocalUpdate, LocalWork } from '../../client/core/agent.js';
import { ModelCache } from '../../client/core/models.js';
import { PerturbWork } from '../../client/core/work.js';
import { encodeModelFile, MODEL_FILE, modelFile } from '../../client/store/model-file.js';
import { MemoryLogger } from '../../shared/logger.js';
import { weightsHash } from '../../shared/model/version.js';
import type { RoundEvent, RoundSettings } from '../../server/core/types.js';
import type { StartedCoordinator } from '../../server/main.js';
import { type RunningNode, startTestCoordinator, startTestNode, TestPki } from '../helpers/federation.js';
import { whenLogged } from '../helpers/log.js';

/** PerturbWork that records, per task, the hash of the weights it was given. */
class RecordingWork implements LocalWork {
  readonly seen: Array<{ round: number; kind: string; sha: string; named: string }> = [];
  private readonly inner = new PerturbWork();
  incompatibility(): undefined {
    return undefined;
  }
  private record(task: IncomingTask, global: Float32Array): void {
    this.seen.push({ round: task.round, kind: task.kind, sha: weightsHash(global).toString('hex'), named: task.modelVersion.sha256.toString('hex') });
  }
  train(task: IncomingTask, global: Float32Array): LocalUpdate {
    this.record(task, global);
    return this.inner.train(task, global);
  }
  evaluate(task: IncomingTask, global: Float32Array): LocalEvaluation {
    this.record(task, global);
    return this.inner.evaluate();
  }
}

interface Member {
  readonly name: string;
  readonly work: RecordingWork;
  readonly models: ModelCache;
  node?: RunningNode;
}

async function rounds(c: StartedCoordinator, n: number, settings: Partial<RoundSettings> = {}): Promise<RoundEvent[]> {
  const out: RoundEvent[] = [];
  for await (const e of c.coordinator.launch({ rounds: n, settings }).events) if (e.state !== 'running') out.push(e);
  for (const e of out) assert.equal(e.state, 'completed', e.reason);
  return out;
}

const hex = (b: Buffer): string => b.toString('hex');

describe('model versions: each model once, always the right one (integration)', function () {
  this.timeout(120_000);
  let pki: TestPki;
  let dir: string;
  const log = new MemoryLogger();

  before(() => {
    pki = new TestPki();
    for (const n of ['a', 'b', 'c']) pki.issue(n, 'node');
    dir = mkdtempSync(join(tmpdir(), 'cohort-models-'));
  });
  after(() => {
    pki.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  function member(name: string, models = new ModelCache(undefined, log)): Member {
    return { name, work: new RecordingWork(), models };
  }

  async function connect(c: StartedCoordinator, m: Member): Promise<void> {
    m.node = startTestNode(pki, c.port, m.name, m.work, { log, models: m.models });
    await m.node.daemon.when('connected');
  }

  /** Every task each member ran used exactly the weights its task named. */
  function allVerified(members: readonly Member[]): void {
    for (const m of members) for (const s of m.work.seen) assert.equal(s.sha, s.named, `${m.name} round ${s.round} ${s.kind}`);
  }

  it('a node that reconnects mid-federation with a stale model fetches the current one; the others fetch nothing for training', async () => {
    const c = await startTestCoordinator(pki, { log });
    const members = ['a', 'b', 'c'].map((n) => member(n));
    const [a, b, stale] = members as [Member, Member, Member];
    try {
      for (const m of members) await connect(c, m);
      await rounds(c, 1, { minNodes: 3 });
      const v1 = c.coordinator.modelVersion;
      assert.ok(stale.models.held?.sha256.equals(v1.sha256));
      await stale.node?.stop();
      await rounds(c, 1, { minNodes: 2 });
      const v2 = c.coordinator.modelVersion;
      assert.ok(!v2.sha256.equals(v1.sha256));
      await connect(c, stale);
      assert.ok(stale.models.held?.sha256.equals(v1.sha256), 'it comes back holding round 1');
      const fullBefore = stale.models.stats.full;
      await rounds(c, 1, { minNodes: 3 });
      // Round 3 trains on v2: the stale node fetched it (whole), then the evaluation model.
      const train3 = stale.work.seen.find((s) => s.round === 3 && s.kind === 'train');
      assert.equal(train3?.sha, hex(v2.sha256));
      assert.equal(stale.models.stats.full - fullBefore, 2);
      // a and b held v2 from round 2's evaluation: their round-3 training fetched nothing.
      for (const m of [a, b]) {
        assert.equal(m.models.stats.hits, 2, `${m.name}: rounds 2 and 3 trained on the model evaluated the round before`);
        assert.equal(m.models.stats.full, 4, `${m.name}: round 1's training, then one model per evaluation`);
      }
      allVerified(members);
    } finally {
      for (const m of members) await m.node?.stop();
      await c.close();
    }
  });

  it('with --compress int8, nodes holding the previous model receive the next one as a delta and rebuild it bit for bit', async () => {
    const c = await startTestCoordinator(pki, { log });
    const members = ['a', 'b'].map((n) => member(n));
    try {
      for (const m of members) await connect(c, m);
      const before = c.bulk.bytesDown;
      await rounds(c, 3, { minNodes: 2, compress: 'int8' });
      for (const m of members) {
        assert.equal(m.models.stats.full, 1, `${m.name}: only the first model whole`);
        assert.equal(m.models.stats.deltas, 3, `${m.name}: each round's evaluation model as a delta`);
        assert.equal(m.models.stats.mismatches, 0);
        assert.ok(m.models.held?.sha256.equals(c.coordinator.modelVersion.sha256));
      }
      // 7850 parameters: a whole model is 31,400 bytes, an int8 delta 7,850 + 4·8 = 7,882.
      assert.equal(c.bulk.bytesDown - before, 2 * (31_400 + 3 * 7_882));
      allVerified(members);
    } finally {
      for (const m of members) await m.node?.stop();
      await c.close();
    }
  });

  it('a node whose kept model file is damaged ignores it and fetches the whole model; an intact file saves the transfer', async () => {
    const c = await startTestCoordinator(pki, { log });
    const nodeDir = join(dir, 'node-a');
    mkdirSync(nodeDir, { recursive: true });
    const others = [member('b')];
    /** The node's three lives, stopped at the end whatever happens. */
    const started: Member[] = [];
    try {
      for (const m of others) await connect(c, m);
      const first = member('a', new ModelCache(modelFile(nodeDir, log), log));
      started.push(first);
      await connect(c, first);
      await rounds(c, 1, { minNodes: 2 });
      const v1 = c.coordinator.modelVersion;
      await first.node?.stop();
      await first.models.flush();
      // The file as the node keeps it (written by the test, so it need not wait for the node's background write).
      const intact = encodeModelFile({ version: v1, weights: c.coordinator.weights });
      writeFileSync(join(nodeDir, MODEL_FILE), intact);

      const restarted = member('a', new ModelCache(modelFile(nodeDir, log), log));
      started.push(restarted);
      assert.ok(restarted.models.held?.sha256.equals(v1.sha256), 'an intact file is loaded');
      await connect(c, restarted);
      await rounds(c, 1, { minNodes: 2 });
      assert.equal(restarted.models.stats.hits, 1, 'training used the kept model');
      assert.equal(restarted.models.stats.full, 1, 'only the new evaluation model was fetched');
      await restarted.node?.stop();
      await restarted.models.flush();

      const v2 = c.coordinator.modelVersion;
      const damaged = encodeModelFile({ version: v2, weights: c.coordinator.weights });
      damaged[damaged.length - 3] = (damaged[damaged.length - 3] as number) ^ 0x40;
      writeFileSync(join(nodeDir, MODEL_FILE), damaged);
      const lines = log.lines.length;
      const again = member('a', new ModelCache(modelFile(nodeDir, log), log));
      started.push(again);
      await whenLogged(log, (l) => l.msg === 'kept model is unusable; fetching the whole model' && log.lines.indexOf(l) >= lines);
      assert.equal(again.models.held, undefined);
      await connect(c, again);
      await rounds(c, 1, { minNodes: 2 });
      const train = again.work.seen.find((s) => s.kind === 'train');
      assert.equal(train?.sha, hex(v2.sha256), 'trained on the right model, fetched whole');
      assert.equal(again.models.stats.hits, 0);
      assert.equal(again.models.stats.full, 2);
      allVerified([first, restarted, again, ...others]);
    } finally {
      for (const m of others) await m.node?.stop();
      for (const m of started) await m.node?.stop();
      await c.close();
    }
  });

  it('after a coordinator restart on its data dir the nodes\' copies are still right and nothing is fetched for training; without the data dir everything is fetched again', async () => {
    const dataDir = join(dir, 'coordinator');
    const members = ['a', 'b'].map((n) => member(n));
    const first = await startTestCoordinator(pki, { log, dataDir });
    let v2: Buffer;
    try {
      for (const m of members) await connect(first, m);
      await rounds(first, 2, { minNodes: 2 });
      v2 = first.coordinator.modelVersion.sha256;
      // The version nodes check is the hash the model registry (and the ledger) records.
      assert.equal(first.coordinator.models().find((r) => r.round === 2)?.sha256, hex(v2));
      for (const m of members) await m.node?.stop();
    } finally {
      await first.close();
    }
    const second = await startTestCoordinator(pki, { log, dataDir });
    try {
      assert.ok(second.coordinator.modelVersion.sha256.equals(v2), 'the restarted coordinator serves the checkpoint it committed last');
      assert.equal(second.coordinator.modelVersion.round, 2);
      for (const m of members) await connect(second, m);
      const fetched = members.map((m) => m.models.stats.full);
      await rounds(second, 1, { minNodes: 2 });
      for (const [i, m] of members.entries()) {
        const train = m.work.seen.find((s) => s.round === 3 && s.kind === 'train');
        assert.equal(train?.sha, hex(v2), `${m.name} trained on round 2's model`);
        assert.equal(m.models.stats.full - (fetched[i] as number), 1, `${m.name}: only round 3's evaluation model was fetched`);
      }
      for (const m of members) await m.node?.stop();
    } finally {
      await second.close();
    }
    // A coordinator without the data dir starts from other weights: the nodes' copies no longer match.
    const fresh = await startTestCoordinator(pki, { log });
    try {
      assert.equal(fresh.coordinator.modelVersion.round, 0);
      for (const m of members) await connect(fresh, m);
      const fetched = members.map((m) => m.models.stats.full);
      await rounds(fresh, 1, { minNodes: 2 });
      for (const [i, m] of members.entries()) {
        const train = m.work.seen.at(-2);
        assert.equal(train?.kind, 'train');
        assert.equal(train?.sha, train?.named, `${m.name} trained on the fresh coordinator's model`);
        assert.equal(m.models.stats.full - (fetched[i] as number), 2, `${m.name}: the fresh model whole, then the evaluation model`);
      }
      allVerified(members);
    } finally {
      for (const m of members) await m.node?.stop();
      await fresh.close();
    }
  });
});
