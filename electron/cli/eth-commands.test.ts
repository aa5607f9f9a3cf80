/**
 * `custos eth …` against a real vault, checked by ethers: the decoded view is printed before the
 * signature; transactions, messages and typed data recover to the key's address; a chain id
 * mismatch exits 1 with INVALID_INPUT and nothing signed.
 */
import { Transaction, verifyMessage, verifyTypedData } from 'ethers';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers.js';
import { custos } from '../../test/cli.js';

const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const MAIL_FILE = join(import.meta.dirname, '../../test/vectors/eip712/eip712_mail.json');

const cli = (dir: string, argv: string[], stdin = '') => custos(dir, argv, stdin);

describe('custos eth', () => {
  it('address, sign-tx, sign-message, sign-typed-data, decode with a vault key and an HD wallet', async () => {
    const dir = tempDir();
    expect((await cli(dir, ['init', '--kdf-memory-kib', '1024', '--kdf-iterations', '1'])).code).toBe(0);
    expect((await cli(dir, ['key', 'generate', '--id', 'eth', '--alg', 'ecdsa-secp256k1'])).code).toBe(0);
    writeFileSync(join(dir, 'm.txt'), ABANDON);
    expect((await cli(dir, ['hd', 'import', '--id', 'hd', '--mnemonic-file', join(dir, 'm.txt')])).code).toBe(0);
    expect((await cli(dir, ['eth', 'address', '--wallet', 'hd'])).out).toContain('0x9858EfFD232B4033E47d90003D41EC34EcaEda94');

    const tx = join(dir, 'tx.json');
    writeFileSync(tx, JSON.stringify({ type: 2, chainId: 1, nonce: 0, to: '0x00000000000000000000000000000000000000aa', value: '1500000000000000000', gasLimit: 21000, maxFeePerGas: '30000000000', maxPriorityFeePerGas: '1000000000' }));
    for (const key of [['--id', 'eth'], ['--wallet', 'hd', '--index', '3']]) {
      const address = ((await cli(dir, ['--json', 'eth', 'address', ...key])).json().address) as string;
      const signed = await cli(dir, ['--json', 'eth', 'sign-tx', ...key, '--in', tx, '--chain-id', '1']);
      expect(signed.code, signed.err).toBe(0);
      expect(Transaction.from(signed.json().rawTransaction as string).from).toBe(address);
      const text = await cli(dir, ['eth', 'sign-tx', ...key, '--in', tx]);
      expect(text.out).toMatch(/1\.5/); // the value a person sees, in ETH
      const msg = await cli(dir, ['--json', 'eth', 'sign-message', ...key, '--data-hex', Buffer.from('hi').toString('hex')]);
      expect(verifyMessage('hi', msg.json().signature as string)).toBe(address);
    }
    expect((await cli(dir, ['eth', 'sign-tx', '--id', 'eth', '--in', tx, '--chain-id', '5'])).err).toContain('INVALID_INPUT');
    expect((await cli(dir, ['eth', 'sign-tx', '--id', 'eth', '--wallet', 'hd', '--in', tx])).code).toBe(2);

    const vector = JSON.parse(readFileSync(MAIL_FILE, 'utf8')) as { typedData: { domain: Record<string, unknown>; types: Record<string, unknown>; message: Record<string, unknown> } };
    writeFileSync(join(dir, 'mail.json'), JSON.stringify(vector.typedData));
    const typed = await cli(dir, ['--json', 'eth', 'sign-typed-data', '--wallet', 'hd', '--in', join(dir, 'mail.json'), '--chain-id', String(vector.typedData.domain.chainId)]);
    expect(typed.code, typed.err).toBe(0);
    const types = { ...vector.typedData.types } as Record<string, { name: string; type: string }[]>;
    delete types.EIP712Domain;
    expect(verifyTypedData(vector.typedData.domain, types, vector.typedData.message, typed.json().signature as string)).toBe('0x9858EfFD232B4033E47d90003D41EC34EcaEda94');
    expect((await cli(dir, ['eth', 'sign-typed-data', '--wallet', 'hd', '--in', join(dir, 'mail.json')])).code).toBe(2); // --chain-id required

    const decoded = await cli(dir, ['eth', 'decode', '--in', '-'], readFileSync(tx, 'utf8'));
    expect(decoded.code, decoded.err).toBe(0);
    expect(decoded.out.toLowerCase()).toContain('0x00000000000000000000000000000000000000aa');
    expect(decoded.out).toMatch(/1\.5/);
  });
});
