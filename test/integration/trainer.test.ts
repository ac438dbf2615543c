/**
 * Site trainers in a live federation over mutual TLS: a coordinator whose model is given
 * as named tensors, two well-behaved trainer processes, one that floods stdout, and one
 * of each kind of broken trainer the issue names. In one round every broken one makes its
 * node decline with a reason the operator sees at the coordinator, every node daemon stays
 * connected, and the round completes with the others. A raw node's update that names
 * another manifest is refused. Operator options reach the trainers.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { ProcessTrainer } from '../../client/trainer/process.js';
import { TrainerWork } from '../../client/trainer/work.js';
import { runCli } from '../../cli/main.js';
import { deferred } from '../../shared/async.js';
import { systemClock } from '../../shared/clock.js';
import { MemoryLogger } from '../../shared/logger.js';
import { parseManifest } from '../../shared/model/manifest.js';
import { tensorModel } from '../../shared/model/model.js';
import type { CoordinatorMessage__Output } from '../../shared/wire/generated/cohort/v1/CoordinatorMessage.js';
import type { StartedCoordinator } from '../../server/main.js';
import { ANY_MODEL_KINDS } from '../../client/grpc/daemon.js';
import { type RunningNode, startTestCoordinator, startTestNode, TestPki } from '../helpers/federation.js';
import { type BulkOutcome, ScriptedNode, updateFrame } from '../helpers/scripted-node.js';
import { recordingIo } from '../helpers/io.js';

const SCRIPT = fileURLToPath(new URL('../helpers/trainers/scripted.js', import.meta.url));
const MANIFEST = parseManifest([{ name: 'layer.weight', shape: [3, 4] }, { name: 'layer.bias', shape: [3] }], 'test');
const TENSORS = JSON.stringify(MANIFEST.tensors);

/** Each broken trainer and the decline reason the coordinator must log for its node. */
const BROKEN: Record<string, { command: (dir: string) => string; reason: RegExp }> = {
  'exits-at-once': { command: () => scripted('exit-at-once'), reason: /^local train failed: the trainer exited with code 3 before its Hello/ },
  'not-executable': { command: (dir) => join(dir, 'train.py'), reason: /^local train failed: the trainer exited with code 126 \(not executable/ },
  'never-answers': { command: () => scripted('never-answers'), reason: /^local train failed: the trainer did not answer train request 1 within the task's deadline$/ },
  'other-model': { command: () => scripted('hello-mismatch'), reason: /^local train failed: this node's trainer does not train the federation's model: layer\.weight has shape \[3, 4, 2\], the model has \[3, 4\]$/ },
  'wrong-tensors': { command: () => scripted('wrong-tensors'), reason: /^local train failed: the trainer's result was refused: it answered with the wrong tensors/ },
  'double-size': { command: () => scripted('double-size'), reason: /^local train failed: the trainer broke the contract: it sent more tensor data than its 2 tensors hold \(60 bytes\)$/ },
  garbage: { command: () => scripted('garbage'), reason: /^local train failed: the trainer broke the contract: a frame announces \d+ bytes/ },
  'nan-values': { command: () => scripted('nan'), reason: /^local train failed: the trainer's result was refused: tensor layer\.weight holds NaN at index 1; results must be finite$/ },
  'own-failure': { command: () => scripted('failure'), reason: /^local train failed: the trainer reported that it could not train \(its message is in the node's log\)$/ },
};

function scripted(mode: string, extra = ''): string {
  return `"${process.execPath}" "${SCRIPT}" ${mode} '${TENSORS}' ${extra}`;
}

describe('site trainers in a federation (integration)', function () {
  this.timeout(120_000);
  let pki: TestPki;
  let dir: string;
  let coordinator: StartedCoordinator;
  const nodes: RunningNode[] = [];
  const works: TrainerWork[] = [];
  const trainers = new Map<string, ProcessTrainer>();
  const log = new MemoryLogger();
  const good = ['good-1', 'good-2', 'chatty', 'huge-update'];

  before(async function () {
    pki = new TestPki();
    dir = mkdtempSync(join(tmpdir(), 'cohort-trainers-'));
    writeFileSync(join(dir, 'train.py'), '#!/usr/bin/env python3\n');
    chmodSync(join(dir, 'train.py'), 0o644);
    for (const n of [...good, ...Object.keys(BROKEN), 'raw-node']) pki.issue(n, 'node');
    pki.issue('alice', 'operator');
    coordinator = await startTestCoordinator(pki, {
      log,
      model: { tensors: tensorModel(MANIFEST), weights: new Float32Array(MANIFEST.numParameters) },
      settings: { minNodes: 2, trainTimeoutMs: 5_000, evalTimeoutMs: 3_000 },
    });
    const commands: Record<string, string> = {
      'good-1': scripted('ok', `"${join(dir, 'options-1.jsonl')}"`),
      'good-2': scripted('ok'),
      chatty: scripted('flood-stdout'),
      'huge-update': scripted('huge-update'),
      ...Object.fromEntries(Object.entries(BROKEN).map(([n, b]) => [n, b.command(dir)])),
    };
    for (const [name, command] of Object.entries(commands)) {
      const nodeLog = log.child({ node: name });
      const trainer = new ProcessTrainer({ command, nodeName: name, log: nodeLog, clock: systemClock });
      trainer.start();
      trainers.set(name, trainer);
      const work = new TrainerWork(trainer, nodeLog);
      works.push(work);
      nodes.push(startTestNode(pki, coordinator.port, name, work, { log, modelKinds: ANY_MODEL_KINDS }));
    }
    await Promise.all(nodes.map((n) => n.daemon.when('connected')));
  });

  after(async function () {
    await Promise.all(nodes.map((n) => n.stop()));
    await Promise.all(works.map((w) => w.close()));
    await coordinator?.close();
    pki?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A raw node (generated stubs, bulk framing by hand) that joins, then submits one update naming another manifest. */
  async function rawNode(): Promise<{ refused: Promise<BulkOutcome>; close(): void }> {
    const node = await ScriptedNode.connect(pki, coordinator.port, 'raw-node');
    const refused = node.nextTask('TASK_KIND_TRAIN', false).then(({ task }) => {
      assert.equal(task.model?.kind, 'tensors');
      assert.equal(task.model?.manifestSha256, MANIFEST.sha256);
      return node.upload(updateFrame(task.round, new Float32Array(MANIFEST.numParameters), { numExamples: 5, trainLoss: 0.1, manifestSha256: 'f'.repeat(64) }));
    });
    return { refused, close: () => node.close() };
  }

  it('completes the round with the good trainers; each broken one makes its node decline with the reason, and every daemon stays connected', async function () {
    await Promise.all(good.map((n) => new Promise<void>((resolve) => {
      const t = trainers.get(n) as ProcessTrainer;
      if (t.ready) return resolve();
      const off = t.onChange(() => {
        if (t.ready) {
          off();
          resolve();
        }
      });
    })));
    const raw = await rawNode();
    const configFile = join(dir, 'config.json');
    writeFileSync(configFile, JSON.stringify({ lr_schedule: 'step', warmup: 2 }));
    const rec = recordingIo();
    const launched = runCli(
      ['round', 'launch', '--rounds', '1', '--json', '--config', 'lr_schedule=cosine', '--config', 'note=a=b', '--config-file', configFile, '--coordinator', `127.0.0.1:${coordinator.port}`, '--certs', pki.dir, '--name', 'alice'],
      rec.io,
    );
    const refusal = await raw.refused;
    raw.close();
    assert.equal(refusal.code, 'invalid_argument');
    assert.match(refusal.message, new RegExp(`^update follows the model manifest f{64}, but round 1 trains manifest ${MANIFEST.sha256}$`));

    assert.equal(await launched, 0, rec.err());
    const doc = JSON.parse(rec.out()) as { rounds: Array<{ status: string; participants: number; accuracy: number }> };
    assert.equal(doc.rounds[0]?.status, 'completed');
    assert.equal(doc.rounds[0]?.participants, good.length, 'the two good trainers, the chatty one and the one with a huge update');

    const declines = log.lines.filter((l) => l.msg === 'node declined its task' && l.fields['stage'] === 'train');
    for (const [name, b] of Object.entries(BROKEN)) {
      const d = declines.find((l) => l.fields['node'] === name);
      assert.ok(d, `${name} declined`);
      assert.match(String(d.fields['reason']), b.reason, name);
      assert.doesNotMatch(String(d.fields['reason']), /patient|CUDA/, 'the trainer\'s own words never reach the coordinator');
    }
    for (const n of nodes) assert.equal(n.daemon.state, 'connected', `${n.name} is still connected`);

    const options = readFileSync(join(dir, 'options-1.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { options: Record<string, string> });
    assert.deepEqual(options[0]?.options, { lr_schedule: 'cosine', warmup: '2', note: 'a=b' }, 'round launch --config and --config-file reach the trainer; flags win');
    assert.ok((trainers.get('chatty') as ProcessTrainer).stats.suppressedLines > 0, 'the chatty trainer\'s flood was counted, not logged');
  });

  it('clips a trainer\'s enormous update in a private round before it leaves the node', async function () {
    const handle = coordinator.coordinator.launch({ rounds: 1, settings: { noiseMultiplier: 0.5, clipNorm: 1 } });
    let last;
    for await (const e of handle.events) last = e;
    assert.equal(last?.state, 'completed', last?.reason);
    assert.equal(last?.participants, good.length, 'the coordinator, which refuses updates above the clip norm, took the huge one');
    const clipped = log.lines.find((l) => l.fields['node'] === 'huge-update' && l.msg === 'update clipped' && l.fields['round'] === last?.round);
    assert.ok(clipped, 'the huge update was clipped by its daemon');
    assert.ok(!log.lines.some((l) => /exceeds the round's clip norm/.test(String(l.fields['detail'] ?? ''))));
  });
});
