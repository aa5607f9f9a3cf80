/**
 * Interoperability with OpenSC's pkcs11-tool as an independent PKCS#11 client on the same SoftHSM2
 * token: keys Custos generates are listed (with the attributes it promised) and sign for
 * pkcs11-tool, and keys pkcs11-tool generates are adopted by label or id and sign for Custos.
 * Signatures are verified with node:crypto and ethers.
 */
import { createHash, createPublicKey, randomBytes, verify as nodeVerify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SigningKey, Signature, computeAddress, keccak256 } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openToken, type Pkcs11Backend } from './token.js';
import { createTestToken, pkcs11Tool, removeSoftHsmEnv, type TestToken } from './test-token.js';

let token: TestToken;
let backend: Pkcs11Backend;
let work: string;

beforeAll(async () => {
  token = await createTestToken('interop', { pin: '135790' });
  backend = await openToken({ modulePath: token.modulePath, label: token.label });
  await backend.login(token.pin());
  work = mkdtempSync(join(tmpdir(), 'custos-p11tool-'));
});

afterAll(async () => {
  await backend?.close();
  rmSync(work, { recursive: true, force: true });
  removeSoftHsmEnv();
});

const tool = (...args: string[]): string => pkcs11Tool(['--token-label', token.label, '--login', '--pin', token.pinText, ...args]).toString('utf8');

describe('pkcs11-tool interoperability', () => {
  it('a key Custos generated is listed by pkcs11-tool as sensitive and never extractable, and its ECDSA signature verifies with our public key', async () => {
    const key = await backend.generate({ algorithm: 'ecdsa-p256', label: 'from-custos' });
    const listing = tool('--list-objects', '--type', 'privkey');
    const block = listing.split(/\n(?=\S)/).find((b) => b.includes('from-custos'));
    expect(block).toBeDefined();
    expect(block).toContain(`ID:         ${key.handle}`);
    expect(block).toMatch(/Access:\s+sensitive, always sensitive, never extractable/);
    expect(block).toMatch(/Usage:\s+sign/);

    // pkcs11-tool reads the public key itself: the same SPKI we report.
    const pubFile = join(work, 'pub.der');
    tool('--read-object', '--type', 'pubkey', '--id', key.handle, '--output-file', pubFile);
    expect(Buffer.from(readFileSync(pubFile)).equals(Buffer.from(key.publicKey!))).toBe(true);

    const data = randomBytes(64);
    const input = join(work, 'digest.bin');
    const output = join(work, 'sig.bin');
    writeFileSync(input, createHash('sha256').update(data).digest());
    tool('--sign', '--mechanism', 'ECDSA', '--id', key.handle, '--input-file', input, '--output-file', output);
    const sig = readFileSync(output);
    expect(sig.length).toBe(64);
    const pub = createPublicKey({ key: Buffer.from(key.publicKey!), format: 'der', type: 'spki' });
    expect(nodeVerify('sha256', data, { key: pub, dsaEncoding: 'ieee-p1363' }, sig)).toBe(true);
  });

  it('a P-256 key pkcs11-tool generated is adopted by label and by id, and signs with Custos', async () => {
    tool('--keypairgen', '--key-type', 'EC:prime256v1', '--label', 'adopted', '--id', '0a0b');
    const byLabel = await backend.find({ label: 'adopted' });
    const byId = await backend.find({ id: '0a0b' });
    expect(byLabel).toEqual(byId);
    expect(byLabel.handle).toBe('0a0b');
    expect(byLabel.algorithm).toBe('ecdsa-p256');
    expect((await backend.listKeys()).map((k) => k.label)).toContain('adopted');

    const pubFile = join(work, 'adopted.der');
    tool('--read-object', '--type', 'pubkey', '--id', '0a0b', '--output-file', pubFile);
    const pub = createPublicKey({ key: readFileSync(pubFile), format: 'der', type: 'spki' });
    const data = randomBytes(100);
    const sig = await backend.sign(byId.handle, { data });
    expect(nodeVerify('sha256', data, pub, sig)).toBe(true);
  });

  it('a secp256k1 key pkcs11-tool generated signs an Ethereum digest through the secp256k1 signer', async () => {
    tool('--keypairgen', '--key-type', 'EC:secp256k1', '--label', 'eth-adopted', '--id', 'e7');
    const key = await backend.find({ label: 'eth-adopted' });
    expect(key.algorithm).toBe('ecdsa-secp256k1');
    expect(key.address).toMatch(/^0x[0-9a-fA-F]{40}$/);
    const signer = backend.secp256k1Signer(key.handle);
    const digest = keccak256(randomBytes(32));
    const { r, s, recovery } = signer.signDigest(Buffer.from(digest.slice(2), 'hex'));
    const sig = Signature.from({ r: '0x' + r.toString(16).padStart(64, '0'), s: '0x' + s.toString(16).padStart(64, '0'), v: 27 + recovery });
    expect(computeAddress(SigningKey.recoverPublicKey(digest, sig))).toBe(key.address);
  });

  it('an Ed25519 key pkcs11-tool generated is adopted and signs', async () => {
    tool('--keypairgen', '--key-type', 'EC:edwards25519', '--label', 'ed-adopted', '--id', 'ed01');
    const key = await backend.find({ id: 'ed01' });
    expect(key.algorithm).toBe('ed25519');
    const data = randomBytes(50);
    const sig = await backend.sign(key.handle, { data });
    expect(nodeVerify(null, data, createPublicKey({ key: Buffer.from(key.publicKey!), format: 'der', type: 'spki' }), sig)).toBe(true);
  });
});
