/**
 * StarkNet through the facade, checked with @scure/starknet: an HD account's key is derived
 * independently (@scure/bip39 seed, @scure/bip32 m/44'/9004'/0'/0/i, @scure/starknet grindKey)
 * and its full public point verifies the facade's INVOKE and SNIP-12 signatures. Vault keys are
 * refused (no Stark curve in the vault); roles and bad input are typed errors.
 */
import { HDKey } from '@scure/bip32';
import { mnemonicToSeedSync } from '@scure/bip39';
import { getPublicKey, getStarkKey, grindKey, Signature, verify } from '@scure/starknet';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { unlockedCustodian } from '../../../test/helpers.js';
import { codeOfAsync, readVector } from '../../../test/support.js';
import { executeCalldata, openZeppelinAccountAddress, type InvokeTransaction, type TypedData } from './starknet/index.js';

const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const VECTORS = JSON.parse(readFileSync(new URL('../../../test/vectors/starknet/vectors.json', import.meta.url), 'utf8')) as { typedData: { name: string; data: TypedData }[] };

/** The Stark private key of m/44'/9004'/0'/0/index, computed without Custos. */
function independentKey(index: number): string {
  const node = HDKey.fromMasterSeed(mnemonicToSeedSync(ABANDON)).derive(`m/44'/9004'/0'/0/${index}`);
  return grindKey(node.privateKey as Uint8Array);
}

function scureVerify(privateKey: string, hash: string, signature: readonly [string, string]): boolean {
  return verify(new Signature(BigInt(signature[0]), BigInt(signature[1])), BigInt(hash).toString(16).padStart(64, '0'), getPublicKey(privateKey.replace(/^0x/, '').padStart(64, '0')));
}

describe('StarkNet through the facade', () => {
  it('an HD account: address, INVOKE v3 and SNIP-12 typed data verified by @scure/starknet', async () => {
    const c = await unlockedCustodian();
    await c.hdImport('default', 'hd', ABANDON);
    const ref = { namespace: 'default', wallet: 'hd', index: 1 };
    const pk = independentKey(1);
    const a = await c.starkAddress(ref);
    expect(BigInt(a.publicKey)).toBe(BigInt(getStarkKey(pk)));
    expect(a.path).toBe("m/44'/9004'/0'/0/1");
    expect(a.address).toBe(openZeppelinAccountAddress(BigInt(a.publicKey)).address);

    const invoke: InvokeTransaction = {
      version: 3,
      senderAddress: a.address,
      calldata: executeCalldata([{ to: '0x04718f5a0fc34cc1af16a1cdee98ffb20c31f5cd61d6ab07201858f4287c938d', entrypoint: 'transfer', calldata: ['0x1234', 10n ** 18n, 0] }]),
      nonce: 3,
      chainId: 'SN_SEPOLIA',
      resourceBounds: { l1Gas: { maxAmount: 1000, maxPricePerUnit: 10n ** 12n }, l2Gas: { maxAmount: 0, maxPricePerUnit: 0 } },
    };
    const signed = await c.starkSignInvoke(ref, invoke);
    expect(scureVerify(pk, signed.transactionHash, signed.signature)).toBe(true);
    expect(signed.summary.calls?.[0]?.entrypoint).toBe('transfer');

    const td = VECTORS.typedData.find((t) => t.name === 'example_presetTypes')?.data as TypedData;
    const sig = await c.starkSignTypedData(ref, td);
    expect(sig.summary.account).toBe(`0x${BigInt(a.address).toString(16)}`);
    expect(scureVerify(pk, sig.messageHash, sig.signature)).toBe(true);
    const other = await c.starkSignTypedData(ref, td, { account: '0x1234' });
    expect(other.messageHash).not.toBe(sig.messageHash);
    expect(scureVerify(pk, other.messageHash, other.signature)).toBe(true);

    const [event] = await c.auditQuery({ action: 'stark.sign-invoke', result: 'ok', limit: 1 });
    expect(event?.details).toMatchObject({ transactionHash: signed.transactionHash, path: "m/44'/9004'/0'/0/1" });
    await c.close();
  });

  it('EIP-2645 paths (StarkEx layout): the StarkWare vector keys at indices 0, 7 and 598', async () => {
    const v = readVector<{ starkware: { layer: string; application: string; mnemonic: string; ethAddress: string; keys: { index: number; privateKey: string }[] } }>('bip/starknet_key_derivation.json').starkware;
    const c = await unlockedCustodian();
    await c.hdImport('default', 'starkex', v.mnemonic);
    const eip2645 = { layer: v.layer, application: v.application, ethAddress: v.ethAddress };
    for (const { index, privateKey } of v.keys) {
      const a = await c.starkAddress({ namespace: 'default', wallet: 'starkex', index, eip2645 });
      expect(BigInt(a.publicKey)).toBe(BigInt(getStarkKey(privateKey)));
      expect(a.path).toMatch(/^m\/2645'\/579218131'\/891216374'\/1961790679'\/2135936222'\/\d+$/);
      const td = VECTORS.typedData.find((t) => t.name === 'example_presetTypes')?.data as TypedData;
      const sig = await c.starkSignTypedData({ namespace: 'default', wallet: 'starkex', index, eip2645 }, td);
      expect(scureVerify(privateKey, sig.messageHash, sig.signature)).toBe(true);
    }
    expect(await codeOfAsync(c.starkAddress({ namespace: 'default', wallet: 'starkex', index: 0, eip2645: { ...eip2645, ethAddress: '0x1234' } }))).toBe('INVALID_INPUT');
    expect(await codeOfAsync(c.starkAddress({ namespace: 'default', wallet: 'starkex', index: 0, eip2645: 'starkex' as never }))).toBe('INVALID_INPUT');
    await c.close();
  });

  it('refuses vault keys, a KeyAdmin, and malformed requests', async () => {
    const c = await unlockedCustodian();
    await c.generateKey('default', 'k1', 'ecdsa-secp256k1');
    await c.hdImport('default', 'hd', ABANDON);
    const ref = { namespace: 'default', wallet: 'hd', index: 0 };
    expect(await codeOfAsync(c.starkAddress({ namespace: 'default', keyId: 'k1' } as never))).toBe('WRONG_KEY_TYPE');
    expect(await codeOfAsync(c.starkSignInvoke(ref, { version: 2 } as never))).toBe('INVALID_INPUT');
    expect(await codeOfAsync(c.starkSignTypedData(ref, { types: {}, primaryType: 'X', domain: {}, message: {} }))).toBe('INVALID_INPUT');
    expect(await codeOfAsync(c.starkAddress({ namespace: 'default', wallet: 'hd', index: -1 }))).toBe('INVALID_INPUT');
    await c.addOperator('keyadmin', new TextEncoder().encode('key admin passphrase'));
    await c.grant('keyadmin', 'default', 'KeyAdmin');
    const ka = await c.login('keyadmin', new TextEncoder().encode('key admin passphrase'));
    expect(await codeOfAsync(ka.starkSignInvoke(ref, { version: 1, senderAddress: 1, calldata: [], maxFee: 1, nonce: 0, chainId: 'SN_MAIN' }))).toBe('PERMISSION_DENIED');
    expect((await ka.starkAddress(ref)).address).toBe((await c.starkAddress(ref)).address);
    await c.close();
  });
});
