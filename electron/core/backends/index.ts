/**
 * @module core/backends
 * Hardware backends behind one port (types.ts): PKCS#11 tokens (pkcs11/) and Ledgers (ledger/),
 * reached through a DeviceManager (manager.ts) that the facade routes device keys to, and the
 * vault's references to keys on them (device-keys.ts).
 *
 * createDeviceManager wires the production backends: pkcs11js over the configured module paths,
 * and Ledger discovery over USB HID (@ledgerhq/hw-transport-node-hid) when turned on. Nothing is
 * loaded or opened until a device is first asked for, so a CLI command that uses no device never
 * touches a module or the USB bus.
 */
import { DeviceManager, type LedgerSource } from './manager.js';
import { listTokens, openToken } from './pkcs11/index.js';
import { LedgerDiscovery, type LedgerTransportSource } from './ledger/discovery.js';

export { DeviceManager, type DeviceFactories, type DeviceInfo, type LedgerSource, type TokenSummary } from './manager.js';
export { DeviceKeyStore, type DeviceKeyRecord } from './device-keys.js';
export type { BackendCapabilities, BackendStatus, DeviceKey, EthereumDevice, SignerBackend, TokenBackend } from './types.js';

export interface DeviceManagerOptions {
  /** Absolute paths of PKCS#11 modules (custos.yaml devices.pkcs11_modules). */
  readonly pkcs11Modules: readonly string[];
  /** Follow Ledgers over USB HID (devices.ledger). */
  readonly ledger: boolean;
  /** Where Ledger transports come from (default: USB HID); tests plug the APDU simulator in here. */
  readonly ledgerSource?: () => LedgerTransportSource;
}

export function createDeviceManager(options: DeviceManagerOptions): DeviceManager {
  return new DeviceManager(options.pkcs11Modules, {
    listTokens: async (modulePath) =>
      // A slot's uninitialised token (SoftHSM's free slot, a blank card) holds no keys: not listed.
      (await listTokens(modulePath)).filter((t) => t.flags.initialized).map((t) => ({
        label: t.label,
        module: modulePath,
        slot: `0x${t.slotId.toString(16)}`,
        manufacturer: t.manufacturer,
        model: t.model,
        serial: t.serial,
      })),
    openToken: (modulePath, label) => openToken({ modulePath, label }),
    ledgers: options.ledger
      ? (): LedgerSource => {
          const discovery = new LedgerDiscovery(options.ledgerSource === undefined ? {} : { source: options.ledgerSource });
          discovery.start();
          return discovery;
        }
      : null,
  });
}
