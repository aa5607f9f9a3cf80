/**
 * @module core/backends/pkcs11/module
 * A PKCS#11 module (a shared library: SoftHSM2, OpenSC, a YubiHSM or cloud HSM connector) loaded
 * once per process and path. Cryptoki is process-wide by design (v2.40 §5.4: a second C_Initialize
 * returns CKR_CRYPTOKI_ALREADY_INITIALIZED, and C_Finalize ends every session of the process), so
 * this is the one registry in the core that is not built by the factory: every token backend on a
 * module leases it here, C_Initialize (CKF_OS_LOCKING_OK) runs for the first lease and C_Finalize
 * when the last one is released. The library itself stays mapped once loaded: unloading modules
 * linked to OpenSSL or PC/SC is a known way to crash a process, and keeping it costs nothing.
 *
 * `rescanModule` re-initialises a module: some modules (SoftHSM2 among them) only see tokens that
 * appeared after C_Initialize once they are initialised again. It invalidates every session on the
 * module; backends notice through `generation` and reopen.
 *
 * Trusts the configured module path: loading a library runs its code in this process.
 */
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import type * as Pkcs11js from 'pkcs11js';
import { CustodyError } from '../../../../shared/errors.js';
import { translatePkcs11Error } from './ckr.js';
import {
  CKF_LOGIN_REQUIRED,
  CKF_OS_LOCKING_OK,
  CKF_PROTECTED_AUTHENTICATION_PATH,
  CKF_REMOVABLE_DEVICE,
  CKF_TOKEN_INITIALIZED,
  CKF_TOKEN_PRESENT,
  CKF_USER_PIN_COUNT_LOW,
  CKF_USER_PIN_FINAL_TRY,
  CKF_USER_PIN_INITIALIZED,
  CKF_USER_PIN_LOCKED,
  CKF_WRITE_PROTECTED,
} from './constants.js';

export type Pkcs11Library = typeof Pkcs11js;
export type Pkcs11 = Pkcs11js.PKCS11;
export type SlotHandle = Buffer;

/** A lease on a loaded, initialised module. */
export interface Pkcs11Module {
  readonly path: string;
  readonly pkcs11: Pkcs11;
  readonly lib: Pkcs11Library;
  /** Bumped each time the module is initialised again: sessions opened under an older generation are gone. */
  generation(): number;
  /** Give the lease back; the last one finalises the module. Idempotent. */
  release(): void;
}

/** A slot and its token as C_GetSlotInfo / C_GetTokenInfo describe them (strings trimmed). */
export interface Pkcs11TokenInfo {
  /** The slot id as a number (CK_SLOT_ID); SoftHSM's change when a token is re-created. */
  readonly slotId: number;
  readonly slotDescription: string;
  readonly label: string;
  readonly manufacturer: string;
  readonly model: string;
  readonly serial: string;
  readonly flags: {
    readonly tokenPresent: boolean;
    readonly removable: boolean;
    readonly initialized: boolean;
    readonly loginRequired: boolean;
    readonly userPinInitialized: boolean;
    readonly userPinCountLow: boolean;
    readonly userPinFinalTry: boolean;
    readonly userPinLocked: boolean;
    readonly protectedAuthenticationPath: boolean;
    readonly writeProtected: boolean;
  };
}

interface Entry {
  readonly path: string;
  readonly pkcs11: Pkcs11;
  leases: number;
  initialized: boolean;
  /** C_Initialize said CKR_CRYPTOKI_ALREADY_INITIALIZED: someone else in the process owns it, so we never finalise. */
  borrowed: boolean;
  generation: number;
}

const MODULES = new Map<string, Entry>();
let LIB: Pkcs11Library | null = null;

/** pkcs11js is native: loaded on first use, so a Custos without tokens never maps it. */
export function pkcs11js(): Pkcs11Library {
  LIB ??= createRequire(import.meta.url)('pkcs11js') as Pkcs11Library;
  return LIB;
}

/**
 * Load (once) and initialise (for the first lease) the module at `modulePath`.
 * @throws DEVICE_UNAVAILABLE when no file is at the path; INVALID_INPUT when the file is not a
 * loadable PKCS#11 library (no C_GetFunctionList); a translated CKR error when C_Initialize fails.
 */
export function acquireModule(modulePath: string): Pkcs11Module {
  if (typeof modulePath !== 'string' || modulePath.trim() === '') throw new CustodyError('INVALID_INPUT', 'a PKCS#11 module path is required');
  const path = resolve(modulePath);
  let entry = MODULES.get(path);
  if (entry === undefined) {
    if (!existsSync(path)) throw new CustodyError('DEVICE_UNAVAILABLE', `no PKCS#11 module at ${path}: install the module or fix the path`);
    if (!statSync(path).isFile()) throw new CustodyError('INVALID_INPUT', `${path} is not a file, so it cannot be a PKCS#11 module`);
    const lib = pkcs11js();
    const pkcs11 = new lib.PKCS11();
    try {
      pkcs11.load(path);
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
      throw new CustodyError('INVALID_INPUT', `${path} is not a PKCS#11 module (${reason})`, { cause });
    }
    entry = { path, pkcs11, leases: 0, initialized: false, borrowed: false, generation: 0 };
    MODULES.set(path, entry);
  }
  if (!entry.initialized) initialize(entry);
  entry.leases++;
  const e = entry;
  let released = false;
  return {
    path,
    pkcs11: e.pkcs11,
    lib: pkcs11js(),
    generation: () => e.generation,
    release: () => {
      if (released) return;
      released = true;
      e.leases--;
      if (e.leases === 0) finalize(e);
    },
  };
}

function initialize(entry: Entry): void {
  try {
    entry.pkcs11.C_Initialize({ flags: CKF_OS_LOCKING_OK });
    entry.borrowed = false;
  } catch (cause) {
    if (!/CKR_CRYPTOKI_ALREADY_INITIALIZED/.test(String((cause as Error)?.message))) throw translatePkcs11Error(cause, `C_Initialize of ${entry.path}`);
    entry.borrowed = true;
  }
  entry.initialized = true;
  entry.generation++;
}

function finalize(entry: Entry): void {
  if (!entry.initialized) return;
  entry.initialized = false;
  if (entry.borrowed) return;
  try {
    entry.pkcs11.C_Finalize();
  } catch {
    // Finalising a module whose device is gone can fail; there is nothing left to release.
  }
}

/**
 * Initialise the module again so it sees tokens that appeared or went since (SoftHSM2 reads its
 * token directory only in C_Initialize). Every session on the module is gone afterwards; the
 * backends on it reopen theirs on their next call. No-op for a module nobody has loaded.
 */
export async function rescanModule(modulePath: string): Promise<void> {
  const entry = MODULES.get(resolve(modulePath));
  if (entry === undefined || entry.leases === 0) return;
  finalize(entry);
  initialize(entry);
}

/** CK_SLOT_ID from pkcs11js's handle buffer (a native-endian CK_ULONG). */
export function slotIdOf(slot: SlotHandle): number {
  return Number(slot.length === 8 ? slot.readBigUInt64LE(0) : slot.readUInt32LE(0));
}

const trim = (s: string): string => s.replace(/\0+$/, '').trim();

/** Describe one slot and its token (the token fields are empty when no token is present). */
export function describeSlot(module: Pkcs11Module, slot: SlotHandle): Pkcs11TokenInfo {
  const p = module.pkcs11;
  const slotInfo = p.C_GetSlotInfo(slot);
  const present = (slotInfo.flags & CKF_TOKEN_PRESENT) !== 0;
  const token = present ? p.C_GetTokenInfo(slot) : null;
  const f = token?.flags ?? 0;
  return {
    slotId: slotIdOf(slot),
    slotDescription: trim(slotInfo.slotDescription),
    label: token === null ? '' : trim(token.label),
    manufacturer: token === null ? '' : trim(token.manufacturerID),
    model: token === null ? '' : trim(token.model),
    serial: token === null ? '' : trim(token.serialNumber),
    flags: {
      tokenPresent: present,
      removable: (slotInfo.flags & CKF_REMOVABLE_DEVICE) !== 0,
      initialized: (f & CKF_TOKEN_INITIALIZED) !== 0,
      loginRequired: (f & CKF_LOGIN_REQUIRED) !== 0,
      userPinInitialized: (f & CKF_USER_PIN_INITIALIZED) !== 0,
      userPinCountLow: (f & CKF_USER_PIN_COUNT_LOW) !== 0,
      userPinFinalTry: (f & CKF_USER_PIN_FINAL_TRY) !== 0,
      userPinLocked: (f & CKF_USER_PIN_LOCKED) !== 0,
      protectedAuthenticationPath: (f & CKF_PROTECTED_AUTHENTICATION_PATH) !== 0,
      writeProtected: (f & CKF_WRITE_PROTECTED) !== 0,
    },
  };
}

/** The slot holding an initialised token with this label, or null. Labels are compared trimmed (CK_TOKEN_INFO pads with blanks). */
export function findSlotByLabel(module: Pkcs11Module, label: string): SlotHandle | null {
  for (const slot of module.pkcs11.C_GetSlotList(true)) {
    const token = module.pkcs11.C_GetTokenInfo(slot);
    if ((token.flags & CKF_TOKEN_INITIALIZED) !== 0 && trim(token.label) === label) return slot;
  }
  return null;
}

/**
 * Every slot that has a token, with its token (SoftHSM2 also lists its one uninitialised token:
 * `flags.initialized` false).
 * @throws as acquireModule; a translated CKR error from the module.
 */
export async function listTokens(modulePath: string): Promise<Pkcs11TokenInfo[]> {
  const module = acquireModule(modulePath);
  try {
    return module.pkcs11.C_GetSlotList(true).map((slot) => describeSlot(module, slot));
  } catch (cause) {
    throw translatePkcs11Error(cause, `listing the tokens of ${module.path}`);
  } finally {
    module.release();
  }
}
