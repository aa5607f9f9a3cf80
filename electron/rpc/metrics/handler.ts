/**
 * @module rpc/metrics/handler
 * The request handler of the metrics/health server (ARCHITECTURE.md: loopback, default port
 * 9090): `GET /metrics` in the Prometheus text format 0.0.4, `GET /health/{live,ready,startup}`
 * as short JSON. GET and HEAD only; no request body is read; no CORS header is sent (no web
 * page has any business reading these).
 *
 * Trusts: nothing the client sends beyond the method and the path. The Host check against DNS
 * rebinding is the listener's job (server.ts, rpc/loopback.ts); this handler never echoes a
 * request value back.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { Registry } from 'prom-client';
import { liveness, readiness, startup, type HealthReport } from './health.js';
import { createHsmMetrics } from './registry.js';
import type { MetricsSource } from './source.js';

export type MetricsRequest = IncomingMessage | Http2ServerRequest;
export type MetricsResponse = ServerResponse | Http2ServerResponse;

export interface MetricsHandler {
  (req: MetricsRequest, res: MetricsResponse): void;
  /** The private registry this handler serves. */
  readonly registry: Registry;
  /** Stop listening to the source's operations. */
  close(): void;
}

export interface MetricsHandlerOptions {
  readonly source: MetricsSource;
  /** The registry to fill and serve; default a new private one (never prom-client's global one). */
  readonly registry?: Registry;
  /** Register process_* and nodejs_* metrics (default true). */
  readonly defaultMetrics?: boolean;
}

/** A Map, not an object: a path such as `/__proto__` must not find anything. */
const HEALTH: ReadonlyMap<string, (source: MetricsSource) => HealthReport> = new Map([
  ['/health/live', () => liveness()],
  ['/health/ready', readiness],
  ['/health/startup', startup],
]);

const COMMON_HEADERS = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' } as const;

export function createMetricsHandler(options: MetricsHandlerOptions): MetricsHandler {
  const { source } = options;
  const metrics = createHsmMetrics({ source, ...(options.registry === undefined ? {} : { registry: options.registry }), ...(options.defaultMetrics === undefined ? {} : { defaultMetrics: options.defaultMetrics }) });
  const { registry } = metrics;

  const handle = (req: MetricsRequest, res: MetricsResponse): void => {
    const method = req.method ?? '';
    const path = pathOf(req.url);
    const head = method === 'HEAD';
    const health = HEALTH.get(path);
    if (path !== '/metrics' && health === undefined) return send(res, 404, 'text/plain; charset=utf-8', 'not found\n', head);
    if (method !== 'GET' && !head) return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed: GET or HEAD\n', false, { allow: 'GET, HEAD' });
    if (path === '/metrics') {
      registry.metrics().then(
        (text) => send(res, 200, registry.contentType, text, head),
        () => send(res, 500, 'text/plain; charset=utf-8', 'metrics unavailable\n', head),
      );
      return;
    }
    const report = (health as (source: MetricsSource) => HealthReport)(source);
    send(res, report.status === 'ok' ? 200 : 503, 'application/json; charset=utf-8', JSON.stringify(report) + '\n', head);
  };

  return Object.assign(handle, { registry, close: () => metrics.close() });
}

/** The path of a request target, without query or fragment; '' when there is none. */
function pathOf(url: string | undefined): string {
  if (url === undefined) return '';
  const end = url.search(/[?#]/);
  return end === -1 ? url : url.slice(0, end);
}

function send(res: MetricsResponse, status: number, contentType: string, body: string, head: boolean, extra: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const bytes = Buffer.from(body, 'utf8');
  (res as ServerResponse).writeHead(status, { ...COMMON_HEADERS, ...extra, 'content-type': contentType, 'content-length': String(bytes.length) });
  if (head) res.end();
  else res.end(bytes);
}
