/**
 * @module rpc/servers
 * Start the loopback API servers the configuration enables, for `custos serve` and the desktop
 * app alike: the HsmService (`server.hsm`, default port 50051), the wallet RPC
 * (`server.wallet_rpc`, 1248) and metrics/health (`server.metrics`, 9090). In air-gapped mode
 * nothing starts: with custos.yaml's `server.air_gapped` the loader already refuses a file that
 * enables a server; with the `--air-gapped` flag (or CUSTOS_AIR_GAPPED) the servers custos.yaml
 * enables are skipped, and the caller tells the operator (see `enabledApiServers`).
 * The validator API (`server.eth2`) is not part of this version: enabling it is refused with a
 * clear error rather than ignored, so nobody believes a port is served that is not.
 *
 * Either every enabled server starts or none stays up: a failure closes what already started.
 */
import type { CustosConfig } from '../core/config/index.js';
import type { AirGappedSource } from '../core/config/core-options.js';
import type { Custodian } from '../core/custodian.js';
import { CustodyError } from '../../shared/errors.js';
import { startHsmServer, type HsmServerEvent } from './hsm/service.js';
import { startMetricsServer } from './metrics/server.js';
import type { LoopbackEvent } from './loopback.js';
import { startWalletRpcServer, type WalletRpcEvent } from './wallet/server.js';

export interface RunningServer {
  readonly name: 'hsm' | 'wallet_rpc' | 'metrics';
  readonly url: string;
  readonly port: number;
}

export interface ApiServers {
  readonly servers: readonly RunningServer[];
  /** Stop every server (not the facade). Idempotent. */
  close(): Promise<void>;
}

export interface StartApiServersOptions {
  /** The root facade (nobody signed in); the servers never close it. */
  readonly custodian: Custodian;
  readonly config: CustosConfig['server'];
  /** Air-gapped mode from any source (core/config airGappedSource): no server starts, whatever `config` enables. */
  readonly airGapped?: AirGappedSource;
  readonly onEvent?: (server: RunningServer['name'], event: HsmServerEvent | WalletRpcEvent | LoopbackEvent) => void;
}

/** Whether the configuration enables any loopback API server. */
export function anyApiServerEnabled(config: CustosConfig['server']): boolean {
  return enabledApiServers(config).length > 0;
}

/** The API servers custos.yaml enables (none when it says air_gapped), by their configuration key: what an air-gapped run skips. */
export function enabledApiServers(config: CustosConfig['server']): readonly ('hsm' | 'wallet_rpc' | 'metrics' | 'eth2')[] {
  if (config.air_gapped) return [];
  return (['hsm', 'wallet_rpc', 'metrics', 'eth2'] as const).filter((name) => config[name].enabled);
}

export async function startApiServers(options: StartApiServersOptions): Promise<ApiServers> {
  const { config, custodian } = options;
  const running: { info: RunningServer; close(): Promise<void> }[] = [];
  const close = async (): Promise<void> => {
    const all = running.splice(0);
    await Promise.allSettled(all.map((s) => s.close()));
  };
  if (config.air_gapped || options.airGapped !== undefined) return { servers: [], close };
  if (config.eth2.enabled) {
    throw new CustodyError('UNSUPPORTED', 'server.eth2 is not available in this version of Custos yet: set server.eth2.enabled to false (HsmService, the wallet RPC and metrics are available)');
  }
  try {
    if (config.hsm.enabled) {
      const s = await startHsmServer({ custodian, config, ...(options.onEvent === undefined ? {} : { onEvent: (e: HsmServerEvent) => options.onEvent?.('hsm', e) }) });
      running.push({ info: { name: 'hsm', url: s.url, port: s.port }, close: () => s.close() });
    }
    if (config.wallet_rpc.enabled) {
      const s = await startWalletRpcServer({ facade: custodian, config, ...(options.onEvent === undefined ? {} : { onEvent: (e: WalletRpcEvent | LoopbackEvent) => options.onEvent?.('wallet_rpc', e) }) });
      running.push({ info: { name: 'wallet_rpc', url: s.url, port: s.port }, close: () => s.close() });
    }
    if (config.metrics.enabled) {
      const s = await startMetricsServer({ source: custodian.metricsSource(), bind: config.bind, port: config.metrics.port, ...(options.onEvent === undefined ? {} : { onEvent: (e: LoopbackEvent) => options.onEvent?.('metrics', e) }) });
      running.push({ info: { name: 'metrics', url: s.url, port: s.port }, close: () => s.close() });
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { servers: running.map((s) => s.info), close };
}
