/**
 * @module rpc/metrics
 * Prometheus metrics and health endpoints (issue 6). See README.md in this folder.
 */
export { createMetricsHandler, type MetricsHandler, type MetricsHandlerOptions } from './handler.js';
export { startMetricsServer, DEFAULT_METRICS_PORT, type MetricsServer, type MetricsServerOptions } from './server.js';
export { createHsmMetrics, DURATION_BUCKETS, type HsmMetrics } from './registry.js';
export { liveness, readiness, startup, type HealthReport } from './health.js';
export type { AuditEventCount, KeyCount, MetricsSnapshot, MetricsSource, OperationSample } from './source.js';
