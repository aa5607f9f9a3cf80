/**
 * `npx tsx bench/backup.ts` (also a section of `npm run bench`, BENCH_ONLY=backup): encrypted
 * backups of a vault with BENCH_BACKUP_KEYS keys (default 1,000 Ed25519) and about
 * BENCH_BACKUP_EVENTS audit events (default 10,000, from signatures): a full backup, then 1% more
 * keys, 1% of them rotated and 10% more events, and an incremental on top; each timed once
 * (these are seconds-long operations, not hot paths) with the file sizes, then verify and
 * restore of the chain.
 *
 * Every file costs one Argon2id derivation with the backup KDF, at the vault's default cost
 * (m=64 MiB, t=3, p=1) like a real backup; the same steps with a 1 MiB, t=1 KDF show what the
 * backup work itself costs, and the derivation alone is timed for reference.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openCustodian, type Custodian } from '../electron/core/custodian.js';
import { createCryptoEngine } from '../electron/core/crypto/index.js';
import { restoreBackup } from '../electron/core/backup/restore.js';
import { verifyBackupChain, type BackupKdf } from '../electron/core/backup/index.js';
import { DEFAULT_KDF } from '../electron/core/vault/vault.js';

const KEYS = Number(process.env['BENCH_BACKUP_KEYS'] ?? '1000');
const EVENTS = Number(process.env['BENCH_BACKUP_EVENTS'] ?? '10000');
const CONCURRENCY = 64;
const BACKUP_PASSPHRASE = new TextEncoder().encode('benchmark backup passphrase');
const PASSPHRASE = new TextEncoder().encode('benchmark passphrase');
const LIGHT_VAULT_KDF = { algorithm: 'argon2id', memoryKiB: 1024, iterations: 1, parallelism: 1 } as const;
const MESSAGE = new TextEncoder().encode('benchmark');

async function inParallel(count: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, count) }, async () => {
      while (next < count) await fn(next++);
    }),
  );
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;

async function fill(c: Custodian, from: number, keys: number, signatures: number): Promise<void> {
  await inParallel(keys, (i) => c.generateKey('default', `k${from + i}`, 'ed25519'));
  await inParallel(signatures, (i) => c.sign({ namespace: 'default', keyId: `k${i % (from + keys)}`, data: MESSAGE }));
}

export async function backupBench(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'custos-bench-backup-'));
  try {
    const c = await openCustodian({ dataDir: join(root, 'vault'), kdf: LIGHT_VAULT_KDF });
    await c.init(PASSPHRASE);
    const setup = await timed(() => fill(c, 0, KEYS, EVENTS - KEYS));
    const events = (await c.auditVerify(true)).size;
    console.log(`\n# backups: ${KEYS.toLocaleString('en-US')} keys, ${events.toLocaleString('en-US')} audit events (set up in ${(setup.ms / 1000).toFixed(1)} s)`);

    const engine = createCryptoEngine();
    const argon = await timed(() => engine.kdf({ algorithm: 'argon2id', password: BACKUP_PASSPHRASE, salt: new Uint8Array(16), memoryKiB: DEFAULT_KDF.memoryKiB, iterations: DEFAULT_KDF.iterations, parallelism: DEFAULT_KDF.parallelism, length: 64 }));

    console.log('\n| step | backup KDF | ms | file size |');
    console.log('|---|---|---|---|');
    console.log(`| Argon2id alone (one per file written or read) | m=64 MiB, t=3 | ${argon.ms.toFixed(0)} | |`);
    let extra = 0;
    for (const [label, kdf] of [
      ['m=64 MiB, t=3', { memoryKiB: DEFAULT_KDF.memoryKiB, iterations: DEFAULT_KDF.iterations, parallelism: DEFAULT_KDF.parallelism }],
      ['m=1 MiB, t=1', { memoryKiB: 1024, iterations: 1, parallelism: 1 }],
    ] as [string, BackupKdf][]) {
      const full = await timed(() => c.backupCreate({ backupPassphrase: BACKUP_PASSPHRASE, kdf }));
      // 1% more keys, 1% rotated, 10% more events.
      const added = Math.max(1, Math.round(KEYS / 100));
      await fill(c, KEYS + extra, added, Math.round(EVENTS / 10) - 2 * added);
      for (let i = 0; i < added; i++) await c.rotateKey('default', `k${i}`);
      extra += added;
      const inc = await timed(() => c.backupCreate({ backupPassphrase: BACKUP_PASSPHRASE, kdf, previous: [full.value.file] }));
      const files = [full.value.file, inc.value.file];
      const verify = await timed(() => verifyBackupChain(files, BACKUP_PASSPHRASE));
      const restore = await timed(() =>
        restoreBackup({ files, backupPassphrase: BACKUP_PASSPHRASE, dataDir: join(root, `restored-${kdf.memoryKiB}`), operator: 'admin', passphrase: PASSPHRASE, options: { kdf: LIGHT_VAULT_KDF } }),
      );
      console.log(`| full backup | ${label} | ${full.ms.toFixed(0)} | ${kib(full.value.file.length)} |`);
      console.log(`| incremental (+${added} keys, ${added} rotated, +${Math.round(EVENTS / 10)} events) | ${label} | ${inc.ms.toFixed(0)} | ${kib(inc.value.file.length)} |`);
      console.log(`| verify chain (full + incremental) | ${label} | ${verify.ms.toFixed(0)} | |`);
      console.log(`| restore chain (full + incremental, audit fully verified) | ${label} | ${restore.ms.toFixed(0)} | |`);
    }
    await c.close();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  backupBench().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
