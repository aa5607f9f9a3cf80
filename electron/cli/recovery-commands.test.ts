/**
 * `custos recovery …` against a real vault: split prints N shares with their headers (words or
 * base32) after the Admin's passphrase, combine reads any M of them from stdin or files — the
 * split output pasted back as it is — and sets the new passphrase; fewer, damaged or argv shares
 * are refused.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers.js';
import { custos } from '../../test/cli.js';

const NEW = { CUSTOS_NEW_PASSPHRASE: 'recovered by shares' };

describe('custos recovery', () => {
  it('split prints shares once; combine with any M of them sets a new passphrase', async () => {
    const dir = tempDir();
    expect((await custos(dir, ['init', '--kdf-memory-kib', '1024', '--kdf-iterations', '1'])).code).toBe(0);
    expect((await custos(dir, ['key', 'generate', '--id', 'k1', '--alg', 'ed25519'])).code).toBe(0);

    const text = await custos(dir, ['recovery', 'split', '--shares', '5', '--threshold', '3']);
    expect(text.code, text.err).toBe(0);
    expect(text.out).toContain('share 1 of 5 (any 3 recover)');
    expect(text.out).toContain('share 5 of 5 (any 3 recover)');
    expect(text.out).toMatch(/shown only now/);

    const split = await custos(dir, ['--json', 'recovery', 'split', '--shares', '5', '--threshold', '3', '--format', 'base32']);
    expect(split.code, split.err).toBe(0);
    const shares = (split.json().shares as { number: number; share: string }[]).map((s) => s.share);
    expect(shares[0]).toMatch(/^CUSTOS-1-3of5-/);

    // Three base32 shares on stdin.
    const combined = await custos(dir, ['--json', 'recovery', 'combine'], [shares[0], shares[2], shares[4]].join('\n') + '\n', NEW);
    expect(combined.code, combined.err).toBe(0);
    expect(combined.json()).toMatchObject({ recovered: true, operator: 'admin', slotCreated: false, fingerprint: split.json().fingerprint });
    expect((await custos(dir, ['key', 'list'])).err).toContain('PASSPHRASE_INCORRECT');
    const signed = await custos(dir, ['sign', '--id', 'k1', '--in', '-'], 'hello', { CUSTOS_PASSPHRASE: NEW.CUSTOS_NEW_PASSPHRASE });
    expect(signed.code, signed.err).toBe(0);

    // The words output, pasted back whole (headers and all) into files: any 3 shares.
    const words = text.out.split('\n\n').slice(1);
    const file1 = join(dir, 'two-shares.txt');
    const file2 = join(dir, 'one-share.txt');
    writeFileSync(file1, `${words[1]}\n\n${words[3]}\n`);
    writeFileSync(file2, `# from the safe\n${words[4]}\n`);
    const env = { CUSTOS_PASSPHRASE: NEW.CUSTOS_NEW_PASSPHRASE, CUSTOS_NEW_PASSPHRASE: 'recovered by words' };
    const fromFiles = await custos(dir, ['recovery', 'combine', '--operator', 'admin', '--share-file', file1, '--share-file', file2], '', env);
    expect(fromFiles.code, fromFiles.err).toBe(0);
    expect(fromFiles.out).toMatch(/^vault recovered \(key fingerprint [0-9a-f]{16}\): operator admin has a new passphrase/);

    // Two shares, a damaged one, none, and shares on the command line are refused.
    const again = { CUSTOS_PASSPHRASE: 'recovered by words', CUSTOS_NEW_PASSPHRASE: 'never set at all' };
    const two = await custos(dir, ['recovery', 'combine'], `${shares[0]}\n${shares[1]}\n`, again);
    expect(two.code).toBe(1);
    expect(two.err).toContain('3 shares are needed (any 3 of 5); 2 given');
    const s2 = shares[1] as string;
    const at = s2.length - 4; // inside the last group of four
    const bad = s2.slice(0, at) + (s2[at] === 'A' ? 'B' : 'A') + s2.slice(at + 1);
    const damaged = await custos(dir, ['recovery', 'combine'], `${shares[0]}\n${bad}\n${shares[2]}\n`, again);
    expect(damaged.err).toContain('share 2: checksum does not match');
    expect((await custos(dir, ['recovery', 'combine'], '\n', again)).code).toBe(2);
    expect((await custos(dir, ['recovery', 'combine', shares[0] as string], '', again)).code).toBe(2);
    expect((await custos(dir, ['recovery', 'split', '--shares', '3'], '', again)).code).toBe(2);
    expect((await custos(dir, ['recovery', 'split', '--shares', '3', '--threshold', '2', '--format', 'hex'], '', again)).err).toContain('INVALID_INPUT');
    expect((await custos(dir, ['key', 'list'], '', again)).code).toBe(0);
  });
});
