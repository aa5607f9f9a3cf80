/**
 * @module core/backends/pkcs11/test-token
 * Real SoftHSM2 tokens for tests: a private softhsm2.conf and token directory in a temp dir, and
 * `softhsm2-util --init-token` to create tokens in it. SoftHSM reads SOFTHSM2_CONF in C_Initialize
 * and a PKCS#11 module is initialised once per process, so the environment is one per process:
 * the first call sets process.env.SOFTHSM2_CONF, every token of that process lives in the same
 * directory, and each test file (vitest runs each in its own forked process here) gets its own.
 * A token created after the module was initialised is made visible with rescanModule (which ends
 * every open session of the process).
 *
 * Test-only: imported by *.test.ts and bench scripts, never by the app.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rescanModule } from './module.js';

export const SOFTHSM_MODULE = '/usr/lib/softhsm/libsofthsm2.so';

export interface SoftHsmEnv {
  readonly dir: string;
  readonly conf: string;
  readonly tokenDir: string;
}

export interface TestToken {
  readonly label: string;
  readonly modulePath: string;
  /** A fresh copy each call: login zeroes the bytes it is given. */
  pin(): Uint8Array;
  readonly pinText: string;
  readonly soPinText: string;
}

let ENV: SoftHsmEnv | null = null;

/** This process's SoftHSM environment, created on first use. */
export function softHsmEnv(): SoftHsmEnv {
  if (ENV !== null) return ENV;
  const dir = mkdtempSync(join(tmpdir(), 'custos-softhsm-'));
  const tokenDir = join(dir, 'tokens');
  mkdirSync(tokenDir);
  const conf = join(dir, 'softhsm2.conf');
  writeFileSync(conf, `directories.tokendir = ${tokenDir}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\nslots.mechanisms = ALL\n`);
  process.env['SOFTHSM2_CONF'] = conf;
  ENV = { dir, conf, tokenDir };
  return ENV;
}

/** Initialise a token in the first free slot; visible to this process's module at once. */
export async function createTestToken(label: string, options: { pin?: string; soPin?: string } = {}): Promise<TestToken> {
  softHsmEnv();
  const pinText = options.pin ?? '1234';
  const soPinText = options.soPin ?? '5678';
  softhsmUtil(['--init-token', '--free', '--label', label, '--pin', pinText, '--so-pin', soPinText]);
  await rescanModule(SOFTHSM_MODULE);
  return { label, modulePath: SOFTHSM_MODULE, pin: () => new TextEncoder().encode(pinText), pinText, soPinText };
}

/** Run softhsm2-util with this process's configuration. */
export function softhsmUtil(args: readonly string[]): string {
  return execFileSync('softhsm2-util', args, { env: { ...process.env, SOFTHSM2_CONF: softHsmEnv().conf }, encoding: 'utf8' });
}

/** Run OpenSC's pkcs11-tool against SoftHSM with this process's configuration (an independent PKCS#11 client). */
export function pkcs11Tool(args: readonly string[], input?: Uint8Array): Buffer {
  return execFileSync('pkcs11-tool', ['--module', SOFTHSM_MODULE, ...args], {
    env: { ...process.env, SOFTHSM2_CONF: softHsmEnv().conf },
    input: input === undefined ? undefined : Buffer.from(input),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Remove this process's token directory (call after every backend is closed). */
export function removeSoftHsmEnv(): void {
  if (ENV === null) return;
  rmSync(ENV.dir, { recursive: true, force: true });
  ENV = null;
}

export const softHsmInstalled = existsSync(SOFTHSM_MODULE);
