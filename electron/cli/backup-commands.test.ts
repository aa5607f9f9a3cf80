/**
 * `custos backup …` against real vaults: create writes a file and prints its SHA-256, verify
 * checks it, restore puts it into a new data directory where the keys sign as before (Ed25519 byte
 * for byte, secp256k1 under the same public key, the HD wallet's Ethereum account at the same
 * address) and the audit log verifies with the restore in it; truncated, flipped-byte,
 * wrong-passphrase and non-empty-target restores are refused by name and leave nothing behind.
 * Incrementals: `create --incremental-from` (repeated, full first), `verify FILE…` and
 * `restore FILE…` over a chain of three; a misordered or incomplete chain and a wrong chain
 * passphrase are refused naming the file by position and path.
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

  it('incremental chain: create --incremental-from (repeated, full first) → verify FILE… → restore FILE…; misordered, incomplete and wrong-passphrase chains are refused naming the file', async () => {
    const dir = tempDir();
    expect((await custos(dir, ['init', '--kdf-memory-kib', '1024', '--kdf-iterations', '1'])).code).toBe(0);
    expect((await custos(dir, ['key', 'generate', '--id', 'ed', '--alg', 'ed25519'])).code).toBe(0);
    const out = tempDir();
    const full = join(out, 'full.custosbk');
    const inc1 = join(out, 'inc1.custosbk');
    const inc2 = join(out, 'inc2.custosbk');
    expect((await custos(dir, ['backup', 'create', '--out', full], '', BK)).code).toBe(0);
    expect((await custos(dir, ['key', 'generate', '--id', 'new1', '--alg', 'ed25519'])).code).toBe(0);
    expect((await custos(dir, ['key', 'rotate', '--id', 'ed'])).code).toBe(0);
    const c1 = await custos(dir, ['backup', 'create', '--incremental-from', full, '--out', inc1], '', BK);
    expect(c1.code, c1.err).toBe(0);
    expect(c1.out).toMatch(new RegExp(`^wrote incremental backup ${inc1} \\(\\d+ bytes\\), following ${full} \\([0-9a-f]{64}\\)\nsha256 [0-9a-f]{64}`));
    expect(c1.out).toContain(`restore with: custos --data-dir NEW backup restore ${full} ${inc1}`);
    expect((await custos(dir, ['key', 'generate', '--id', 'new2', '--alg', 'ed25519'])).code).toBe(0);
    const wrong = await custos(dir, ['backup', 'create', '--incremental-from', full, '--incremental-from', inc1, '--out', inc2], '', { CUSTOS_BACKUP_PASSPHRASE: 'not the chain passphrase' });
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain(`PASSPHRASE_INCORRECT: backup 1 of 2 (${full}): wrong backup passphrase`);
    expect(existsSync(inc2)).toBe(false);
    const c2 = await custos(dir, ['--json', 'backup', 'create', '--incremental-from', full, '--incremental-from', inc1, '--out', inc2], '', BK);
    expect(c2.code, c2.err).toBe(0);
    const created = c2.json();
    expect(created).toMatchObject({ follows: inc1, chain: [full, inc1, inc2], manifest: { kind: 'incremental', previous: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    const sigs = async (d: string) => Promise.all(['ed', 'new1', 'new2'].map(async (id) => (await custos(d, ['--json', 'sign', '--id', id, '--data-hex', HEX])).json().signature));
    const before = await sigs(dir);

    const verified = await custos(dir, ['backup', 'verify', full, inc1, inc2], '', BK);
    expect(verified.code, verified.err).toBe(0);
    expect(verified.out).toContain('chain of 3 backups is intact');
    expect(verified.out).toContain(`3. ${inc2}: incremental backup of vault`);
    const vj = (await custos(dir, ['--json', 'backup', 'verify', full, inc1, inc2], '', BK)).json();
    expect(vj).toMatchObject({ ok: true, file: inc2, sha256: created.sha256 });
    expect((vj.chain as { file: string }[]).map((e) => e.file)).toEqual([full, inc1, inc2]);

    const parent = tempDir();
    const target = join(parent, 'restored');
    const refusals: [string[], string][] = [
      [[full, inc2, inc1], `TAMPERED: backup 2 of 3 (${inc2}) follows `],
      [[full, inc2], `, but backup 1 of 2 (${full}) is `],
      [[inc1, inc2], `backup 1 of 2 (${inc1}) is an incremental backup`],
    ];
    for (const [files, message] of refusals) {
      const v = await custos(parent, ['backup', 'verify', ...files], '', BK);
      expect(v.code).toBe(1);
      expect(v.err).toContain(message);
      const r = await custos(target, ['backup', 'restore', ...files], '', BK);
      expect(r.code).toBe(1);
      expect(r.err).toContain(message);
      expect(readdirSync(parent)).toEqual([]);
    }

    const restored = await custos(target, ['--json', 'backup', 'restore', full, inc1, inc2], '', BK);
    expect(restored.code, restored.err).toBe(0);
    expect(restored.json()).toMatchObject({ restored: true, files: 3, sha256: created.sha256, auditOk: true, manifest: { kind: 'incremental' } });
    expect(await sigs(target)).toEqual(before);
    const audit = await custos(target, ['audit', 'verify', '--full']);
    expect(audit.code, audit.err).toBe(0);
    expect((await custos(target, ['--json', 'audit', 'list', '--action', 'backup.restore'])).out).toContain(created.sha256 as string);
  });

  it('backup and recovery commands do not run inside batch (they take passphrases or secrets interactively)', async () => {
    const dir = tempDir();
    for (const argv of [['backup', 'create', '--out', join(tempDir(), 'x.custosbk')], ['backup', 'verify', 'x'], ['recovery', 'split', '--shares', '3', '--threshold', '2'], ['recovery', 'combine']]) {
      const r = await custos(dir, ['batch'], JSON.stringify({ argv }) + '\n', BK);
      expect(r.out, argv.join(' ')).toContain(`${argv[0]} ${argv[1]} cannot run inside batch`);
    }
  });
});
