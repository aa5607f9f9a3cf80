/**
 * `custos device|pkcs11|ledger …` against a real SoftHSM2 token and the Ledger Ethereum-app
 * simulator (plugged in where USB HID would be), configured through custos.yaml as an operator
 * would: generate and adopt on the token, sign with the token key through the ordinary commands,
 * adopt a Ledger account and sign on the device; results verified with node:crypto and ethers.
 */
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Transaction, verifyMessage } from 'ethers';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers.js';
import { custos } from '../../test/cli.js';
import { EthereumAppSimulator } from '../core/backends/ledger/simulator.js';
import type { LedgerTransportSource } from '../core/backends/ledger/discovery.js';
import { createTestToken, pkcs11Tool, SOFTHSM_MODULE } from '../core/backends/pkcs11/test-token.js';

const FAST = ['--kdf-memory-kib', '1024', '--kdf-iterations', '1'];
const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

describe('custos device / pkcs11 / ledger', () => {
  it('a token configured in custos.yaml: list, PIN, generate, adopt, sign with the ordinary commands, forget', async () => {
    const token = await createTestToken('cli');
    const dir = tempDir();
    writeFileSync(join(dir, 'custos.yaml'), `devices:\n  pkcs11_modules: [${SOFTHSM_MODULE}]\n`);
    expect((await custos(dir, ['init', ...FAST])).code).toBe(0);
    const listed = await custos(dir, ['device', 'list']);
    expect(listed.code, listed.err).toBe(0);
    expect(listed.out).toMatch(/pkcs11:cli\s+login-required/u);

    const pinFile = join(dir, 'pin');
    writeFileSync(pinFile, '0000\n');
    expect((await custos(dir, ['pkcs11', 'login', '--token', 'cli', '--pin-file', pinFile])).err).toContain('PIN_INCORRECT');
    writeFileSync(pinFile, `${token.pinText}\n`);
    const ok = await custos(dir, ['pkcs11', 'login', '--token', 'cli', '--pin-file', pinFile]);
    expect(ok.out).toContain('pkcs11:cli: ready');

    const made = await custos(dir, ['pkcs11', 'generate', '--token', 'cli', '--id', 'tk', '--alg', 'ecdsa-p256', '--pin-file', pinFile]);
    expect(made.code, made.err).toBe(0);
    expect(made.out).toContain('generated default/tk  ecdsa-p256  on pkcs11:cli');
    // Every command that takes --id uses it; the PIN from the environment this time.
    const pin = { CUSTOS_PKCS11_PIN: token.pinText };
    const signed = await custos(dir, ['--json', 'sign', '--id', 'tk', '--hash', 'sha256', '--in', '-'], 'token data', pin);
    expect(signed.code, signed.err).toBe(0);
    const pub = await custos(dir, ['key', 'show', '--id', 'tk', '--format', 'pem']);
    const pem = pub.out.slice(pub.out.indexOf('-----BEGIN'), pub.out.indexOf('-----END PUBLIC KEY-----') + 24);
    expect(nodeVerify('sha256', Buffer.from('token data'), createPublicKey(pem), Buffer.from(signed.json().signature as string, 'hex'))).toBe(true);
    // Without a PIN the token refuses, by name.
    expect((await custos(dir, ['sign', '--id', 'tk', '--hash', 'sha256', '--in', '-'], 'x')).err).toContain('UNAUTHENTICATED');

    pkcs11Tool(['--token-label', 'cli', '--login', '--pin', token.pinText, '--keypairgen', '--key-type', 'EC:secp256k1', '--label', 'eth-made-outside', '--id', '0c0d']);
    const keys = await custos(dir, ['pkcs11', 'keys', '--token', 'cli', '--pin-file', pinFile]);
    expect(keys.out).toMatch(/0c0d\s+eth-made-outside\s+ecdsa-secp256k1\s+-/u);
    expect((await custos(dir, ['pkcs11', 'adopt', '--token', 'cli', '--id', 'eth', '--handle', '0c0d', '--pin-file', pinFile])).code).toBe(0);
    const tx = { type: 2, chainId: 1, nonce: 0, to: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', value: '1', gasLimit: 21000, maxFeePerGas: '1000000000', maxPriorityFeePerGas: '1' };
    const ethSigned = await custos(dir, ['--json', 'eth', 'sign-tx', '--id', 'eth', '--in', '-'], JSON.stringify(tx), pin);
    expect(ethSigned.code, ethSigned.err).toBe(0);
    const address = ((await custos(dir, ['--json', 'eth', 'address', '--id', 'eth'])).json() as { address: string }).address;
    expect(Transaction.from(ethSigned.json().rawTransaction as string).from).toBe(address);

    expect((await custos(dir, ['key', 'list'])).out).toMatch(/eth\s.*pkcs11:cli|pkcs11:cli.*eth/u);
    expect((await custos(dir, ['device', 'forget', '--id', 'eth'])).code).toBe(0);
    expect((await custos(dir, ['pkcs11', 'keys', '--token', 'cli', '--pin-file', pinFile])).out).toMatch(/0c0d\s+eth-made-outside\s+ecdsa-secp256k1\s+-/u);
  });

  it('a Ledger: address (shown on the device), adopt by path, sign a transaction and a message on it', async () => {
    // Each CLI run opens the device afresh (and closes it at the end), like a real USB transport.
    let approve = true;
    const ledgerSource = (): LedgerTransportSource => ({
      listen(observer) {
        setImmediate(() => observer.next({ type: 'add', descriptor: 'usb-1' }));
        return () => undefined;
      },
      open: () => Promise.resolve(new EthereumAppSimulator({ mnemonic: ABANDON, confirm: () => approve })),
    });
    const dir = tempDir();
    writeFileSync(join(dir, 'custos.yaml'), 'devices:\n  ledger: true\n');
    expect((await custos(dir, ['init', ...FAST])).code).toBe(0);
    const run = (argv: string[], stdin = '') => custos(dir, argv, stdin, {}, { ledgerSource });
    const address = await run(['ledger', 'address', '--display']);
    expect(address.code, address.err).toBe(0);
    expect(address.out).toContain("0x9858EfFD232B4033E47d90003D41EC34EcaEda94  m/44'/60'/0'/0/0  on ledger:usb-1");
    expect((await run(['ledger', 'adopt', '--id', 'nano'])).out).toContain('0x9858EfFD232B4033E47d90003D41EC34EcaEda94');
    const tx = { type: 2, chainId: 1, nonce: 4, to: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', value: '1000', gasLimit: 21000, maxFeePerGas: '1000000000', maxPriorityFeePerGas: '1' };
    const signed = await run(['--json', 'ledger', 'sign-tx', '--id', 'nano', '--in', '-'], JSON.stringify(tx));
    expect(signed.code, signed.err).toBe(0);
    expect(Transaction.from(signed.json().rawTransaction as string).from).toBe('0x9858EfFD232B4033E47d90003D41EC34EcaEda94');
    const message = await run(['--json', 'ledger', 'sign-message', '--id', 'nano', '--message', 'gm']);
    expect(verifyMessage('gm', message.json().signature as string)).toBe('0x9858EfFD232B4033E47d90003D41EC34EcaEda94');
    approve = false;
    expect((await run(['ledger', 'sign-message', '--id', 'nano', '--message', 'no'])).err).toContain('USER_REJECTED');
  });
});
