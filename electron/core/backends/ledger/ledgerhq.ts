/**
 * @module core/backends/ledger/ledgerhq
 * The @ledgerhq packages, loaded through their CommonJS builds. Their "import" export condition
 * points at lib-es files with extensionless relative imports, which plain Node ESM cannot load
 * (ERR_MODULE_NOT_FOUND), so an `import` would work under a bundler or vitest and fail in the
 * built app. `createRequire` loads lib/ everywhere, and the types below are the same CommonJS ones.
 * node-hid's transport is native and loads only when discovery starts (see discovery.ts).
 */
import { createRequire } from 'node:module';
import type * as TransportModule from '@ledgerhq/hw-transport' with { 'resolution-mode': 'require' };
import type * as EthModule from '@ledgerhq/hw-app-eth' with { 'resolution-mode': 'require' };

const require = createRequire(import.meta.url);

/** module.exports of each CommonJS build (an ESM view of CJS puts it under `default`). */
type TransportExports = typeof TransportModule.default;
type EthExports = typeof EthModule.default;

export type Transport = InstanceType<TransportExports['default']>;
export type Eth = InstanceType<EthExports['default']>;
export type LoadConfig = NonNullable<ConstructorParameters<EthExports['default']>[2]>;
export type TransactionResolution = Parameters<Eth['signTransaction']>[2];

/** `@ledgerhq/hw-transport`'s Transport class, to subclass (the simulator) or type against. */
export const TransportClass: TransportExports['default'] = (require('@ledgerhq/hw-transport') as TransportExports).default;

/** `@ledgerhq/hw-app-eth`: the Eth class and its resolution service. */
export function loadHwAppEth(): { Eth: EthExports['default']; ledgerService: EthExports['ledgerService'] } {
  const m = require('@ledgerhq/hw-app-eth') as EthExports;
  return { Eth: m.default, ledgerService: m.ledgerService };
}
