/**
 * The plain-HTTP monitoring endpoint both daemons serve on `--metrics-port`:
 * `/metrics` (Prometheus text format), `/healthz` (the process is up) and `/readyz`
 * (the daemon can do its job). It binds to 127.0.0.1 unless told otherwise: it has no
 * TLS and no authentication, so exposing it is the operator's explicit choice.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { CohortError } from '../errors.js';
import type { Logger } from '../logger.js';

/** Where the endpoint listens. */
export interface EndpointAddress {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
}

/** Readiness: ready, or not and why (the why is the body of the 503). */
export type Readiness = { readonly ready: true } | { readonly ready: false; readonly reason: string };

/** What the endpoint serves. */
export interface EndpointOptions extends EndpointAddress {
  readonly registry: Registry;
  readonly readiness: () => Readiness;
  readonly log: Logger;
}

/** A listening endpoint. */
export interface MetricsEndpoint {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Default bind address: loopback only. */
export const DEFAULT_METRICS_HOST = '127.0.0.1';

function reply(res: ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  res.end(body);
}

async function handle(req: IncomingMessage, res: ServerResponse, opts: EndpointOptions): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    reply(res, 405, 'method not allowed\n');
    return;
  }
  const path = (req.url ?? '/').split('?')[0];
  if (path === '/metrics') {
    reply(res, 200, await opts.registry.metrics(), opts.registry.contentType);
  } else if (path === '/healthz') {
    reply(res, 200, 'ok\n');
  } else if (path === '/readyz') {
    const r = opts.readiness();
    if (r.ready) reply(res, 200, 'ready\n');
    else reply(res, 503, `not ready: ${r.reason}\n`);
  } else {
    reply(res, 404, 'not found: try /metrics, /healthz or /readyz\n');
  }
}

/** Start serving; rejects with `unavailable` when the address cannot be bound. */
export async function serveMetrics(opts: EndpointOptions): Promise<MetricsEndpoint> {
  const server = createServer((req, res) => {
    handle(req, res, opts).catch((err: unknown) => {
      opts.log.error({ err: err instanceof Error ? err.message : String(err), path: req.url }, 'metrics endpoint failed to answer');
      if (!res.headersSent) reply(res, 500, 'internal error\n');
      else res.destroy();
    });
  });
  // Scrapers keep connections alive; do not let them hold the process open at shutdown.
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => reject(new CohortError('unavailable', `cannot listen for metrics on ${opts.host}:${opts.port}: ${err.message}`, { cause: err }));
    server.once('error', onError);
    server.listen(opts.port, opts.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  opts.log.info({ host: opts.host, port }, 'metrics endpoint listening (/metrics, /healthz, /readyz)');
  return {
    host: opts.host,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
