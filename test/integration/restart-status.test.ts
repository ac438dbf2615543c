/**
 * What `status`, `nodes` and the metrics say after the coordinator restarts on its data
 * dir (real binaries: a coordinator, three nodes on CSV data, the operator CLI): the
 * rounds of the previous run are finished, not queued; the nodes it knew are listed
 * with their rounds; and a restart with another model shape is refused as bad input.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestPki } from '../helpers/federation.js';
import { type Background, type Finished, ProcessGroup, runCohort } from '../helpers/processes.js';

const NODES = ['hospital-a', 'hospital-b', 'hospital-c'];

/** A small scaled table whose label follows the first two columns. */
function writeCsv(path: string, offset: number): void {
  const rows = Array.from({ length: 60 }, (_, i) => {
    const a = (((i + offset) * 37) % 100) / 100;
    const b = (((i + offset) * 61) % 100) / 100;
    return [a, b, 0.5, 0.25, a + b > 1 ? 1 : 0].join(',');
  });
  writeFileSync(path, `age,bmi,bp,sugar,outcome\n${rows.join('\n')}\n`);
}

function scrape(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/metrics' }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

/** The value of an unlabelled series in a Prometheus text exposition. */
function gauge(text: string, name: string): number {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  assert.ok(m, `${name} not in the scrape`);
  return Number(m[1]);
}

describe('status, nodes and metrics after a coordinator restart (real binaries)', function () {
  let pki: TestPki;
  let dir: string;
  let dataDir: string;
  const group = new ProcessGroup();

  before(function () {
    pki = new TestPki();
    for (const n of NODES) pki.issue(n, 'node');
    pki.issue('alice', 'operator');
    dir = mkdtempSync(join(tmpdir(), 'cohort-restart-'));
    dataDir = join(dir, 'data');
    NODES.forEach((n, i) => writeCsv(join(dir, `${n}.csv`), i * 7));
  });

  after(async function () {
    await group.stopAll();
    pki.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A coordinator on the data dir; resolves with its gRPC and metrics ports once both listen. */
  async function coordinator(extra: string[] = []): Promise<{ p: Background; port: number; metrics: number }> {
    const p = group.cohort(
      ['coordinator', '--port', '0', '--certs', pki.dir, '--data-dir', dataDir, '--features', '4', '--classes', '2', '--min-nodes', '3', '--metrics-port', '0', '--log-level', 'warn', ...extra],
      { cwd: dir },
    );
    const port = Number((await p.waitFor(/listening on 127\.0\.0\.1:(\d+)/))[1]);
    const metrics = Number((await p.waitFor(/metrics on http:\/\/127\.0\.0\.1:(\d+)\/metrics/))[1]);
    return { p, port, metrics };
  }

  const cli = (port: number, args: string[]): Promise<Finished> =>
    runCohort([...args, '--coordinator', `127.0.0.1:${port}`, '--certs', pki.dir, '--name', 'alice'], { cwd: dir });

  async function expectRestored(port: number, metrics: number): Promise<void> {
    const status = await cli(port, ['status', '--json']);
    assert.equal(status.code, 0, status.stderr);
    const s = JSON.parse(status.stdout) as { queuedRounds: number; completedRounds: number; nodes: { connected: number; known: number }; recent: Array<{ round: number; status: string; participants: number }> };
    assert.equal(s.queuedRounds, 0, 'nothing is queued after a restart');
    assert.equal(s.completedRounds, 2);
    assert.deepEqual(s.nodes, { connected: 0, known: 3 });
    assert.deepEqual(
      s.recent.map((r) => [r.round, r.status, r.participants]),
      [
        [1, 'completed', 3],
        [2, 'completed', 3],
      ],
    );
    const text = await cli(port, ['status']);
    assert.match(text.stdout, /^rounds {6}2 completed, 0 queued$/m);
    assert.match(text.stdout, /^nodes {7}0 connected of 3 known$/m);

    const nodes = await cli(port, ['nodes', '--json']);
    assert.equal(nodes.code, 0, nodes.stderr);
    const listed = (JSON.parse(nodes.stdout) as { nodes: Array<{ name: string; status: string; lastSeen: string | null; roundsParticipated: number }> }).nodes;
    assert.deepEqual(
      listed.map((n) => [n.name, n.status, n.roundsParticipated]),
      NODES.map((n) => [n, 'disconnected', 2]),
    );
    for (const n of listed) assert.ok(n.lastSeen !== null && !Number.isNaN(Date.parse(n.lastSeen)), `${n.name} was seen`);

    const scraped = await scrape(metrics);
    assert.equal(gauge(scraped, 'cohort_rounds_queued'), 0);
    assert.equal(gauge(scraped, 'cohort_nodes_known'), 3);
    assert.equal(gauge(scraped, 'cohort_nodes_connected'), 0);
  }

  it('after kill -9 and after SIGTERM: rounds finished (none queued), nodes known with their rounds, metrics agree', async function () {
    const first = await coordinator();
    const nodes = NODES.map((name) =>
      group.cohort(['node', '--coordinator', `127.0.0.1:${first.port}`, '--name', name, '--certs', pki.dir, '--data', `csv:${join(dir, `${name}.csv`)}`, '--label', 'outcome'], { cwd: dir }),
    );
    await Promise.all(nodes.map((n) => n.waitFor(/connected to coordinator/)));
    const launched = await cli(first.port, ['round', 'launch', '--rounds', '2', '--json']);
    assert.equal(launched.code, 0, launched.stderr);
    for (const n of nodes) assert.equal((await n.stop('SIGTERM')).code, 0, n.stderr);

    assert.equal((await first.p.stop('SIGKILL')).signal, 'SIGKILL');
    const second = await coordinator();
    await expectRestored(second.port, second.metrics);

    // The model registry came back too; the file written is confirmed on stdout.
    const file = join(dir, 'round-2.weights');
    const exported = await cli(second.port, ['models', 'export', '2', '--out', file]);
    assert.equal(exported.code, 0, exported.stderr);
    assert.match(exported.stdout, new RegExp(`^model of round 2 \\(10 parameters, sha256 [0-9a-f]{64}\\) written to ${file} and ${file}\\.json\\n$`));

    assert.equal((await second.p.stop('SIGTERM')).code, 0, second.p.stderr);
    const third = await coordinator();
    await expectRestored(third.port, third.metrics);
    assert.equal((await third.p.stop('SIGTERM')).code, 0);
  });

  it('shows a node revoked while the coordinator was down as revoked, until it connects again with a reissued certificate', async function () {
    const listed = async (port: number): Promise<string[][]> => {
      const r = await cli(port, ['nodes', '--json']);
      assert.equal(r.code, 0, r.stderr);
      return (JSON.parse(r.stdout) as { nodes: Array<{ name: string; status: string }> }).nodes.map((n) => [n.name, n.status]);
    };
    // On the CA workstation, then the signed list is copied to the coordinator's certs dir.
    assert.equal((await runCohort(['ca', 'revoke', 'hospital-c', '--dir', pki.caDir], { cwd: dir })).code, 0);
    pki.publish();
    let c = await coordinator();
    assert.deepEqual(await listed(c.port), [
      ['hospital-a', 'disconnected'],
      ['hospital-b', 'disconnected'],
      ['hospital-c', 'revoked'],
    ]);
    assert.equal((await c.p.stop('SIGTERM')).code, 0);
    // A reissued certificate is not on the list: the coordinator learns of it when the node connects with it.
    pki.issue('hospital-c', 'node');
    c = await coordinator();
    assert.equal((await listed(c.port))[2]?.[1], 'revoked');
    const node = group.cohort(['node', '--coordinator', `127.0.0.1:${c.port}`, '--name', 'hospital-c', '--certs', pki.dir, '--data', `csv:${join(dir, 'hospital-c.csv')}`, '--label', 'outcome'], { cwd: dir });
    await node.waitFor(/connected to coordinator/);
    assert.deepEqual(await listed(c.port), [
      ['hospital-a', 'disconnected'],
      ['hospital-b', 'disconnected'],
      ['hospital-c', 'connected'],
    ]);
    assert.equal((await node.stop('SIGTERM')).code, 0);
    assert.equal((await c.p.stop('SIGTERM')).code, 0);
  });

  it('refuses a restart with another model shape as bad input (exit 2), naming both and what to do', async function () {
    const r = await runCohort(['coordinator', '--port', '0', '--certs', pki.dir, '--data-dir', dataDir, '--features', '8', '--classes', '2', '--log-level', 'warn'], { cwd: dir });
    assert.equal(r.code, 2, r.stderr);
    assert.equal(
      r.stderr,
      "cohort: the data dir's latest model (round 2) has 10 parameters, but the configured model has 18: start with the same --model/--features/--classes/--hidden, or a new --data-dir\n",
    );
  });
});
