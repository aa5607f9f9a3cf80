/**
 * @module renderer/features/devices/device-meta
 * What the Devices screen and the Keys screen say about hardware: a device's status as a badge and
 * a way forward, a key's backend as a badge (`PKCS#11 · <token>` / `Ledger` / software), the PIN
 * errors' help, BIP-32 paths for Ledger accounts (parsed, checked, stepped by address index), and
 * the CLI command equivalent to each action.
 *
 * Pure functions over the contract's strings; trusts nothing, decides nothing the core does not
 * decide again (a path the core refuses comes back as INVALID_INPUT all the same).
 */
import { shellArg } from '../../app/lib/shell.js';
import { KEY_ID_RE } from '../keys/key-meta.js';
import type { Tone } from '../../app/ui/Badge.js';
import type { ErrorInfo } from '../../store/types.js';
import type { DeviceInfo, DeviceState } from '../../store/devices-slice.js';

// ---------------------------------------------------------------- status

export interface StatusView {
  readonly label: string;
  readonly tone: Tone;
  /** What the person can do about it (undefined when nothing is needed). */
  readonly next: string | undefined;
}

/** A device's state as a badge: green ready, amber when the person must act, red when it cannot be used. */
export function statusView(kind: DeviceInfo['kind'], state: DeviceState): StatusView {
  switch (state) {
    case 'ready':
      return { label: 'Ready', tone: 'success', next: undefined };
    case 'login-required':
      return { label: 'Login required', tone: 'warning', next: 'Log in with the token’s user PIN to list, generate and use its keys.' };
    case 'locked':
      return kind === 'ledger'
        ? { label: 'Locked', tone: 'warning', next: 'Unlock the Ledger with its PIN on the device.' }
        : { label: 'PIN locked', tone: 'danger', next: 'Too many wrong PINs: the token’s security officer (SO) must unlock the user PIN (e.g. softhsm2-util or the vendor’s tool).' };
    case 'wrong-app':
      return { label: 'Open the Ethereum app', tone: 'warning', next: 'Open the Ethereum app on the Ledger; Custos talks to no other app.' };
    case 'busy':
      return { label: 'Busy', tone: 'accent', next: 'The device is waiting for another request; confirm or cancel it first.' };
    case 'unavailable':
      return { label: 'Unavailable', tone: 'danger', next: kind === 'ledger' ? 'Connect and unlock the Ledger.' : 'Check that the token is inserted and the module path in custos.yaml is right.' };
  }
}

// ---------------------------------------------------------------- backends

export type BackendKind = 'software' | 'pkcs11' | 'ledger' | 'other';

/** `pkcs11:<label>` / `ledger:<id>` / `software`, as keys.list and devices.list name them. */
export function backendKind(backend: string): BackendKind {
  if (backend === 'software') return 'software';
  if (backend.startsWith('pkcs11:') || backend.startsWith('pkcs11-module:')) return 'pkcs11';
  if (backend.startsWith('ledger:')) return 'ledger';
  return 'other';
}

export function isDeviceBackend(backend: string): boolean {
  const k = backendKind(backend);
  return k === 'pkcs11' || k === 'ledger';
}

/** The part after the scheme: the token label, the Ledger's id, the module path. */
export function backendName(backend: string): string {
  const i = backend.indexOf(':');
  return i < 0 ? backend : backend.slice(i + 1);
}

/** The short label of a key's backend, for tables and badges. */
export function backendLabel(backend: string): string {
  switch (backendKind(backend)) {
    case 'software':
      return 'Software vault';
    case 'pkcs11':
      return `PKCS#11 · ${backendName(backend)}`;
    case 'ledger':
      return 'Ledger';
    case 'other':
      return backend;
  }
}

/** Whether the device lets this window act on it (generate, adopt, list keys). */
export function canListKeys(d: DeviceInfo): boolean {
  return d.status.state === 'ready' && !d.backend.startsWith('pkcs11-module:');
}

// ---------------------------------------------------------------- PIN errors

/** A way forward for a failed login, with the remaining tries when the token's message says so. */
export function pinErrorHelp(error: ErrorInfo): string | undefined {
  switch (error.code) {
    case 'PIN_INCORRECT': {
      const m = error.message;
      if (/final try|last try|one (?:more )?(?:try|attempt)/i.test(m)) return 'One try left: a wrong PIN now locks the token until its security officer unlocks it.';
      const left = /(\d+)\s+(?:tries|attempts|retries)\s+(?:left|remaining)/i.exec(m) ?? /(?:tries|attempts|retries)\s+(?:left|remaining)\D{0,3}(\d+)/i.exec(m);
      if (left !== null) return `${left[1]} ${left[1] === '1' ? 'try' : 'tries'} left before the token locks its user PIN.`;
      if (/count low|few tries/i.test(m)) return 'Few tries left before the token locks its user PIN. Check the PIN before trying again.';
      return 'Check the PIN and try again. Tokens lock the user PIN after a few wrong tries.';
    }
    case 'PIN_LOCKED':
      return 'The token refuses the user PIN after too many wrong tries. Its security officer (SO) must unlock or reset it (softhsm2-util, or the token vendor’s tool); Custos cannot.';
    case 'DEVICE_UNAVAILABLE':
      return 'The token is not reachable: check it is inserted, then refresh the device list.';
    case 'DEVICE_LOCKED':
      return 'Unlock the Ledger with its PIN on the device, then retry.';
    case 'WRONG_APP':
      return 'Open the Ethereum app on the Ledger, then retry.';
    case 'USER_REJECTED':
      return 'It was rejected on the device (or cancelled here). Nothing was signed.';
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------- BIP-32 paths

/** The first account of Ethereum's BIP-44 tree (coin type 60, SLIP-44). */
export const DEFAULT_LEDGER_PATH = "m/44'/60'/0'/0/0";
/** Indices below 2^31 are normal; hardened ones add 2^31 (BIP-32 §"Child key derivation"). */
const HARDENED = 0x8000_0000;
const MAX_DEPTH = 10;

export interface PathSegment {
  readonly index: number;
  readonly hardened: boolean;
}

export type ParsedPath = { readonly ok: true; readonly segments: readonly PathSegment[] } | { readonly ok: false; readonly error: string };

/** `m/44'/60'/0'/0/0` (also `h` or `H` for hardened); the error says what is wrong, for the field. */
export function parseBip32Path(text: string): ParsedPath {
  const path = text.trim();
  if (path === '') return { ok: false, error: "Enter a path, e.g. m/44'/60'/0'/0/0" };
  const parts = path.split('/');
  if (parts[0] !== 'm') return { ok: false, error: 'A path starts with m/' };
  const rest = parts.slice(1);
  if (rest.length === 0) return { ok: false, error: 'The master key itself is not an account: add levels after m/' };
  if (rest.length > MAX_DEPTH) return { ok: false, error: `At most ${MAX_DEPTH} levels` };
  const segments: PathSegment[] = [];
  for (const [i, part] of rest.entries()) {
    const m = /^(\d{1,10})(['hH]?)$/.exec(part);
    if (m === null) return { ok: false, error: `Level ${i + 1} (“${part}”) is not a number, optionally followed by '` };
    const index = Number(m[1]);
    if (index >= HARDENED) return { ok: false, error: `Level ${i + 1} is too large: an index is below 2147483648` };
    segments.push({ index, hardened: m[2] !== '' });
  }
  return { ok: true, segments };
}

/** The canonical text: hardened levels with an apostrophe, as the Ledger app shows them. */
export function formatBip32Path(segments: readonly PathSegment[]): string {
  return ['m', ...segments.map((s) => `${s.index}${s.hardened ? "'" : ''}`)].join('/');
}

/** The last level's index (the address index of m/44'/60'/0'/0/i), or undefined for an invalid path. */
export function addressIndex(text: string): number | undefined {
  const p = parseBip32Path(text);
  return p.ok ? p.segments[p.segments.length - 1]?.index : undefined;
}

/**
 * The path with its last level moved by `delta` (the index stepper), kept in 0…2^31-1 and its
 * hardening; an invalid path comes back unchanged (the field shows why).
 */
export function stepBip32Path(text: string, delta: number): string {
  const p = parseBip32Path(text);
  if (!p.ok) return text;
  const last = p.segments[p.segments.length - 1];
  if (last === undefined) return text;
  const index = Math.min(HARDENED - 1, Math.max(0, last.index + delta));
  return formatBip32Path([...p.segments.slice(0, -1), { index, hardened: last.hardened }]);
}

/** Is this the Ethereum BIP-44 tree (m/44'/60'/…)? Other paths work but deserve a word. */
export function isEthereumPath(text: string): boolean {
  const p = parseBip32Path(text);
  return p.ok && p.segments[0]?.index === 44 && p.segments[0].hardened && p.segments[1]?.index === 60 && p.segments[1].hardened;
}

// ---------------------------------------------------------------- CLI

/** A value quoted for a POSIX shell when it needs it (shared with the other screens' CLI lines). */
export { shellArg };
const idOr = (id: string, placeholder = 'ID') => (KEY_ID_RE.test(id) ? id : placeholder);
const nsFlag = (namespace: string) => (namespace === 'default' || namespace === '' ? '' : ` --ns ${shellArg(namespace)}`);

export const deviceCli = {
  list: () => 'custos device list',
  login: (token: string) => `custos pkcs11 login --token ${shellArg(token)}`,
  keys: (token: string) => `custos pkcs11 keys --token ${shellArg(token)}`,
  generate: (token: string, namespace: string, id: string, alg: string) => `custos pkcs11 generate --token ${shellArg(token)} --id ${idOr(id)}${nsFlag(namespace)} --alg ${alg}`,
  /** By CKA_ID (hex): the handle devices.keys lists, unique where labels need not be. */
  adopt: (token: string, namespace: string, id: string, handle: string) => `custos pkcs11 adopt --token ${shellArg(token)} --id ${idOr(id)} --handle ${/^[0-9a-fA-F]{1,128}$/.test(handle) ? handle : 'HEX'}${nsFlag(namespace)}`,
  ledgerAddress: (device: string, path: string, display = false) => `custos ledger address --device ${shellArg(device)} --path ${shellArg(path === '' ? 'PATH' : path)}${display ? ' --display' : ''}`,
  ledgerAdopt: (device: string, namespace: string, id: string, path: string) => `custos ledger adopt --id ${idOr(id)} --device ${shellArg(device)} --path ${shellArg(path === '' ? 'PATH' : path)}${nsFlag(namespace)}`,
  ledgerSign: (id: string) => `custos ledger sign-tx --id ${idOr(id)}`,
  forget: (namespace: string, id: string) => `custos device forget --id ${idOr(id)}${nsFlag(namespace)}`,
};

/** The custos.yaml lines that turn devices on (the empty state shows them). */
export const DEVICES_CONFIG_EXAMPLE = `devices:
  pkcs11_modules:
    - /usr/lib/softhsm/libsofthsm2.so
  ledger: true`;
