/**
 * @module core/backends/ledger/simulator
 * A Ledger running the Ethereum app, in software, for tests: it speaks the app's APDU protocol
 * (LedgerHQ app-ethereum doc/ethapp.adoc, CLA 0xE0) and the dashboard's "get app and version"
 * (B0 01) behind the `@ledgerhq/hw-transport` Transport interface, so our backend and hw-app-eth
 * run unmodified against it. Keys are real: BIP-32 from a BIP-39 mnemonic, secp256k1 signatures
 * that ethers verifies. A person confirming on the device is a callback the test controls.
 *
 * It is the device, not our code: it parses what it receives and trusts nothing of the host.
 * It never holds a real key (tests give it the public BIP-39 test phrase) and is not for production.
 */
import { HDKey } from '@scure/bip32';
import { mnemonicToSeedSync } from '@scure/bip39';
import { SigningKey, computeAddress, decodeRlp, getAddress, hashMessage, hexlify, keccak256 } from 'ethers';
import { TransportClass } from './ledgerhq.js';
import { ApduRefusal, Eip712DeviceState } from './simulator-eip712.js';
import { CLA_BOLOS, CLA_ETH, INS, SW } from './status-words.js';

/** What the device screen asks the person to approve. */
export interface DevicePrompt {
  readonly kind: 'address' | 'transaction' | 'personal-message' | 'eip712' | 'eip712-hashed';
  /** The BIP-32 path, e.g. `m/44'/60'/0'/0/0`. */
  readonly path: string;
  /** What the screen shows, field by field. */
  readonly fields: Readonly<Record<string, string>>;
}

/** The person at the device: true approves, false rejects. */
export type ConfirmFn = (prompt: DevicePrompt) => boolean | Promise<boolean>;

export interface EthereumAppSimulatorOptions {
  readonly mnemonic: string;
  readonly passphrase?: string;
  /** Name B0 01 answers (default "Ethereum"; "BOLOS" is the dashboard). */
  readonly appName?: string;
  readonly appVersion?: string;
  readonly locked?: boolean;
  /** When set, every E0 command answers this (0x6e00, 0x6d00, 0x6511): app closed or another app. */
  readonly closedAppStatus?: number | null;
  /** The app setting "Blind signing" (ethapp "arbitrary data"); default on. */
  readonly blindSigning?: boolean;
  /** Whether the app knows INS 0x1A/0x1C (app ≥ 1.9.19, not a Nano S); default yes. */
  readonly fullEip712?: boolean;
  readonly confirm?: ConfirmFn;
  /** How long the person takes before `confirm` is asked (ms). */
  readonly confirmDelayMs?: number;
}

/** One APDU as the device saw it, for tests that check framing and ordering. */
export interface ExchangeRecord {
  readonly command: string;
  readonly response: string;
}

/** What node-hid's transport throws when the device goes away (@ledgerhq/errors' name). */
export class DisconnectedDevice extends Error {
  constructor(message = 'Ledger device disconnected') {
    super(message);
    this.name = 'DisconnectedDevice';
  }
}

type Pending =
  | { readonly ins: typeof INS.SIGN_TX; readonly path: number[]; data: Uint8Array }
  | { readonly ins: typeof INS.SIGN_PERSONAL_MESSAGE; readonly path: number[]; readonly length: number; data: Uint8Array };

const HARDENED = 0x80000000;

export class EthereumAppSimulator extends TransportClass {
  appName: string;
  appVersion: string;
  locked: boolean;
  closedAppStatus: number | null;
  blindSigning: boolean;
  fullEip712: boolean;
  confirm: ConfirmFn;
  confirmDelayMs: number;
  /** Every APDU answered, in order. */
  readonly exchanges: ExchangeRecord[] = [];
  /** Most APDUs the device was ever handed at once (a real HID link carries one). */
  maxConcurrentExchanges = 0;

  private readonly root: HDKey;
  private pending: Pending | null = null;
  private eip712 = new Eip712DeviceState();
  private inFlight = 0;
  private connected = true;
  private readonly waiters = new Set<(e: Error) => void>();

  constructor(options: EthereumAppSimulatorOptions) {
    super();
    this.root = HDKey.fromMasterSeed(mnemonicToSeedSync(options.mnemonic, options.passphrase ?? ''));
    this.appName = options.appName ?? 'Ethereum';
    this.appVersion = options.appVersion ?? '1.13.0';
    this.locked = options.locked ?? false;
    this.closedAppStatus = options.closedAppStatus ?? null;
    this.blindSigning = options.blindSigning ?? true;
    this.fullEip712 = options.fullEip712 ?? true;
    this.confirm = options.confirm ?? (() => true);
    this.confirmDelayMs = options.confirmDelayMs ?? 0;
  }

  /** Unplug: pending and later exchanges fail as node-hid's do, and "disconnect" is emitted. */
  unplug(): void {
    if (!this.connected) return;
    this.connected = false;
    for (const fail of this.waiters) fail(new DisconnectedDevice());
    this.waiters.clear();
    this.emit('disconnect', new DisconnectedDevice());
  }

  override async close(): Promise<void> {
    this.unplug();
  }

  override async exchange(apdu: Buffer): Promise<Buffer> {
    if (!this.connected) throw new DisconnectedDevice();
    this.inFlight += 1;
    this.maxConcurrentExchanges = Math.max(this.maxConcurrentExchanges, this.inFlight);
    try {
      const response = await this.answer(Uint8Array.from(apdu));
      if (!this.connected) throw new DisconnectedDevice();
      this.exchanges.push({ command: apdu.toString('hex'), response: Buffer.from(response).toString('hex') });
      return Buffer.from(response);
    } finally {
      this.inFlight -= 1;
    }
  }

  /** The uncompressed public key (65 bytes) at a path: what a test compares with. */
  publicKeyAt(path: string): Uint8Array {
    return Uint8Array.from(Buffer.from(SigningKey.computePublicKey(this.keyAt(parseTextPath(path)).privateKey, false).slice(2), 'hex'));
  }

  private async answer(apdu: Uint8Array): Promise<Uint8Array> {
    if (apdu.length < 5) return sw(SW.INCORRECT_LENGTH);
    const [cla, ins, p1, p2, lc] = apdu as unknown as [number, number, number, number, number];
    const data = apdu.subarray(5);
    if (data.length !== lc) return sw(SW.INCORRECT_LENGTH);
    if (this.locked) return sw(SW.LOCKED);
    if (cla === CLA_BOLOS && ins === INS.GET_APP_AND_VERSION) return this.appAndVersion();
    if (this.closedAppStatus !== null) return sw(this.closedAppStatus);
    if (cla !== CLA_ETH) return sw(SW.CLA_NOT_SUPPORTED);
    // A command other than the one in progress abandons it, as the app's state machine does.
    if (this.pending !== null && this.pending.ins !== ins) this.pending = null;
    if (ins !== INS.EIP712_STRUCT_DEF && ins !== INS.EIP712_STRUCT_IMPL && ins !== INS.SIGN_EIP712) this.eip712 = new Eip712DeviceState();
    try {
      switch (ins) {
        case INS.GET_APP_CONFIGURATION:
          return this.appConfiguration();
        case INS.GET_ADDRESS:
          return await this.getAddress(p1, p2, data);
        case INS.SIGN_TX:
          return await this.signTransaction(p1, p2, data);
        case INS.SIGN_PERSONAL_MESSAGE:
          return await this.signPersonalMessage(p1, p2, data);
        case INS.SIGN_EIP712:
          return await this.signEip712(p1, p2, data);
        case INS.EIP712_STRUCT_DEF:
          if (!this.fullEip712) return sw(SW.INS_NOT_SUPPORTED);
          if (p1 !== 0x00) return sw(SW.INCORRECT_P1_P2);
          this.eip712.definition(p2, data);
          return sw(SW.OK);
        case INS.EIP712_STRUCT_IMPL:
          if (!this.fullEip712) return sw(SW.INS_NOT_SUPPORTED);
          this.eip712.implementation(p1, p2, data);
          return sw(SW.OK);
        default:
          return sw(SW.INS_NOT_SUPPORTED);
      }
    } catch (e) {
      this.pending = null;
      this.eip712 = new Eip712DeviceState();
      if (e instanceof ApduRefusal) return sw(e.sw);
      throw e;
    }
  }

  /** B0 01: format 01, name length, name, version length, version, flags length, flags (BOLOS). */
  private appAndVersion(): Uint8Array {
    const name = Buffer.from(this.appName, 'ascii');
    const version = Buffer.from(this.appVersion, 'ascii');
    return withOk(Buffer.concat([Buffer.from([0x01, name.length]), name, Buffer.from([version.length]), version, Buffer.from([0x01, 0x00])]));
  }

  /** E0 06: flags (0x01 arbitrary data / blind signing enabled), major, minor, patch. */
  private appConfiguration(): Uint8Array {
    const [major = 0, minor = 0, patch = 0] = this.appVersion.split(/[.-]/).map((n) => Number.parseInt(n, 10) || 0);
    return withOk(Uint8Array.of(this.blindSigning ? 0x01 : 0x00, major, minor, patch));
  }

  /** E0 02: P1 01 shows the address for confirmation; P2 01 returns the chain code too. */
  private async getAddress(p1: number, p2: number, data: Uint8Array): Promise<Uint8Array> {
    if (p1 > 1 || p2 > 1) return sw(SW.INCORRECT_P1_P2);
    const { path, rest } = readPath(data);
    // Newer apps accept an optional 8-byte chain id after the path (for display only).
    if (rest.length !== 0 && rest.length !== 8) return sw(SW.INVALID_DATA);
    const key = this.keyAt(path);
    const publicKey = Buffer.from(SigningKey.computePublicKey(key.privateKey, false).slice(2), 'hex');
    const address = getAddress(computeAddress(hexlify(publicKey))).slice(2);
    if (p1 === 1 && !(await this.ask({ kind: 'address', path: formatPath(path), fields: { address: `0x${address}` } }))) return sw(SW.DENIED);
    const parts = [Buffer.from([publicKey.length]), publicKey, Buffer.from([address.length]), Buffer.from(address, 'ascii')];
    if (p2 === 1) parts.push(Buffer.from(key.chainCode ?? new Uint8Array(32)));
    return withOk(Buffer.concat(parts));
  }

  /** E0 04: the path then the unsigned RLP, in chunks of at most 255 bytes (P1 00 first, 80 next). */
  private async signTransaction(p1: number, p2: number, data: Uint8Array): Promise<Uint8Array> {
    if (p2 !== 0) return sw(SW.INCORRECT_P1_P2);
    if (p1 === 0x00) {
      const { path, rest } = readPath(data);
      this.pending = { ins: INS.SIGN_TX, path, data: Uint8Array.from(rest) };
    } else if (p1 === 0x80 && this.pending?.ins === INS.SIGN_TX) {
      this.pending.data = Buffer.concat([this.pending.data, data]);
    } else {
      return sw(SW.INCORRECT_P1_P2);
    }
    const { path, data: tx } = this.pending;
    const total = expectedTransactionLength(tx);
    if (total === null || tx.length < total) return sw(SW.OK);
    this.pending = null;
    if (tx.length > total) return sw(SW.INVALID_DATA);
    const parsed = parseTransaction(tx);
    if (parsed.data.length > 0 && !this.blindSigning) return sw(SW.INVALID_DATA);
    const fields: Record<string, string> = {
      type: String(parsed.type),
      chainId: parsed.chainId.toString(),
      to: parsed.to ?? '(contract creation)',
      value: parsed.value.toString(),
      data: parsed.data.length === 0 ? '(none)' : `${parsed.data.length} bytes (blind)`,
    };
    if (!(await this.ask({ kind: 'transaction', path: formatPath(path), fields }))) return sw(SW.DENIED);
    const signature = this.sign(path, keccak256(tx));
    let v: number;
    if (parsed.type !== 0) {
      v = signature.yParity;
    } else if (parsed.chainIdBytes.length === 0) {
      v = 27 + signature.yParity;
    } else {
      // The app reads at most the first 4 bytes of the chain id as a u32 and truncates
      // chainId*2+35+parity to one byte (EIP-155); hw-app-eth's getV undoes this.
      const head = parsed.chainIdBytes.subarray(0, 4);
      const chainId32 = head.reduce((n, b) => n * 256 + b, 0);
      v = (chainId32 * 2 + 35 + signature.yParity) % 256;
    }
    return withOk(Buffer.concat([Buffer.from([v]), Buffer.from(signature.r.slice(2), 'hex'), Buffer.from(signature.s.slice(2), 'hex')]));
  }

  /** E0 08: path, 4-byte big-endian length, then the message, in chunks (P1 00 first, 80 next). */
  private async signPersonalMessage(p1: number, p2: number, data: Uint8Array): Promise<Uint8Array> {
    if (p2 !== 0) return sw(SW.INCORRECT_P1_P2);
    if (p1 === 0x00) {
      const { path, rest } = readPath(data);
      if (rest.length < 4) return sw(SW.INVALID_DATA);
      const length = Buffer.from(rest).readUInt32BE(0);
      this.pending = { ins: INS.SIGN_PERSONAL_MESSAGE, path, length, data: Uint8Array.from(rest.subarray(4)) };
    } else if (p1 === 0x80 && this.pending?.ins === INS.SIGN_PERSONAL_MESSAGE) {
      this.pending.data = Buffer.concat([this.pending.data, data]);
    } else {
      return sw(SW.INCORRECT_P1_P2);
    }
    const { path, length, data: message } = this.pending;
    if (message.length < length) return sw(SW.OK);
    this.pending = null;
    if (message.length > length) return sw(SW.INVALID_DATA);
    const fields = { message: Buffer.from(message).toString('utf8') };
    if (!(await this.ask({ kind: 'personal-message', path: formatPath(path), fields }))) return sw(SW.DENIED);
    return this.vrs(this.sign(path, hashMessage(message)), 27);
  }

  /** E0 0C: P2 00 signs a given domain separator and message hash (blind); P2 01 the full message sent before. */
  private async signEip712(p1: number, p2: number, data: Uint8Array): Promise<Uint8Array> {
    if (p1 !== 0) return sw(SW.INCORRECT_P1_P2);
    const { path, rest } = readPath(data);
    if (p2 === 0x00) {
      if (rest.length !== 64) return sw(SW.INVALID_DATA);
      // Signing hashes the person cannot read is blind signing: refused unless the setting is on.
      if (!this.blindSigning) return sw(SW.INVALID_DATA);
      const domainSeparator = hexlify(rest.subarray(0, 32));
      const messageHash = hexlify(rest.subarray(32));
      const fields = { domainHash: domainSeparator, messageHash };
      if (!(await this.ask({ kind: 'eip712-hashed', path: formatPath(path), fields }))) return sw(SW.DENIED);
      return this.vrs(this.sign(path, keccak256(Buffer.concat([Buffer.from([0x19, 0x01]), rest]))), 27);
    }
    if (p2 !== 0x01 || !this.fullEip712) return sw(SW.INCORRECT_P1_P2);
    if (rest.length !== 0) return sw(SW.INVALID_DATA);
    const state = this.eip712;
    this.eip712 = new Eip712DeviceState();
    const { digest, summary } = state.digest();
    if (!(await this.ask({ kind: 'eip712', path: formatPath(path), fields: summary }))) return sw(SW.DENIED);
    return this.vrs(this.sign(path, digest), 27);
  }

  private vrs(signature: { r: string; s: string; yParity: 0 | 1 }, base: number): Uint8Array {
    return withOk(Buffer.concat([Buffer.from([base + signature.yParity]), Buffer.from(signature.r.slice(2), 'hex'), Buffer.from(signature.s.slice(2), 'hex')]));
  }

  private sign(path: number[], digest: string): { r: string; s: string; yParity: 0 | 1 } {
    const sig = new SigningKey(this.keyAt(path).privateKey).sign(digest);
    return { r: sig.r, s: sig.s, yParity: sig.yParity };
  }

  private keyAt(path: number[]): { privateKey: string; chainCode: Uint8Array | null } {
    let node = this.root;
    for (const index of path) node = node.deriveChild(index);
    if (node.privateKey === null) throw new ApduRefusal(SW.INTERNAL, 'no private key');
    return { privateKey: hexlify(node.privateKey), chainCode: node.chainCode };
  }

  /** The person decides after `confirmDelayMs`; unplugging meanwhile fails the exchange. */
  private ask(prompt: DevicePrompt): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      const fail = (e: Error) => {
        clearTimeout(timer);
        reject(e);
      };
      this.waiters.add(fail);
      const timer = setTimeout(() => {
        Promise.resolve()
          .then(() => this.confirm(prompt))
          .then(
            (ok) => {
              this.waiters.delete(fail);
              resolve(ok);
            },
            (e: unknown) => {
              this.waiters.delete(fail);
              reject(e instanceof Error ? e : new Error('confirm failed'));
            },
          );
      }, this.confirmDelayMs);
    });
  }
}

function sw(code: number): Uint8Array {
  return Uint8Array.of(code >> 8, code & 0xff);
}

function withOk(data: Uint8Array): Uint8Array {
  return Buffer.concat([data, sw(SW.OK)]);
}

/** Number of derivations (1..10), then each index as a big-endian u32 (ethapp.adoc). */
function readPath(data: Uint8Array): { path: number[]; rest: Uint8Array } {
  const count = data[0];
  if (count === undefined || count < 1 || count > 10 || data.length < 1 + 4 * count) throw new ApduRefusal(SW.INVALID_DATA, 'bad path');
  const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const path: number[] = [];
  for (let i = 0; i < count; i++) path.push(view.readUInt32BE(1 + 4 * i));
  return { path, rest: data.subarray(1 + 4 * count) };
}

function formatPath(path: readonly number[]): string {
  return ['m', ...path.map((i) => (i >= HARDENED ? `${i - HARDENED}'` : String(i)))].join('/');
}

function parseTextPath(path: string): number[] {
  return path
    .replace(/^m\//, '')
    .split('/')
    .map((part) => (part.endsWith("'") ? Number.parseInt(part, 10) + HARDENED : Number.parseInt(part, 10)));
}

/**
 * How long the transaction is, from its RLP list header (legacy: the list; EIP-2718: one type
 * byte then the list); null until enough bytes arrived to know.
 */
function expectedTransactionLength(tx: Uint8Array): number | null {
  const first = tx[0];
  if (first === undefined) return null;
  const offset = first <= 0x7f ? 1 : 0;
  const header = tx[offset];
  if (header === undefined) return null;
  if (header < 0xc0) throw new ApduRefusal(SW.INVALID_DATA, 'not an RLP list');
  if (header <= 0xf7) return offset + 1 + (header - 0xc0);
  const lengthOfLength = header - 0xf7;
  if (tx.length < offset + 1 + lengthOfLength) return null;
  let length = 0;
  for (let i = 0; i < lengthOfLength; i++) length = length * 256 + (tx[offset + 1 + i] as number);
  return offset + 1 + lengthOfLength + length;
}

interface ParsedTransaction {
  readonly type: number;
  readonly chainId: bigint;
  readonly chainIdBytes: Uint8Array;
  readonly to: string | null;
  readonly value: bigint;
  readonly data: Uint8Array;
}

/** The fields the screen shows; legacy (EIP-155 or not), EIP-2930 and EIP-1559 layouts. */
function parseTransaction(tx: Uint8Array): ParsedTransaction {
  const type = (tx[0] as number) <= 0x7f ? (tx[0] as number) : 0;
  let items: unknown;
  try {
    items = decodeRlp(type === 0 ? tx : tx.subarray(1));
  } catch {
    throw new ApduRefusal(SW.INVALID_DATA, 'bad RLP');
  }
  if (!Array.isArray(items) || !items.every((i) => typeof i === 'string' || Array.isArray(i))) throw new ApduRefusal(SW.INVALID_DATA, 'bad RLP');
  const field = (i: number): Uint8Array => {
    const v = (items as unknown[])[i];
    if (typeof v !== 'string') throw new ApduRefusal(SW.INVALID_DATA, 'bad field');
    return Uint8Array.from(Buffer.from(v.slice(2), 'hex'));
  };
  const big = (b: Uint8Array): bigint => (b.length === 0 ? 0n : BigInt(hexlify(b)));
  const address = (b: Uint8Array): string | null => (b.length === 0 ? null : getAddress(hexlify(b)));
  switch (type) {
    case 0: {
      if (items.length !== 6 && items.length !== 9) throw new ApduRefusal(SW.INVALID_DATA, 'legacy tx field count');
      const chainIdBytes = items.length === 9 ? field(6) : new Uint8Array();
      return { type, chainId: big(chainIdBytes), chainIdBytes, to: address(field(3)), value: big(field(4)), data: field(5) };
    }
    case 1:
      if (items.length !== 8) throw new ApduRefusal(SW.INVALID_DATA, 'EIP-2930 tx field count');
      return { type, chainId: big(field(0)), chainIdBytes: field(0), to: address(field(4)), value: big(field(5)), data: field(6) };
    case 2:
      if (items.length !== 9) throw new ApduRefusal(SW.INVALID_DATA, 'EIP-1559 tx field count');
      return { type, chainId: big(field(0)), chainIdBytes: field(0), to: address(field(5)), value: big(field(6)), data: field(7) };
    default:
      throw new ApduRefusal(SW.TX_TYPE_UNSUPPORTED, 'transaction type not supported');
  }
}
