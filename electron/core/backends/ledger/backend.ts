/**
 * @module core/backends/ledger/backend
 * A Ledger running the Ethereum app as an `EthereumDevice`, over any hw-transport Transport
 * (node-hid in production, the simulator or a replayed APDU script in tests). APDUs go through
 * hw-app-eth, unmodified; this class adds what custody needs around it:
 *
 * - One request at a time per device (a FIFO lock), each with a timeout (default 120 s) and an
 *   AbortSignal. A cancelled request stops being awaited at once, but the lock stays held until
 *   the device answers the APDU in flight: a Ledger waiting for a person cannot be interrupted
 *   over HID, and a second command sent meanwhile would interleave with the first.
 * - The app is checked (B0 01, name "Ethereum") before each request.
 * - Status words become typed CustodyErrors at this edge (see `toLedgerError`).
 * - Every signature is checked against the address of its path before it is returned (fail closed).
 * - No network: hw-app-eth's clear-signing resolution and EIP-712 filters fetch from Ledger's
 *   servers by default; every URL of its load config is null here, so it never does.
 *
 * Trusts: the device for what it shows; nothing it returns is used unverified.
 */
import { Signature, Transaction, TypedDataEncoder, computeAddress, concat, hashMessage, hexlify, keccak256, recoverAddress, type TypedDataField } from 'ethers';
import { CustodyError, type ErrorCode } from '../../../../shared/errors.js';
import { OID_SECP256K1, ecSpkiFromPoint } from '../../crypto/key-codec.js';
import type { BackendCapabilities, BackendState, BackendStatus, DeviceKey, EthereumDevice } from '../types.js';
import { loadHwAppEth, type Eth, type LoadConfig, type Transport, type TransactionResolution } from './ledgerhq.js';
import { CLA_BOLOS, INS, SW } from './status-words.js';

export const DEFAULT_LEDGER_TIMEOUT_MS = 120_000;

/**
 * hw-app-eth's load config with every network source off: no CAL service, no CDN, no NFT
 * explorer, no plugin list. What it would fetch may come only from static data we ship.
 */
export const OFFLINE_LOAD_CONFIG: LoadConfig = Object.freeze({
  nftExplorerBaseURL: null,
  pluginBaseURL: null,
  extraPlugins: null,
  cryptoassetsBaseURL: null,
  calServiceURL: null,
  staticERC20Signatures: null,
  staticEIP712SignaturesV1: null,
  staticEIP712SignaturesV2: null,
});

/** What the GUI shows: "confirm on your Ledger" (with a cancel that aborts the request's signal), then done. */
export type LedgerPromptEvent =
  | { readonly type: 'confirm'; readonly backend: string; readonly operation: LedgerOperation; readonly path: string }
  | { readonly type: 'done'; readonly backend: string; readonly operation: LedgerOperation };

export type LedgerOperation = 'get-address' | 'show-address' | 'sign-transaction' | 'sign-personal-message' | 'sign-typed-data';

export interface LedgerBackendOptions {
  /** The device id (from the HID path); the backend id is `ledger:<deviceId>`. */
  readonly deviceId: string;
  readonly transport: Transport;
  /** Per request, waiting for the lock included (default 120 s). */
  readonly timeoutMs?: number;
  readonly onPrompt?: (event: LedgerPromptEvent) => void;
  /**
   * Clear-signing data that needs no network, e.g. a signed ERC-20 list we ship
   * (`staticERC20Signatures`). URLs given here are ignored: the config stays offline.
   */
  readonly staticSignatures?: Pick<LoadConfig, 'staticERC20Signatures'>;
}

const PATH = /^(?:m\/)?(\d{1,10}'?)(?:\/\d{1,10}'?){0,9}$/;

export class LedgerBackend implements EthereumDevice {
  readonly id: string;
  readonly kind = 'ledger' as const;
  private readonly transport: Transport;
  private readonly eth: Eth;
  private readonly timeoutMs: number;
  private readonly onPrompt: (event: LedgerPromptEvent) => void;
  private tail: Promise<void> = Promise.resolve();
  private active = 0;
  private closed = false;
  private lastState: BackendState = 'ready';
  private detail = 'Ledger';
  private staleRequest = false;
  /** Paths asked about, in the order first asked: what listKeys returns. */
  private readonly known = new Map<string, { publicKey: Uint8Array; address: string }>();

  constructor(options: LedgerBackendOptions) {
    this.id = `ledger:${options.deviceId}`;
    this.transport = options.transport;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_LEDGER_TIMEOUT_MS;
    this.onPrompt = options.onPrompt ?? (() => undefined);
    const { Eth } = loadHwAppEth();
    this.eth = new Eth(this.transport, 'w0w', { ...OFFLINE_LOAD_CONFIG, staticERC20Signatures: options.staticSignatures?.staticERC20Signatures ?? null });
    this.transport.on('disconnect', () => this.markUnavailable());
  }

  status(): BackendStatus {
    if (this.closed) return { state: 'unavailable', detail: 'removed' };
    if (this.staleRequest) return { state: 'busy', detail: 'a cancelled request is still on the Ledger: reject it on the device' };
    if (this.active > 0) return { state: 'busy', detail: this.detail };
    return { state: this.lastState, detail: this.detail };
  }

  capabilities(): BackendCapabilities {
    return { generate: [], sign: false, encrypt: false, login: false };
  }

  /**
   * A Ledger does not enumerate its keys: these are the accounts this backend has derived since it
   * opened (each `getAddress`), in the order first asked. The facade adopts a key by path.
   */
  async listKeys(): Promise<DeviceKey[]> {
    return [...this.known].map(([path, k]) => ({
      handle: `m/${path}`,
      label: `m/${path}`,
      algorithm: 'ecdsa-secp256k1',
      publicKey: ecSpkiFromPoint({ label: 'ecdsa-secp256k1 (secp256k1)', oid: OID_SECP256K1, size: 32 }, k.publicKey),
      address: k.address,
    }));
  }

  /** Detach: queued and later requests fail with DEVICE_UNAVAILABLE. */
  async close(): Promise<void> {
    this.markUnavailable();
    await this.transport.close().catch(() => undefined);
  }

  async appInfo(): Promise<{ name: string; version: string }> {
    return this.run('get-address', undefined, () => this.checkApp(), false);
  }

  async getAddress(path: string, options: { display?: boolean } = {}): Promise<{ address: string; publicKey: Uint8Array }> {
    const p = parsePath(path);
    const display = options.display === true;
    return this.run(display ? 'show-address' : 'get-address', undefined, async () => {
      await this.checkApp();
      return this.derive(p, display);
    }, display, p);
  }

  async signTransaction(path: string, unsignedTxHex: string, options: { signal?: AbortSignal } = {}): Promise<{ v: string; r: string; s: string }> {
    const p = parsePath(path);
    const raw = parseHex(unsignedTxHex, 'unsigned transaction');
    let tx: Transaction;
    try {
      tx = Transaction.from(`0x${raw}`);
    } catch (e) {
      throw new CustodyError('INVALID_INPUT', 'not a serialized transaction', { cause: e });
    }
    if (tx.signature !== null) throw new CustodyError('INVALID_INPUT', 'the transaction is already signed');
    return this.run('sign-transaction', options.signal, async () => {
      await this.checkApp();
      const { address } = await this.known_(p);
      // Offline clear-signing resolution: with every URL null, resolveTransaction only reads the
      // static data given in the load config (ERC-20 descriptors we ship) and never fetches;
      // NFT, plugin and Uniswap resolution need Ledger's servers and stay off.
      const { ledgerService } = loadHwAppEth();
      const resolution: TransactionResolution = await ledgerService
        .resolveTransaction(raw, this.eth.loadConfig, { erc20: true, nft: false, externalPlugins: false, uniswapV3: false })
        .catch(() => null);
      const out = await this.eth.signTransaction(p, raw, resolution);
      const yParity = tx.type === 0 ? (tx.chainId === 0n ? Number(BigInt(`0x${out.v}`) - 27n) : Number((BigInt(`0x${out.v}`) - 35n) % 2n)) : Number(BigInt(`0x${out.v}`));
      const signature = signatureOf(out.r, out.s, yParity);
      if (recoverAddress(tx.unsignedHash, signature) !== address) throw new CustodyError('VERIFICATION_FAILED', 'the Ledger signature does not match the address of its path');
      return { v: out.v, r: out.r, s: out.s };
    }, true, p);
  }

  async signPersonalMessage(path: string, message: Uint8Array, options: { signal?: AbortSignal } = {}): Promise<{ v: number; r: string; s: string }> {
    const p = parsePath(path);
    if (!(message instanceof Uint8Array)) throw new CustodyError('INVALID_INPUT', 'message must be bytes');
    return this.run('sign-personal-message', options.signal, async () => {
      await this.checkApp();
      const { address } = await this.known_(p);
      const out = await this.eth.signPersonalMessage(p, Buffer.from(message).toString('hex'));
      this.assertSigner(hashMessage(message), out, address);
      return { v: out.v, r: out.r, s: out.s };
    }, true, p);
  }

  async signTypedData(path: string, typedData: unknown, options: { allowBlind: boolean; signal?: AbortSignal }): Promise<{ v: number; r: string; s: string; blind: boolean }> {
    const p = parsePath(path);
    const data = parseTypedData(typedData);
    return this.run('sign-typed-data', options.signal, async () => {
      await this.checkApp();
      const { address } = await this.known_(p);
      try {
        const out = await this.eth.signEIP712Message(p, data.json as Parameters<Eth['signEIP712Message']>[1]);
        this.assertSigner(data.digest, out, address);
        return { v: out.v, r: out.r, s: out.s, blind: false };
      } catch (e) {
        // 0x6d00 on INS 0x1A after the app check passed: an app without full EIP-712 (Nano S, < 1.9.19).
        if (statusOf(e) !== SW.INS_NOT_SUPPORTED) throw e;
      }
      if (!options.allowBlind) {
        throw new CustodyError('BLIND_SIGNING_DISABLED', 'this Ledger cannot show EIP-712 fields; signing the hashes blind needs a policy that allows blind signing', {
          details: { reason: 'policy' },
        });
      }
      const out = await this.eth.signEIP712HashedMessage(p, data.domainSeparator, data.messageHash);
      this.assertSigner(data.digest, out, address);
      return { v: out.v, r: out.r, s: out.s, blind: true };
    }, true, p);
  }

  /** B0 01 through the transport: the app running now, which must be Ethereum. */
  private async checkApp(): Promise<{ name: string; version: string }> {
    const r = await this.transport.send(CLA_BOLOS, INS.GET_APP_AND_VERSION, 0x00, 0x00);
    // format (1) ‖ name length ‖ name ‖ version length ‖ version ‖ … ‖ SW
    const nameLength = r[1] ?? 0;
    const name = r.subarray(2, 2 + nameLength).toString('ascii');
    const versionLength = r[2 + nameLength] ?? 0;
    const version = r.subarray(3 + nameLength, 3 + nameLength + versionLength).toString('ascii');
    if (r[0] !== 0x01 || name.length !== nameLength || version.length !== versionLength) throw new CustodyError('INTERNAL', 'malformed app and version answer');
    if (name !== 'Ethereum') {
      throw new CustodyError('WRONG_APP', name === 'BOLOS' ? 'no app is open on the Ledger: open the Ethereum app' : `the Ledger runs ${name}: open the Ethereum app`);
    }
    this.detail = `Ethereum app ${version}`;
    return { name, version };
  }

  private async derive(path: string, display: boolean): Promise<{ address: string; publicKey: Uint8Array }> {
    const out = await this.eth.getAddress(path, display, false);
    const publicKey = Uint8Array.from(Buffer.from(out.publicKey, 'hex'));
    if (publicKey.length !== 65 || publicKey[0] !== 0x04) throw new CustodyError('INTERNAL', 'the Ledger returned a malformed public key');
    const address = computeAddress(hexlify(publicKey));
    if (out.address.toLowerCase() !== address.toLowerCase()) throw new CustodyError('VERIFICATION_FAILED', 'the Ledger address does not match its public key');
    if (!this.known.has(path)) this.known.set(path, { publicKey, address });
    return { address, publicKey };
  }

  /** The address of a path, derived once (without display) so signatures can be checked. */
  private async known_(path: string): Promise<{ address: string }> {
    return this.known.get(path) ?? (await this.derive(path, false));
  }

  private assertSigner(digest: string, out: { v: number; r: string; s: string }, address: string): void {
    const signature = signatureOf(out.r, out.s, out.v - 27);
    if (recoverAddress(digest, signature) !== address) throw new CustodyError('VERIFICATION_FAILED', 'the Ledger signature does not match the address of its path');
  }

  /**
   * The lock, the timeout and the signal. Timeout → EXPIRED. Abort → DISCONNECTED (the requester
   * went away; the facade uses the same code when a waiting client aborts), unless the abort reason
   * is a CustodyError, which is thrown as given (e.g. the GUI's cancel can pass USER_REJECTED).
   */
  private async run<T>(operation: LedgerOperation, signal: AbortSignal | undefined, work: () => Promise<T>, prompts: boolean, path = ''): Promise<T> {
    if (this.closed) throw unavailable();
    const stop = stopper(this.timeoutMs, signal);
    const previous = this.tail;
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    this.tail = previous.then(() => mine);
    try {
      await Promise.race([previous, stop.promise]);
    } catch (e) {
      release();
      stop.dispose();
      throw e;
    }
    if (this.closed) {
      release();
      stop.dispose();
      throw unavailable();
    }
    this.active += 1;
    if (prompts) this.onPrompt({ type: 'confirm', backend: this.id, operation, path });
    const running = work().then(
      (value) => {
        this.lastState = 'ready';
        return value;
      },
      (e: unknown) => {
        const error = toLedgerError(e);
        this.noteState(error.code);
        throw error;
      },
    );
    const settled = running.then(
      () => undefined,
      () => undefined,
    );
    void settled.then(() => {
      this.active -= 1;
      this.staleRequest = false;
      if (prompts) this.onPrompt({ type: 'done', backend: this.id, operation });
      release();
    });
    try {
      return await Promise.race([running, stop.promise]);
    } catch (e) {
      if (stop.fired) this.staleRequest = this.active > 0;
      throw e;
    } finally {
      stop.dispose();
    }
  }

  private noteState(code: ErrorCode): void {
    if (code === 'DEVICE_LOCKED') this.lastState = 'locked';
    else if (code === 'WRONG_APP') this.lastState = 'wrong-app';
    else if (code === 'DEVICE_UNAVAILABLE') this.markUnavailable();
    else this.lastState = 'ready';
  }

  private markUnavailable(): void {
    this.closed = true;
    this.lastState = 'unavailable';
  }
}

/** Status words and transport failures → CustodyError (the one place Ledger errors are translated). */
export function toLedgerError(e: unknown): CustodyError {
  if (e instanceof CustodyError) return e;
  const status = statusOf(e);
  if (status !== null) {
    switch (status) {
      case SW.LOCKED:
        return new CustodyError('DEVICE_LOCKED', 'the Ledger is locked: unlock it with its PIN', { details: { statusWord: hex(status) } });
      case SW.CLA_NOT_SUPPORTED:
      case SW.INS_NOT_SUPPORTED:
      case SW.APP_NOT_OPEN:
        return new CustodyError('WRONG_APP', 'the Ethereum app is not open on the Ledger', { details: { statusWord: hex(status) } });
      case SW.DENIED:
        return new CustodyError('USER_REJECTED', 'rejected on the Ledger', { details: { statusWord: hex(status) } });
      case SW.INVALID_DATA:
        return new CustodyError('BLIND_SIGNING_DISABLED', 'the Ledger refused to sign data it cannot show: enable blind signing in its Ethereum app settings', {
          details: { statusWord: hex(status), reason: 'device-setting' },
        });
      default:
        return new CustodyError('INTERNAL', `the Ledger answered status ${hex(status)}`, { details: { statusWord: hex(status) } });
    }
  }
  const name = e instanceof Error ? e.name : '';
  const id = typeof e === 'object' && e !== null && typeof (e as { id?: unknown }).id === 'string' ? (e as { id: string }).id : '';
  // hw-app-eth remaps 0x6a80 while signing a transaction to this error (no status code left on it).
  if (name === 'EthAppPleaseEnableContractData') {
    return new CustodyError('BLIND_SIGNING_DISABLED', 'the Ledger refused to sign contract data: enable blind signing in its Ethereum app settings', {
      details: { statusWord: hex(SW.INVALID_DATA), reason: 'device-setting' },
    });
  }
  if (DISCONNECTED.has(name) || DISCONNECTED.has(id)) return unavailable(e);
  return new CustodyError('INTERNAL', 'the Ledger request failed', { cause: e });
}

const DISCONNECTED = new Set(['DisconnectedDevice', 'DisconnectedDeviceDuringOperation', 'CantOpenDevice', 'TransportInterfaceNotAvailable', 'NoDeviceFound']);

function unavailable(cause?: unknown): CustodyError {
  return new CustodyError('DEVICE_UNAVAILABLE', 'the Ledger is not connected', cause === undefined ? {} : { cause });
}

function statusOf(e: unknown): number | null {
  if (typeof e !== 'object' || e === null) return null;
  const code = (e as { statusCode?: unknown }).statusCode;
  return typeof code === 'number' ? code : null;
}

function hex(status: number): string {
  return `0x${status.toString(16).padStart(4, '0')}`;
}

function stopper(timeoutMs: number, signal: AbortSignal | undefined): { promise: Promise<never>; fired: boolean; dispose: () => void } {
  const state = { fired: false, promise: undefined as unknown as Promise<never>, dispose: () => undefined as void };
  state.promise = new Promise<never>((_, reject) => {
    const fire = (error: CustodyError) => {
      state.fired = true;
      reject(error);
    };
    const timer = setTimeout(() => fire(new CustodyError('EXPIRED', 'the Ledger did not answer in time')), timeoutMs);
    const onAbort = () => fire(signal?.reason instanceof CustodyError ? signal.reason : new CustodyError('DISCONNECTED', 'the Ledger request was cancelled'));
    if (signal?.aborted === true) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    state.dispose = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
  });
  state.promise.catch(() => undefined);
  return state;
}

/** `m/44'/60'/0'/0/0` or `44'/60'/0'/0/0` → hw-app-eth's form (no `m/`); at most 10 levels (ethapp.adoc). */
function parsePath(path: string): string {
  if (typeof path !== 'string' || !PATH.test(path)) throw new CustodyError('INVALID_INPUT', 'expected a BIP-32 path like m/44\'/60\'/0\'/0/0');
  const bare = path.replace(/^m\//, '');
  for (const part of bare.split('/')) {
    if (Number.parseInt(part, 10) >= 0x80000000) throw new CustodyError('INVALID_INPUT', 'BIP-32 index out of range');
  }
  return bare;
}

function parseHex(text: string, what: string): string {
  const bare = typeof text === 'string' ? text.replace(/^0x/i, '') : '';
  if (bare.length === 0 || bare.length % 2 !== 0 || !/^[0-9a-f]+$/i.test(bare)) throw new CustodyError('INVALID_INPUT', `${what} must be hex`);
  return bare.toLowerCase();
}

function signatureOf(r: string, s: string, yParity: number): Signature {
  if (yParity !== 0 && yParity !== 1) throw new CustodyError('VERIFICATION_FAILED', 'the Ledger returned an invalid recovery id');
  return Signature.from({ r: `0x${r.padStart(64, '0')}`, s: `0x${s.padStart(64, '0')}`, yParity });
}

interface TypedDataRequest {
  /** What hw-app-eth sends (field values as ethers normalizes them). */
  readonly json: { domain: Record<string, unknown>; types: Record<string, TypedDataField[]>; primaryType: string; message: Record<string, unknown> };
  readonly domainSeparator: string;
  readonly messageHash: string;
  readonly digest: string;
}

/** eth_signTypedData_v4 JSON → what both EIP-712 methods need; hashes computed here (EIP-712 §encode). */
function parseTypedData(input: unknown): TypedDataRequest {
  const v = typeof input === 'string' ? safeJson(input) : input;
  if (typeof v !== 'object' || v === null) throw new CustodyError('INVALID_INPUT', 'typed data must be an object');
  const { domain, types, primaryType, message } = v as Record<string, unknown>;
  if (typeof domain !== 'object' || domain === null || typeof types !== 'object' || types === null || typeof primaryType !== 'string' || typeof message !== 'object' || message === null) {
    throw new CustodyError('INVALID_INPUT', 'typed data needs domain, types, primaryType and message');
  }
  const allTypes = types as Record<string, TypedDataField[]>;
  const { EIP712Domain: givenDomainType, ...structTypes } = allTypes;
  try {
    const domainType = givenDomainType ?? (TypedDataEncoder.getPayload(domain, structTypes, message).types.EIP712Domain as TypedDataField[]);
    const encoder = TypedDataEncoder.from(structTypes);
    if (encoder.primaryType !== primaryType) throw new CustodyError('INVALID_INPUT', 'primaryType is not the root of the types');
    const domainSeparator = TypedDataEncoder.hashStruct('EIP712Domain', { EIP712Domain: domainType }, domain as Record<string, unknown>);
    const messageHash = encoder.hash(message as Record<string, unknown>);
    // keccak256(0x19 ‖ 0x01 ‖ domainSeparator ‖ hashStruct(message)) (EIP-712 §Specification), over the
    // EIP712Domain type as given: a domain type listed in another order than ethers' hashes differently.
    const digest = keccak256(concat(['0x1901', domainSeparator, messageHash]));
    const normalized = TypedDataEncoder.getPayload(domain, structTypes, message as Record<string, unknown>);
    return {
      json: { domain: normalized.domain as Record<string, unknown>, types: { EIP712Domain: domainType, ...structTypes }, primaryType, message: normalized.message as Record<string, unknown> },
      domainSeparator,
      messageHash,
      digest,
    };
  } catch (e) {
    if (e instanceof CustodyError) throw e;
    throw new CustodyError('INVALID_INPUT', 'typed data does not match its types', { cause: e });
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new CustodyError('INVALID_INPUT', 'typed data is not JSON');
  }
}
