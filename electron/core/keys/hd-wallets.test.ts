/**
 * HD wallets through the facade: creation shows the mnemonic once and stores only sealed forms;
 * import of the BIP-84/86 test mnemonic reproduces the published addresses and zpub, and the
 * well-known first Ethereum address; export needs an exportable wallet and re-authentication;
 * roles, quotas, namespace deletion and tampering behave like keys'.
 */
import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FAST_KDF, PASSPHRASE, tempDir, unlockedCustodian } from '../../../test/helpers.js';
import { codeOfAsync } from '../../../test/support.js';
import { openCustodian } from '../custodian.js';
import { databasePath } from '../vault/database.js';

const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const OTHER = new TextEncoder().encode('another long passphrase');

describe('HD wallets', () => {
  it('create: the mnemonic is returned once and stored only sealed; nothing secret in the audit log', async () => {
    const dataDir = tempDir();
    const c = await unlockedCustodian({ dataDir });
    const { info, mnemonic } = await c.hdCreate('default', 'treasury', { words: 12 });
    expect(mnemonic.split(' ')).toHaveLength(12);
    expect(info).toMatchObject({ namespace: 'default', id: 'treasury', words: 12, language: 'english', hasPassphrase: false, exportable: false, state: 'active', origin: 'generated' });
    expect(info.fingerprint).toMatch(/^[0-9a-f]{8}$/);
    expect(await codeOfAsync(c.hdCreate('default', 'treasury'))).toBe('ALREADY_EXISTS');
    const events = JSON.stringify(await c.auditQuery({ limit: 100 }));
    expect(events).toContain('hd.create');
    for (const word of new Set(mnemonic.split(' '))) expect(events.includes(` ${word} `)).toBe(false);
    await c.close();
    const file = readFileSync(databasePath(dataDir));
    expect(file.includes(Buffer.from(mnemonic))).toBe(false);
    expect(file.includes(Buffer.from(mnemonic.split(' ').slice(0, 3).join(' ')))).toBe(false);
  });

  it('import reproduces the BIP-84, BIP-86 and Ethereum addresses of the standard test mnemonic', async () => {
    const c = await unlockedCustodian();
    const info = await c.hdImport('default', 'abandon', ABANDON);
    expect(info.fingerprint).toBe('73c5da0a'); // BIP-84/86 vectors: master fingerprint
    // BIP-84: m/84'/0'/0'/0/0 and the account zpub.
    expect(await c.hdDerive('default', 'abandon', { chain: 'bitcoin', script: 'p2wpkh', network: 'mainnet', index: 0 })).toMatchObject({
      path: "m/84'/0'/0'/0/0",
      publicKey: '0330d54fd0dd420a6e5f8d3624f5f3482cae350f79d5f0753bf5beef9c2d91af3c',
      address: 'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu',
    });
    expect(await c.hdDerive('default', 'abandon', { chain: 'bitcoin', script: 'p2wpkh', network: 'mainnet', index: 0, change: 1 })).toMatchObject({ address: 'bc1q8c6fshw2dlwun7ekn9qwf37cu2rn755upcp6el' });
    expect(await c.hdXpub('default', 'abandon', { script: 'p2wpkh', network: 'mainnet' })).toEqual({
      path: "m/84'/0'/0'",
      xpub: 'zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs',
    });
    // BIP-86: m/86'/0'/0'/0/0.
    expect((await c.hdDerive('default', 'abandon', { chain: 'bitcoin', script: 'p2tr', network: 'mainnet', index: 0 })).address).toBe('bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr');
    // Ethereum m/44'/60'/0'/0/0 of this mnemonic (the address every wallet shows for it).
    expect((await c.hdDerive('default', 'abandon', { chain: 'ethereum', index: 0 })).address).toBe('0x9858EfFD232B4033E47d90003D41EC34EcaEda94');
    // Solana: SLIP-10 Ed25519, every level hardened; the address is the base58 public key.
    const sol = await c.hdDerive('default', 'abandon', { chain: 'solana', account: 0 });
    expect(sol.path).toBe("m/44'/501'/0'/0'");
    expect(sol.publicKey).toHaveLength(64);
    expect(await codeOfAsync(c.hdDerive('default', 'abandon', { chain: 'path', curve: 'ed25519', path: "m/44'/501'/0" }))).toBe('INVALID_INPUT');
    await c.close();
  });

  it('refuses bad mnemonics with a typed error and stores nothing', async () => {
    const c = await unlockedCustodian();
    expect(await codeOfAsync(c.hdImport('default', 'w', ABANDON.replace('about', 'abandon')))).toBe('INVALID_INPUT'); // checksum
    expect(await codeOfAsync(c.hdImport('default', 'w', 'abandon abandon'))).toBe('INVALID_INPUT');
    expect(await codeOfAsync(c.hdImport('default', 'w', ABANDON.replace('about', 'aboot')))).toBe('INVALID_INPUT');
    expect(await c.hdList('default')).toEqual([]);
    await c.close();
  });

  it('shows the mnemonic again only for an exportable wallet, after the operator re-enters their passphrase', async () => {
    const c = await unlockedCustodian();
    await c.hdImport('default', 'kept', ABANDON);
    await c.hdImport('default', 'shown', ABANDON, { exportable: true, passphrase: 'TREZOR' });
    expect(await codeOfAsync(c.hdExportMnemonic('default', 'kept', PASSPHRASE))).toBe('KEY_NOT_EXPORTABLE');
    expect(await codeOfAsync(c.hdExportMnemonic('default', 'shown', OTHER))).toBe('PASSPHRASE_INCORRECT');
    expect(await c.hdExportMnemonic('default', 'shown', PASSPHRASE)).toBe(ABANDON);
    // A BIP-39 passphrase makes a different wallet.
    expect((await c.hdGet('default', 'shown')).fingerprint).not.toBe('73c5da0a');
    await c.close();
  });

  it('hdDeriveRange: each result equals hdDerive one by one, in one call and one audit event; count is 1..1000', async () => {
    const c = await unlockedCustodian();
    await c.hdImport('default', 'abandon', ABANDON);
    const cases = [
      { range: { chain: 'ethereum', from: 5, count: 4, account: 1 }, one: (i: number) => ({ chain: 'ethereum', index: i, account: 1 }) },
      { range: { chain: 'bitcoin', script: 'p2wpkh', network: 'mainnet', from: 0, count: 3, change: 1 }, one: (i: number) => ({ chain: 'bitcoin', script: 'p2wpkh', network: 'mainnet', index: i, change: 1 }) },
      { range: { chain: 'bitcoin', script: 'p2tr', network: 'testnet', from: 7, count: 2 }, one: (i: number) => ({ chain: 'bitcoin', script: 'p2tr', network: 'testnet', index: i }) },
      { range: { chain: 'solana', from: 2, count: 3 }, one: (i: number) => ({ chain: 'solana', account: i }) },
    ] as const;
    for (const { range, one } of cases) {
      const before = (await c.auditQuery({ limit: 100_000 })).length;
      const list = await c.hdDeriveRange('default', 'abandon', range);
      const events = await c.auditQuery({ limit: 100_000 });
      // One event for the range (the auditQuery that read it is the next one).
      expect(events.length - before).toBe(2);
      const event = events.find((e) => e.action === 'hd.derive-range' && e.details['firstPath'] === list[0]?.path);
      expect(event).toMatchObject({ result: 'ok', keyId: 'abandon', details: { chain: range.chain, from: range.from, count: range.count, lastPath: list[list.length - 1]?.path } });
      expect(list).toHaveLength(range.count);
      for (const [k, d] of list.entries()) expect(d).toEqual(await c.hdDerive('default', 'abandon', one(range.from + k) as never));
    }
    // The BIP-44 Ethereum vector of the test mnemonic is index 0 of a range from 0.
    const thousand = await c.hdDeriveRange('default', 'abandon', { chain: 'ethereum', from: 0, count: 1000 });
    expect(thousand).toHaveLength(1000);
    expect(thousand[0]?.address).toBe('0x9858EfFD232B4033E47d90003D41EC34EcaEda94');
    expect(thousand[999]?.path).toBe("m/44'/60'/0'/0/999");
    expect(new Set(thousand.map((d) => d.address)).size).toBe(1000);
    for (const count of [0, -1, 1001, 1.5, Number.NaN, '3' as unknown as number]) {
      expect(await codeOfAsync(c.hdDeriveRange('default', 'abandon', { chain: 'ethereum', from: 0, count }))).toBe('INVALID_INPUT');
    }
    for (const from of [-1, 0.5, 0x7fffffff]) expect(await codeOfAsync(c.hdDeriveRange('default', 'abandon', { chain: 'ethereum', from, count: 2 }))).toBe('INVALID_INPUT');
    expect((await c.hdDeriveRange('default', 'abandon', { chain: 'ethereum', from: 0x7fffffff, count: 1 }))[0]?.path).toBe("m/44'/60'/0'/0/2147483647");
    expect(await codeOfAsync(c.hdDeriveRange('default', 'abandon', { chain: 'path', from: 0, count: 1 } as never))).toBe('INVALID_INPUT');
    expect(await codeOfAsync(c.hdDeriveRange('default', 'abandon', null as never))).toBe('INVALID_INPUT');
    // A refused range is audited once, with its code.
    const failed = (await c.auditQuery({ limit: 100_000 })).filter((e) => e.action === 'hd.derive-range' && e.result === 'INVALID_INPUT');
    expect(failed.length).toBeGreaterThan(0);
    await c.close();
  });

  it('follows roles, quotas, states and namespace deletion like keys; a changed row is TAMPERED', async () => {
    const dataDir = tempDir();
    const c = await openCustodian({ dataDir, kdf: FAST_KDF });
    await c.init(PASSPHRASE);
    await c.createNamespace('ops', { maxKeys: 1 });
    await c.addOperator('user', OTHER);
    await c.grant('user', 'ops', 'KeyUser');
    const user = await c.login('user', OTHER);
    expect(await codeOfAsync(user.hdImport('ops', 'w', ABANDON))).toBe('PERMISSION_DENIED');
    await c.hdImport('ops', 'w', ABANDON);
    expect((await user.hdDerive('ops', 'w', { chain: 'ethereum', index: 1 })).address).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(await user.hdDeriveRange('ops', 'w', { chain: 'ethereum', from: 1, count: 1 })).toEqual([await user.hdDerive('ops', 'w', { chain: 'ethereum', index: 1 })]);
    expect(await codeOfAsync(c.hdCreate('ops', 'w2'))).toBe('QUOTA_EXCEEDED');
    expect(await codeOfAsync(c.generateKey('ops', 'k', 'ed25519'))).toBe('QUOTA_EXCEEDED');
    expect(await codeOfAsync(c.deleteNamespace('ops'))).toBe('NOT_EMPTY');
    // A signer kept from an earlier signature does not outlive the wallet's state.
    await c.ethSignMessage({ namespace: 'ops', wallet: 'w', index: 0 }, new Uint8Array([1]));
    await c.hdSetState('ops', 'w', 'disabled');
    expect(await codeOfAsync(c.ethSignMessage({ namespace: 'ops', wallet: 'w', index: 0 }, new Uint8Array([1])))).toBe('KEY_DISABLED');
    expect(await codeOfAsync(c.hdDerive('ops', 'w', { chain: 'ethereum', index: 0 }))).toBe('KEY_DISABLED');
    expect(await codeOfAsync(c.hdDeriveRange('ops', 'w', { chain: 'ethereum', from: 0, count: 2 }))).toBe('KEY_DISABLED');
    await c.hdSetState('ops', 'w', 'active');
    await c.close();

    const db = new Database(databasePath(dataDir));
    db.prepare("UPDATE hd_wallets SET exportable = 1 WHERE id = 'w'").run();
    db.close();
    const d = await openCustodian({ dataDir, kdf: FAST_KDF });
    await d.unlock(PASSPHRASE);
    expect(await codeOfAsync(d.hdExportMnemonic('ops', 'w', PASSPHRASE))).toBe('TAMPERED');
    await d.close();
  });
});
