/**
 * `cohort budget report` over real TLS against a coordinator that released a model without
 * differential privacy and has no budget: it says so plainly (exit 0), lists that release as
 * unbounded ε, and `--json` prints the same as `--format json`.
 */
import assert from 'node:assert/strict';
import { runCli } from '../../cli/main.js';
import type { BudgetReportJson } from '../../shared/dp/report/json.js';
import { MemoryLogger } from '../../shared/logger.js';
import type { StartedCoordinator } from '../../server/main.js';
import { type RunningNode, startTestCoordinator, startTestNode, TestPki } from '../helpers/federation.js';
import { ConstantWork } from '../helpers/work.js';
import { recordingIo } from '../helpers/io.js';

describe('cohort budget report without a budget (integration)', function () {
  let pki: TestPki;
  let coordinator: StartedCoordinator;
  let nodes: RunningNode[];

  before(async function () {
    pki = new TestPki();
    pki.issue('eve', 'auditor');
    for (const n of ['a', 'b']) pki.issue(n, 'node');
    coordinator = await startTestCoordinator(pki, { log: new MemoryLogger(), model: { kind: 'logreg', features: 4, classes: 2 }, settings: { minNodes: 2 } });
    nodes = ['a', 'b'].map((n) => startTestNode(pki, coordinator.port, n, new ConstantWork()));
    await Promise.all(nodes.map((n) => n.daemon.when('connected')));
    for await (const _ of coordinator.coordinator.launch({ rounds: 1, settings: {} }).events);
    for await (const _ of coordinator.coordinator.launch({ rounds: 1, settings: { noiseMultiplier: 3 } }).events);
  });

  after(async function () {
    await Promise.all(nodes.map((n) => n.stop()));
    await coordinator.close();
    pki.remove();
  });

  async function report(...extra: string[]): Promise<{ code: number; out: string; err: string }> {
    const rec = recordingIo();
    const code = await runCli(['budget', 'report', '--coordinator', `127.0.0.1:${coordinator.port}`, '--certs', pki.dir, '--name', 'eve', ...extra], rec.io);
    return { code, out: rec.out(), err: rec.err() };
  }

  it('says there is no budget, exit 0, and lists the release without privacy', async function () {
    const r = await report();
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Budget +none +δ = 1e-5/);
    assert.match(r.out, /Status +NO BUDGET: rounds are accounted but never refused/);
    assert.match(r.out, /NOT PRIVATE: Round 1 released a model without differential privacy/);
    assert.match(r.out, /^ +1 .* none +∞ not private +∞$/m);
    assert.match(r.out, /^ +2 .* no +central +\d/m);
  });

  it('--json prints one object, the same as --format json', async function () {
    const a = await report('--json');
    const b = await report('--format', 'json');
    assert.equal(a.code, 0, a.err);
    const ja = JSON.parse(a.out) as BudgetReportJson;
    const jb = JSON.parse(b.out) as BudgetReportJson;
    assert.deepEqual({ ...ja, generatedAt: '' }, { ...jb, generatedAt: '' });
    assert.deepEqual(ja.budget, { epsilon: null, delta: 1e-5 });
    assert.equal(ja.remaining, null);
    assert.deepEqual(
      ja.rounds.map((r) => [r.round, r.private, r.noise, r.secureAggregation]),
      [
        [1, false, 'none', false],
        [2, true, 'central', false],
      ],
    );
    assert.deepEqual(ja.nonPrivateRounds, [1]);
    const conflicting = await report('--json', '--format', 'html');
    assert.equal(conflicting.code, 2);
  });
});
