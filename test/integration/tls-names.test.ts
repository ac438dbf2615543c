/**
 * A coordinator certificate that does not name the host the nodes dial (the README's old
 * `ca init --san coordinator.hospital-net.example,10.0.0.5` with nodes on 127.0.0.1): what
 * the node, the operator's CLI and the coordinator each say, and that both fixes they
 * name work.
 */
import assert from 'node:assert/strict';
import { NodeDaemon } from '../../client/grpc/daemon.js';
import { PerturbWork } from '../../client/core/work.js';
import { runCli } from '../../cli/main.js';
import { systemClock } from '../../shared/clock.js';
import { MemoryLogger } from '../../shared/logger.js';
import { copyHolderFiles, loadTlsMaterial } from '../../shared/pki/ca-dir.js';
import { SeededRandom } from '../../shared/random.js';
import type { StartedCoordinator } from '../../server/main.js';
import { startTestCoordinator, startTestNode, TestPki } from '../helpers/federation.js';
import { recordingIo } from '../helpers/io.js';
import { whenLogged } from '../helpers/log.js';
import { startCohort } from '../helpers/processes.js';

const NAMES = ['coordinator.hospital-net.example', '10.0.0.5'];

describe('TLS name mismatch between a coordinator certificate and the host dialled (integration)', function () {
  let pki: TestPki;
  let coordinator: StartedCoordinator;
  const coordinatorLog = new MemoryLogger();

  before(async function () {
    pki = new TestPki({ sans: NAMES });
    pki.issue('hospital-a', 'node');
    pki.issue('ops', 'operator');
    coordinator = await startTestCoordinator(pki, { log: coordinatorLog });
  });

  after(async function () {
    await coordinator?.close();
    pki?.remove();
  });

  it('the node names the host it dialled, the names in the certificate and both fixes, without grpc-js noise', async function () {
    const log = new MemoryLogger();
    const node = startTestNode(pki, coordinator.port, 'hospital-a', new PerturbWork(), { log });
    try {
      const line = await whenLogged(log, (l) => l.msg === "cannot connect: the coordinator's certificate does not name the host this node dials");
      const reason = String(line.fields['reason']);
      assert.equal(line.level, 'error');
      assert.match(reason, /^the coordinator's certificate does not name "127\.0\.0\.1", the host this client connects to; it names coordinator\.hospital-net\.example, 10\.0\.0\.5\. /);
      assert.ok(reason.includes('cohort ca issue coordinator --role coordinator --san coordinator.hospital-net.example,10.0.0.5,127.0.0.1'), reason);
      assert.ok(reason.includes('or connect with --server-name coordinator.hospital-net.example'), reason);
      assert.doesNotMatch(reason, /Resolution note|No connection established|ERR_TLS/);
      assert.equal(node.daemon.state === 'stopped', false, 'the daemon keeps retrying: the fix may come from the coordinator side');
    } finally {
      await node.stop();
    }
  });

  it('the real daemon process says the same, keeps retrying, and exits 0 when stopped', async function () {
    const node = startCohort(['node', '--coordinator', `127.0.0.1:${coordinator.port}`, '--name', 'hospital-a', '--certs', pki.dir, '--work', 'perturb', '--data-dir', pki.root], { cwd: pki.root });
    try {
      await node.waitForCount(/does not name \\"127\.0\.0\.1\\", the host this client connects to; it names coordinator\.hospital-net\.example, 10\.0\.0\.5/, 2);
      assert.match(node.stderr, /--server-name coordinator\.hospital-net\.example/);
      assert.doesNotMatch(node.stderr, /Resolution note/);
    } finally {
      const exit = await node.stop('SIGTERM');
      assert.deepEqual([exit.code, exit.signal], [0, null], node.stderr.slice(-2000));
    }
  });

  it('the coordinator logs that the client hung up during the handshake, not that it presented no certificate', async function () {
    const line = await whenLogged(coordinatorLog, (l) => l.msg === 'TLS handshake refused');
    assert.match(String(line.fields['reason']), /the client hung up during the TLS handshake: it most likely refused this coordinator's certificate/);
    assert.equal(line.fields['certificate'], undefined);
    assert.match(String(line.fields['remote']), /^127\.0\.0\.1:\d+$/);
    assert.equal(coordinatorLog.lines.some((l) => /none presented/.test(String(l.fields['certificate']))), false);
  });

  it("the operator's CLI gives the same explanation, without pointing at the CA", async function () {
    const rec = recordingIo();
    const code = await runCli(['status', '--coordinator', `127.0.0.1:${coordinator.port}`, '--certs', pki.dir, '--name', 'ops'], rec.io);
    assert.equal(code, 1);
    assert.match(rec.err(), /cannot reach the coordinator at 127\.0\.0\.1:\d+: the coordinator's certificate does not name "127\.0\.0\.1"/);
    assert.match(rec.err(), /--server-name coordinator\.hospital-net\.example/);
    assert.doesNotMatch(rec.err(), /Resolution note|come from its CA|is it running/);
  });

  it('fix 1: --server-name with a name the certificate has', async function () {
    const tls = loadTlsMaterial(pki.dir, 'hospital-a');
    const daemon = new NodeDaemon({
      address: `127.0.0.1:${coordinator.port}`,
      serverName: 'coordinator.hospital-net.example',
      tls,
      work: new PerturbWork(),
      log: new MemoryLogger(),
      clock: systemClock,
      rng: new SeededRandom(1),
      backoff: { initialMs: 50, maxMs: 500 },
    });
    const stop = new AbortController();
    const run = daemon.run(stop.signal);
    await daemon.when('connected');
    stop.abort();
    await run;
    const rec = recordingIo();
    const code = await runCli(['status', '--coordinator', `127.0.0.1:${coordinator.port}`, '--server-name', 'coordinator.hospital-net.example', '--certs', pki.dir, '--name', 'ops'], rec.io);
    assert.equal(code, 0, rec.err());
  });

  it('fix 2: the suggested "cohort ca issue coordinator --role coordinator --san ..." on the CA, copied to the coordinator', async function () {
    const rec = recordingIo();
    const code = await runCli(['ca', 'issue', 'coordinator', '--role', 'coordinator', '--dir', pki.caDir, '--san', 'coordinator.hospital-net.example,10.0.0.5,127.0.0.1'], rec.io);
    assert.equal(code, 0, rec.err());
    copyHolderFiles(pki.caDir, 'coordinator', pki.dir);
    await coordinator.close();
    coordinator = await startTestCoordinator(pki, { log: coordinatorLog });
    const node = startTestNode(pki, coordinator.port, 'hospital-a', new PerturbWork());
    try {
      await node.daemon.when('connected');
    } finally {
      await node.stop();
    }
  });
});
