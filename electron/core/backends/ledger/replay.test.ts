/**
 * Byte-exact APDU scripts replayed with @ledgerhq/hw-transport-mocker. The getAddress script is
 * written by hand from app-ethereum's doc/ethapp.adoc (GET ETH PUBLIC ADDRESS) and BOLOS' B0 01,
 * with the public key derived independently by @scure/bip32: an external check of our framing.
 * The personal_sign script is recorded from the simulator and replayed against a fresh backend.
 */
import { createRequire } from 'node:module';
import { HDKey } from '@scure/bip32';
import { mnemonicToSeedSync } from '@scure/bip39';
import { verifyMessage, Signature } from 'ethers';
import { describe, expect, it } from 'vitest';
import type * as MockerModule from '@ledgerhq/hw-transport-mocker' with { 'resolution-mode': 'require' };
import { LedgerBackend } from './backend.js';
import { EthereumAppSimulator } from './simulator.js';

const mocker = createRequire(import.meta.url)('@ledgerhq/hw-transport-mocker') as (typeof MockerModule)['default'];
const MNEMONIC = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const ADDRESS = '0x9858EfFD232B4033E47d90003D41EC34EcaEda94';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const ascii = (s: string) => Buffer.from(s, 'ascii').toString('hex');

describe('replayed APDU scripts', () => {
  it('getAddress matches a script written from the spec', async () => {
    const node = HDKey.fromMasterSeed(mnemonicToSeedSync(MNEMONIC)).derive("m/44'/60'/0'/0/0");
    const { secp256k1 } = await import('@noble/curves/secp256k1.js');
    const publicKey = secp256k1.getPublicKey(node.privateKey as Uint8Array, false);
    const script = [
      // B0 01: format 01, "Ethereum", "1.13.0", flags length 01, flags 00, SW 9000
      `=> b001000000`,
      `<= 0108${ascii('Ethereum')}06${ascii('1.13.0')}01009000`,
      // E0 02 P1 00 (no display) P2 00 (no chain code), Lc 0x15: 5 derivations, each u32 BE
      `=> e002000015058000002c8000003c800000000000000000000000`,
      // pubkey length 0x41 ‖ uncompressed key ‖ address length 0x28 ‖ ASCII address without 0x ‖ 9000
      `<= 41${hex(publicKey)}28${ascii(ADDRESS.slice(2))}9000`,
    ].join('\n');
    const transport = await mocker.openTransportReplayer(mocker.RecordStore.fromString(script));
    const backend = new LedgerBackend({ deviceId: 'replay', transport });
    const out = await backend.getAddress("m/44'/60'/0'/0/0");
    expect(out.address).toBe(ADDRESS);
    expect(hex(out.publicKey)).toBe(hex(publicKey));
    // A script that differs by one byte of framing is refused by the replayer.
    const wrong = await mocker.openTransportReplayer(mocker.RecordStore.fromString(script.replace('e002000015', 'e002010015')));
    await expect(new LedgerBackend({ deviceId: 'replay', transport: wrong }).getAddress("m/44'/60'/0'/0/0")).rejects.toThrow();
  });

  it('personal_sign recorded from the simulator replays to the same signature', async () => {
    const device = new EthereumAppSimulator({ mnemonic: MNEMONIC });
    const message = new TextEncoder().encode('replay me '.repeat(20));
    const live = await new LedgerBackend({ deviceId: 'sim', transport: device }).signPersonalMessage("m/44'/60'/0'/0/0", message);
    expect(device.exchanges.filter((e) => e.command.startsWith('e008')).length).toBe(2);
    const script = device.exchanges.map((e) => `=> ${e.command}\n<= ${e.response}`).join('\n');
    const transport = await mocker.openTransportReplayer(mocker.RecordStore.fromString(script));
    const replayed = await new LedgerBackend({ deviceId: 'replay', transport }).signPersonalMessage("m/44'/60'/0'/0/0", message);
    expect(replayed).toEqual(live);
    expect(verifyMessage(message, Signature.from({ r: `0x${replayed.r}`, s: `0x${replayed.s}`, v: replayed.v }))).toBe(ADDRESS);
  });
});
