/**
 * The `custos` CLI: commands in-process through runCli (fast), the real executable through a
 * child process (exit codes, stdin, batch), and interoperability with the openssl binary.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from './run.js';
import type { CliIo } from './io.js';
import { tempDir } from '../../test/helpers.js';
import Database from 'better-sqlite3';
import { databasePath } from '../core/vault/database.js';

const PASS = 'correct horse battery staple';
const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

interface Run {
  code: number;
  out: string;
  err: string;
  json: () => Record<string, unknown>;
}

function fakeIo(env: Record<string, string>, stdin = ''): CliIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    env,
    platform: process.platform,
    writeOut(text: string) {
      io.out += text;
    },
    writeErr(text: string) {
      io.err += text;
    },
    readStdin: () => Promise.resolve(new TextEncoder().encode(stdin)),
    async *stdinLines() {
      yield* stdin.split('\n');
    },
    promptHidden: () => Promise.resolve(undefined),
  };
  return io;
}

async function cli(dataDir: string, argv: string[], opts: { stdin?: string; env?: Record<string, string> } = {}): Promise<Run> {
  const io = fakeIo({ CUSTOS_PASSPHRASE: PASS, ...opts.env }, opts.stdin);
  const code = await runCli(['--data-dir', dataDir, ...argv], io);
  return { code, out: io.out, err: io.err, json: () => JSON.parse(io.out) as Record<string, unknown> };
}

async function initVault(): Promise<string> {
  const dir = tempDir();
  const r = await cli(dir, ['init', '--kdf-memory-kib', '1024', '--kdf-iterations', '1']);
  expect(r.code, r.err).toBe(0);
  return dir;
}

function openssl(args: string[], input?: Buffer): { status: number; stdout: Buffer; stderr: string } {
  const r = spawnSync('openssl', args, { input });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr.toString() };
}

describe('custos CLI', () => {
  it('init, status, passwd, key lifecycle with --json', async () => {
    const dir = tempDir();
    expect((await cli(dir, ['--json', 'status'])).json()).toMatchObject({ initialized: false });
    expect((await cli(dir, ['key', 'list'])).code).toBe(1);
    expect((await cli(dir, ['init', '--kdf-memory-kib', '1024', '--kdf-iterations', '1'])).code).toBe(0);
    const again = await cli(dir, ['init']);
    expect(again.code).toBe(1);
    expect(again.err).toContain('VAULT_ALREADY_INITIALIZED');
    expect((await cli(dir, ['status', '--json'])).json()).toMatchObject({ initialized: true, kdf: { memoryKiB: 1024, iterations: 1, parallelism: 1 } });

    const gen = await cli(dir, ['key', 'generate', '--id', 'signer', '--alg', 'ed25519', '--json']);
    expect(gen.json()).toMatchObject({ namespace: 'default', id: 'signer', algorithm: 'ed25519', state: 'active', primaryVersion: 1 });
    expect((await cli(dir, ['key', 'rotate', '--id', 'signer', '--json'])).json()).toMatchObject({ primaryVersion: 2 });
    expect((await cli(dir, ['key', 'disable', '--id', 'signer', '--json'])).json()).toMatchObject({ state: 'disabled' });
    const refused = await cli(dir, ['sign', '--id', 'signer', '--data-hex', '00']);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/KEY_DISABLED/);
    expect((await cli(dir, ['key', 'enable', '--id', 'signer', '--json'])).json()).toMatchObject({ state: 'active' });
    expect((await cli(dir, ['key', 'delete', '--id', 'signer', '--json'])).json()).toMatchObject({ state: 'pending-deletion' });
    expect((await cli(dir, ['key', 'cancel-delete', '--id', 'signer', '--json'])).json()).toMatchObject({ state: 'active' });
    expect((await cli(dir, ['ns', 'create', 'ops'])).code).toBe(0);
    expect((await cli(dir, ['key', 'generate', '--ns', 'ops', '--id', 'aes', '--alg', 'aes-256-gcm'])).code).toBe(0);
    const list = (await cli(dir, ['key', 'list', '--json'])).json() as { keys: { namespace: string; id: string }[] };
    expect(list.keys.map((k) => `${k.namespace}/${k.id}`)).toEqual(['default/signer', 'ops/aes']);
    expect((await cli(dir, ['key', 'list'])).out).toContain('ops              aes');

    // passwd with the new passphrase from the environment.
    const pw = await cli(dir, ['passwd'], { env: { CUSTOS_NEW_PASSPHRASE: 'another long passphrase' } });
    expect(pw.code, pw.err).toBe(0);
    expect((await cli(dir, ['key', 'list'])).code).toBe(1);
    expect((await cli(dir, ['key', 'list'], { env: { CUSTOS_PASSPHRASE: 'another long passphrase' } })).code).toBe(0);
    const pf = join(dir, 'pass.txt');
    writeFileSync(pf, 'another long passphrase\n');
    expect((await cli(dir, ['--passphrase-file', pf, 'key', 'list'], { env: {} })).code).toBe(0);
  });

  it('sign, verify, encrypt, decrypt, hash, kdf, random', async () => {
    const dir = await initVault();
    await cli(dir, ['key', 'generate', '--id', 'ec', '--alg', 'ecdsa-p256']);
    const sig = (await cli(dir, ['sign', '--id', 'ec', '--data-hex', '68656c6c6f', '--sig-format', 'raw'])).out.trim();
    expect(sig).toMatch(/^[0-9a-f]{128}$/);
    expect((await cli(dir, ['verify', '--id', 'ec', '--data-hex', '68656c6c6f', '--sig-hex', sig, '--sig-format', 'raw'])).code).toBe(0);
    const bad = await cli(dir, ['verify', '--id', 'ec', '--data-hex', '68656c6c6e', '--sig-hex', sig, '--sig-format', 'raw', '--json']);
    expect(bad.code).toBe(1);
    expect(bad.json()).toEqual({ valid: false, keyVersion: 1 });
    expect(bad.err).toContain('VERIFICATION_FAILED');
    const malformed = await cli(dir, ['verify', '--id', 'ec', '--data-hex', '68656c6c6f', '--sig-hex', '3006020101020101']);
    expect(malformed.code).toBe(1);
    expect(malformed.err).toContain('VERIFICATION_FAILED');
    // Verify with the public key alone, as a SEC1 point: no vault key, but (like every facade call) a signed-in caller.
    const raw = (await cli(dir, ['key', 'show', '--id', 'ec', '--format', 'raw', '--json'])).json() as { publicKey: { value: string } };
    const byPoint = ['verify', '--alg', 'ecdsa-p256', '--public-key-hex', raw.publicKey.value, '--data-hex', '68656c6c6f', '--sig-hex', sig, '--sig-format', 'raw'];
    expect((await cli(dir, byPoint)).code).toBe(0);
    const anonymous = await cli(dir, byPoint, { env: { CUSTOS_PASSPHRASE: '' } });
    expect(anonymous.code).toBe(2);
    expect(anonymous.err).toContain('no passphrase');

    await cli(dir, ['key', 'generate', '--id', 'box', '--alg', 'aes-256-gcm']);
    const ct = (await cli(dir, ['encrypt', '--id', 'box', '--data-hex', 'cafe', '--aad-hex', '01', '--json'])).json() as { ciphertext: string };
    expect(ct.ciphertext).toHaveLength((12 + 2 + 16) * 2);
    expect((await cli(dir, ['decrypt', '--id', 'box', '--data-hex', ct.ciphertext, '--aad-hex', '01'])).out.trim()).toBe('cafe');
    const tamperedAad = await cli(dir, ['decrypt', '--id', 'box', '--data-hex', ct.ciphertext, '--aad-hex', '02']);
    expect(tamperedAad.code).toBe(1);
    expect(tamperedAad.err).toContain('DECRYPTION_FAILED');

    expect((await cli(dir, ['hash', '--alg', 'sha256', '--data-hex', '616263'])).out.trim()).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect((await cli(dir, ['hash', '--alg', 'keccak256', '--data-hex', ''])).out.trim()).toBe('c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470');
    // RFC 5869 A.1
    const hkdf = await cli(dir, ['kdf', '--alg', 'hkdf-sha256', '--ikm-hex', '0b'.repeat(22), '--salt-hex', '000102030405060708090a0b0c', '--info-hex', 'f0f1f2f3f4f5f6f7f8f9', '--length', '42']);
    expect(hkdf.out.trim()).toBe('3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865');
    const rnd = (await cli(dir, ['random', '32', '--json'])).json() as { random: string };
    expect(rnd.random).toMatch(/^[0-9a-f]{64}$/);
  });

  it('rejects bad input with typed errors and usage errors with exit 2', async () => {
    const dir = await initVault();
    const cases: [string[], number, string][] = [
      [['key', 'generate', '--id', 'x', '--alg', 'rsa-1024'], 1, 'INVALID_INPUT'],
      [['key', 'import', '--id', 'x', '--alg', 'aes-256-gcm', '--format', 'raw', '--material-hex', '0011'], 1, ''],
      [['sign', '--id', 'nope', '--data-hex', '00'], 1, 'NOT_FOUND'],
      [['sign', '--id', 'nope', '--data-hex', 'zz'], 1, 'INVALID_INPUT'],
      [['hash', '--alg', 'md5', '--data-hex', '00'], 1, 'INVALID_INPUT'],
      [['sign', '--id', 'x'], 2, 'usage'],
      [['sign', '--id', 'x', '--in', 'a', '--data-hex', '00'], 2, 'usage'],
      [['frobnicate'], 2, 'usage'],
      [['key'], 2, 'usage'],
      [['key', 'list', '--bogus'], 2, 'usage'],
    ];
    for (const [argv, code, text] of cases) {
      const r = await cli(dir, argv);
      expect(r.code, argv.join(' ')).toBe(code);
      expect(r.err).toContain(text);
    }
    expect((await cli(dir, ['--json', 'sign', '--id', 'nope', '--data-hex', '00'])).json()).toEqual({ error: { code: 'NOT_FOUND', message: 'no key default/nope' } });
  });

  it('batch: JSON Lines in, one line out per request, bad lines do not stop it', async () => {
    const dir = await initVault();
    const lines = [
      { argv: ['key', 'generate', '--id', 'b1', '--alg', 'ed25519'] },
      { argv: ['sign', '--id', 'b1', '--data-hex', '00'] },
      'not json',
      { argv: ['sign', '--id', 'missing', '--data-hex', '00'] },
      { argv: ['init'] },
      { argv: ['hash', '--alg', 'sha256', '--data-hex', ''] },
    ].map((l) => (typeof l === 'string' ? l : JSON.stringify(l)));
    const r = await cli(dir, ['batch'], { stdin: lines.join('\n') + '\n' });
    const out = r.out.trim().split('\n').map((l) => JSON.parse(l) as { ok: boolean; error?: { code: string }; signature?: string; digest?: string });
    expect(out).toHaveLength(6);
    expect(out.map((o) => o.ok)).toEqual([true, true, false, false, false, true]);
    expect(out[1]?.signature).toMatch(/^[0-9a-f]{128}$/);
    expect(out[2]?.error?.code).toBe('INVALID_INPUT');
    expect(out[3]?.error?.code).toBe('NOT_FOUND');
    expect(out[5]?.digest).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(r.code).toBe(1);
  });

  it('the real executable: exit codes, stdin input, batch over a pipe', () => {
    const dir = tempDir();
    const env = { ...process.env, CUSTOS_PASSPHRASE: PASS, CUSTOS_DATA_DIR: dir };
    const run = (args: string[], input?: string) => spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { env, input, encoding: 'utf8' });
    expect(run(['init', '--kdf-memory-kib', '1024', '--kdf-iterations', '1']).status).toBe(0);
    expect(run(['key', 'generate', '--id', 'p', '--alg', 'ecdsa-secp256k1']).status).toBe(0);
    const signed = run(['sign', '--id', 'p', '--in', '-', '--json'], 'from stdin');
    expect(signed.status).toBe(0);
    const { signature } = JSON.parse(signed.stdout) as { signature: string };
    expect(run(['verify', '--id', 'p', '--in', '-', '--sig-hex', signature], 'from stdin').status).toBe(0);
    expect(run(['verify', '--id', 'p', '--in', '-', '--sig-hex', signature], 'tampered').status).toBe(1);
    expect(run(['nonsense']).status).toBe(2);
    const batch = run(['batch'], '{"argv":["random","4"]}\n{"argv":["sign","--id","p","--data-hex","00"]}\n');
    expect(batch.status).toBe(0);
    expect(batch.stdout.trim().split('\n')).toHaveLength(2);
    const wrong = spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'key', 'list'], { env: { ...env, CUSTOS_PASSPHRASE: 'wrong wrong wrong' }, encoding: 'utf8' });
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toContain('PASSPHRASE_INCORRECT');
    expect(wrong.stderr).not.toContain('at '); // no stack trace
  });
});

describe('audit commands', () => {
  it('list, tail, checkpoint, prove + check-proof offline, consistency, export + verify --file, tamper + acknowledge', async () => {
    const dir = await initVault();
    await cli(dir, ['key', 'generate', '--id', 'k', '--alg', 'ed25519']);
    for (let i = 0; i < 5; i++) await cli(dir, ['sign', '--id', 'k', '--data-hex', '0' + i]);
    await cli(dir, ['sign', '--id', 'missing', '--data-hex', '00']);
    const list = (await cli(dir, ['audit', 'list', '--action', 'crypto.sign', '--json'])).json() as { events: { result: string }[] };
    expect(list.events.map((e) => e.result)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'NOT_FOUND']);
    const tail = await cli(dir, ['audit', 'tail', '--limit', '3']);
    expect(tail.out.trim().split('\n')).toHaveLength(3);

    const cp1 = (await cli(dir, ['audit', 'checkpoint', '--json'])).json() as { checkpoint: { size: number } };
    await cli(dir, ['sign', '--id', 'k', '--data-hex', 'ff']);
    const cp2 = (await cli(dir, ['audit', 'checkpoint', '--json'])).json() as { checkpoint: { size: number } };
    const status = (await cli(dir, ['audit', 'status', '--json'])).json() as { publicKey: string };
    const pem = join(dir, 'audit.pem');
    writeFileSync(pem, status.publicKey);

    const proof = join(dir, 'proof.json');
    const cpFile = join(dir, 'cp.txt');
    expect((await cli(dir, ['audit', 'prove', '--seq', '3', '--tree-size', String(cp2.checkpoint.size), '--out', proof, '--checkpoint-out', cpFile])).code).toBe(0);
    // check-proof needs no vault at all: run it against an empty data dir.
    const empty = tempDir();
    const ok = await cli(empty, ['audit', 'check-proof', proof, '--checkpoint', cpFile, '--public-key', pem], { env: {} });
    expect(ok.code, ok.err).toBe(0);
    const forged = JSON.parse(readFileSync(proof, 'utf8')) as { seq: number; leafIndex: number };
    writeFileSync(proof, JSON.stringify({ ...forged, leafIndex: forged.leafIndex + 1, seq: forged.seq + 1 }));
    expect((await cli(empty, ['audit', 'check-proof', proof, '--checkpoint', cpFile, '--public-key', pem], { env: {} })).code).toBe(1);

    const cons = join(dir, 'cons.json');
    expect((await cli(dir, ['audit', 'consistency', '--from', String(cp1.checkpoint.size), '--to', String(cp2.checkpoint.size), '--out', cons])).code).toBe(0);

    const exported = join(dir, 'audit.jsonl');
    expect((await cli(dir, ['audit', 'export', '--out', exported])).code).toBe(0);
    expect((await cli(empty, ['audit', 'verify', '--file', exported, '--public-key', pem], { env: {} })).code).toBe(0);
    writeFileSync(exported, readFileSync(exported, 'utf8').replace('"seq":4,', '"seq":40,'));
    const badExport = await cli(empty, ['audit', 'verify', '--file', exported, '--public-key', pem, '--json'], { env: {} });
    expect(badExport.code).toBe(1);
    expect(badExport.json()).toMatchObject({ ok: false, firstBadSeq: 4 });

    expect((await cli(dir, ['audit', 'verify', '--full'])).code).toBe(0);
    const db = new Database(databasePath(dir));
    db.prepare("UPDATE audit_events SET principal = 'mallory' WHERE seq = 2").run();
    db.close();
    const verify = await cli(dir, ['audit', 'verify', '--full', '--json']);
    expect(verify.code).toBe(1);
    expect(verify.json()).toMatchObject({ ok: false, firstBadSeq: 2 });
    expect(verify.err).toContain('TAMPERED');
    const refused = await cli(dir, ['sign', '--id', 'k', '--data-hex', '00']);
    expect(refused.err).toContain('TAMPERED');
    expect(refused.err).toContain('warning: the audit log failed verification');
    expect((await cli(dir, ['audit', 'acknowledge'])).code).toBe(0);
    expect((await cli(dir, ['sign', '--id', 'k', '--data-hex', '00'])).code).toBe(0);
  });
});

describe('configuration', () => {
  it('custos.yaml sets the vault defaults; validate and show report it; env overrides win; errors name the key', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'custos.yaml'), 'security:\n  kdf:\n    memory_kib: 2048\n    iterations: 1\n  key_deletion_window_days: 3\n');
    const valid = await cli(dir, ['config', 'validate', '--json']);
    expect(valid.code, valid.err).toBe(0);
    expect(valid.json()).toMatchObject({ valid: true, file: join(dir, 'custos.yaml'), preset: 'production' });
    expect((await cli(dir, ['init'])).code).toBe(0);
    expect((await cli(dir, ['status', '--json'])).json()).toMatchObject({ kdf: { memoryKiB: 2048, iterations: 1 } });
    await cli(dir, ['key', 'generate', '--id', 'k', '--alg', 'ed25519']);
    const del = (await cli(dir, ['key', 'delete', '--id', 'k', '--json'])).json() as { deletionAt: string; updatedAt: string };
    expect(Date.parse(del.deletionAt) - Date.parse(del.updatedAt)).toBe(3 * 24 * 3600 * 1000);

    const shown = await cli(dir, ['config', 'show'], { env: { CUSTOS_SECURITY__KDF__ITERATIONS: '4' } });
    expect(shown.code, shown.err).toBe(0);
    expect(shown.out).toContain('memory_kib: 2048');
    expect(shown.out).toContain('iterations: 4');
    expect(shown.out).toContain('CUSTOS_SECURITY__KDF__ITERATIONS');
    expect(shown.out).not.toContain(PASS);

    writeFileSync(join(dir, 'custos.yaml'), 'security:\n  kdf:\n    memory_kib: 512\n');
    const bad = await cli(dir, ['config', 'validate']);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('INVALID_INPUT');
    expect(bad.err).toContain('security.kdf.memory_kib');
    // A bad configuration stops every command, not only `config`.
    expect((await cli(dir, ['key', 'list'])).code).toBe(1);
    const typo = await cli(dir, ['config', 'validate'], { env: { CUSTOS_SECURITY__KDF__MEMORY: '1' } });
    expect(typo.err).toContain('CUSTOS_SECURITY__KDF__MEMORY');
    const other = join(dir, 'other.yaml');
    writeFileSync(other, 'server:\n  bind: 0.0.0.0\n');
    const nonLoopback = await cli(dir, ['--config', other, 'config', 'validate']);
    expect(nonLoopback.code).toBe(1);
    expect(nonLoopback.err).toContain('server.bind');
  });
});

describe('OpenSSL interoperability', () => {
  const cases: { alg: string; sign: string[]; osslVerify: (pub: string, sig: string, data: string) => string[]; osslSign?: (key: string, data: string) => string[] }[] = [
    { alg: 'ed25519', sign: [], osslVerify: (pub, sig, data) => ['pkeyutl', '-verify', '-pubin', '-inkey', pub, '-rawin', '-in', data, '-sigfile', sig] },
    { alg: 'ecdsa-p256', sign: [], osslVerify: (pub, sig, data) => ['dgst', '-sha256', '-verify', pub, '-signature', sig, data] },
    { alg: 'ecdsa-p384', sign: [], osslVerify: (pub, sig, data) => ['dgst', '-sha384', '-verify', pub, '-signature', sig, data] },
    { alg: 'ecdsa-p521', sign: [], osslVerify: (pub, sig, data) => ['dgst', '-sha512', '-verify', pub, '-signature', sig, data] },
    { alg: 'rsa-2048', sign: ['--scheme', 'pkcs1v15'], osslVerify: (pub, sig, data) => ['dgst', '-sha256', '-verify', pub, '-signature', sig, data] },
    {
      alg: 'rsa-2048',
      sign: ['--scheme', 'pss'],
      osslVerify: (pub, sig, data) => ['dgst', '-sha256', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32', '-verify', pub, '-signature', sig, data],
    },
  ];

  it.each(cases)('custos $alg $sign signatures verify with openssl', async ({ alg, sign, osslVerify }) => {
    const dir = await initVault();
    await cli(dir, ['key', 'generate', '--id', 'k', '--alg', alg]);
    const data = join(dir, 'data.bin');
    writeFileSync(data, 'interoperability test message');
    const pub = join(dir, 'pub.pem');
    expect((await cli(dir, ['key', 'show', '--id', 'k', '--format', 'pem', '--out', pub])).code).toBe(0);
    expect(readFileSync(pub, 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const sig = join(dir, 'sig.bin');
    expect((await cli(dir, ['sign', '--id', 'k', '--in', data, '--out', sig, ...sign])).code).toBe(0);
    const r = openssl(osslVerify(pub, sig, data));
    expect(r.status, r.stderr + r.stdout.toString()).toBe(0);
    expect(r.stdout.toString()).toMatch(/Verified OK|Signature Verified Successfully/);
  });

  it.each([
    { alg: 'ed25519', gen: ['genpkey', '-algorithm', 'ed25519'], sign: (key: string, data: string, sig: string) => ['pkeyutl', '-sign', '-inkey', key, '-rawin', '-in', data, '-out', sig], opts: [] as string[] },
    { alg: 'ecdsa-p256', gen: ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'], sign: (key: string, data: string, sig: string) => ['dgst', '-sha256', '-sign', key, '-out', sig, data], opts: [] },
    { alg: 'ecdsa-p384', gen: ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'], sign: (key: string, data: string, sig: string) => ['dgst', '-sha384', '-sign', key, '-out', sig, data], opts: [] },
    { alg: 'ecdsa-p521', gen: ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-521'], sign: (key: string, data: string, sig: string) => ['dgst', '-sha512', '-sign', key, '-out', sig, data], opts: [] },
    { alg: 'rsa-2048', gen: ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'], sign: (key: string, data: string, sig: string) => ['dgst', '-sha256', '-sign', key, '-out', sig, data], opts: ['--scheme', 'pkcs1v15'] },
    {
      alg: 'rsa-2048',
      gen: ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
      sign: (key: string, data: string, sig: string) => ['dgst', '-sha256', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32', '-sign', key, '-out', sig, data],
      opts: ['--scheme', 'pss'],
    },
  ])('openssl $alg $opts signatures verify with custos verify, and the key imports', async ({ alg, gen, sign, opts }) => {
    const dir = await initVault();
    const key = join(dir, 'key.pem');
    const pub = join(dir, 'pub.pem');
    const data = join(dir, 'data.bin');
    const sig = join(dir, 'sig.bin');
    writeFileSync(data, 'signed by openssl');
    expect(openssl([...gen, '-out', key]).status).toBe(0);
    expect(openssl(['pkey', '-in', key, '-pubout', '-out', pub]).status).toBe(0);
    expect(openssl(sign(key, data, sig)).status).toBe(0);
    // With the public key file alone.
    const r = await cli(dir, ['verify', '--alg', alg, '--public-key', pub, '--in', data, '--sig', sig, ...opts]);
    expect(r.code, r.err).toBe(0);
    // With the key imported (private PKCS#8 PEM) and as a verify-only SPKI key.
    expect((await cli(dir, ['key', 'import', '--id', 'priv', '--alg', alg, '--format', 'pkcs8', '--in', key])).code).toBe(0);
    expect((await cli(dir, ['key', 'import', '--id', 'pub', '--alg', alg, '--format', 'spki', '--in', pub])).code).toBe(0);
    expect((await cli(dir, ['verify', '--id', 'pub', '--in', data, '--sig', sig, ...opts])).code).toBe(0);
    expect((await cli(dir, ['verify', '--id', 'priv', '--in', data, '--sig', sig, ...opts])).code).toBe(0);
    // Tampered data fails.
    writeFileSync(data, 'signed by someone else');
    expect((await cli(dir, ['verify', '--id', 'pub', '--in', data, '--sig', sig, ...opts])).code).toBe(1);
  });

  it('openssl decrypts what custos encrypts with RSA-OAEP', async () => {
    const dir = await initVault();
    await cli(dir, ['key', 'generate', '--id', 'r', '--alg', 'rsa-2048', '--exportable']);
    const keyFile = join(dir, 'r.pem');
    expect((await cli(dir, ['key', 'export', '--id', 'r', '--out', keyFile])).code).toBe(0);
    const ct = join(dir, 'ct.bin');
    expect((await cli(dir, ['encrypt', '--id', 'r', '--data-hex', Buffer.from('oaep works').toString('hex'), '--out', ct])).code).toBe(0);
    const r = openssl(['pkeyutl', '-decrypt', '-inkey', keyFile, '-in', ct, '-pkeyopt', 'rsa_padding_mode:oaep', '-pkeyopt', 'rsa_oaep_md:sha256', '-pkeyopt', 'rsa_mgf1_md:sha256']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.toString()).toBe('oaep works');
    expect(execFileSync('openssl', ['version']).toString()).toMatch(/OpenSSL 3/);
  });
});

describe('access control commands', () => {
  const ALICE = 'alice has her own passphrase';
  const asAlice = { env: { CUSTOS_OPERATOR: 'alice', CUSTOS_PASSPHRASE: ALICE } };

  it('operator add, sign in with --operator, a refusal, a grant that allows it, revoke, remove', async () => {
    const dir = await initVault();
    const added = await cli(dir, ['operator', 'add', 'alice', '--json'], { env: { CUSTOS_NEW_PASSPHRASE: ALICE } });
    expect(added.code, added.err).toBe(0);
    expect(added.json()).toMatchObject({ name: 'alice', admin: false, grants: [], createdBy: 'admin', consecutiveFailures: 0, lockedOutUntil: null });
    const ops = (await cli(dir, ['operator', 'list', '--json'])).json() as { operators: { name: string; admin: boolean }[] };
    expect(ops.operators.map((o) => [o.name, o.admin])).toEqual([
      ['admin', true],
      ['alice', false],
    ]);
    // The operator's own passphrase, not the admin's, signs alice in.
    expect((await cli(dir, ['--operator', 'alice', 'whoami'])).err).toContain('PASSPHRASE_INCORRECT');
    expect((await cli(dir, ['--json', '--operator', 'alice', 'status'])).json()).toMatchObject({ operator: 'alice', consecutiveFailures: 1 });
    expect((await cli(dir, ['--json', 'status'])).json()).toMatchObject({ operator: 'admin', consecutiveFailures: 0 });
    const me = await cli(dir, ['--operator', 'alice', '--passphrase-file', writePass(dir, ALICE), 'whoami', '--json'], { env: {} });
    expect(me.code, me.err).toBe(0);
    expect(me.json()).toMatchObject({ principal: 'alice', kind: 'operator', admin: false, grants: [] });
    expect((await cli(dir, ['--json', '--operator', 'alice', 'status'])).json()).toMatchObject({ consecutiveFailures: 0 });

    const refused = await cli(dir, ['key', 'generate', '--id', 'k', '--alg', 'ed25519', '--json'], asAlice);
    expect(refused.code).toBe(1);
    expect(refused.json()).toEqual({ error: { code: 'PERMISSION_DENIED', message: 'alice may not manage keys in namespace default' } });
    const granted = await cli(dir, ['grant', '--principal', 'alice', '--ns', 'default', '--role', 'KeyAdmin', '--json']);
    expect(granted.code, granted.err).toBe(0);
    expect(granted.json()).toMatchObject({ grant: { principal: 'alice', namespace: 'default', role: 'KeyAdmin', createdBy: 'admin' } });
    expect((await cli(dir, ['key', 'generate', '--id', 'k', '--alg', 'ed25519'], asAlice)).code).toBe(0);
    // Separation of duties: a KeyAdmin may not use the key it manages.
    expect((await cli(dir, ['sign', '--id', 'k', '--data-hex', '00'], asAlice)).err).toContain('PERMISSION_DENIED');
    expect((await cli(dir, ['grant', '--principal', 'alice', '--ns', 'default', '--role', 'keyuser'])).code).toBe(0);
    expect((await cli(dir, ['sign', '--id', 'k', '--data-hex', '00'], asAlice)).code).toBe(0);
    // Only an Admin grants; alice may not grant herself more.
    expect((await cli(dir, ['grant', '--principal', 'alice', '--ns', '*', '--role', 'Admin'], asAlice)).err).toContain('PERMISSION_DENIED: alice is not an Admin');
    expect((await cli(dir, ['operator', 'list'], asAlice)).err).toContain('PERMISSION_DENIED');

    const grants = (await cli(dir, ['grants', '--principal', 'alice', '--json'])).json() as { grants: { role: string }[] };
    expect(grants.grants.map((g) => g.role)).toEqual(['KeyAdmin', 'KeyUser']);
    expect((await cli(dir, ['grant', '--principal', 'alice', '--ns', 'default', '--role', 'Boss'])).err).toContain('INVALID_INPUT: unknown role "Boss"');
    expect((await cli(dir, ['grant', '--principal', 'bob', '--ns', 'default', '--role', 'KeyUser'])).err).toContain('NOT_FOUND');
    expect((await cli(dir, ['grant', '--principal', 'alice', '--role', 'KeyUser'])).code).toBe(2);

    const revoked = await cli(dir, ['revoke', '--principal', 'alice', '--ns', 'default', '--role', 'KeyUser', '--json']);
    expect(revoked.json()).toEqual({ principal: 'alice', namespace: 'default', role: 'KeyUser', revoked: true });
    expect((await cli(dir, ['sign', '--id', 'k', '--data-hex', '00'], asAlice)).err).toContain('PERMISSION_DENIED');

    // The audit log names the operator who acted, refusals included.
    const events = (await cli(dir, ['audit', 'list', '--principal', 'alice', '--action', 'crypto.sign', '--json'])).json() as { events: { result: string }[] };
    expect(events.events.map((e) => e.result)).toEqual(['PERMISSION_DENIED', 'ok', 'PERMISSION_DENIED']);

    expect((await cli(dir, ['operator', 'remove', 'admin'])).err).toContain('last Admin');
    expect((await cli(dir, ['operator', 'remove', 'alice', '--json'])).json()).toEqual({ operator: 'alice', removed: true });
    expect((await cli(dir, ['whoami'], asAlice)).err).toContain('PASSPHRASE_INCORRECT');
  });

  it('init --operator names the first Admin; passwd changes the passphrase of --operator only', async () => {
    const dir = tempDir();
    expect((await cli(dir, ['init', '--operator', 'root', '--kdf-memory-kib', '1024', '--kdf-iterations', '1', '--json'])).json()).toMatchObject({ operator: 'root' });
    expect((await cli(dir, ['whoami'])).err).toContain('PASSPHRASE_INCORRECT'); // there is no "admin"
    const me = await cli(dir, ['whoami', '--json'], { env: { CUSTOS_OPERATOR: 'root' } });
    expect(me.json()).toMatchObject({ principal: 'root', admin: true, grants: [{ namespace: '*', role: 'Admin' }] });
    expect((await cli(dir, ['--operator', 'root', 'operator', 'add', 'bob'], { env: { CUSTOS_NEW_PASSPHRASE: 'bob passphrase one' } })).code).toBe(0);
    const pw = await cli(dir, ['--operator', 'bob', 'passwd', '--json'], { env: { CUSTOS_PASSPHRASE: 'bob passphrase one', CUSTOS_NEW_PASSPHRASE: 'bob passphrase two' } });
    expect(pw.code, pw.err).toBe(0);
    expect(pw.json()).toEqual({ changed: true, operator: 'bob' });
    expect((await cli(dir, ['--operator', 'bob', 'whoami'], { env: { CUSTOS_PASSPHRASE: 'bob passphrase two' } })).code).toBe(0);
    expect((await cli(dir, ['--operator', 'root', 'whoami'])).code).toBe(0); // root's passphrase is unchanged
    // Setting a passphrase does not belong in a batch (stdin is the batch).
    const batch = await cli(dir, ['--operator', 'root', 'batch'], { stdin: JSON.stringify({ argv: ['operator', 'add', 'carol'] }) + '\n' });
    expect(JSON.parse(batch.out)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', message: 'operator add cannot run inside batch' } });
  });

  it('token create shows the token once; list never shows it; revoke', async () => {
    const dir = await initVault();
    expect((await cli(dir, ['ns', 'create', 'ci'])).code).toBe(0);
    const before = Date.now();
    const created = await cli(dir, ['token', 'create', '--label', 'deploy', '--grant', 'ci:KeyUser', '--grant', 'default:Auditor', '--expires-in', '30d', '--json']);
    expect(created.code, created.err).toBe(0);
    const t = created.json() as { token: string; id: string; principal: string; expiresAt: string; grants: unknown[]; state: string };
    expect(t.token).toMatch(/^cst_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(t.id).toMatch(/^tok_[0-9a-f]{12}$/);
    expect(t.token.slice(4, 16)).toBe(t.id.slice(4));
    expect(t.principal).toBe(`token:${t.id}`);
    expect(t.state).toBe('live');
    expect(t.grants).toEqual([
      { namespace: 'ci', role: 'KeyUser' },
      { namespace: 'default', role: 'Auditor' },
    ]);
    const expiresIn = Date.parse(t.expiresAt) - before;
    expect(expiresIn).toBeGreaterThanOrEqual(30 * 86_400_000);
    expect(expiresIn).toBeLessThan(30 * 86_400_000 + 60_000);

    const text = await cli(dir, ['token', 'create', '--label', 'other', '--grant', 'ci:KeyUser', '--expires', '2099-01-01T00:00:00Z']);
    expect(text.code, text.err).toBe(0);
    const shown = /^(cst_[0-9a-f]{12}_[A-Za-z0-9_-]{43})$/m.exec(text.out)?.[1];
    expect(shown).toBeDefined();
    expect(text.out).toContain('shown only now');
    expect(text.out).toContain('expires 2099-01-01T00:00:00.000Z');

    for (const argv of [['token', 'list'], ['token', 'list', '--json'], ['audit', 'list', '--json']]) {
      const r = await cli(dir, argv);
      expect(r.code, r.err).toBe(0);
      for (const secret of [t.token, t.token.slice(17), shown as string, (shown as string).slice(17)]) expect(r.out).not.toContain(secret);
    }
    const listed = (await cli(dir, ['token', 'list', '--json'])).json() as { tokens: Record<string, unknown>[] };
    expect(listed.tokens.map((x) => x.label)).toEqual(['deploy', 'other']);
    expect(Object.keys(listed.tokens[0] ?? {}).sort()).toEqual(['createdAt', 'createdBy', 'expiresAt', 'grants', 'id', 'label', 'principal', 'revokedAt', 'revokedBy', 'state']);

    const rev = await cli(dir, ['token', 'revoke', t.id, '--json']);
    expect(rev.code, rev.err).toBe(0);
    expect(rev.json()).toMatchObject({ id: t.id, state: 'revoked', revokedBy: 'admin', grants: [] });
    expect((await cli(dir, ['token', 'list'])).out).toMatch(new RegExp(`${t.id}\\s+deploy\\s+revoked`));
    expect((await cli(dir, ['token', 'revoke', t.id])).err).toContain('INVALID_INPUT');
    // A revoked token holds nothing and can be given nothing.
    expect((await cli(dir, ['grants', '--principal', t.principal, '--json'])).json()).toEqual({ grants: [] });
    expect((await cli(dir, ['grant', '--principal', t.principal, '--ns', 'ci', '--role', 'KeyUser'])).err).toContain('NOT_FOUND');

    const bad: [string[], number, string][] = [
      [['token', 'create', '--label', 'x'], 2, 'at least one --grant'],
      [['token', 'create', '--label', 'x', '--grant', 'ci'], 2, 'NS:ROLE'],
      [['token', 'create', '--label', 'x', '--grant', 'ci:KeyUser', '--expires', '2099-01-01', '--expires-in', '1d'], 2, 'at most one'],
      [['token', 'create', '--label', 'x', '--grant', 'ci:KeyUser', '--expires-in', '3 days'], 1, 'INVALID_INPUT'],
      [['token', 'create', '--label', 'x', '--grant', 'ci:KeyUser', '--expires', '2001-01-01T00:00:00Z'], 1, 'INVALID_INPUT'],
      [['token', 'create', '--label', 'x', '--grant', '*:Admin'], 1, 'cannot be an Admin'],
      [['token', 'create', '--label', 'x', '--grant', 'nowhere:KeyUser'], 1, 'NOT_FOUND'],
      [['token', 'revoke', 'tok_zz'], 1, 'INVALID_INPUT'],
    ];
    for (const [argv, code, msg] of bad) {
      const r = await cli(dir, argv);
      expect(r.code, argv.join(' ')).toBe(code);
      expect(r.err, argv.join(' ')).toContain(msg);
    }
  });

  it('namespaces: create with a quota, QUOTA_EXCEEDED, show, set, list, delete only when empty', async () => {
    const dir = await initVault();
    const created = await cli(dir, ['ns', 'create', 'payments', '--description', 'card payments', '--max-keys', '1', '--json']);
    expect(created.json()).toEqual({ namespace: 'payments', created: true });
    expect((await cli(dir, ['key', 'generate', '--ns', 'payments', '--id', 'a', '--alg', 'ed25519'])).code).toBe(0);
    const over = await cli(dir, ['key', 'generate', '--ns', 'payments', '--id', 'b', '--alg', 'ed25519', '--json']);
    expect(over.code).toBe(1);
    expect(over.json()).toEqual({ error: { code: 'QUOTA_EXCEEDED', message: 'namespace payments is limited to 1 key' } });
    expect((await cli(dir, ['key', 'import', '--ns', 'payments', '--id', 'c', '--alg', 'aes-256-gcm', '--format', 'raw', '--material-hex', '00'.repeat(32)])).err).toContain('QUOTA_EXCEEDED');

    const list = (await cli(dir, ['ns', 'list', '--json'])).json() as { namespaces: Record<string, unknown>[] };
    expect(list.namespaces.map(({ createdAt: _, ...n }) => n)).toEqual([
      { name: 'default', description: '', keys: 0, maxKeys: null, rateLimitPerS: null },
      { name: 'payments', description: 'card payments', keys: 1, maxKeys: 1, rateLimitPerS: null },
    ]);
    expect((await cli(dir, ['ns', 'list'])).out).toMatch(/payments\s+1\s+1\s+card payments/);

    const set = await cli(dir, ['ns', 'set', 'payments', '--max-keys', '2', '--json']);
    expect(set.json()).toMatchObject({ name: 'payments', maxKeys: 2, description: 'card payments' });
    expect((await cli(dir, ['key', 'generate', '--ns', 'payments', '--id', 'b', '--alg', 'ed25519'])).code).toBe(0);
    expect((await cli(dir, ['ns', 'set', 'payments', '--no-max-keys', '--description', 'EU cards', '--json'])).json()).toMatchObject({ maxKeys: null, description: 'EU cards' });
    expect((await cli(dir, ['ns', 'set', 'payments'])).code).toBe(2);

    await cli(dir, ['operator', 'add', 'alice'], { env: { CUSTOS_NEW_PASSPHRASE: ALICE } });
    await cli(dir, ['grant', '--principal', 'alice', '--ns', 'payments', '--role', 'NamespaceAdmin']);
    const shown = await cli(dir, ['ns', 'show', 'payments', '--json']);
    expect(shown.json()).toMatchObject({ name: 'payments', keys: 2, maxKeys: null, description: 'EU cards', grants: [{ principal: 'alice', namespace: 'payments', role: 'NamespaceAdmin' }] });
    // A NamespaceAdmin sees and changes their own namespace only, and never creates or deletes one.
    expect((await cli(dir, ['ns', 'list', '--json'], asAlice)).json()).toMatchObject({ namespaces: [{ name: 'payments' }] });
    expect((await cli(dir, ['ns', 'set', 'payments', '--max-keys', '5'], asAlice)).code).toBe(0);
    expect((await cli(dir, ['ns', 'show', 'default'], asAlice)).err).toContain('PERMISSION_DENIED');
    expect((await cli(dir, ['ns', 'create', 'mine'], asAlice)).err).toContain('PERMISSION_DENIED');

    const notEmpty = await cli(dir, ['ns', 'delete', 'payments', '--json']);
    expect(notEmpty.code).toBe(1);
    expect(notEmpty.json()).toMatchObject({ error: { code: 'NOT_EMPTY' } });
    expect((await cli(dir, ['ns', 'show', 'payments'])).code).toBe(0);
    expect((await cli(dir, ['ns', 'delete', 'default'])).err).toContain('INVALID_INPUT');
    expect((await cli(dir, ['ns', 'create', 'scratch'])).code).toBe(0);
    expect((await cli(dir, ['ns', 'delete', 'scratch', '--json'])).json()).toEqual({ namespace: 'scratch', deleted: true });
    expect((await cli(dir, ['ns', 'show', 'scratch'])).err).toContain('NOT_FOUND');
    expect((await cli(dir, ['ns', 'delete', 'scratch'])).err).toContain('NOT_FOUND');
  });

  it('key acl: allow, show, clear; the ACL narrows KeyUsers', async () => {
    const dir = await initVault();
    await cli(dir, ['operator', 'add', 'alice'], { env: { CUSTOS_NEW_PASSPHRASE: ALICE } });
    await cli(dir, ['operator', 'add', 'bob'], { env: { CUSTOS_NEW_PASSPHRASE: 'bob has one too' } });
    for (const p of ['alice', 'bob']) await cli(dir, ['grant', '--principal', p, '--ns', 'default', '--role', 'KeyUser']);
    await cli(dir, ['key', 'generate', '--id', 'k', '--alg', 'ed25519']);
    const asBob = { env: { CUSTOS_OPERATOR: 'bob', CUSTOS_PASSPHRASE: 'bob has one too' } };
    const sign = ['sign', '--id', 'k', '--data-hex', '00'];

    expect((await cli(dir, ['key', 'acl', '--id', 'k', '--json'])).json()).toEqual({ namespace: 'default', id: 'k', principals: [] });
    expect((await cli(dir, sign, asBob)).code).toBe(0);
    const set = await cli(dir, ['key', 'acl', '--id', 'k', '--allow', 'alice', '--json']);
    expect(set.code, set.err).toBe(0);
    expect(set.json()).toEqual({ namespace: 'default', id: 'k', principals: ['alice'] });
    expect((await cli(dir, sign, asAlice)).code).toBe(0);
    expect((await cli(dir, sign, asBob)).err).toContain('PERMISSION_DENIED: the ACL of key default/k does not name bob');
    expect((await cli(dir, ['key', 'acl', '--id', 'k'], asBob)).out).toContain('ACL allows alice');
    // Only a KeyAdmin or NamespaceAdmin changes an ACL.
    expect((await cli(dir, ['key', 'acl', '--id', 'k', '--clear'], asBob)).err).toContain('PERMISSION_DENIED');

    const both = await cli(dir, ['key', 'acl', '--id', 'k', '--allow', 'bob', '--allow', 'alice', '--json']);
    expect(both.json()).toEqual({ namespace: 'default', id: 'k', principals: ['alice', 'bob'] });
    expect((await cli(dir, sign, asBob)).code).toBe(0);
    expect((await cli(dir, ['key', 'acl', '--id', 'k', '--allow', 'mallory'])).err).toContain('NOT_FOUND');
    expect((await cli(dir, ['key', 'acl', '--id', 'k', '--allow', 'bob', '--clear'])).code).toBe(2);
    expect((await cli(dir, ['key', 'acl', '--id', 'nope'])).err).toContain('NOT_FOUND');

    expect((await cli(dir, ['key', 'acl', '--id', 'k', '--clear', '--json'])).json()).toEqual({ namespace: 'default', id: 'k', principals: [] });
    expect((await cli(dir, ['key', 'acl', '--id', 'k'])).out).toContain('no ACL');
  });

  it('the configuration reaches the facade: rate limit per principal, namespace quota from custos.yaml, session idle timeout', async () => {
    const dir = await initVault();
    writeFileSync(join(dir, 'custos.yaml'), 'security:\n  rate_limit_per_s: 0.001\n  rate_limit_burst: 2\nnamespaces:\n  default:\n    max_keys: 7\n');
    const r = await cli(dir, ['batch'], { stdin: ['random', 'random', 'random'].map(() => JSON.stringify({ argv: ['random', '4'] })).join('\n') + '\n' });
    const out = r.out.trim().split('\n').map((l) => JSON.parse(l) as { ok: boolean; error?: { code: string } });
    expect(out.map((o) => o.ok)).toEqual([true, true, false]);
    expect(out[2]?.error?.code).toBe('RATE_LIMITED');
    expect((await cli(dir, ['audit', 'list', '--result', 'RATE_LIMITED', '--json'])).json()).toMatchObject({ events: [{ action: 'crypto.random', principal: 'admin' }] });

    writeFileSync(join(dir, 'custos.yaml'), 'security:\n  session_idle_timeout_s: 1\nnamespaces:\n  default:\n    max_keys: 7\n');
    expect((await cli(dir, ['ns', 'show', 'default', '--json'])).json()).toMatchObject({ maxKeys: 7 });
    const io = fakeIo({ CUSTOS_PASSPHRASE: PASS });
    io.stdinLines = async function* () {
      yield JSON.stringify({ argv: ['random', '4'] });
      await new Promise((resolve) => setTimeout(resolve, 1100));
      yield JSON.stringify({ argv: ['random', '4'] });
    };
    expect(await runCli(['--data-dir', dir, 'batch'], io)).toBe(1);
    const lines = io.out.trim().split('\n').map((l) => JSON.parse(l) as { ok: boolean; error?: { code: string } });
    expect(lines.map((l) => l.ok)).toEqual([true, false]);
    expect(lines[1]?.error?.code).toBe('SESSION_EXPIRED');
  });
});

function writePass(dir: string, passphrase: string): string {
  const path = join(dir, `pass-${Math.random().toString(16).slice(2)}.txt`);
  writeFileSync(path, passphrase + '\n');
  return path;
}
