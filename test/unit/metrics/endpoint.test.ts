import assert from 'node:assert/strict';
import { Counter, Registry } from 'prom-client';
import { CohortError } from '../../../shared/errors.js';
import { MemoryLogger } from '../../../shared/logger.js';
import { type Readiness, serveMetrics } from '../../../shared/metrics/endpoint.js';
import { CoordinatorMonitor } from '../../../server/metrics/monitor.js';
import { httpGet, parseExposition, valueOf } from './exposition.js';

describe('monitoring endpoint (shared/metrics/endpoint)', function () {
  it('serves /metrics, /healthz and /readyz, and nothing else', async function () {
    const registry = new Registry();
    new Counter({ name: 'test_things_total', help: 'things', registers: [registry] }).inc(3);
    let readiness: Readiness = { ready: false, reason: 'warming up' };
    const ep = await serveMetrics({ host: '127.0.0.1', port: 0, registry, readiness: () => readiness, log: new MemoryLogger() });
    try {
      assert.ok(ep.port > 0);
      const metrics = await httpGet(ep.port, '/metrics');
      assert.equal(metrics.status, 200);
      assert.match(metrics.contentType, /^text\/plain; version=0\.0\.4/);
      assert.equal(valueOf(parseExposition(metrics.body), 'test_things_total'), 3);
      assert.deepEqual(await httpGet(ep.port, '/healthz'), { status: 200, body: 'ok\n', contentType: 'text/plain; charset=utf-8' });
      assert.deepEqual(await httpGet(ep.port, '/readyz'), { status: 503, body: 'not ready: warming up\n', contentType: 'text/plain; charset=utf-8' });
      readiness = { ready: true };
      assert.equal((await httpGet(ep.port, '/readyz')).status, 200);
      assert.equal((await httpGet(ep.port, '/metrics?x=1')).status, 200);
      assert.equal((await httpGet(ep.port, '/')).status, 404);
      assert.equal((await httpGet(ep.port, '/metrics/../healthz')).status, 404);
      assert.equal((await httpGet(ep.port, '/metrics', 'POST')).status, 405);
      assert.equal((await httpGet(ep.port, '/healthz', 'HEAD')).status, 200);
    } finally {
      await ep.close();
    }
  });

  it('refuses a port in use with `unavailable`', async function () {
    const registry = new Registry();
    const first = await serveMetrics({ host: '127.0.0.1', port: 0, registry, readiness: () => ({ ready: true }), log: new MemoryLogger() });
    try {
      await assert.rejects(
        serveMetrics({ host: '127.0.0.1', port: first.port, registry, readiness: () => ({ ready: true }), log: new MemoryLogger() }),
        (e: unknown) => e instanceof CohortError && e.code === 'unavailable' && /cannot listen for metrics on 127\.0\.0\.1:\d+/.test(e.message),
      );
    } finally {
      await first.close();
    }
  });

  it('coordinator readiness: 503 while starting, 200 once ready, 503 while stopping', async function () {
    const monitor = new CoordinatorMonitor({ endpoint: { host: '127.0.0.1', port: 0 } }, new MemoryLogger());
    await monitor.listen();
    const port = monitor.port as number;
    try {
      assert.deepEqual(await httpGet(port, '/readyz'), { status: 503, body: 'not ready: starting: the gRPC port is not bound yet\n', contentType: 'text/plain; charset=utf-8' });
      assert.equal((await httpGet(port, '/healthz')).status, 200);
      monitor.ready();
      assert.equal((await httpGet(port, '/readyz')).status, 200);
      monitor.stopping();
      assert.deepEqual((await httpGet(port, '/readyz')).body, 'not ready: shutting down\n');
    } finally {
      await monitor.close();
    }
    assert.equal(monitor.port, undefined);
  });

  it('opens no port without an endpoint address', async function () {
    const monitor = new CoordinatorMonitor({}, new MemoryLogger());
    await monitor.listen();
    assert.equal(monitor.port, undefined);
    await monitor.close();
  });
});
