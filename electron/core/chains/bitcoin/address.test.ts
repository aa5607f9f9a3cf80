/**
 * Addresses against the published vectors of BIP-49 (testnet), BIP-84, BIP-86 and BIP-173, the
 * private-key-1 P2PKH address, and regtest re-encoded independently with @scure/base's bech32.
 */
import { bech32, hex } from '@scure/base';
import { describe, expect, it } from 'vitest';
import { CustodyError } from '../../../../shared/errors.js';
import { addressToScript, bitcoinAddress, scriptToAddress, scriptType } from './address.js';

const G = hex.decode('0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798');

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return e instanceof CustodyError ? e.code : 'not a CustodyError';
  }
  return undefined;
}

describe('bitcoin addresses', () => {
  it('BIP-84 first receiving and change addresses (P2WPKH)', () => {
    expect(bitcoinAddress(hex.decode('0330d54fd0dd420a6e5f8d3624f5f3482cae350f79d5f0753bf5beef9c2d91af3c'), 'p2wpkh', 'mainnet').address).toBe('bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu');
    expect(bitcoinAddress(hex.decode('03e775fd51f0dfb8cd865d9ff1cca2a158cf651fe997fdc9fee9c1d3b5e995ea77'), 'p2wpkh', 'mainnet').address).toBe('bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g');
    expect(bitcoinAddress(hex.decode('03025324888e429ab8e3dbaf1f7802648b9cd01e9b418485c5fa4c1b9b5700e1a6'), 'p2wpkh', 'mainnet').address).toBe('bc1q8c6fshw2dlwun7ekn9qwf37cu2rn755upcp6el');
  });

  it('BIP-86 key-path-only Taproot: internal key, output key, script and address', () => {
    const cases = [
      ['cc8a4bc64d897bddc5fbc2f670f7a8ba0b386779106cf1223c6fc5d7cd6fc115', 'a60869f0dbcf1dc659c9cecbaf8050135ea9e8cdc487053f1dc6880949dc684c', 'bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr'],
      ['83dfe85a3151d2517290da461fe2815591ef69f2b18a2ce63f01697a8b313145', 'a82f29944d65b86ae6b5e5cc75e294ead6c59391a1edc5e016e3498c67fc7bbb', 'bc1p4qhjn9zdvkux4e44uhx8tc55attvtyu358kutcqkudyccelu0was9fqzwh'],
      ['399f1b2f4393f29a18c937859c5dd8a77350103157eb880f02e8c08214277cef', '882d74e5d0572d5a816cef0041a96b6c1de832f6f9676d9605c44d5e9a97d3dc', 'bc1p3qkhfews2uk44qtvauqyr2ttdsw7svhkl9nkm9s9c3x4ax5h60wqwruhk7'],
    ] as const;
    for (const [internal, output, address] of cases) {
      // The vector gives the x-only key; either SEC1 parity prefix names the same BIP-340 key.
      for (const prefix of ['02', '03']) {
        const a = bitcoinAddress(hex.decode(prefix + internal), 'p2tr', 'mainnet');
        expect(a.address).toBe(address);
        expect(hex.encode(a.outputKey as Uint8Array)).toBe(output);
        expect(hex.encode(a.internalKey as Uint8Array)).toBe(internal);
        expect(hex.encode(a.script)).toBe(`5120${output}`);
      }
    }
  });

  it('BIP-49 P2SH-P2WPKH (the BIP gives the testnet address) and its mainnet form', () => {
    const pub = hex.decode('03a1af804ac108a8a51782198c2d034b28bf90c8803f5a53f76276fa69a4eae77f');
    const t = bitcoinAddress(pub, 'p2sh-p2wpkh', 'testnet');
    expect(t.address).toBe('2Mww8dCYPUpKHofjgcXcBCEGmniw9CoaiD2');
    expect(hex.encode(t.script)).toBe('a914336caa13e08b96080a32b5d818d59b4ab3b3674287');
    expect(hex.encode(t.redeemScript as Uint8Array)).toBe('001438971f73930f6c141d977ac4fd4a727c854935b3');
    expect(bitcoinAddress(pub, 'p2sh-p2wpkh', 'mainnet').address).toBe('36NvZTcMsMowbt78wPzJaHHWaNiyR73Y4g');
  });

  it('P2PKH and BIP-173 P2WPKH of the generator point (private key 1) on every network', () => {
    expect(bitcoinAddress(G, 'p2pkh', 'mainnet').address).toBe('1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH');
    expect(bitcoinAddress(G, 'p2pkh', 'testnet').address).toBe('mrCDrCybB6J1vRfbwM5hemdJz73FwDBC8r');
    expect(bitcoinAddress(G, 'p2pkh', 'regtest').address).toBe('mrCDrCybB6J1vRfbwM5hemdJz73FwDBC8r');
    expect(bitcoinAddress(G, 'p2wpkh', 'mainnet').address).toBe('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4');
    expect(bitcoinAddress(G, 'p2wpkh', 'testnet').address).toBe('tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx');
    // Regtest, encoded here with @scure/base's bech32 alone (BIP-173: version 0, 20-byte program).
    const program = hex.decode('751e76e8199196d454941c45d1b3a323f1433bd6');
    const independent = bech32.encode('bcrt', [0, ...bech32.toWords(program)]);
    expect(bitcoinAddress(G, 'p2wpkh', 'regtest').address).toBe(independent);
    expect(independent.startsWith('bcrt1q')).toBe(true);
    expect(bitcoinAddress(G, 'p2tr', 'regtest').address.startsWith('bcrt1p')).toBe(true);
  });

  it('refuses keys that are not compressed points on secp256k1', () => {
    const uncompressed = hex.decode('0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8');
    expect(code(() => bitcoinAddress(uncompressed, 'p2wpkh', 'mainnet'))).toBe('INVALID_INPUT');
    // x = 5 is not on the curve (5³ + 7 = 132 is not a square mod p).
    const offCurve = new Uint8Array(33);
    offCurve[0] = 2;
    offCurve[32] = 5;
    expect(code(() => bitcoinAddress(offCurve, 'p2tr', 'mainnet'))).toBe('INVALID_INPUT');
    expect(code(() => bitcoinAddress(G, 'p2wsh' as never, 'mainnet'))).toBe('INVALID_INPUT');
    expect(code(() => bitcoinAddress(G, 'p2wpkh', 'signet' as never))).toBe('INVALID_INPUT');
  });

  it('parses addresses back to scripts, refusing another network', () => {
    const a = bitcoinAddress(G, 'p2tr', 'testnet');
    expect(addressToScript(a.address, 'testnet')).toEqual(a.script);
    expect(code(() => addressToScript(a.address, 'mainnet'))).toBe('INVALID_INPUT');
    expect(code(() => addressToScript('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5', 'mainnet'))).toBe('INVALID_INPUT'); // bad checksum
  });

  it('shows scripts without a template: OP_RETURN as null, future witness versions as bech32m', () => {
    expect(scriptToAddress(hex.decode('6a0401020304'), 'mainnet')).toBeNull();
    expect(scriptType(hex.decode('6a0401020304'))).toBe('op_return');
    // BIP-350 test vector: witness version 2, 16-byte program.
    expect(scriptToAddress(hex.decode('5210751e76e8199196d454941c45d1b3a323'), 'mainnet')).toBe('bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs');
  });
});
