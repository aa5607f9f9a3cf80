/**
 * @module core/backends/pkcs11/token
 * One PKCS#11 token as a `TokenBackend`: the keys stay on the token (generated sensitive and
 * non-extractable, or adopted as they are) and every private-key operation is a C_Sign,
 * C_Encrypt or C_Decrypt on it. What runs here in software is public work only: hashing the
 * message before CKM_ECDSA (SoftHSM2 and many tokens lack CKM_ECDSA_SHA256, and the digest is what
 * gets signed either way), r‖s to DER, low-S and the recovery id for secp256k1 (a token does not
 * know Ethereum or Bitcoin), and public keys as SPKI.
 *
 * Sessions. One serial read/write session per backend (pkcs11js calls are synchronous, so no two
 * operations of this process interleave on it). The token is found by its label, never by slot id:
 * a slot id changes when a token is re-created or moves to another reader. When the token reports
 * that the session or device is gone (CKR_SESSION_HANDLE_INVALID, CKR_DEVICE_REMOVED,
 * CKR_TOKEN_NOT_PRESENT, CKR_SESSION_CLOSED, …) or the module was initialised again, the call fails
 * with DEVICE_UNAVAILABLE, the session is forgotten, and the next call opens a new one on whatever
 * slot then holds a token with the same label — logged out, so the state is 'login-required' until
 * a person enters the PIN again. Keys are referenced by CKA_ID, so they survive all of this.
 *
 * PINs. `login` takes the PIN as bytes and zeroes them when it returns. pkcs11js only accepts the
 * PIN as a JavaScript string, which cannot be wiped: that copy lives until the garbage collector
 * reuses its memory (SECURITY.md lists it with the other things JavaScript cannot zeroize). The
 * backend never stores the PIN: reopening after removal asks for it again.
 *
 * Trusts the token to keep its keys and to compute correct signatures; the secp256k1 signer checks
 * each signature by recovering the token's own public key from it.
 */
import { SignThread } from './sign-thread.js';
import { createHash, createPublicKey, randomBytes } from 'node:crypto';
import { invert } from '@noble/curves/abstract/modular.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { DEFAULT_SIGNATURE_HASH, type KeyAlgorithm, type SignatureHash } from '../../../../shared/algorithms.js';
import { CustodyError } from '../../../../shared/errors.js';
import type { Secp256k1Signer } from '../../chains/signer.js';
import { addressFromPublicKey } from '../../chains/ethereum/address.js';
import type { BackendCapabilities, BackendSignRequest, BackendStatus, DeviceKey, TokenBackend } from '../types.js';
import { ckrName, isSessionLost, translatePkcs11Error } from './ckr.js';
import * as C from './constants.js';
import { DIGEST_INFO_PREFIX, EC_FIELD_BYTES, EC_PARAMS, ED25519_PARAMS, ecAlgorithmOf, ecdsaRawToDer, ecSpki, ed25519Spki, unwrapEcPoint, type EcAlgorithm } from './der.js';
import { acquireModule, describeSlot, findSlotByLabel, slotIdOf, type Pkcs11Module, type SlotHandle } from './module.js';

type Handle = Buffer;
type Attribute = { type: number; value?: number | boolean | string | Buffer };
type Mechanism = { mechanism: number; parameter?: Buffer | number | { type: number; [k: string]: unknown } };

/** What the backend knows about a key it has found on the token. */
interface KeyRecord {
  readonly key: DeviceKey;
  /** The private or secret key object. */
  readonly object: Handle;
  /** SEC1 uncompressed point (EC) or the 32-byte key (Ed25519); null otherwise or when the token has no public key object. */
  readonly point: Uint8Array | null;
  /** RSA modulus length in bytes (the signature length). */
  readonly modulusBytes: number;
}

const ECDSA_ALGORITHMS: readonly EcAlgorithm[] = ['ecdsa-p256', 'ecdsa-p384', 'ecdsa-p521', 'ecdsa-secp256k1'];
const RSA_BITS = { 'rsa-2048': 2048, 'rsa-3072': 3072, 'rsa-4096': 4096 } as const;
const AES_BYTES = { 'aes-128-gcm': 16, 'aes-192-gcm': 24, 'aes-256-gcm': 32 } as const;
type RsaAlgorithm = keyof typeof RSA_BITS;
type AesAlgorithm = keyof typeof AES_BYTES;
const HASH_BYTES: Readonly<Record<SignatureHash, number>> = { sha256: 32, sha384: 48, sha512: 64 };
const HASH_MECHANISM: Readonly<Record<SignatureHash, number>> = { sha256: C.CKM_SHA256, sha384: C.CKM_SHA384, sha512: C.CKM_SHA512 };
const MGF1: Readonly<Record<SignatureHash, number>> = { sha256: C.CKG_MGF1_SHA256, sha384: C.CKG_MGF1_SHA384, sha512: C.CKG_MGF1_SHA512 };
const RSA_PKCS_WITH: Readonly<Record<SignatureHash, number>> = { sha256: C.CKM_SHA256_RSA_PKCS, sha384: C.CKM_SHA384_RSA_PKCS, sha512: C.CKM_SHA512_RSA_PKCS };
const RSA_PSS_WITH: Readonly<Record<SignatureHash, number>> = { sha256: C.CKM_SHA256_RSA_PKCS_PSS, sha384: C.CKM_SHA384_RSA_PKCS_PSS, sha512: C.CKM_SHA512_RSA_PKCS_PSS };
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const GCM_IV_BYTES = 12;
const GCM_TAG_BYTES = 16;
const ID_HEX = /^(?:[0-9a-fA-F]{2}){1,64}$/;

const isRsa = (alg: KeyAlgorithm): alg is RsaAlgorithm => alg in RSA_BITS;
const isAes = (alg: KeyAlgorithm): alg is AesAlgorithm => alg in AES_BYTES;
const isEc = (alg: KeyAlgorithm): alg is EcAlgorithm => (ECDSA_ALGORITHMS as readonly string[]).includes(alg);
const buf = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
const invalid = (message: string): CustodyError => new CustodyError('INVALID_INPUT', message);

function readUlong(value: Buffer): number {
  return Number(value.length === 8 ? value.readBigUInt64LE(0) : value.length === 4 ? value.readUInt32LE(0) : value.readUIntLE(0, Math.min(value.length, 6)));
}

function bytesToBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt('0x' + Buffer.from(bytes).toString('hex'));
}

function bigIntTo32(value: bigint): Uint8Array {
  return Buffer.from(value.toString(16).padStart(64, '0'), 'hex');
}

export interface OpenTokenOptions {
  /** Path of the PKCS#11 module (e.g. /usr/lib/softhsm/libsofthsm2.so). */
  readonly modulePath: string;
  /** CKA_LABEL of the token (CK_TOKEN_INFO.label, compared without its blank padding). */
  readonly label: string;
}

/**
 * The backend for the token labelled `label` on the module at `modulePath`. The module is loaded
 * and initialised now; the token need not be present (the backend is then 'unavailable' and opens
 * a session once a token with that label appears).
 * @throws DEVICE_UNAVAILABLE / INVALID_INPUT when the module cannot be loaded (see acquireModule).
 */
export async function openToken(options: OpenTokenOptions): Promise<Pkcs11Backend> {
  if (typeof options?.label !== 'string' || options.label.trim() === '' || options.label.length > 32) {
    throw invalid('a PKCS#11 token label is 1 to 32 characters (CK_TOKEN_INFO.label)');
  }
  const backend = new Pkcs11Backend(acquireModule(options.modulePath), options.label.trim());
  backend.status(); // opens the session when the token is there
  return backend;
}

export class Pkcs11Backend implements TokenBackend {
  readonly id: string;
  readonly kind = 'pkcs11' as const;
  readonly label: string;

  private readonly module: Pkcs11Module;
  private session: Handle | null = null;
  private sessionGeneration = -1;
  private slot: SlotHandle | null = null;
  /** Signs ECDSA and EdDSA requests of the async sign() off the main thread (sign-thread.ts). */
  private thread: SignThread | null = null;
  private loggedIn = false;
  private loginRequired = true;
  private protectedPath = false;
  private mechanisms = new Set<number>();
  private readonly keys = new Map<string, KeyRecord>();
  private unavailableReason = 'no session opened yet';
  private closed = false;

  constructor(module: Pkcs11Module, label: string) {
    this.module = module;
    this.label = label;
    this.id = `pkcs11:${label}`;
  }

  get modulePath(): string {
    return this.module.path;
  }

  // ---------------------------------------------------------------------------------------------
  // Session life cycle
  // ---------------------------------------------------------------------------------------------

  private unavailable(reason: string, cause?: unknown): CustodyError {
    this.unavailableReason = reason;
    return new CustodyError('DEVICE_UNAVAILABLE', `PKCS#11 token '${this.label}': ${reason}`, cause === undefined ? {} : { cause });
  }

  /** Forget the session (the token or module dropped it). Never closes it: after a re-initialisation the same handle number may belong to another backend. */
  private forgetSession(reason: string): void {
    this.session = null;
    this.slot = null;
    this.loggedIn = false;
    this.keys.clear();
    this.unavailableReason = reason;
  }

  /** The open session, opening one on the slot that now holds our token if needed. */
  private ensureSession(): Handle {
    if (this.closed) throw this.unavailable('the backend is closed');
    if (this.session !== null && this.sessionGeneration !== this.module.generation()) this.forgetSession('the module was initialised again');
    if (this.session !== null) return this.session;
    const p = this.module.pkcs11;
    let slot: SlotHandle | null;
    try {
      slot = findSlotByLabel(this.module, this.label);
    } catch (cause) {
      throw this.unavailable(`the module cannot list its slots (${ckrName(cause) ?? 'error'})`, cause);
    }
    if (slot === null) throw this.unavailable('not present (removed, or no token with this label)');
    try {
      const session = p.C_OpenSession(slot, C.CKF_RW_SESSION | C.CKF_SERIAL_SESSION);
      const token = p.C_GetTokenInfo(slot);
      this.mechanisms = new Set(p.C_GetMechanismList(slot));
      this.loginRequired = (token.flags & C.CKF_LOGIN_REQUIRED) !== 0;
      this.protectedPath = (token.flags & C.CKF_PROTECTED_AUTHENTICATION_PATH) !== 0;
      const state = p.C_GetSessionInfo(session).state;
      // Another session of this process may already be logged in: login state is per application (v2.40 §5.6).
      this.loggedIn = state === C.CKS_RW_USER_FUNCTIONS || state === C.CKS_RO_USER_FUNCTIONS;
      this.session = session;
      this.slot = slot;
      this.sessionGeneration = this.module.generation();
      this.keys.clear();
      return session;
    } catch (cause) {
      if (isSessionLost(cause)) throw this.unavailable(`went away while opening a session (${ckrName(cause)})`, cause);
      throw translatePkcs11Error(cause, `opening a session on token '${this.label}'`);
    }
  }

  /**
   * Run `fn` on the session, translating what the token says. Session or device loss forgets the
   * session and becomes DEVICE_UNAVAILABLE for this call.
   */
  private run<T>(what: string, fn: (session: Handle) => T): T {
    const session = this.ensureSession();
    try {
      return fn(session);
    } catch (cause) {
      if (isSessionLost(cause)) {
        this.forgetSession(`removed or its session closed (${ckrName(cause)})`);
        throw this.unavailable(`removed or its session closed during ${what} (${ckrName(cause)})`, cause);
      }
      if (ckrName(cause) === 'CKR_USER_NOT_LOGGED_IN') this.loggedIn = false;
      throw translatePkcs11Error(cause, what);
    }
  }

  private requireLogin(): void {
    this.ensureSession();
    if (this.loginRequired && !this.loggedIn) {
      throw new CustodyError('UNAUTHENTICATED', `PKCS#11 token '${this.label}' needs its user PIN: log in first`, { details: { loginRequired: true } });
    }
  }

  status(): BackendStatus {
    if (this.closed) return { state: 'unavailable', detail: 'closed' };
    let session: Handle;
    try {
      session = this.ensureSession();
    } catch {
      return { state: 'unavailable', detail: `token '${this.label}': ${this.unavailableReason}` };
    }
    const p = this.module.pkcs11;
    try {
      const state = p.C_GetSessionInfo(session).state;
      this.loggedIn = state === C.CKS_RW_USER_FUNCTIONS || state === C.CKS_RO_USER_FUNCTIONS;
      const info = describeSlot(this.module, this.slot!);
      const where = `${info.manufacturer} ${info.model}, slot 0x${info.slotId.toString(16)}, token '${this.label}'`;
      if (!this.loggedIn && info.flags.userPinLocked) return { state: 'locked', detail: `${where}: user PIN locked (the security officer must reset it)` };
      if (this.loginRequired && !this.loggedIn) return { state: 'login-required', detail: where };
      return { state: 'ready', detail: where };
    } catch (cause) {
      if (isSessionLost(cause)) {
        // Gone since the last call: forget it and look once for the token again.
        this.forgetSession(`removed or its session closed (${ckrName(cause)})`);
        return this.status();
      }
      return { state: 'unavailable', detail: `token '${this.label}': ${ckrName(cause) ?? 'error'}` };
    }
  }

  capabilities(): BackendCapabilities {
    try {
      this.ensureSession();
    } catch {
      // Unavailable: report what was known when it was last present (nothing if never).
    }
    const has = (...mechanisms: number[]): boolean => mechanisms.every((m) => this.mechanisms.has(m));
    const generate: KeyAlgorithm[] = [];
    if (has(C.CKM_EC_EDWARDS_KEY_PAIR_GEN, C.CKM_EDDSA)) generate.push('ed25519');
    if (has(C.CKM_EC_KEY_PAIR_GEN, C.CKM_ECDSA)) generate.push(...ECDSA_ALGORITHMS);
    if (has(C.CKM_RSA_PKCS_KEY_PAIR_GEN, C.CKM_RSA_PKCS)) generate.push('rsa-2048', 'rsa-3072', 'rsa-4096');
    if (has(C.CKM_AES_KEY_GEN, C.CKM_AES_GCM)) generate.push('aes-128-gcm', 'aes-192-gcm', 'aes-256-gcm');
    return { generate, sign: true, encrypt: has(C.CKM_AES_GCM), login: this.loginRequired };
  }

  /**
   * Log in as the user (CKU_USER). `pin` is zeroed when this returns, whatever the outcome. An empty
   * PIN on a token with a protected authentication path (a PIN pad) lets the reader ask for it.
   * @throws PIN_INCORRECT, PIN_LOCKED, DEVICE_UNAVAILABLE.
   */
  async login(pin: Uint8Array): Promise<void> {
    if (!(pin instanceof Uint8Array)) throw invalid('the PIN must be bytes');
    try {
      let text: string | undefined;
      if (pin.length > 0) {
        try {
          text = new TextDecoder('utf-8', { fatal: true }).decode(pin);
        } catch {
          throw invalid('the PIN is not valid UTF-8');
        }
      } else if (!this.protectedPath) throw invalid('the PIN is empty');
      this.run(`login to token '${this.label}'`, (session) => {
        try {
          if (text === undefined) this.module.pkcs11.C_Login(session, C.CKU_USER);
          else this.module.pkcs11.C_Login(session, C.CKU_USER, text);
        } catch (cause) {
          if (ckrName(cause) !== 'CKR_USER_ALREADY_LOGGED_IN') throw cause;
        }
      });
    } finally {
      pin.fill(0);
    }
    this.loggedIn = true;
  }

  async logout(): Promise<void> {
    this.run(`logout from token '${this.label}'`, (session) => {
      try {
        this.module.pkcs11.C_Logout(session);
      } catch (cause) {
        if (ckrName(cause) !== 'CKR_USER_NOT_LOGGED_IN') throw cause;
      }
    });
    this.loggedIn = false;
    this.keys.clear();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.thread?.close();
    this.thread = null;
    if (this.session !== null && this.sessionGeneration === this.module.generation()) {
      try {
        this.module.pkcs11.C_CloseSession(this.session);
      } catch {
        // Already gone with the token.
      }
    }
    this.forgetSession('closed');
    this.closed = true;
    this.module.release();
  }

  // ---------------------------------------------------------------------------------------------
  // Keys
  // ---------------------------------------------------------------------------------------------

  private findObjects(session: Handle, template: Attribute[]): Handle[] {
    const p = this.module.pkcs11;
    p.C_FindObjectsInit(session, template);
    try {
      const out: Handle[] = [];
      for (;;) {
        const batch = p.C_FindObjects(session, 64);
        out.push(...batch);
        if (batch.length < 64) return out;
      }
    } finally {
      p.C_FindObjectsFinal(session);
    }
  }

  /** One attribute, or null when the object does not have it (CKR_ATTRIBUTE_TYPE_INVALID) or will not show it. */
  private attribute(session: Handle, object: Handle, type: number): Buffer | null {
    try {
      const [a] = this.module.pkcs11.C_GetAttributeValue(session, object, [{ type }]);
      return a?.value ?? null;
    } catch (cause) {
      const name = ckrName(cause);
      if (name === 'CKR_ATTRIBUTE_TYPE_INVALID' || name === 'CKR_ATTRIBUTE_SENSITIVE') return null;
      throw cause;
    }
  }

  /** The DeviceKey and object of a private or secret key, or null for a key Custos has no algorithm for (or without CKA_ID). */
  private describe(session: Handle, object: Handle, cls: number): KeyRecord | null {
    const id = this.attribute(session, object, C.CKA_ID);
    if (id === null || id.length === 0) return null;
    const handle = id.toString('hex');
    const label = (this.attribute(session, object, C.CKA_LABEL) ?? Buffer.alloc(0)).toString('utf8');
    const keyTypeValue = this.attribute(session, object, C.CKA_KEY_TYPE);
    if (keyTypeValue === null) return null;
    const keyType = readUlong(keyTypeValue);
    const make = (algorithm: KeyAlgorithm, publicKey: Uint8Array | null, point: Uint8Array | null, modulusBytes = 0, address: string | null = null): KeyRecord => ({
      key: { handle, label, algorithm, publicKey, address },
      object,
      point,
      modulusBytes,
    });

    if (cls === C.CKO_SECRET_KEY) {
      if (keyType !== C.CKK_AES) return null;
      const len = this.attribute(session, object, C.CKA_VALUE_LEN);
      const alg = (Object.entries(AES_BYTES).find(([, n]) => len !== null && n === readUlong(len))?.[0] ?? null) as AesAlgorithm | null;
      return alg === null ? null : make(alg, null, null);
    }
    if (keyType === C.CKK_RSA) {
      const modulus = this.attribute(session, object, C.CKA_MODULUS);
      const exponent = this.attribute(session, object, C.CKA_PUBLIC_EXPONENT);
      if (modulus === null || exponent === null) return null;
      const n = modulus.subarray(modulus.findIndex((b) => b !== 0));
      const alg = (Object.entries(RSA_BITS).find(([, bits]) => bits === n.length * 8)?.[0] ?? null) as RsaAlgorithm | null;
      if (alg === null) return null;
      const spki = createPublicKey({ key: { kty: 'RSA', n: n.toString('base64url'), e: exponent.toString('base64url') }, format: 'jwk' }).export({ type: 'spki', format: 'der' });
      return make(alg, new Uint8Array(spki), null, n.length);
    }
    if (keyType === C.CKK_EC || keyType === C.CKK_EC_EDWARDS) {
      const params = this.attribute(session, object, C.CKA_EC_PARAMS);
      const alg = params === null ? null : ecAlgorithmOf(params);
      if (alg === null) return null;
      if (alg === 'ed25519' && keyType !== C.CKK_EC_EDWARDS) return null;
      // The public point lives on the paired public key object (same CKA_ID); a private EC key need not carry it.
      const [pub] = this.findObjects(session, [
        { type: C.CKA_CLASS, value: C.CKO_PUBLIC_KEY },
        { type: C.CKA_ID, value: id },
        { type: C.CKA_KEY_TYPE, value: keyType },
      ]);
      const ecPoint = pub === undefined ? null : this.attribute(session, pub, C.CKA_EC_POINT);
      if (alg === 'ed25519') {
        const raw = ecPoint === null ? null : unwrapEcPoint(ecPoint, 32);
        return make('ed25519', raw === null ? null : ed25519Spki(raw), raw);
      }
      const point = ecPoint === null ? null : unwrapEcPoint(ecPoint, 2 * EC_FIELD_BYTES[alg] + 1);
      const address = alg === 'ecdsa-secp256k1' && point !== null ? addressFromPublicKey(point) : null;
      return make(alg, point === null ? null : ecSpki(alg, point), point, 0, address);
    }
    return null;
  }

  private keyObjects(session: Handle, match: Attribute[]): { object: Handle; cls: number }[] {
    const out: { object: Handle; cls: number }[] = [];
    for (const cls of [C.CKO_PRIVATE_KEY, C.CKO_SECRET_KEY]) {
      for (const object of this.findObjects(session, [{ type: C.CKA_CLASS, value: cls }, { type: C.CKA_TOKEN, value: true }, ...match])) out.push({ object, cls });
    }
    return out;
  }

  async listKeys(): Promise<DeviceKey[]> {
    this.requireLogin();
    return this.run(`listing the keys of token '${this.label}'`, (session) => {
      const out: DeviceKey[] = [];
      for (const { object, cls } of this.keyObjects(session, [])) {
        const record = this.describe(session, object, cls);
        if (record === null) continue;
        this.keys.set(record.key.handle, record);
        out.push(record.key);
      }
      return out;
    });
  }

  /** The one key matching the template, described. */
  private findOne(match: Attribute[], what: string): KeyRecord {
    this.requireLogin();
    return this.run(`finding ${what} on token '${this.label}'`, (session) => {
      const found = this.keyObjects(session, match);
      if (found.length === 0) throw new CustodyError('NOT_FOUND', `no private or secret key with ${what} on token '${this.label}'`);
      if (found.length > 1) throw new CustodyError('CONFLICT', `${found.length} keys with ${what} on token '${this.label}': refer to one by its id`);
      const record = this.describe(session, found[0]!.object, found[0]!.cls);
      if (record === null) throw new CustodyError('UNSUPPORTED', `the key with ${what} on token '${this.label}' has no CKA_ID or an algorithm Custos does not use`);
      this.keys.set(record.key.handle, record);
      return record;
    });
  }

  /** The key with CKA_ID `handle` (hex), from the cache or the token. */
  private resolve(handle: string): KeyRecord {
    if (typeof handle !== 'string' || !ID_HEX.test(handle)) throw invalid('a PKCS#11 key handle is its CKA_ID in hex (1 to 64 bytes)');
    this.ensureSession(); // a reopened session clears the cache
    const cached = this.keys.get(handle.toLowerCase());
    if (cached !== undefined) return cached;
    return this.findOne([{ type: C.CKA_ID, value: Buffer.from(handle, 'hex') }], `id ${handle.toLowerCase()}`);
  }

  async find(by: { label?: string; id?: string }): Promise<DeviceKey> {
    const match: Attribute[] = [];
    const parts: string[] = [];
    if (by?.id !== undefined) {
      if (typeof by.id !== 'string' || !ID_HEX.test(by.id)) throw invalid('id must be hex (1 to 64 bytes)');
      match.push({ type: C.CKA_ID, value: Buffer.from(by.id, 'hex') });
      parts.push(`id ${by.id.toLowerCase()}`);
    }
    if (by?.label !== undefined) {
      if (typeof by.label !== 'string' || by.label === '') throw invalid('label must be a non-empty string');
      match.push({ type: C.CKA_LABEL, value: by.label });
      parts.push(`label '${by.label}'`);
    }
    if (match.length === 0) throw invalid('find a key by label or id');
    return this.findOne(match, parts.join(' and ')).key;
  }

  async generate(request: { algorithm: KeyAlgorithm; label: string; id?: string }): Promise<DeviceKey> {
    const { algorithm, label } = request ?? ({} as typeof request);
    if (typeof label !== 'string' || label === '' || Buffer.byteLength(label) > 255) throw invalid('a key label is 1 to 255 bytes of text');
    if (request.id !== undefined && (typeof request.id !== 'string' || !ID_HEX.test(request.id))) throw invalid('id must be hex (1 to 64 bytes)');
    if (!this.capabilities().generate.includes(algorithm)) {
      throw new CustodyError('MECHANISM_UNSUPPORTED', `token '${this.label}' cannot generate ${String(algorithm)} keys`);
    }
    this.requireLogin();
    const id = request.id === undefined ? randomBytes(16) : Buffer.from(request.id, 'hex');
    const idHex = id.toString('hex');
    return this.run(`generating a ${algorithm} key on token '${this.label}'`, (session) => {
      if (this.keyObjects(session, [{ type: C.CKA_ID, value: id }]).length > 0) throw new CustodyError('ALREADY_EXISTS', `a key with id ${idHex} is already on token '${this.label}'`);
      if (this.keyObjects(session, [{ type: C.CKA_LABEL, value: label }]).length > 0) throw new CustodyError('ALREADY_EXISTS', `a key labelled '${label}' is already on token '${this.label}'`);
      const p = this.module.pkcs11;
      const common: Attribute[] = [
        { type: C.CKA_TOKEN, value: true },
        { type: C.CKA_ID, value: id },
        { type: C.CKA_LABEL, value: label },
      ];
      // Private and secret keys: on the token, private, sensitive, never extractable (v2.40 §4.9 table 25).
      const secret: Attribute[] = [...common, { type: C.CKA_PRIVATE, value: true }, { type: C.CKA_SENSITIVE, value: true }, { type: C.CKA_EXTRACTABLE, value: false }];
      let object: Handle;
      let cls = C.CKO_PRIVATE_KEY;
      if (isAes(algorithm)) {
        cls = C.CKO_SECRET_KEY;
        object = p.C_GenerateKey(session, { mechanism: C.CKM_AES_KEY_GEN }, [
          ...secret,
          { type: C.CKA_CLASS, value: C.CKO_SECRET_KEY },
          { type: C.CKA_KEY_TYPE, value: C.CKK_AES },
          { type: C.CKA_VALUE_LEN, value: AES_BYTES[algorithm] },
          { type: C.CKA_ENCRYPT, value: true },
          { type: C.CKA_DECRYPT, value: true },
          { type: C.CKA_WRAP, value: false },
          { type: C.CKA_UNWRAP, value: false },
        ]);
      } else {
        let mechanism: number;
        let publicAttrs: Attribute[];
        let keyType: number;
        if (isRsa(algorithm)) {
          mechanism = C.CKM_RSA_PKCS_KEY_PAIR_GEN;
          keyType = C.CKK_RSA;
          publicAttrs = [{ type: C.CKA_MODULUS_BITS, value: RSA_BITS[algorithm] }, { type: C.CKA_PUBLIC_EXPONENT, value: Buffer.from([1, 0, 1]) }];
        } else if (algorithm === 'ed25519') {
          mechanism = C.CKM_EC_EDWARDS_KEY_PAIR_GEN;
          keyType = C.CKK_EC_EDWARDS;
          publicAttrs = [{ type: C.CKA_EC_PARAMS, value: Buffer.from(ED25519_PARAMS) }];
        } else if (isEc(algorithm)) {
          mechanism = C.CKM_EC_KEY_PAIR_GEN;
          keyType = C.CKK_EC;
          publicAttrs = [{ type: C.CKA_EC_PARAMS, value: Buffer.from(EC_PARAMS[algorithm]) }];
        } else {
          throw new CustodyError('MECHANISM_UNSUPPORTED', `Custos does not generate ${String(algorithm)} keys on tokens`);
        }
        const pair = p.C_GenerateKeyPair(
          session,
          { mechanism },
          [...common, ...publicAttrs, { type: C.CKA_CLASS, value: C.CKO_PUBLIC_KEY }, { type: C.CKA_KEY_TYPE, value: keyType }, { type: C.CKA_PRIVATE, value: false }, { type: C.CKA_VERIFY, value: true }],
          [...secret, { type: C.CKA_CLASS, value: C.CKO_PRIVATE_KEY }, { type: C.CKA_KEY_TYPE, value: keyType }, { type: C.CKA_SIGN, value: true }, { type: C.CKA_DECRYPT, value: false }, { type: C.CKA_DERIVE, value: false }],
        );
        object = pair.privateKey;
      }
      const record = this.describe(session, object, cls);
      if (record === null) throw new CustodyError('INTERNAL', `the ${algorithm} key generated on token '${this.label}' does not read back`);
      this.keys.set(idHex, record);
      return record.key;
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Operations
  // ---------------------------------------------------------------------------------------------

  /**
   * C_SignInit + C_Sign with the key; when the token says the object handle is stale (the key was
   * re-created, another application touched it), the key is looked up by its CKA_ID once more.
   */
  private tokenSign(record: KeyRecord, mechanism: Mechanism, input: Uint8Array, outLength: number): Buffer {
    const attempt = (r: KeyRecord): Buffer =>
      this.run(`signing with key ${r.key.handle}`, (session) => {
        this.module.pkcs11.C_SignInit(session, mechanism, r.object);
        return this.module.pkcs11.C_Sign(session, buf(input), Buffer.alloc(outLength));
      });
    try {
      return attempt(record);
    } catch (cause) {
      if (!(cause instanceof CustodyError) || cause.code !== 'NOT_FOUND') throw cause;
      this.keys.delete(record.key.handle);
      return attempt(this.resolve(record.key.handle));
    }
  }

  private digestOf(request: BackendSignRequest, hash: SignatureHash): Uint8Array {
    if (!HASH_BYTES[hash]) throw invalid(`hash must be one of sha256, sha384, sha512`);
    if (request.prehashed) {
      if (request.data.length !== HASH_BYTES[hash]) throw invalid(`a prehashed ${hash} digest is ${HASH_BYTES[hash]} bytes, got ${request.data.length}`);
      return request.data;
    }
    return createHash(hash).update(request.data).digest();
  }

  /** CKM_ECDSA on a digest: r‖s as the token returns it (v2.40 §2.3.1), with s made low for secp256k1 (BIP-62 / EIP-2). */
  private ecdsaRaw(record: KeyRecord, digest: Uint8Array): Buffer {
    const alg = record.key.algorithm as EcAlgorithm;
    return this.lowS(record, this.tokenSign(record, { mechanism: C.CKM_ECDSA }, digest, 2 * EC_FIELD_BYTES[alg]));
  }

  /**
   * tokenSign on the signing thread: same session semantics (the token's login is the process's),
   * same error translation, and a key whose handle went stale is looked up again once.
   */
  private async threadSign(record: KeyRecord, mechanism: number, input: Uint8Array, outLength: number): Promise<Buffer> {
    const attempt = async (r: KeyRecord): Promise<Buffer> => {
      this.ensureSession();
      const slot = this.slot as SlotHandle;
      this.thread ??= new SignThread(this.module.path);
      try {
        return await this.thread.sign(this.module.generation(), slot, r.object, mechanism, input, outLength);
      } catch (cause) {
        if (isSessionLost(cause)) {
          this.forgetSession(`removed or its session closed (${ckrName(cause)})`);
          throw this.unavailable(`removed or its session closed during signing with key ${r.key.handle} (${ckrName(cause)})`, cause);
        }
        if (ckrName(cause) === 'CKR_USER_NOT_LOGGED_IN') this.loggedIn = false;
        throw translatePkcs11Error(cause, `signing with key ${r.key.handle}`);
      }
    };
    try {
      return await attempt(record);
    } catch (cause) {
      if (!(cause instanceof CustodyError) || cause.code !== 'NOT_FOUND') throw cause;
      this.keys.delete(record.key.handle);
      return attempt(this.resolve(record.key.handle));
    }
  }

  /** Checks the length of a raw ECDSA signature and makes a secp256k1 `s` low (BIP-62 / EIP-2). */
  private lowS(record: KeyRecord, raw: Buffer): Buffer {
    const alg = record.key.algorithm as EcAlgorithm;
    const size = EC_FIELD_BYTES[alg];
    if (raw.length !== 2 * size) throw new CustodyError('INTERNAL', `token '${this.label}' returned a ${raw.length}-byte ECDSA signature, expected ${2 * size}`);
    if (alg === 'ecdsa-secp256k1') {
      const s = bytesToBigInt(raw.subarray(size));
      if (s > SECP256K1_N >> 1n) raw.set(bigIntTo32(SECP256K1_N - s), size);
    }
    return raw;
  }

  async sign(handle: string, request: BackendSignRequest): Promise<Uint8Array> {
    if (!(request?.data instanceof Uint8Array)) throw invalid('data must be bytes');
    const record = this.resolve(handle);
    const alg = record.key.algorithm;
    if (isEc(alg)) {
      const digest = this.digestOf(request, request.hash ?? DEFAULT_SIGNATURE_HASH[alg]);
      const raw = this.lowS(record, await this.threadSign(record, C.CKM_ECDSA, digest, 2 * EC_FIELD_BYTES[alg as EcAlgorithm]));
      const format = request.format ?? 'der';
      if (format !== 'der' && format !== 'raw') throw invalid('format must be der or raw');
      return format === 'raw' ? new Uint8Array(raw) : ecdsaRawToDer(raw);
    }
    if (alg === 'ed25519') {
      if (request.prehashed) throw invalid('Ed25519 signs the whole message (RFC 8032 §5.1): prehashed data is not accepted');
      return new Uint8Array(await this.threadSign(record, C.CKM_EDDSA, request.data, 64));
    }
    if (isRsa(alg)) return new Uint8Array(this.signRsa(record, request));
    throw new CustodyError('WRONG_KEY_TYPE', `key ${record.key.handle} is a ${alg} key: it encrypts, it does not sign`);
  }

  private signRsa(record: KeyRecord, request: BackendSignRequest): Buffer {
    const hash = request.hash ?? 'sha256';
    const scheme = request.scheme ?? 'pkcs1v15';
    if (scheme !== 'pkcs1v15' && scheme !== 'pss') throw invalid('scheme must be pkcs1v15 or pss');
    if (!HASH_BYTES[hash]) throw invalid('hash must be one of sha256, sha384, sha512');
    const saltLength = request.saltLength ?? HASH_BYTES[hash];
    if (!Number.isInteger(saltLength) || saltLength < 0 || saltLength > record.modulusBytes - HASH_BYTES[hash] - 2) throw invalid(`saltLength ${saltLength} does not fit a ${record.modulusBytes * 8}-bit key with ${hash}`);
    const pss = { type: this.module.lib.CK_PARAMS_RSA_PSS, hashAlg: HASH_MECHANISM[hash], mgf: MGF1[hash], saltLen: saltLength };
    const out = record.modulusBytes;
    // The token hashes when it has the combined mechanism; otherwise the digest is computed here (same signature, RFC 8017 §8.2 / §9.2).
    if (!request.prehashed) {
      if (scheme === 'pkcs1v15' && this.mechanisms.has(RSA_PKCS_WITH[hash])) return this.tokenSign(record, { mechanism: RSA_PKCS_WITH[hash] }, request.data, out);
      if (scheme === 'pss' && this.mechanisms.has(RSA_PSS_WITH[hash])) return this.tokenSign(record, { mechanism: RSA_PSS_WITH[hash], parameter: pss }, request.data, out);
    }
    const digest = this.digestOf(request, hash);
    if (scheme === 'pss') return this.tokenSign(record, { mechanism: C.CKM_RSA_PKCS_PSS, parameter: pss }, digest, out);
    return this.tokenSign(record, { mechanism: C.CKM_RSA_PKCS }, Buffer.concat([DIGEST_INFO_PREFIX[hash], digest]), out);
  }

  /**
   * A synchronous secp256k1 digest signer over a token key, for the chain code (Ethereum
   * transactions, Bitcoin PSBTs): the token signs the 32-byte digest with CKM_ECDSA, s is made low,
   * and the recovery id is found by recovering the public key from (r, s) for each parity and
   * comparing with the token's own public key — which also proves the signature before it leaves.
   * @throws UNAUTHENTICATED before login, WRONG_KEY_TYPE for another algorithm, NOT_FOUND.
   */
  secp256k1Signer(handle: string): Secp256k1Signer {
    const record = this.resolve(handle);
    if (record.key.algorithm !== 'ecdsa-secp256k1') throw new CustodyError('WRONG_KEY_TYPE', `key ${record.key.handle} is ${record.key.algorithm}, not secp256k1`);
    if (record.point === null) throw new CustodyError('UNSUPPORTED', `key ${record.key.handle} has no public key object on token '${this.label}', so its signatures cannot be given a recovery id`);
    const point = record.point;
    // The same Q in every signature: a window table makes each check ~4x faster (public data, so the unsafe multiplications are fine).
    const Q = secp256k1.Point.fromBytes(point).precompute(8);
    const G = secp256k1.Point.BASE;
    const publicKey = Q.toBytes(true);
    const keyHandle = record.key.handle;
    return {
      publicKey,
      signDigest: (digest: Uint8Array) => {
        if (!(digest instanceof Uint8Array) || digest.length !== 32) throw invalid('a secp256k1 digest is 32 bytes');
        const raw = this.ecdsaRaw(this.resolve(keyHandle), digest);
        const r = bytesToBigInt(raw.subarray(0, 32));
        const s = bytesToBigInt(raw.subarray(32));
        // R = (z/s)·G + (r/s)·Q (SEC 1 §4.1.4): one double multiplication on public values both
        // checks the token's signature (R.x ≡ r) and gives R's y parity, the recovery id.
        // (R.x ≥ n, recovery 2 or 3, has probability ~2^-128 and fails closed below.)
        const sInv = invert(s, SECP256K1_N);
        const z = bytesToBigInt(digest) % SECP256K1_N;
        const R = G.multiplyUnsafe((z * sInv) % SECP256K1_N).add(Q.multiplyUnsafe((r * sInv) % SECP256K1_N)).toAffine();
        if (R.x === r) return { r, s, recovery: (R.y & 1n) === 1n ? 1 : 0 };
        throw new CustodyError('INTERNAL', `the signature from token '${this.label}' does not recover key ${keyHandle}'s public key`);
      },
    };
  }

  private gcm(iv: Uint8Array, aad: Uint8Array | undefined): Mechanism {
    const parameter: { type: number; [k: string]: unknown } = { type: this.module.lib.CK_PARAMS_GCM, iv: buf(iv), ivBits: iv.length * 8, tagBits: GCM_TAG_BYTES * 8 };
    if (aad !== undefined && aad.length > 0) parameter['aad'] = buf(aad);
    return { mechanism: C.CKM_AES_GCM, parameter };
  }

  private aesKey(handle: string): KeyRecord {
    const record = this.resolve(handle);
    if (!isAes(record.key.algorithm)) throw new CustodyError('WRONG_KEY_TYPE', `key ${record.key.handle} is ${record.key.algorithm}, not an AES-GCM key`);
    if (!this.mechanisms.has(C.CKM_AES_GCM)) throw new CustodyError('MECHANISM_UNSUPPORTED', `token '${this.label}' has no CKM_AES_GCM`);
    return record;
  }

  /** AES-GCM on the token (SP 800-38D): a random 96-bit IV, a 128-bit tag appended to the ciphertext. */
  async encrypt(handle: string, request: { plaintext: Uint8Array; aad?: Uint8Array }): Promise<{ iv: Uint8Array; ciphertext: Uint8Array }> {
    if (!(request?.plaintext instanceof Uint8Array)) throw invalid('plaintext must be bytes');
    if (request.aad !== undefined && !(request.aad instanceof Uint8Array)) throw invalid('aad must be bytes');
    const record = this.aesKey(handle);
    const iv = new Uint8Array(randomBytes(GCM_IV_BYTES));
    const ciphertext = this.run(`encrypting with key ${record.key.handle}`, (session) => {
      this.module.pkcs11.C_EncryptInit(session, this.gcm(iv, request.aad), record.object);
      return this.module.pkcs11.C_Encrypt(session, buf(request.plaintext), Buffer.alloc(request.plaintext.length + GCM_TAG_BYTES));
    });
    return { iv, ciphertext: new Uint8Array(ciphertext) };
  }

  /**
   * @throws DECRYPTION_FAILED when the tag does not verify (wrong key, IV, AAD, or altered data).
   * SoftHSM2 reports a bad tag as CKR_GENERAL_ERROR (OpenSSL's final step failing), other tokens as
   * CKR_ENCRYPTED_DATA_INVALID; in C_Decrypt of GCM both mean the same to the caller.
   */
  async decrypt(handle: string, request: { iv: Uint8Array; ciphertext: Uint8Array; aad?: Uint8Array }): Promise<Uint8Array> {
    if (!(request?.iv instanceof Uint8Array) || request.iv.length !== GCM_IV_BYTES) throw invalid('the IV is 12 bytes');
    if (!(request.ciphertext instanceof Uint8Array) || request.ciphertext.length < GCM_TAG_BYTES) throw invalid('the ciphertext ends with a 16-byte tag');
    if (request.aad !== undefined && !(request.aad instanceof Uint8Array)) throw invalid('aad must be bytes');
    const record = this.aesKey(handle);
    try {
      const plaintext = this.run(`decrypting with key ${record.key.handle}`, (session) => {
        this.module.pkcs11.C_DecryptInit(session, this.gcm(request.iv, request.aad), record.object);
        return this.module.pkcs11.C_Decrypt(session, buf(request.ciphertext), Buffer.alloc(request.ciphertext.length));
      });
      return new Uint8Array(plaintext);
    } catch (cause) {
      const ckr = cause instanceof CustodyError ? cause.details['ckr'] : undefined;
      if (ckr === 'CKR_GENERAL_ERROR' || ckr === 'CKR_FUNCTION_FAILED' || ckr === 'CKR_ENCRYPTED_DATA_INVALID' || ckr === 'CKR_ENCRYPTED_DATA_LEN_RANGE') {
        throw new CustodyError('DECRYPTION_FAILED', `AES-GCM on token '${this.label}' refused the ciphertext: wrong key, IV or AAD, or the data was altered`, { cause });
      }
      throw cause;
    }
  }

  /** The slot id of the open session (changes when SoftHSM re-creates the token), or null when unavailable. */
  slotId(): number | null {
    return this.slot === null ? null : slotIdOf(this.slot);
  }
}
