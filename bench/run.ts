/**
 * `npm run bench`: operations per second through the facade beside the raw primitive, and
 * their ratio. Plain script, no framework: each case runs for a fixed time after a warm-up.
 * Run on an idle machine; numbers are for the machine class in the README.
 */
import { createCipheriv, createPrivateKey, createPublicKey, randomBytes, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCustodian, type Custodian } from '../electron/core/custodian.js';
import type { SigningKeyAlgorithm } from '../shared/algorithms.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? '1.5');

function measure(fn: () => void, seconds = SECONDS): number {
  const warm = performance.now() + 200;
  while (performance.now() < warm) fn();
  let n = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 16; i++) fn();
    n += 16;
  }
  return (n * 1000) / (performance.now() - start);
}

async function measureAsync(fn: () => Promise<unknown>, minRuns: number, seconds = SECONDS): Promise<number> {
  await fn();
  let n = 0;
  const start = performance.now();
  while (n < minRuns || performance.now() - start < seconds * 1000) {
    await fn();
    n++;
  }
  return (n * 1000) / (performance.now() - start);
}

function row(...cells: (string | number)[]): void {
  const r = cells.map((c) => (typeof c === 'number' ? (c >= 100 ? Math.round(c).toLocaleString('en-US') : c.toFixed(2)) : c));
  console.log('| ' + r.join(' | ') + ' |');
}

const HASH: Record<SigningKeyAlgorithm, string | null> = {
  ed25519: null,
  'ecdsa-p256': 'sha256',
  'ecdsa-p384': 'sha384',
  'ecdsa-p521': 'sha512',
  'ecdsa-secp256k1': 'sha256',
  'rsa-2048': 'sha256',
  'rsa-3072': 'sha256',
  'rsa-4096': 'sha256',
};

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'custos-bench-'));
  const passphrase = new TextEncoder().encode('benchmark passphrase');
  const c: Custodian = await openCustodian({ dataDir });
  const t0 = performance.now();
  await c.init(passphrase);
  const initMs = performance.now() - t0;
  c.lock();
  const t1 = performance.now();
  await c.unlock(passphrase);
  const unlockMs = performance.now() - t1;

  console.log(`# Custos benchmark — node ${process.version}, ${SECONDS}s per case, providers: ${JSON.stringify(c.status().providers)}`);
  console.log('| operation | facade ops/s | raw ops/s | facade / raw |');
  console.log('|---|---|---|---|');
  const msg = randomBytes(32);

  for (const alg of ['ed25519', 'ecdsa-p256', 'ecdsa-p384', 'ecdsa-p521', 'ecdsa-secp256k1', 'rsa-2048', 'rsa-3072', 'rsa-4096'] as const) {
    await c.generateKey('default', alg, alg, { exportable: true });
    const pkcs8 = c.exportKey('default', alg, 'pkcs8');
    const priv: KeyObject = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
    const pub: KeyObject = createPublicKey(priv);
    const hash = HASH[alg];
    const seconds = SECONDS;
    const facadeSign = measure(() => c.sign({ namespace: 'default', keyId: alg, data: msg }), seconds);
    const rawSign = measure(() => nodeSign(hash, msg, priv), seconds);
    row(`sign ${alg}`, facadeSign, rawSign, facadeSign / rawSign);
    const sig = c.sign({ namespace: 'default', keyId: alg, data: msg }).signature;
    const facadeVerify = measure(() => c.verify({ namespace: 'default', keyId: alg, data: msg, signature: sig }), seconds);
    const rawVerify = measure(() => nodeVerify(hash, msg, pub, sig), seconds);
    row(`verify ${alg}`, facadeVerify, rawVerify, facadeVerify / rawVerify);
  }

  await c.generateKey('default', 'aes', 'aes-256-gcm', { exportable: true });
  const aesKey = Buffer.from(c.exportKey('default', 'aes', 'raw'));
  for (const size of [1024, 1024 * 1024]) {
    const data = randomBytes(size);
    const mib = size / (1024 * 1024);
    const facade = measure(() => c.encrypt({ namespace: 'default', keyId: 'aes', data }));
    const raw = measure(() => {
      const cipher = createCipheriv('aes-256-gcm', aesKey, randomBytes(12));
      cipher.update(data);
      cipher.final();
      cipher.getAuthTag();
    });
    row(`aes-256-gcm encrypt ${size === 1024 ? '1 KiB' : '1 MiB'} (MiB/s)`, facade * mib, raw * mib, facade / raw);
  }

  console.log('\n| key generation | engine only (keys/s) | stored, 1 in flight | stored, 64 in flight |');
  console.log('|---|---|---|---|');
  let n = 0;
  for (const alg of ['ed25519', 'ecdsa-p256', 'ecdsa-secp256k1', 'aes-256-gcm', 'rsa-2048'] as const) {
    const rsa = alg === 'rsa-2048';
    const engineRate = await measureAsync(() => c.engine.generateKey(alg), rsa ? 5 : 50, rsa ? 3 : SECONDS);
    const sequential = await measureAsync(() => c.generateKey('default', `gen-${alg}-${n++}`, alg), rsa ? 5 : 50, rsa ? 3 : SECONDS);
    const batch = rsa ? 8 : 64;
    const concurrent =
      batch *
      (await measureAsync(() => Promise.all(Array.from({ length: batch }, () => c.generateKey('default', `gen-${alg}-${n++}`, alg))), rsa ? 1 : 5, rsa ? 3 : SECONDS));
    const fmt = (r: number) => (r >= 100 ? Math.round(r).toLocaleString('en-US') : r.toFixed(2));
    console.log(`| ${alg} | ${fmt(engineRate)} | ${fmt(sequential)} | ${fmt(concurrent)} |`);
  }

  console.log('\n| vault (Argon2id m=64 MiB, t=3, p=1) | ms |');
  console.log('|---|---|');
  console.log(`| init | ${initMs.toFixed(0)} |`);
  console.log(`| unlock | ${unlockMs.toFixed(0)} |`);
  c.close();
  rmSync(dataDir, { recursive: true, force: true });
}

await main();
