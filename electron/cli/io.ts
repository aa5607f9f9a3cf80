/**
 * @module cli/io
 * Everything the CLI reads or writes outside the facade: data directory, passphrases (env,
 * file, or a no-echo prompt), input and output files, hex, PEM armour. Trusts the user's
 * terminal; treats file contents as untrusted bytes.
 */
import type { LedgerTransportSource } from '../core/backends/ledger/discovery.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CustodyError } from '../../shared/errors.js';
import { UsageError } from './args.js';

export interface CliIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly platform: NodeJS.Platform;
  writeOut(text: string): void;
  writeErr(text: string): void;
  /** Reads all of stdin (for `--in -`). */
  readStdin(): Promise<Uint8Array>;
  /** Stdin as lines, as they arrive (for `batch`). */
  stdinLines(): AsyncIterable<string>;
  /** A passphrase typed at a terminal without echo, or undefined when there is no terminal. */
  promptHidden(prompt: string): Promise<string | undefined>;
  /** Where Ledger transports come from (default: USB HID); tests plug the APDU simulator in here. */
  readonly ledgerSource?: () => LedgerTransportSource;
}

/** The platform's per-user application data directory, the same folder Electron's `userData` uses. */
export function defaultDataDir(env: Readonly<Record<string, string | undefined>>, platform: NodeJS.Platform): string {
  const home = env.HOME ?? homedir();
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'Custos');
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Custos');
  return join(env.XDG_CONFIG_HOME ?? join(home, '.config'), 'Custos');
}

export function parseHex(value: string, what: string): Uint8Array {
  const clean = value.startsWith('0x') || value.startsWith('0X') ? value.slice(2) : value;
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) {
    throw new CustodyError('INVALID_INPUT', `${what} is not valid hex (even number of 0-9a-f digits)`);
  }
  return Uint8Array.from(Buffer.from(clean, 'hex'));
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function readFileBytes(path: string, what: string): Uint8Array {
  try {
    return Uint8Array.from(readFileSync(path));
  } catch (cause) {
    throw new CustodyError('INVALID_INPUT', `cannot read ${what} file ${path}`, { cause });
  }
}

export function writeFileBytes(path: string, bytes: Uint8Array | string, secret = false): void {
  try {
    writeFileSync(path, bytes, { mode: secret ? 0o600 : 0o644 });
  } catch (cause) {
    throw new CustodyError('INVALID_INPUT', `cannot write ${path}`, { cause });
  }
}

/**
 * Write a new file, never over an existing one (a backup a later incremental chains to, a
 * response file): ALREADY_EXISTS says `${path} exists: ${exists}`.
 */
export function writeNewFile(path: string, bytes: Uint8Array | string, options: { secret: boolean; exists: string }): void {
  try {
    writeFileSync(path, bytes, { mode: options.secret ? 0o600 : 0o644, flag: 'wx' });
  } catch (cause) {
    const exists = (cause as { code?: unknown }).code === 'EEXIST';
    throw new CustodyError(exists ? 'ALREADY_EXISTS' : 'INVALID_INPUT', exists ? `${path} exists: ${options.exists}` : `cannot write ${path}`, { cause });
  }
}

/** If `bytes` is PEM text, the DER inside the first block; otherwise the bytes unchanged. */
export function pemToDerIfArmoured(bytes: Uint8Array): Uint8Array {
  const text = Buffer.from(bytes).toString('latin1');
  const match = /-----BEGIN [A-Z0-9 ]+-----([\s\S]*?)-----END [A-Z0-9 ]+-----/.exec(text);
  if (match === null) return bytes;
  return Uint8Array.from(Buffer.from((match[1] as string).replace(/\s+/g, ''), 'base64'));
}

/** Passphrase bytes from CUSTOS_PASSPHRASE, a file (first line), or a hidden prompt. */
export async function obtainPassphrase(io: CliIo, file: string | undefined, envName: string, prompt: string, confirm: boolean): Promise<Uint8Array> {
  if (file !== undefined) {
    const text = Buffer.from(readFileBytes(file, 'passphrase')).toString('utf8');
    const line = text.split(/\r?\n/)[0] ?? '';
    return new TextEncoder().encode(line);
  }
  const fromEnv = io.env[envName];
  if (fromEnv !== undefined && fromEnv !== '') return new TextEncoder().encode(fromEnv);
  const typed = await io.promptHidden(prompt);
  if (typed === undefined) {
    throw new UsageError(`no passphrase: set ${envName}, pass a passphrase file, or run in a terminal`);
  }
  if (confirm) {
    const again = await io.promptHidden('Repeat it: ');
    if (again !== typed) throw new CustodyError('INVALID_INPUT', 'the two passphrases differ');
  }
  return new TextEncoder().encode(typed);
}

/** The real process's streams. */
export function processIo(): CliIo {
  return {
    env: process.env,
    platform: process.platform,
    writeOut: (text) => process.stdout.write(text),
    writeErr: (text) => process.stderr.write(text),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Uint8Array.from(Buffer.concat(chunks));
    },
    stdinLines: () => createInterface({ input: process.stdin, crlfDelay: Infinity }),
    promptHidden: (prompt) => promptHiddenTty(prompt),
  };
}

function promptHiddenTty(prompt: string): Promise<string | undefined> {
  const stdin = process.stdin;
  if (!stdin.isTTY) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    process.stderr.write(prompt);
    let value = '';
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          finish();
          resolve(value);
          return;
        }
        if (ch === '\u0003') {
          finish();
          reject(new CustodyError('USER_REJECTED', 'cancelled'));
          return;
        }
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    const finish = (): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    stdin.on('data', onData);
  });
}
