/**
 * @module core/config/core-options
 * The options a process opens the core with, from its loaded configuration. One mapping for every
 * process that opens a data directory (the CLI, the desktop app, the browser host), so the KDF,
 * lockout, access, audit and air-gapped settings cannot drift apart between them.
 *
 * Trusts `config` to have come from `loadConfig` (validated, paths resolved).
 */
import { createDeviceManager } from '../backends/index.js';
import type { LedgerTransportSource } from '../backends/ledger/discovery.js';
import { CustodyError } from '../../../shared/errors.js';
import type { CoreOptions } from '../custodian.js';
import { coreSettingsFrom } from './load.js';
import type { CustosConfig } from './schema.js';

export interface CoreOptionsContext {
  /** The data directory to use when the configuration names none (`storage.data_dir`). */
  readonly dataDir: string;
  /** The process environment: only `CUSTOS_FORCE_NOBLE=1` is read here. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** `--air-gapped` or CUSTOS_AIR_GAPPED (see parseAirGappedEnv) was given: air-gapped for this run, whatever custos.yaml says. */
  readonly airGappedFlag?: boolean;
  /** Where Ledger transports come from (default: USB HID); tests plug the APDU simulator in here. */
  readonly ledgerSource?: () => LedgerTransportSource;
}

/** CUSTOS_PKCS11_PIN: the token PIN for unattended CLI runs; a fresh copy each time (the facade wipes it after use). */
function pinFromEnv(pin: string): (backend: string) => Promise<Uint8Array> {
  return () => Promise.resolve(new TextEncoder().encode(pin));
}

/** What turned air-gapped mode on, or undefined when it is off. */
export type AirGappedSource = 'flag' | 'config';

/**
 * Whether this run is air-gapped, and why. custos.yaml's `server.air_gapped: true` wins the
 * naming when both are given: that is what the operator would have to change to turn it off.
 * The flag only ever turns the mode on.
 */
export function airGappedSource(config: CustosConfig, flag: boolean | undefined): AirGappedSource | undefined {
  if (config.server.air_gapped) return 'config';
  return flag === true ? 'flag' : undefined;
}

/**
 * CUSTOS_AIR_GAPPED: unset or empty is off (custos.yaml decides); `1`, `true` or `yes` (any case)
 * turns air-gapped mode on. Anything else, `0` and `false` included, is refused: the variable can
 * only turn the mode on, so a value that reads like "off" must not silently do nothing.
 * @throws CustodyError INVALID_INPUT naming the accepted values.
 */
export function parseAirGappedEnv(value: string | undefined): boolean {
  if (value === undefined || value === '') return false;
  if (['1', 'true', 'yes'].includes(value.toLowerCase())) return true;
  throw new CustodyError('INVALID_INPUT', 'CUSTOS_AIR_GAPPED must be 1, true or yes (it can only turn air-gapped mode on; unset it to follow custos.yaml)');
}

export function coreOptionsFrom(config: CustosConfig, context: CoreOptionsContext): CoreOptions {
  const { kdf, lockout, access, deletionWindowMs } = coreSettingsFrom(config);
  const airGapped = airGappedSource(config, context.airGappedFlag);
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
    ...(airGapped === undefined ? {} : { airGapped }),
    ...(config.devices.pkcs11_modules.length === 0 && !config.devices.ledger
      ? {}
      : { devices: createDeviceManager({ pkcs11Modules: config.devices.pkcs11_modules, ledger: config.devices.ledger, ...(context.ledgerSource === undefined ? {} : { ledgerSource: context.ledgerSource }) }) }),
    ...(context.env.CUSTOS_PKCS11_PIN === undefined || context.env.CUSTOS_PKCS11_PIN === '' ? {} : { devicePin: pinFromEnv(context.env.CUSTOS_PKCS11_PIN) }),
  };
}
