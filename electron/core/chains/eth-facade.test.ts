/**
 * Ethereum through the facade, checked by ethers: a secp256k1 vault key and an HD wallet's
 * account both sign transactions, personal messages and EIP-712 typed data that ethers recovers to
 * our address; roles, key types and chain ids are enforced; audit events carry digests, not data.
 */
import { Transaction, verifyMessage, verifyTypedData } from 'ethers';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { unlockedCustodian } from '../../../test/helpers.js';
import { codeOfAsync } from '../../../test/support.js';

const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const MAIL = JSON.parse(readFileSync(join(import.meta.dirname, '../../../test/vectors/eip712/eip712_mail.json'), 'utf8')) as { typedData: { domain: Record<string, unknown>; types: Record<string, { name: string; type: string }[]>; message: Record<string, unknown>; primaryType: string } };
const TX = { type: 2, chainId: 1, nonce: 7, to: '0x00000000000000000000000000000000000000aa', value: '1000000000000000000', gasLimit: 21000, maxFeePerGas: '30000000000', maxPriorityFeePerGas: '1000000000', data: '0x' };

describe('Ethereum through the facade', () => {
  it('vault key and HD wallet: transactions, messages and typed data recovered by ethers', async () => {
    const c = await unlockedCustodian();
    await c.generateKey('default', 'eth', 'ecdsa-secp256k1');
    await c.hdImport('default', 'hd', ABANDON);
    const vaultRef = { namespace: 'default', keyId: 'eth' };
    const hdRef = { namespace: 'default', wallet: 'hd', index: 0 };
    expect(await c.ethAddress(hdRef)).toEqual({ address: '0x9858EfFD232B4033E47d90003D41EC34EcaEda94', path: "m/44'/60'/0'/0/0" });
    for (const ref of [vaultRef, hdRef]) {
      const { address } = await c.ethAddress(ref);
      const signed = await c.ethSignTransaction(ref, TX, { expectedChainId: 1 });
      expect(Transaction.from(signed.rawTransaction).from).toBe(address);
      const msg = new TextEncoder().encode('hello custos');
      expect(verifyMessage(msg, (await c.ethSignMessage(ref, msg)).signature)).toBe(address);
      const types = { ...MAIL.typedData.types };
      delete types.EIP712Domain;
      const sig = await c.ethSignTypedData(ref, MAIL.typedData, { expectedChainId: Number(MAIL.typedData.domain.chainId) });
      expect(verifyTypedData(MAIL.typedData.domain, types, MAIL.typedData.message, sig.signature)).toBe(address);
    }
    // A chain id mismatch is refused before anything is signed.
    expect(await codeOfAsync(c.ethSignTransaction(hdRef, TX, { expectedChainId: 11155111 }))).toBe('INVALID_INPUT');
    expect(await codeOfAsync(c.ethSignTypedData(hdRef, MAIL.typedData, { expectedChainId: 5 }))).toBe('INVALID_INPUT');
    // The audit log has the digest and the signer, not the payload.
    const [event] = await c.auditQuery({ action: 'eth.sign-tx', result: 'ok', limit: 1 });
    expect(event?.details).toMatchObject({ signer: expect.stringMatching(/^0x/), txType: 2 });
    expect(event?.details.signingHash).toMatch(/^0x[0-9a-f]{64}$/);
    // Decoding needs no key.
    const view = await c.ethDescribe({ kind: 'transaction', input: TX });
    expect(JSON.stringify(view)).toContain('1'); // value shown in ETH units
    await c.close();
  });

  it('refuses the wrong key type and a role without key use (which may still read the address)', async () => {
    const c = await unlockedCustodian();
    await c.generateKey('default', 'ed', 'ed25519');
    expect(await codeOfAsync(c.ethSignMessage({ namespace: 'default', keyId: 'ed' }, new Uint8Array([1])))).toBe('WRONG_KEY_TYPE');
    await c.hdImport('default', 'hd', ABANDON);
    await c.addOperator('keyadmin', new TextEncoder().encode('key admin passphrase'));
    await c.grant('keyadmin', 'default', 'KeyAdmin');
    const ka = await c.login('keyadmin', new TextEncoder().encode('key admin passphrase'));
    expect(await codeOfAsync(ka.ethSignMessage({ namespace: 'default', wallet: 'hd', index: 0 }, new Uint8Array([1])))).toBe('PERMISSION_DENIED');
    expect((await ka.ethAddress({ namespace: 'default', wallet: 'hd', index: 0 })).address).toBe('0x9858EfFD232B4033E47d90003D41EC34EcaEda94');
    await c.close();
  });
});
