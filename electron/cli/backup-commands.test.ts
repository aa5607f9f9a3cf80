/**
 * `custos backup …` against real vaults: create writes a file and prints its SHA-256, verify
 * checks it, restore puts it into a new data directory where the keys sign as before (Ed25519 byte
 * for byte, secp256k1 under the same public key, the HD wallet's Ethereum account at the same
 * address) and the audit log verifies with the restore in it; truncated, flipped-byte,
 * wrong-passphrase and non-empty-target restores are refused by name and leave nothing behind.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { verifyMessage } from 'ethers';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers.js';
import { custos } from '../../test/cli.js';

const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const BK = { CUSTOS_BACKUP_PASSPHRASE: 'backup passphrase, kept apart' };
const HEX = '68656c6c6f'; // "hello"

describe('custos backup', () => {
  it('create → verify → restore into a fresh directory: the keys sign as before and the audit log verifies', async () => {
    const dir = tempDir();
    expect((await custos(dir, ['init', '--kdf-memory-kib', '1024', '--kdf-iterations', '1'])).code).toBe(0);
    expect((await custos(dir, ['key', 'generate', '--id', 'ed', '--alg', 'ed25519'])).code).toBe(0);
    expect((await custos(dir, ['key', 'generate', '--id', 'k1', '--alg', 'ecdsa-secp256k1'])).code).toBe(0);
    expect((await custos(dir, ['hd', 'import', '--id', 'hd', '--mnemonic-file', '-'], ABANDON + '\n')).code).toBe(0);
    const edSig = (await custos(dir, ['--json', 'sign', '--id', 'ed', '--data-hex', HEX])).json().signature;
    const k1Pub = (await custos(dir, ['--json', 'key', 'show', '--id', 'k1', '--format', 'der'])).json();
    const address = (await custos(dir, ['--json', 'eth', 'address', '--wallet', 'hd'])).json().address as string;

    const out = join(tempDir(), 'vault.custosbk');
    const noPass = await custos(dir, ['backup', 'create', '--out', out]);
    expect(noPass.code).toBe(2);
    expect(noPass.err).toContain('CUSTOS_BACKUP_PASSPHRASE');
    const created = await custos(dir, ['backup', 'create', '--out', out], '', BK);
    expect(created.code, created.err).toBe(0);
    expect(created.out).toMatch(/^wrote full backup .* \(\d+ bytes\)\nsha256 [0-9a-f]{64}/);
    expect(created.out).toContain('database');
    expect(created.out).not.toContain(BK.CUSTOS_BACKUP_PASSPHRASE);
    const again = await custos(dir, ['backup', 'create', '--out', out], '', BK);
    expect(again.err).toContain('exists: a backup never overwrites a file');
    const sha256 = /sha256 ([0-9a-f]{64})/.exec(created.out)?.[1];

    const passFile = join(tempDir(), 'backup-pass');
    writeFileSync(passFile, `${BK.CUSTOS_BACKUP_PASSPHRASE}\n`);
    const verified = await custos(dir, ['--json', 'backup', 'verify', out, '--backup-passphrase-file', passFile]);
    expect(verified.code, verified.err).toBe(0);
    expect(verified.json()).toMatchObject({ ok: true, sha256, manifest: { kind: 'full', previous: null } });

    const target = join(tempDir(), 'restored');
    const restored = await custos(target, ['--json', 'backup', 'restore', out], '', BK);
    expect(restored.code, restored.err).toBe(0);
    expect(restored.json()).toMatchObject({ restored: true, sha256, auditOk: true });

    expect((await custos(target, ['--json', 'sign', '--id', 'ed', '--data-hex', HEX])).json().signature).toBe(edSig);
    expect((await custos(target, ['--json', 'key', 'show', '--id', 'k1', '--format', 'der'])).json()).toEqual(k1Pub);
    const k1Sig = (await custos(target, ['--json', 'sign', '--id', 'k1', '--data-hex', HEX, '--hash', 'sha256'])).json().signature as string;
    // The original vault's k1 accepts the restored vault's signature.
    const checked = await custos(dir, ['--json', 'verify', '--id', 'k1', '--data-hex', HEX, '--hash', 'sha256', '--sig-hex', k1Sig]);
    expect(checked.code, checked.err).toBe(0);
    expect((await custos(target, ['--json', 'eth', 'address', '--wallet', 'hd'])).json().address).toBe(address);
    const signed = (await custos(target, ['--json', 'eth', 'sign-message', '--wallet', 'hd', '--data-hex', HEX])).json();
    expect(verifyMessage(Buffer.from(HEX, 'hex'), signed.signature as string)).toBe(address);
    const audit = await custos(target, ['audit', 'verify', '--full']);
    expect(audit.code, audit.err).toBe(0);
    const events = (await custos(target, ['--json', 'audit', 'list', '--action', 'backup.restore'])).out;
    expect(events).toContain(sha256);
  });

  it('refuses truncated, altered, wrong-passphrase and non-empty-target restores, leaving nothing behind', async () => {
    const dir = tempDir();
    expect((await custos(dir, ['init', '--kdf-memory-kib', '1024', '--kdf-iterations', '1'])).code).toBe(0);
    const out = join(tempDir(), 'b.custosbk');
    expect((await custos(dir, ['backup', 'create', '--out', out], '', BK)).code).toBe(0);
    const file = readFileSync(out);
    const scratch = tempDir();
    const write = (name: string, bytes: Uint8Array) => {
      const p = join(scratch, name);
      writeFileSync(p, bytes);
      return p;
    };
    const truncated = write('truncated', file.subarray(0, file.length - 7));
    const flipped = Uint8Array.from(file);
    flipped[file.length - 40] = (flipped[file.length - 40] as number) ^ 0x80;
    const altered = write('altered', flipped);

    const parent = tempDir();
    const target = join(parent, 'new');
    const cases: [string, Record<string, string>, string][] = [
      [truncated, BK, `truncated at byte ${file.length - 7}`],
      [altered, BK, 'tampered with or damaged (authentication failed)'],
      [out, { CUSTOS_BACKUP_PASSPHRASE: 'wrong' }, 'PASSPHRASE_INCORRECT: wrong backup passphrase'],
    ];
    for (const [path, env, message] of cases) {
      const v = await custos(parent, ['backup', 'verify', path], '', env);
      expect(v.code).toBe(1);
      expect(v.err).toContain(message);
      const r = await custos(target, ['backup', 'restore', path], '', env);
      expect(r.code).toBe(1);
      expect(r.err).toContain(message);
      expect(existsSync(target)).toBe(false);
    }
    const wrongOperator = await custos(target, ['backup', 'restore', out], '', { ...BK, CUSTOS_PASSPHRASE: 'not the admin passphrase' });
    expect(wrongOperator.err).toContain('PASSPHRASE_INCORRECT');
    expect(readdirSync(parent)).toEqual([]);

    mkdirSync(target);
    writeFileSync(join(target, 'keep-me'), 'x');
    const occupied = await custos(target, ['backup', 'restore', out], '', BK);
    expect(occupied.err).toContain('ALREADY_EXISTS');
    expect(occupied.err).toContain('is not empty: restore only into a new or empty data directory');
    expect(readdirSync(target)).toEqual(['keep-me']);
    expect(readdirSync(parent)).toEqual(['new']);
    expect((await custos(target, ['backup', 'restore'], '', BK)).code).toBe(2);
  });

  it('backup and recovery commands do not run inside batch (they take passphrases or secrets interactively)', async () => {
    const dir = tempDir();
    for (const argv of [['backup', 'create', '--out', join(tempDir(), 'x.custosbk')], ['backup', 'verify', 'x'], ['recovery', 'split', '--shares', '3', '--threshold', '2'], ['recovery', 'combine']]) {
      const r = await custos(dir, ['batch'], JSON.stringify({ argv }) + '\n', BK);
      expect(r.out, argv.join(' ')).toContain(`${argv[0]} ${argv[1]} cannot run inside batch`);
    }
  });
});
