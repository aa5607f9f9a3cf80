/**
 * @module rpc/metrics/server
 * The metrics/health server: the handler (handler.ts) on a loopback listener (rpc/loopback.ts),
 * which owns the sockets, refuses any `Host` that does not name this server (421: DNS
 * rebinding), and applies the body limit and timeouts. Default port 9090 (config
 * `server.metrics.port`). Not started by anything yet: `custos serve` wires it.
 */
import type { Registry } from 'prom-client';
import { startLoopbackServer, type LoopbackBind, type LoopbackEvent } from '../loopback.js';
import { createMetricsHandler } from './handler.js';
import type { MetricsSource } from './source.js';

export const DEFAULT_METRICS_PORT = 9090;

/** Health and metrics requests carry no body: anything bigger than this is refused (413). */
const MAX_BODY_BYTES = 1024;

export interface MetricsServerOptions {
  readonly source: MetricsSource;
  /** A loopback address (config `server.bind`). */
  readonly bind: LoopbackBind;
  /** 0 = any free port (tests). Default 9090. */
  readonly port?: number;
  readonly registry?: Registry;
  readonly defaultMetrics?: boolean;
  readonly onEvent?: (event: LoopbackEvent) => void;
}

export interface MetricsServer {
  readonly port: number;
  readonly url: string;
  readonly registry: Registry;
  /** Stop listening and stop observing the source. Idempotent. */
  close(): Promise<void>;
}

/** Throws CustodyError INVALID_INPUT for a bind that is not loopback or a port in use. */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const handler = createMetricsHandler({
    source: options.source,
    ...(options.registry === undefined ? {} : { registry: options.registry }),
    ...(options.defaultMetrics === undefined ? {} : { defaultMetrics: options.defaultMetrics }),
  });
  try {
    const server = await startLoopbackServer({
      name: 'metrics',
      bind: options.bind,
      port: options.port ?? DEFAULT_METRICS_PORT,
      handler,
      maxBodyBytes: MAX_BODY_BYTES,
      ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
    });
    return {
      port: server.port,
      url: server.url,
      registry: handler.registry,
      close: async () => {
        handler.close();
        await server.close();
      },
    };
  } catch (error) {
    handler.close();
    throw error;
  }
}
