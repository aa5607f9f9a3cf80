/**
 * @module core/config/core-options
 * The options a process opens the core with, from its loaded configuration. One mapping for every
 * process that opens a data directory (the CLI, the desktop app, the browser host), so the KDF,
 * lockout, access and audit settings cannot drift apart between them.
 *
 * Trusts `config` to have come from `loadConfig` (validated, paths resolved).
 */
import type { CoreOptions } from '../custodian.js';
import { coreSettingsFrom } from './load.js';
import type { CustosConfig } from './schema.js';

export interface CoreOptionsContext {
  /** The data directory to use when the configuration names none (`storage.data_dir`). */
  readonly dataDir: string;
  /** The process environment: only `CUSTOS_FORCE_NOBLE=1` is read here. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

export function coreOptionsFrom(config: CustosConfig, context: CoreOptionsContext): CoreOptions {
  const { kdf, lockout, access, deletionWindowMs } = coreSettingsFrom(config);
  return {
    dataDir: config.storage.data_dir ?? context.dataDir,
    kdf,
    lockout,
    access,
    deletionWindowMs,
    audit: {
      checkpointEveryEvents: config.audit.checkpoint_every_events,
      checkpointEverySeconds: config.audit.checkpoint_every_seconds,
      ...(config.audit.origin === undefined ? {} : { origin: config.audit.origin }),
    },
    crypto: { forceNoble: context.env.CUSTOS_FORCE_NOBLE === '1' },
    walletChains: config.server.wallet_rpc.chains.map((c) => ({ chainId: String(c.chain_id), name: c.name })),
    configPolicies: config.policies,
  };
}
