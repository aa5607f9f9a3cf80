/**
 * `npm run bench`: operations per second through the facade beside the raw primitive, and
 * their ratio. Plain script, no framework: each case runs for a fixed time after a warm-up.
 * Run on an idle machine; numbers are for the machine class in the README.
 */
import { Wallet } from 'ethers';
import { createCipheriv, createPrivateKey, createPublicKey, randomBytes, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCustodian, type Custodian } from '../electron/core/custodian.js';
import { measure as measureFor, measureConcurrent as measureConcurrentFor } from './measure.js';
import { walletBench } from './wallet.js';
import { policyBench } from './policy.js';
import { backupBench } from './backup.js';
import { pkcs11Bench } from './pkcs11.js';
import { DEFAULT_SIGNATURE_HASH, type SigningKeyAlgorithm } from '../shared/algorithms.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? '1.5');
/** Callers in flight for facade operations: every answer waits for its durable audit event, so one caller measures fsync latency, not the custodian. */
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? '64');
/** BENCH_ONLY=crypto,keygen,hd,eth,audit,wallet,policy,backup,pkcs11 runs those sections only (all when unset). A full run's audit section starts on a table that the crypto cases filled. */
const ONLY = new Set((process.env.BENCH_ONLY ?? '').split(',').filter((s) => s !== ''));
const runs = (section: 'crypto' | 'keygen' | 'hd' | 'eth' | 'audit' | 'wallet' | 'policy' | 'backup' | 'pkcs11'): boolean => ONLY.size === 0 || ONLY.has(section);

const measure = (fn: () => void, seconds = SECONDS): number => measureFor(fn, seconds);
const measureConcurrent = (fn: () => Promise<unknown>, concurrency: number, seconds = SECONDS): Promise<number> => measureConcurrentFor(fn, concurrency, seconds);

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

/** The hash each algorithm signs with by default (Ed25519 hashes internally). */
const HASH = (alg: SigningKeyAlgorithm): string | null => (alg === 'ed25519' ? null : DEFAULT_SIGNATURE_HASH[alg]);

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'custos-bench-'));
  const passphrase = new TextEncoder().encode('benchmark passphrase');
  const c: Custodian = await openCustodian({ dataDir });
  const t0 = performance.now();
  await c.init(passphrase);
  const initMs = performance.now() - t0;
  await c.lock();
  const t1 = performance.now();
  await c.unlock(passphrase);
  const unlockMs = performance.now() - t1;

  console.log(`# Custos benchmark — node ${process.version}, ${SECONDS}s per case, providers: ${JSON.stringify(c.status().providers)}`);
  if (runs('crypto')) await cryptoCases(c);
  if (runs('keygen')) await keygenCases(c);
  if (runs('hd')) await hdCases(c);
  if (runs('eth')) await ethCases(c);
  if (runs('audit')) {
    await auditCases(c);
    await verifyMillion();
  }
  // Its own vault and server (wallet RPC personal_sign, auto-approved; target ≥ 500 req/s).
  if (runs('wallet')) await walletBench();
  // WASM policies: p50/p99 through the worker, metered vs unmetered (targets: p99 ≤ 5 ms, ≤ 2x).
  if (runs('policy')) await policyBench();
  // Its own vault: full and incremental backups of 1,000 keys and 10,000 audit events, verify and restore of the chain.
  if (runs('backup')) await backupBench();
  // Its own SoftHSM2 token: P-256 signing via pkcs11js directly and via the TokenBackend (target ≥ 0.7x).
  if (runs('pkcs11')) await pkcs11Bench();

  console.log('\n| vault (Argon2id m=64 MiB, t=3, p=1) | ms |');
  console.log('|---|---|');
  console.log(`| init | ${initMs.toFixed(0)} |`);
  console.log(`| unlock | ${unlockMs.toFixed(0)} |`);
  await c.close();
  rmSync(dataDir, { recursive: true, force: true });
}

/** Issue 5's target: 1,000 addresses from a cached account in under a second, through the facade: one call per address (each audited), and one hdDeriveRange call (one audit event). */
async function hdCases(c: Custodian): Promise<void> {
  await c.hdImport('default', 'bench-hd', 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about');
  await c.hdDerive('default', 'bench-hd', { chain: 'ethereum', index: 0 }); // opens the seed, caches m/44'/60'/0'/0
  const rows: string[] = [];
  for (const [label, concurrency] of [['sequential', 1], ['64 in flight', 64]] as const) {
    const t = performance.now();
    let next = 1;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next <= 1000) {
          const index = next++;
          await c.hdDerive('default', 'bench-hd', { chain: 'ethereum', index: index + (concurrency === 1 ? 0 : 1000) });
        }
      }),
    );
    rows.push(`| 1,000 Ethereum addresses from the cached account, ${label} | ${(performance.now() - t).toFixed(0)} ms |`);
  }
  for (const from of [2000, 3000]) {
    const t = performance.now();
    const list = await c.hdDeriveRange('default', 'bench-hd', { chain: 'ethereum', from, count: 1000 });
    if (list.length !== 1000) throw new Error('hdDeriveRange returned the wrong count');
    rows.push(`| 1,000 Ethereum addresses from the cached account, one hdDeriveRange call (from ${from}) | ${(performance.now() - t).toFixed(0)} ms |`);
  }
  console.log('\n| HD derivation through the facade (audited) | time |');
  console.log('|---|---|');
  for (const r of rows) console.log(r);
}

/** Issue 5's target: EIP-1559 signing through the facade vs ethers' own Wallet.signTransaction. */
async function ethCases(c: Custodian): Promise<void> {
  const tx = { type: 2, chainId: 1, nonce: 1, to: '0x00000000000000000000000000000000000000aa', value: '1000000000000000', gasLimit: 21000, maxFeePerGas: '30000000000', maxPriorityFeePerGas: '1000000000' };
  const wallet = new Wallet('0x' + '11'.repeat(32));
  const ethers = await measureConcurrent(() => wallet.signTransaction({ ...tx, value: BigInt(tx.value), maxFeePerGas: BigInt(tx.maxFeePerGas), maxPriorityFeePerGas: BigInt(tx.maxPriorityFeePerGas) }), 1);
  await c.generateKey('default', 'bench-eth', 'ecdsa-secp256k1').catch(() => undefined);
  const vault1 = await measureConcurrent(() => c.ethSignTransaction({ namespace: 'default', keyId: 'bench-eth' }, tx), 1);
  const vault64 = await measureConcurrent(() => c.ethSignTransaction({ namespace: 'default', keyId: 'bench-eth' }, tx), CONCURRENCY);
  // The breakdown: the engine's recoverable ECDSA on a key like the vault's, and one durable audit event through the facade.
  const handle = c.engine.loadPrivateKey(await c.engine.generateKey('ecdsa-secp256k1'));
  const digest = randomBytes(32);
  const sign = measure(() => c.engine.signRecoverable(handle, digest));
  const audit1 = await measureConcurrent(() => c.hash('sha256', new Uint8Array(1)), 1);
  const fmt = (rate: number): string => `${Math.round(rate).toLocaleString('en-US')} | ${(1e6 / rate).toFixed(0)} µs`;
  console.log(`\n| EIP-1559 signing (secp256k1 digests signed by ${c.engine.providers['ecdsa-secp256k1/prehashed']}) | tx/s | per tx | / ethers |`);
  console.log('|---|---|---|---|');
  console.log(`| ethers Wallet.signTransaction (in process, no audit) | ${fmt(ethers)} | 1.00 |`);
  console.log(`| facade, secp256k1 vault key, 1 in flight (durable audit) | ${fmt(vault1)} | ${(vault1 / ethers).toFixed(2)} |`);
  console.log(`| facade, secp256k1 vault key, ${CONCURRENCY} in flight | ${fmt(vault64)} | ${(vault64 / ethers).toFixed(2)} |`);
  console.log(`| of which: engine.signRecoverable alone | ${fmt(sign)} | |`);
  console.log(`| of which: one durable audit event via the facade (c.hash, 1 in flight) | ${fmt(audit1)} | |`);
}

async function cryptoCases(c: Custodian): Promise<void> {
  console.log('| operation | facade ops/s | raw ops/s | facade / raw |');
  console.log('|---|---|---|---|');
  const msg = randomBytes(32);

  for (const alg of ['ed25519', 'ecdsa-p256', 'ecdsa-p384', 'ecdsa-p521', 'ecdsa-secp256k1', 'rsa-2048', 'rsa-3072', 'rsa-4096'] as const) {
    await c.generateKey('default', alg, alg, { exportable: true });
    const pkcs8 = await c.exportKey('default', alg, 'pkcs8');
    const priv: KeyObject = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
    const pub: KeyObject = createPublicKey(priv);
    const hash = HASH(alg);
    const seconds = SECONDS;
    const facadeSign = await measureConcurrent(() => c.sign({ namespace: 'default', keyId: alg, data: msg }), CONCURRENCY, seconds);
    const rawSign = measure(() => nodeSign(hash, msg, priv), seconds);
    row(`sign ${alg}`, facadeSign, rawSign, facadeSign / rawSign);
    const sig = (await c.sign({ namespace: 'default', keyId: alg, data: msg })).signature;
    const facadeVerify = await measureConcurrent(() => c.verify({ namespace: 'default', keyId: alg, data: msg, signature: sig }), CONCURRENCY, seconds);
    const rawVerify = measure(() => nodeVerify(hash, msg, pub, sig), seconds);
    row(`verify ${alg}`, facadeVerify, rawVerify, facadeVerify / rawVerify);
  }

  await c.generateKey('default', 'aes', 'aes-256-gcm', { exportable: true });
  const aesKey = Buffer.from(await c.exportKey('default', 'aes', 'raw'));
  for (const size of [1024, 1024 * 1024]) {
    const data = randomBytes(size);
    const mib = size / (1024 * 1024);
    const facade = await measureConcurrent(() => c.encrypt({ namespace: 'default', keyId: 'aes', data }), size > 65536 ? 4 : CONCURRENCY);
    const raw = measure(() => {
      const cipher = createCipheriv('aes-256-gcm', aesKey, randomBytes(12));
      cipher.update(data);
      cipher.final();
      cipher.getAuthTag();
    });
    row(`aes-256-gcm encrypt ${size === 1024 ? '1 KiB' : '1 MiB'} (MiB/s)`, facade * mib, raw * mib, facade / raw);
  }
}

async function keygenCases(c: Custodian): Promise<void> {
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
}

async function auditCases(c: Custodian): Promise<void> {
  console.log('\n| durable audit events (hash chain + group commit; each a crypto.hash call) | events/s |');
  console.log('|---|---|');
  const tiny = new Uint8Array(1);
  for (const concurrency of [1, 16, 64]) {
    const rate = await measureConcurrent(() => c.hash('sha256', tiny), concurrency);
    console.log(`| concurrency ${concurrency} | ${Math.round(rate).toLocaleString('en-US')} |`);
  }
}

/**
 * Time to verify 1,000,000 audit events (chain + Merkle tree + checkpoint signatures). The events
 * are written directly through the audit log inside large transactions to build the fixture fast.
 */
async function verifyMillion(): Promise<void> {
  const count = Number(process.env.BENCH_AUDIT_EVENTS ?? '1000000');
  const dir = mkdtempSync(join(tmpdir(), 'custos-bench-audit-'));
  const passphrase = new TextEncoder().encode('benchmark passphrase');
  const c = await openCustodian({ dataDir: dir, kdf: { algorithm: 'argon2id', memoryKiB: 1024, iterations: 1, parallelism: 1 }, audit: { checkpointEveryEvents: 100_000, checkpointEverySeconds: 3600 } });
  await c.init(passphrase);
  const internals = c as unknown as { audit: { appendInTransaction(e: object): number; checkpoint(): unknown }; db: { transaction(fn: () => void): () => void } };
  const t0 = performance.now();
  const batch = 50_000;
  for (let done = 1; done < count; done += batch) {
    internals.db.transaction(() => {
      for (let i = 0; i < batch && done + i < count; i++) {
        internals.audit.appendInTransaction({ principal: 'bench', namespace: 'default', action: 'crypto.sign', keyId: 'k', keyVersion: 1, result: 'ok', requestId: String(done + i).padStart(24, '0'), client: { transport: 'bench' }, details: { algorithm: 'ed25519', dataSha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' } });
      }
    })();
    if ((done + batch) % 100_000 < batch) internals.audit.checkpoint();
  }
  internals.audit.checkpoint();
  const buildMs = performance.now() - t0;
  const t1 = performance.now();
  const report = await c.auditVerify(true);
  const verifyMs = performance.now() - t1;
  console.log(`| write ${count.toLocaleString('en-US')} events in 50k-event transactions (fixture) | ${Math.round((count * 1000) / buildMs).toLocaleString('en-US')} |`);
  console.log(`\n| verify ${report.size.toLocaleString('en-US')} events from the start (${report.checkpointsVerified} signed checkpoints) | ${(verifyMs / 1000).toFixed(2)} s |`);
  console.log('|---|---|');
  if (!report.ok) throw new Error(`benchmark log failed verification: ${report.reason}`);
  await c.close();
  rmSync(dir, { recursive: true, force: true });
}

await main();
