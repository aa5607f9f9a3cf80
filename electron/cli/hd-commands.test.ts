/**
 * `custos hd …` against a real vault: create prints the mnemonic once, import reads it from a
 * file or stdin (never argv), derive and xpub print the BIP-84 vector values (derive --count a
 * run of them in one call), export needs an
 * exportable wallet, delete needs --yes.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers.js';
import { custos } from '../../test/cli.js';

const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

const cli = (dir: string, argv: string[], stdin?: string) => custos(dir, argv, stdin);

describe('custos hd', () => {
  it('create, import, list, derive, xpub, export-mnemonic, disable, delete', async () => {
    const dir = tempDir();
    expect((await cli(dir, ['init', '--kdf-memory-kib', '1024', '--kdf-iterations', '1'])).code).toBe(0);

    const created = await cli(dir, ['--json', 'hd', 'create', '--id', 'fresh', '--words', '12']);
    expect(created.code, created.err).toBe(0);
    expect((created.json().mnemonic as string).split(' ')).toHaveLength(12);
    const text = await cli(dir, ['hd', 'create', '--id', 'fresh2']);
    expect(text.out).toMatch(/shown only now and never again/);

    const file = join(dir, 'mnemonic.txt');
    writeFileSync(file, ABANDON + '\n');
    expect((await cli(dir, ['hd', 'import', '--id', 'abandon', '--mnemonic-file', file, '--exportable'])).code).toBe(0);
    expect((await cli(dir, ['hd', 'import', '--id', 'piped', '--mnemonic-file', '-'], ABANDON + '\n')).code).toBe(0);
    expect((await cli(dir, ['hd', 'import', '--id', 'bad', '--mnemonic-file', '-'], ABANDON.replace('about', 'abandon'))).err).toContain('INVALID_INPUT');
    expect((await cli(dir, ['hd', 'import', '--id', 'argv', ABANDON])).code).toBe(2); // never on the command line

    const list = await cli(dir, ['--json', 'hd', 'list']);
    expect((list.json().wallets as { id: string }[]).map((w) => w.id)).toEqual(['abandon', 'fresh', 'fresh2', 'piped']);

    const btc = await cli(dir, ['--json', 'hd', 'derive', '--id', 'abandon', '--chain', 'bitcoin', '--script', 'p2wpkh']);
    expect(btc.json()).toMatchObject({ path: "m/84'/0'/0'/0/0", address: 'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu' });
    const eth = await cli(dir, ['hd', 'derive', '--id', 'abandon', '--chain', 'ethereum']);
    expect(eth.out).toContain('0x9858EfFD232B4033E47d90003D41EC34EcaEda94');
    const zpub = await cli(dir, ['hd', 'xpub', '--id', 'abandon']);
    expect(zpub.out).toContain('zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs');
    expect(zpub.out).toContain('warning:');
    expect((await cli(dir, ['hd', 'derive', '--id', 'abandon', '--chain', 'dogecoin'])).err).toContain('INVALID_INPUT');
    const range = await cli(dir, ['--json', 'hd', 'derive', '--id', 'abandon', '--chain', 'ethereum', '--index', '0', '--count', '3']);
    expect(range.code, range.err).toBe(0);
    const derived = range.json().derived as { path: string; address: string }[];
    expect(derived.map((d) => d.path)).toEqual(["m/44'/60'/0'/0/0", "m/44'/60'/0'/0/1", "m/44'/60'/0'/0/2"]);
    expect(derived[0]?.address).toBe('0x9858EfFD232B4033E47d90003D41EC34EcaEda94');
    const second = await cli(dir, ['--json', 'hd', 'derive', '--id', 'abandon', '--chain', 'ethereum', '--index', '2']);
    expect(second.json()).toEqual(derived[2]);
    const btcRange = await cli(dir, ['hd', 'derive', '--id', 'abandon', '--chain', 'bitcoin', '--count', '2']);
    expect(btcRange.out).toContain("m/84'/0'/0'/0/0  bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu");
    expect(btcRange.out).toContain("m/84'/0'/0'/0/1  ");
    for (const count of ['0', '1001']) expect((await cli(dir, ['hd', 'derive', '--id', 'abandon', '--chain', 'ethereum', '--count', count])).err).toContain('INVALID_INPUT');
    expect((await cli(dir, ['hd', 'derive', '--id', 'abandon', '--chain', 'path', '--path', "m/0'", '--count', '2'])).code).toBe(2);

    expect((await cli(dir, ['hd', 'export-mnemonic', '--id', 'abandon'])).out.trim()).toBe(ABANDON);
    expect((await cli(dir, ['hd', 'export-mnemonic', '--id', 'piped'])).err).toContain('KEY_NOT_EXPORTABLE');

    expect((await cli(dir, ['hd', 'disable', '--id', 'piped'])).code).toBe(0);
    expect((await cli(dir, ['hd', 'derive', '--id', 'piped', '--chain', 'ethereum'])).err).toContain('KEY_DISABLED');
    expect((await cli(dir, ['hd', 'delete', '--id', 'piped'])).code).toBe(2);
    expect((await cli(dir, ['hd', 'delete', '--id', 'piped', '--yes'])).code).toBe(0);
    expect((await cli(dir, ['hd', 'derive', '--id', 'piped', '--chain', 'ethereum'])).err).toContain('NOT_FOUND');
  });
});
