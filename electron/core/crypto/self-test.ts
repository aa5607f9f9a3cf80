/**
 * @module core/crypto/self-test
 * Power-on known-answer tests (FIPS 140-3 §7.10.2 style) run through the public engine, so they
 * exercise whichever provider serves each algorithm on this runtime. Any mismatch throws
 * CustodyError('SELF_TEST_FAILED') naming the test; the caller must then refuse to serve.
 *
 * Trusts only the constants below, each from a published source:
 *  - Ed25519: RFC 8032 §7.1 TEST 2 (sign compared byte for byte, public key, verify).
 *  - ECDSA P-256 / SHA-256: RFC 6979 §A.2.5, message "sample" (verify, and a flipped bit fails).
 *  - secp256k1: EIP-155 §Example (key 0x46…46, whose address 0x9d8A…5A4F is the example's
 *    sender; the signing hash; r and s of the signed transaction): public key derivation, verify,
 *    and a pairwise-consistency check of `signRecoverable` (hedged, so verified, not compared).
 *  - AES-256-GCM: Wycheproof aes_gcm_test.json tcId 102 (seal with the fixed nonce, open).
 *  - SHA-256("abc"): FIPS 180-4 / NIST CSRC example. SHA3-256("abc"): FIPS 202 / NIST example.
 *  - HKDF-SHA256: RFC 5869 §A.1 (test case 1).
 */
import { CustodyError } from '../../../shared/errors.js';
import { bytesEqual, hexToBytes, utf8Encode } from './key-codec.js';
import type { CryptoEngine } from './types.js';

function fail(test: string, cause?: unknown): CustodyError {
  return new CustodyError('SELF_TEST_FAILED', `crypto self-test failed: ${test}`, { ...(cause === undefined ? {} : { cause }), details: { test } });
}

function check(test: string, ok: boolean): void {
  if (!ok) throw fail(test);
}

async function run(test: string, body: () => void | Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    if (error instanceof CustodyError && error.code === 'SELF_TEST_FAILED') throw error;
    throw fail(test, error);
  }
}

const ED25519_TEST2 = {
  seed: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
  publicKey: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
  message: '72',
  signature:
    '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
};

const P256_RFC6979_SAMPLE = {
  // Uncompressed SEC1 point 04 ‖ Ux ‖ Uy.
  publicKey:
    '04' +
    '60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6' +
    '7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299',
  message: 'sample',
  // r ‖ s for SHA-256.
  signature:
    'efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716' +
    'f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8',
};

const SECP256K1_EIP155 = {
  secret: '46'.repeat(32),
  publicKey:
    '04' +
    '4bc2a31265153f07e70e0bab08724e6b85e217f8cd628ceb62974247bb493382' +
    'ce28cab79ad7119ee1ad3ebcdb98a16805211530ecc6cfefa1b88e6dff99232a',
  digest: 'daf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53',
  // r ‖ s of the example's signed transaction (v = 37).
  signature:
    '28ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276' +
    '67cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83',
};
/** Half the secp256k1 group order: low-S signatures have s ≤ this (BIP 62, EIP-2). */
const SECP256K1_HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

const AES256GCM_WYCHEPROOF_102 = {
  key: 'f32364b1d339d82e4f132d8f4a0ec1ff7e746517fa07ef1a7f422f4e25a48194',
  nonce: '5a86a50a0e8a179c734b996d',
  aad: 'ab2ac7c44c60bdf8228c7884adb20184',
  plaintext: '43891bccb522b1e72a6b53cf31c074e9d6c2df8e',
  ciphertext: '43dda832e942e286da314daa99bef5071d9d2c78',
  tag: 'c3922583476ced575404ddb85dd8cd44',
};

const SHA256_ABC = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
const SHA3_256_ABC = '3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532';

const HKDF_RFC5869_CASE1 = {
  ikm: '0b'.repeat(22),
  salt: '000102030405060708090a0b0c',
  info: 'f0f1f2f3f4f5f6f7f8f9',
  okm: '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
};

/**
 * Run every known-answer test against `engine`. Resolves when all pass.
 * @throws CustodyError('SELF_TEST_FAILED') naming the first test that failed.
 */
export async function runSelfTest(engine: CryptoEngine): Promise<void> {
  await run('ed25519-rfc8032-test2', () => {
    const v = ED25519_TEST2;
    const material = engine.importKey('ed25519', 'raw', hexToBytes(v.seed));
    check('ed25519-rfc8032-test2', material.publicKey !== undefined && bytesEqual(engine.exportPublicKey('ed25519', material.publicKey, 'raw'), hexToBytes(v.publicKey)));
    const signature = engine.sign(engine.loadPrivateKey(material), hexToBytes(v.message));
    check('ed25519-rfc8032-test2', bytesEqual(signature, hexToBytes(v.signature)));
    const pub = engine.loadPublicKey('ed25519', engine.parsePublicKey('ed25519', hexToBytes(v.publicKey)));
    check('ed25519-rfc8032-test2', engine.verify(pub, hexToBytes(v.message), signature));
  });

  await run('ecdsa-p256-rfc6979-verify', () => {
    const v = P256_RFC6979_SAMPLE;
    const pub = engine.loadPublicKey('ecdsa-p256', engine.parsePublicKey('ecdsa-p256', hexToBytes(v.publicKey)));
    const message = utf8Encode(v.message);
    const signature = hexToBytes(v.signature);
    check('ecdsa-p256-rfc6979-verify', engine.verify(pub, message, signature, { hash: 'sha256', sigFormat: 'raw' }));
    // A verifier that says yes to everything must not pass.
    signature[signature.length - 1] = (signature[signature.length - 1] as number) ^ 1;
    check('ecdsa-p256-rfc6979-verify', !engine.verify(pub, message, signature, { hash: 'sha256', sigFormat: 'raw' }));
  });

  await run('ecdsa-secp256k1-eip155-recoverable', () => {
    const v = SECP256K1_EIP155;
    const material = engine.importKey('ecdsa-secp256k1', 'raw', hexToBytes(v.secret));
    const spki = material.publicKey;
    check('ecdsa-secp256k1-eip155-recoverable', spki !== undefined && bytesEqual(engine.exportPublicKey('ecdsa-secp256k1', spki, 'raw'), hexToBytes(v.publicKey)));
    const pub = engine.loadPublicKey('ecdsa-secp256k1', spki as Uint8Array);
    const digest = hexToBytes(v.digest);
    const options = { prehashed: true, sigFormat: 'raw' } as const;
    check('ecdsa-secp256k1-eip155-recoverable', engine.verify(pub, digest, hexToBytes(v.signature), options));
    const { signature, recovery } = engine.signRecoverable(engine.loadPrivateKey(material), digest);
    material.secret?.fill(0);
    const s = BigInt(`0x${Array.from(signature.subarray(32), (b) => b.toString(16).padStart(2, '0')).join('')}`);
    check('ecdsa-secp256k1-eip155-recoverable', signature.length === 64 && (recovery === 0 || recovery === 1) && s <= SECP256K1_HALF_N && engine.verify(pub, digest, signature, options));
    signature[63] = (signature[63] as number) ^ 1;
    check('ecdsa-secp256k1-eip155-recoverable', !engine.verify(pub, digest, signature, options));
  });

  await run('aes-256-gcm-kat', () => {
    const v = AES256GCM_WYCHEPROOF_102;
    const key = hexToBytes(v.key);
    const aad = hexToBytes(v.aad);
    const handle = engine.loadPrivateKey({ algorithm: 'aes-256-gcm', secret: key });
    const sealed = engine.encrypt(handle, hexToBytes(v.plaintext), { aad, ivUnsafe: hexToBytes(v.nonce) });
    check('aes-256-gcm-kat', bytesEqual(sealed, hexToBytes(v.nonce + v.ciphertext + v.tag)));
    check('aes-256-gcm-kat', bytesEqual(engine.decrypt(handle, sealed, { aad }), hexToBytes(v.plaintext)));
    check('aes-256-gcm-kat', bytesEqual(engine.openAes256Gcm(key, sealed, aad), hexToBytes(v.plaintext)));
    sealed[sealed.length - 1] = (sealed[sealed.length - 1] as number) ^ 1;
    let rejected = false;
    try {
      engine.openAes256Gcm(key, sealed, aad);
    } catch (error) {
      rejected = error instanceof CustodyError && error.code === 'DECRYPTION_FAILED';
    }
    check('aes-256-gcm-kat', rejected);
  });

  await run('sha256-abc', () => {
    check('sha256-abc', bytesEqual(engine.hash('sha256', utf8Encode('abc')), hexToBytes(SHA256_ABC)));
  });

  await run('sha3-256-abc', () => {
    check('sha3-256-abc', bytesEqual(engine.hash('sha3-256', utf8Encode('abc')), hexToBytes(SHA3_256_ABC)));
  });

  await run('hkdf-sha256-rfc5869-case1', async () => {
    const v = HKDF_RFC5869_CASE1;
    const okm = await engine.kdf({ algorithm: 'hkdf-sha256', ikm: hexToBytes(v.ikm), salt: hexToBytes(v.salt), info: hexToBytes(v.info), length: 42 });
    check('hkdf-sha256-rfc5869-case1', bytesEqual(okm, hexToBytes(v.okm)));
  });
}
