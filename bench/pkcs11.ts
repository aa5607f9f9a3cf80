/**
 * `npx tsx bench/pkcs11.ts` (also a section of `npm run bench`, BENCH_ONLY=pkcs11): P-256 signing
 * on a SoftHSM2 token this script creates in a temp dir, (a) calling pkcs11js directly
 * (C_SignInit + C_Sign with CKM_ECDSA on a precomputed digest, one session) and (b) through the
 * TokenBackend's sign (SHA-256 in software, key lookup, r‖s → DER, the token call on its signing thread), with their ratio (target:
 * backend ≥ 0.7 × direct), and (c) through the facade (roles, ACL, an audit event per signature).
 * Skipped with a note when SoftHSM2 is not installed.
 */
import { createHash, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { measure, measureConcurrent } from './measure.js';
import { CKA_CLASS, CKA_ID, CKF_SERIAL_SESSION, CKM_ECDSA, CKO_PRIVATE_KEY } from '../electron/core/backends/pkcs11/constants.js';
import { acquireModule, findSlotByLabel } from '../electron/core/backends/pkcs11/module.js';
import { openToken } from '../electron/core/backends/pkcs11/token.js';
import { createTestToken, removeSoftHsmEnv, softHsmInstalled, SOFTHSM_MODULE } from '../electron/core/backends/pkcs11/test-token.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCustodian } from '../electron/core/custodian.js';
import { createDeviceManager } from '../electron/core/backends/index.js';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? '1.5');

export async function pkcs11Bench(): Promise<void> {
  if (!softHsmInstalled) {
    console.log('\n(pkcs11: SoftHSM2 is not installed — section skipped)');
    return;
  }
  const token = await createTestToken('custos-bench', { pin: '987654' });
  const backend = await openToken({ modulePath: token.modulePath, label: token.label });
  const module = acquireModule(token.modulePath);
  try {
    await backend.login(token.pin());
    const key = await backend.generate({ algorithm: 'ecdsa-p256', label: 'bench-p256' });
    const data = randomBytes(32);

    // (a) pkcs11js directly: its own session, the key object found once, the digest computed once.
    const p = module.pkcs11;
    const session = p.C_OpenSession(findSlotByLabel(module, token.label)!, CKF_SERIAL_SESSION);
    p.C_FindObjectsInit(session, [{ type: CKA_CLASS, value: CKO_PRIVATE_KEY }, { type: CKA_ID, value: Buffer.from(key.handle, 'hex') }]);
    const [object] = p.C_FindObjects(session, 1);
    p.C_FindObjectsFinal(session);
    const digest = createHash('sha256').update(data).digest();
    const out = Buffer.alloc(64);
    const direct = measure(() => {
      p.C_SignInit(session, { mechanism: CKM_ECDSA }, object!);
      p.C_Sign(session, digest, out);
    }, SECONDS);
    p.C_CloseSession(session);

    // (b) the backend: hash in software, key from its cache, DER out; the token call on the
    // backend's signing thread. 16 callers for its rate, one for a single call's latency.
    const viaBackend = await measureConcurrent(() => backend.sign(key.handle, { data }), 16, SECONDS, 200);
    const oneAtATime = await measureConcurrent(() => backend.sign(key.handle, { data }), 1, SECONDS, 200);
    const signer = backend.secp256k1Signer((await backend.generate({ algorithm: 'ecdsa-secp256k1', label: 'bench-k1' })).handle);
    const k1 = measure(() => signer.signDigest(digest), SECONDS);

    // (c) the facade: the same token through a vault that references the key (roles, ACL, audit
    // event per signature with group commit), 64 callers as a busy HsmService would have.
    const dataDir = mkdtempSync(join(tmpdir(), 'custos-bench-pkcs11-'));
    const custodian = await openCustodian({ dataDir, kdf: { algorithm: 'argon2id', memoryKiB: 1024, iterations: 1, parallelism: 1 }, devices: createDeviceManager({ pkcs11Modules: [SOFTHSM_MODULE], ledger: false }) });
    let viaFacade = 0;
    try {
      await custodian.init(new TextEncoder().encode('bench passphrase for pkcs11'));
      await custodian.deviceLogin(`pkcs11:${token.label}`, token.pin());
      await custodian.deviceGenerate({ backend: `pkcs11:${token.label}`, namespace: 'default', id: 'p256', algorithm: 'ecdsa-p256' });
      viaFacade = await measureConcurrent(() => custodian.sign({ namespace: 'default', keyId: 'p256', data, hash: 'sha256' }), 64, SECONDS, 500);
    } finally {
      await custodian.close();
      rmSync(dataDir, { recursive: true, force: true });
    }

    const fmt = (rate: number): string => `${Math.round(rate).toLocaleString('en-US')} | ${(1e6 / rate).toFixed(0)} µs`;
    console.log('\n| PKCS#11 on SoftHSM2 | sign/s | per sign | / direct |');
    console.log('|---|---|---|---|');
    console.log(`| P-256, pkcs11js directly (C_SignInit + C_Sign, CKM_ECDSA on a digest) | ${fmt(direct)} | 1.00 |`);
    console.log(`| P-256, TokenBackend.sign (SHA-256 here, DER; token call on its signing thread; 16 callers) | ${fmt(viaBackend)} | ${(viaBackend / direct).toFixed(2)} |`);
    console.log(`| P-256, TokenBackend.sign, one caller (a single call's latency: a thread hop each way) | ${fmt(oneAtATime)} | ${(oneAtATime / direct).toFixed(2)} |`);
    console.log(`| P-256, facade crypto.sign (roles, ACL, one audit event each; 64 callers) | ${fmt(viaFacade)} | ${(viaFacade / direct).toFixed(2)} |`);
    console.log(`| secp256k1, secp256k1Signer.signDigest (low-S; recovery id from R = (z/s)·G + (r/s)·Q) | ${fmt(k1)} | |`);
  } finally {
    module.release();
    await backend.close();
    removeSoftHsmEnv();
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await pkcs11Bench();
