/**
 * Solana through the facade, checked by noble's strict Ed25519 verification: an ed25519 vault
 * key (through its engine handle) and an HD account (SLIP-10 m/44'/501'/0'/0') sign a legacy
 * transfer and an off-chain message; roles and key types are enforced; bad input is a typed
 * error; the audit log has the signature and digests, not the transaction.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { base58, base64 } from '@scure/base';
import { describe, expect, it } from 'vitest';
import { unlockedCustodian } from '../../../test/helpers.js';
import { codeOfAsync } from '../../../test/support.js';
import { legacyTransfer } from './solana/test-transactions.js';

const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

const transfer = legacyTransfer;

describe('Solana through the facade', () => {
  it('vault key and HD account: transactions and off-chain messages verified by noble', async () => {
    const c = await unlockedCustodian();
    await c.generateKey('default', 'sol', 'ed25519');
    await c.hdImport('default', 'hd', ABANDON);
    const vaultRef = { namespace: 'default', keyId: 'sol' };
    const hdRef = { namespace: 'default', wallet: 'hd', account: 0 };
    expect(await c.solAddress(hdRef)).toEqual({ address: 'HAgk14JpMQLgt6rVgv7cBQFJWFto5Dqxi472uT3DKpqk', path: "m/44'/501'/0'/0'" });
    for (const ref of [vaultRef, hdRef]) {
      const { address } = await c.solAddress(ref);
      const pub = base58.decode(address);
      const tx = transfer(pub, 1_500_000_000n);
      const shown = await c.solDecode(base64.encode(tx));
      expect(shown.feePayer).toBe(address);
      const signed = await c.solSignTransaction(ref, tx);
      expect(signed.complete).toBe(true);
      // The message bytes follow the one-signature prefix (shortvec 1, 64 bytes).
      const messageBytes = signed.transaction.subarray(65);
      expect(ed25519.verify(signed.signature, messageBytes, pub, { zip215: false })).toBe(true);
      expect(base58.encode(signed.transaction.subarray(1, 65))).toBe(signed.signatureBase58);
      const msg = await c.solSignMessage(ref, 'hello custos');
      expect(msg.summary.text).toBe('hello custos');
      expect(ed25519.verify(msg.signature, msg.message, pub, { zip215: false })).toBe(true);
    }
    const [event] = await c.auditQuery({ action: 'sol.sign-tx', result: 'ok', limit: 1 });
    expect(event?.details).toMatchObject({ signer: expect.any(String), complete: true, transactionSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    await c.close();
  });

  it('refuses the wrong key type, a KeyAdmin, a transaction we do not sign, and malformed input', async () => {
    const c = await unlockedCustodian();
    await c.generateKey('default', 'k1', 'ecdsa-secp256k1');
    await c.hdImport('default', 'hd', ABANDON);
    const hdRef = { namespace: 'default', wallet: 'hd', account: 0 };
    expect(await codeOfAsync(c.solSignMessage({ namespace: 'default', keyId: 'k1' }, 'x'))).toBe('WRONG_KEY_TYPE');
    expect(await codeOfAsync(c.solSignTransaction(hdRef, transfer(new Uint8Array(32).fill(3), 1n)))).toBe('INVALID_INPUT');
    expect(await codeOfAsync(c.solSignTransaction(hdRef, new Uint8Array([1, 2, 3])))).toBe('INVALID_INPUT');
    expect(await codeOfAsync(c.solDecode('not a transaction'))).toBe('INVALID_INPUT');
    expect(await codeOfAsync(c.solSignMessage(hdRef, ''))).toBe('INVALID_INPUT');
    expect(await codeOfAsync(c.solAddress({ namespace: 'default', wallet: 'hd' } as never))).toBe('INVALID_INPUT'); // no account: never a silent default
    await c.addOperator('keyadmin', new TextEncoder().encode('key admin passphrase'));
    await c.grant('keyadmin', 'default', 'KeyAdmin');
    const ka = await c.login('keyadmin', new TextEncoder().encode('key admin passphrase'));
    expect(await codeOfAsync(ka.solSignMessage(hdRef, 'x'))).toBe('PERMISSION_DENIED');
    expect((await ka.solAddress(hdRef)).address).toBe('HAgk14JpMQLgt6rVgv7cBQFJWFto5Dqxi472uT3DKpqk');
    await c.close();
  });
});
