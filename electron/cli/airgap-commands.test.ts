/**
 * `custos request export|import|outbox` and `custos response import` between two data
 * directories, as an operator would run them on two machines: the online one holds no key, the
 * air-gapped one the HD wallet. Import without --yes shows the request and signs nothing; with
 * --yes the response file appears and the online side accepts it. The signed transaction is
 * checked by ethers.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Transaction } from 'ethers';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers.js';
import { custos } from '../../test/cli.js';

const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const ADDRESS = '0x9858EfFD232B4033E47d90003D41EC34EcaEda94';
const FAST = ['--kdf-memory-kib', '1024', '--kdf-iterations', '1'];

describe('custos request / response (air-gapped signing with files)', () => {
  it('export online, review and sign offline, import the response online', async () => {
    const online = tempDir();
    const cold = tempDir();
    const work = tempDir();
    expect((await custos(online, ['init', ...FAST])).code).toBe(0);
    expect((await custos(cold, ['init', ...FAST])).code).toBe(0);
    expect((await custos(cold, ['hd', 'import', '--id', 'cold', '--mnemonic-file', '-'], `${ABANDON}\n`)).code).toBe(0);

    const tx = { type: 2, chainId: 1, nonce: 3, to: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', value: '250000000000000000', gasLimit: 21000, maxFeePerGas: '30000000000', maxPriorityFeePerGas: '1000000000' };
    const requestFile = join(work, 'request.json');
    writeFileSync(requestFile, JSON.stringify({ type: 'eth.transaction', transaction: JSON.stringify(tx) }));
    const envelopeFile = join(work, 'envelope.json');
    // The online side has no such wallet, so it must be told which address to expect.
    const exported = await custos(online, ['--json', 'request', 'export', '--request', requestFile, '--wallet', 'cold', '--expect-address', ADDRESS, '--out', envelopeFile]);
    expect(exported.code, exported.err).toBe(0);
    expect(exported.json()).toMatchObject({ out: envelopeFile, expectedAddress: ADDRESS, sha256: expect.stringMatching(/^[0-9a-f]{64}$/u) });
    expect(JSON.parse(readFileSync(envelopeFile, 'utf8'))).toMatchObject({ format: 'custos-airgap-request', chain: 'ethereum', method: 'eth_signTransaction' });
    // Never over an existing file.
    expect((await custos(online, ['request', 'export', '--request', requestFile, '--wallet', 'cold', '--out', envelopeFile])).err).toContain('ALREADY_EXISTS');

    // Review: the decoded request, nothing signed.
    const review = await custos(cold, ['request', 'import', envelopeFile]);
    expect(review.code, review.err).toBe(0);
    expect(review.out).toContain('0.25 ETH');
    expect(review.out).toContain(ADDRESS);
    expect(review.out).toContain('nothing signed');
    expect((await custos(cold, ['request', 'import', envelopeFile, '--yes'])).code).toBe(2); // --yes needs --out

    const responseFile = join(work, 'response.json');
    const signed = await custos(cold, ['request', 'import', envelopeFile, '--yes', '--out', responseFile, '--qr']);
    expect(signed.code, signed.err).toBe(0);
    expect(signed.out).toContain('Signed transaction');
    expect(signed.out).toContain('wrote response');
    expect(JSON.parse(readFileSync(responseFile, 'utf8'))).toMatchObject({ format: 'custos-airgap-response', signerAddress: ADDRESS });

    // A response this vault did not ask for is refused (the cold vault never exported anything).
    const wrongSide = await custos(cold, ['response', 'import', responseFile]);
    expect(wrongSide.code).toBe(1);
    expect(wrongSide.err).toContain('which this vault did not send');

    const accepted = await custos(online, ['--json', 'response', 'import', responseFile]);
    expect(accepted.code, accepted.err).toBe(0);
    const raw = (accepted.json().result as { primary: { value: string } }).primary.value;
    const parsed = Transaction.from(raw);
    expect(parsed.from).toBe(ADDRESS);
    expect(parsed.nonce).toBe(3);
    const outbox = await custos(online, ['request', 'outbox']);
    expect(outbox.out).toMatch(/answered/u);

    // Audited on both sides.
    expect((await custos(online, ['audit', 'list', '--action', 'airgap.import-response'])).out).toContain('airgap.import-response');
    expect((await custos(cold, ['audit', 'list', '--action', 'airgap.export-response'])).out).toContain('airgap.export-response');
  });
});
