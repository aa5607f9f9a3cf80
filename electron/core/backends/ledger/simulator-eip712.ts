/**
 * @module core/backends/ledger/simulator-eip712
 * The device side of full EIP-712 signing for the simulator: it rebuilds the type definitions
 * from EIP712 SEND STRUCT DEFINITION (INS 0x1A) and the values from EIP712 SEND STRUCT
 * IMPLEMENTATION (INS 0x1C) as app-ethereum's doc/ethapp.adoc describes them, then computes the
 * EIP-712 digest from what it received (hashing with ethers' TypedDataEncoder, which is still the
 * device side: nothing here sees the host's JSON). Test support only: it trusts nothing it is sent
 * and answers malformed input with a status word, like the app.
 */
import { TypedDataEncoder, concat, getAddress, hexlify, keccak256, toUtf8String, type TypedDataField } from 'ethers';

/** Thrown for input the app would refuse; `sw` is the status word to answer. */
export class ApduRefusal extends Error {
  constructor(
    readonly sw: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApduRefusal';
  }
}

const INVALID = 0x6a80;

// TypeDesc low nibble (ethapp.adoc, "EIP712 SEND STRUCT DEFINITION", TypeDesc).
const TYPE_NAMES = ['custom', 'int', 'uint', 'address', 'bool', 'string', 'bytes-fixed', 'bytes'] as const;

interface StructFrame {
  readonly kind: 'struct';
  readonly type: string;
  readonly fields: readonly TypedDataField[];
  index: number;
  readonly value: Record<string, unknown>;
  readonly assign: (value: unknown) => void;
}

interface ArrayFrame {
  readonly kind: 'array';
  /** The element type: the array type without its last (outermost) level. */
  readonly element: string;
  readonly fixed: number | null;
  length: number | null;
  readonly items: unknown[];
  readonly assign: (value: unknown) => void;
}

type Frame = StructFrame | ArrayFrame;

type Expectation = { kind: 'array-size' } | { kind: 'leaf'; type: string; assign: (value: unknown) => void } | { kind: 'done' };

/** The state the app keeps between 0x1A/0x1C APDUs until SIGN ETH EIP 712 (P2 = 01). */
export class Eip712DeviceState {
  private readonly types = new Map<string, TypedDataField[]>();
  private currentDefinition: string | null = null;
  private stack: Frame[] = [];
  private currentRoot: string | null = null;
  private domain: Record<string, unknown> | null = null;
  private message: { type: string; value: Record<string, unknown> } | null = null;
  private partial: Uint8Array[] = [];

  /** INS 0x1A. P2 00: a struct name; P2 FF: one field of the current struct. */
  definition(p2: number, data: Uint8Array): void {
    if (p2 === 0x00) {
      const name = ascii(data);
      if (this.types.has(name)) throw new ApduRefusal(INVALID, `struct ${name} defined twice`);
      this.types.set(name, []);
      this.currentDefinition = name;
      return;
    }
    if (p2 !== 0xff) throw new ApduRefusal(0x6b00, 'bad P2');
    if (this.currentDefinition === null) throw new ApduRefusal(INVALID, 'field before a struct name');
    this.types.get(this.currentDefinition)?.push(parseFieldDefinition(data));
  }

  /** INS 0x1C. P2 00: root struct name; 0F: array size; FF: a field value (P1 01: more to come). */
  implementation(p1: number, p2: number, data: Uint8Array): void {
    if (p2 === 0x00) {
      if (this.stack.length > 0) throw new ApduRefusal(INVALID, 'root set before the previous one was complete');
      const name = ascii(data);
      const fields = this.types.get(name);
      if (fields === undefined) throw new ApduRefusal(INVALID, `unknown struct ${name}`);
      this.currentRoot = name;
      const value: Record<string, unknown> = {};
      this.stack = [
        {
          kind: 'struct',
          type: name,
          fields,
          index: 0,
          value,
          assign: (v) => {
            if (name === 'EIP712Domain') this.domain = v as Record<string, unknown>;
            else this.message = { type: name, value: v as Record<string, unknown> };
          },
        },
      ];
      this.settle();
      return;
    }
    const expected = this.expect();
    if (p2 === 0x0f) {
      if (expected.kind !== 'array-size' || data.length !== 1) throw new ApduRefusal(INVALID, 'unexpected array size');
      const top = this.stack[this.stack.length - 1] as ArrayFrame;
      const size = data[0] as number;
      if (top.fixed !== null && top.fixed !== size) throw new ApduRefusal(INVALID, 'array size differs from its type');
      top.length = size;
      this.settle();
      return;
    }
    if (p2 !== 0xff) throw new ApduRefusal(0x6b00, 'bad P2');
    if (expected.kind !== 'leaf') throw new ApduRefusal(INVALID, 'unexpected field value');
    this.partial.push(data);
    if (p1 === 0x01) return;
    if (p1 !== 0x00) throw new ApduRefusal(0x6b00, 'bad P1');
    const bytes = Buffer.concat(this.partial);
    this.partial = [];
    if (bytes.length < 2) throw new ApduRefusal(INVALID, 'field value without its length');
    const length = ((bytes[0] as number) << 8) | (bytes[1] as number);
    const value = bytes.subarray(2);
    if (value.length !== length) throw new ApduRefusal(INVALID, 'field length mismatch');
    expected.assign(decodeLeaf(expected.type, value));
    this.settle();
  }

  /** What SIGN ETH EIP 712 (full) signs: keccak256(0x1901 ‖ domainSeparator ‖ hashStruct(message)). */
  digest(): { digest: string; summary: Record<string, string> } {
    if (this.domain === null || this.message === null || this.stack.length > 0) throw new ApduRefusal(INVALID, 'EIP-712 message incomplete');
    const domainFields = this.types.get('EIP712Domain');
    if (domainFields === undefined) throw new ApduRefusal(INVALID, 'no EIP712Domain definition');
    try {
      const domainSeparator = TypedDataEncoder.hashStruct('EIP712Domain', { EIP712Domain: domainFields }, this.domain);
      const reachable = this.reachable(this.message.type);
      const messageHash = TypedDataEncoder.hashStruct(this.message.type, reachable, this.message.value);
      const summary: Record<string, string> = { primaryType: this.message.type };
      for (const [k, v] of Object.entries(this.domain)) summary[`domain.${k}`] = String(v);
      return { digest: keccak256(concat(['0x1901', domainSeparator, messageHash])), summary };
    } catch (e) {
      if (e instanceof ApduRefusal) throw e;
      throw new ApduRefusal(INVALID, 'EIP-712 values do not match their types');
    }
  }

  /** The struct types `root` depends on (EIP-712 §encodeType), so no unused type reaches the encoder. */
  private reachable(root: string): Record<string, TypedDataField[]> {
    const out: Record<string, TypedDataField[]> = {};
    const visit = (name: string): void => {
      if (out[name] !== undefined) return;
      const fields = this.types.get(name);
      if (fields === undefined) return;
      out[name] = fields;
      for (const f of fields) visit(f.type.replace(/\[\d*\]/g, ''));
    };
    visit(root);
    return out;
  }

  /** Pop finished frames and push the structs and arrays the next value belongs to. */
  private settle(): void {
    for (;;) {
      const top = this.stack[this.stack.length - 1];
      if (top === undefined) return;
      if (top.kind === 'struct') {
        if (top.index >= top.fields.length) {
          this.stack.pop();
          top.assign(top.value);
          continue;
        }
        const field = top.fields[top.index] as TypedDataField;
        const assign = (v: unknown) => {
          top.value[field.name] = v;
        };
        if (this.descend(field.type, assign)) {
          top.index += 1;
          continue;
        }
        return;
      }
      if (top.length === null) return;
      if (top.items.length >= top.length) {
        this.stack.pop();
        top.assign(top.items);
        continue;
      }
      if (this.descend(top.element, (v) => top.items.push(v))) continue;
      return;
    }
  }

  /** Push a frame for an array or struct type (true); a leaf waits for its value (false). */
  private descend(type: string, assign: (v: unknown) => void): boolean {
    const array = /^(.*)\[(\d*)\]$/.exec(type);
    if (array !== null) {
      this.stack.push({ kind: 'array', element: array[1] as string, fixed: array[2] === '' ? null : Number(array[2]), length: null, items: [], assign });
      return true;
    }
    const fields = this.types.get(type);
    if (fields !== undefined) {
      this.stack.push({ kind: 'struct', type, fields, index: 0, value: {}, assign });
      return true;
    }
    return false;
  }

  private expect(): Expectation {
    const top = this.stack[this.stack.length - 1];
    if (top === undefined) return { kind: 'done' };
    if (top.kind === 'array') {
      if (top.length === null) return { kind: 'array-size' };
      return { kind: 'leaf', type: top.element, assign: (v) => top.items.push(v) };
    }
    const field = top.fields[top.index] as TypedDataField;
    return {
      kind: 'leaf',
      type: field.type,
      assign: (v) => {
        top.value[field.name] = v;
        top.index += 1;
      },
    };
  }

  /** For tests and the prompt: the root being filled. */
  get root(): string | null {
    return this.currentRoot;
  }
}

/** One field definition (TypeDesc, [TypeSize], [ArrayLevelCount, ArrayLevels], KeyLength, Key). */
function parseFieldDefinition(data: Uint8Array): TypedDataField {
  let at = 0;
  const take = (n: number): Uint8Array => {
    if (at + n > data.length) throw new ApduRefusal(INVALID, 'truncated field definition');
    const out = data.subarray(at, at + n);
    at += n;
    return out;
  };
  const desc = take(1)[0] as number;
  const isArray = (desc & 0x80) !== 0;
  const hasSize = (desc & 0x40) !== 0;
  const typeName = TYPE_NAMES[desc & 0x0f];
  if (typeName === undefined) throw new ApduRefusal(INVALID, 'unknown field type');
  let base: string;
  if (typeName === 'custom') {
    const len = take(1)[0] as number;
    base = ascii(take(len));
  } else {
    base = typeName === 'bytes-fixed' ? 'bytes' : typeName;
  }
  if (hasSize) {
    const size = take(1)[0] as number;
    if (typeName === 'int' || typeName === 'uint') base += String(size * 8);
    else if (typeName === 'bytes-fixed') base += String(size);
    else throw new ApduRefusal(INVALID, 'size on a type without one');
  } else if (typeName === 'int' || typeName === 'uint' || typeName === 'bytes-fixed') {
    throw new ApduRefusal(INVALID, 'sized type without its size');
  }
  if (isArray) {
    const levels = take(1)[0] as number;
    for (let i = 0; i < levels; i++) {
      const kind = take(1)[0] as number;
      if (kind === 0) base += '[]';
      else if (kind === 1) base += `[${take(1)[0] as number}]`;
      else throw new ApduRefusal(INVALID, 'unknown array level');
    }
  }
  const keyLength = take(1)[0] as number;
  const name = ascii(take(keyLength));
  if (at !== data.length) throw new ApduRefusal(INVALID, 'trailing bytes in field definition');
  return { name, type: base };
}

/** A raw field value as the app reads it: big-endian integers, 20-byte addresses, UTF-8 strings. */
function decodeLeaf(type: string, value: Uint8Array): unknown {
  const int = /^(u?)int(\d+)$/.exec(type);
  if (int !== null) {
    const bits = Number(int[2]);
    if (value.length > bits / 8) throw new ApduRefusal(INVALID, 'integer too long');
    let n = value.length === 0 ? 0n : BigInt(hexlify(value));
    // A signed value sent at its full width with the top bit set is negative (two's complement).
    if (int[1] === '' && value.length === bits / 8 && ((value[0] as number) & 0x80) !== 0) n -= 1n << BigInt(bits);
    return n;
  }
  if (type === 'address') {
    if (value.length !== 20) throw new ApduRefusal(INVALID, 'address is not 20 bytes');
    return getAddress(hexlify(value));
  }
  if (type === 'bool') return value.length > 0 && value[value.length - 1] !== 0;
  if (type === 'string') return toUtf8String(value);
  if (/^bytes\d*$/.test(type)) return hexlify(value);
  throw new ApduRefusal(INVALID, `no value for type ${type}`);
}

function ascii(data: Uint8Array): string {
  return Buffer.from(data).toString('latin1');
}
