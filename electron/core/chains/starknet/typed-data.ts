/**
 * @module core/chains/starknet/typed-data
 * SNIP-12 typed data, revision 1 (https://github.com/starknet-io/SNIPs/blob/main/SNIPS/snip-12.md):
 *
 *   message_hash = poseidon("StarkNet Message", Enc[domain], account, Enc[message])
 *   Enc[struct]  = poseidon(type_hash, Enc[field₁], …),  type_hash = starknet_keccak(encode_type)
 *   encode_type  = "Name"("field":"type",…) followed by every referenced struct/enum/preset,
 *                  sorted by name; enum fields show their `contains` type, enum definitions
 *                  show variants as "Variant":("t1","t2").
 *
 * Basic types: felt, bool, string (Cairo ByteArray: poseidon(n_words, words…, pending_word,
 * pending_len)), selector (starknet_keccak of a name, or a given hex selector), u128, i128
 * (negative values as P + v), ContractAddress, ClassHash, timestamp (u128), shortstring (≤ 31
 * ASCII), merkletree (root of the `contains` leaves, Poseidon over sorted pairs, an odd node
 * paired with 0), enum. Presets: u256, TokenAmount, NftId. Arrays: `T*`.
 *
 * Where the SNIP text and the implementations the ecosystem signs with differ, this follows the
 * implementations, which the published vectors pin (starknet.js `typedData.ts`, starknet.go):
 *  - a numeric-looking string ("1", "0x3e8") is a number, any other string a short string — so
 *    the domain's `revision: "1"` and `1` hash alike (the SNIP asks for the integer 1);
 *  - an enum value hashes as poseidon(variant_index, Enc[params]…) without the enum's type hash,
 *    and a unit variant "()" as poseidon(variant_index, 0).
 *
 * Validation (fail closed, INVALID_INPUT): the StarknetDomain type exactly as the SNIP defines it;
 * user type names that are not empty, not basic or preset names, without `*`, `,`, quotes or
 * enclosing parentheses; enum variants parenthesized, other types not; every type defined and
 * every defined type referenced; values in range (felt < P, u128, i128, bool, short strings);
 * message objects with exactly their declared fields. Revision 0 (`StarkNetDomain`, Pedersen) is
 * refused as UNSUPPORTED. Pure.
 */
import { CustodyError } from '../../../../shared/errors.js';
import { poseidonHash } from '@scure/starknet';
import type { StarkSigner } from '../signer.js';
import { decodeShortString, encodeShortString, FIELD_PRIME, isNumeric, poseidonArray, starknetKeccak, toFelt, toHex } from './felt.js';
import { signStarkHash } from './transaction.js';

export interface TypedDataField {
  readonly name: string;
  readonly type: string;
  readonly contains?: string;
}

export interface TypedData {
  readonly types: Readonly<Record<string, readonly TypedDataField[]>>;
  readonly primaryType: string;
  readonly domain: Readonly<Record<string, unknown>>;
  readonly message: Readonly<Record<string, unknown>>;
}

/** One value of the message as a person sees it: its path, declared type and display form. */
export interface TypedDataLeaf {
  readonly path: string;
  readonly type: string;
  readonly value: string;
}

export interface TypedDataSummary {
  readonly revision: 1;
  readonly domain: { readonly name: string; readonly version: string; readonly chainId: string; readonly revision: string };
  readonly primaryType: string;
  readonly account: string;
  /** Every leaf value, depth first, in field order. */
  readonly leaves: readonly TypedDataLeaf[];
  readonly messageHash: string;
}

const DOMAIN_TYPE = 'StarknetDomain';
const DOMAIN_FIELDS: readonly TypedDataField[] = [
  { name: 'name', type: 'shortstring' },
  { name: 'version', type: 'shortstring' },
  { name: 'chainId', type: 'shortstring' },
  { name: 'revision', type: 'shortstring' },
];
const MESSAGE_PREFIX = encodeShortString('StarkNet Message');

const BASIC_TYPES = new Set(['felt', 'bool', 'string', 'selector', 'u128', 'i128', 'ContractAddress', 'ClassHash', 'timestamp', 'shortstring', 'merkletree', 'enum']);
const PRESETS: Readonly<Record<string, readonly TypedDataField[]>> = {
  u256: [
    { name: 'low', type: 'u128' },
    { name: 'high', type: 'u128' },
  ],
  TokenAmount: [
    { name: 'token_address', type: 'ContractAddress' },
    { name: 'amount', type: 'u256' },
  ],
  NftId: [
    { name: 'collection_address', type: 'ContractAddress' },
    { name: 'token_id', type: 'u256' },
  ],
};

const U128_MAX = 2n ** 128n - 1n;
const I128_MIN = -(2n ** 127n);
const I128_MAX = 2n ** 127n - 1n;

function invalid(message: string): CustodyError {
  return new CustodyError('INVALID_INPUT', `SNIP-12 typed data: ${message}`);
}

/** A validated view of the types: which user types are enums, and the full table with presets. */
interface Schema {
  readonly types: Readonly<Record<string, readonly TypedDataField[]>>;
  readonly enums: ReadonlySet<string>;
}

/** The message hash (SNIP-12 revision 1) of `typedData` for `account`. */
export function typedDataHash(typedData: TypedData, account: bigint | string): bigint {
  const schema = validate(typedData);
  const acct = toFelt(account as bigint | string, 'account');
  return poseidonArray([MESSAGE_PREFIX, structHash(schema, DOMAIN_TYPE, typedData.domain, 'domain'), acct, structHash(schema, typedData.primaryType, typedData.message, 'message')]);
}

/** What a person must see, and the hash that is signed. */
export function decodeTypedData(typedData: TypedData, account: bigint | string): TypedDataSummary {
  const schema = validate(typedData);
  const messageHash = typedDataHash(typedData, account);
  const leaves: TypedDataLeaf[] = [];
  collectLeaves(schema, typedData.primaryType, typedData.message, 'message', leaves);
  const d = typedData.domain;
  return {
    revision: 1,
    domain: { name: String(d.name), version: String(d.version), chainId: String(d.chainId), revision: String(d.revision) },
    primaryType: typedData.primaryType,
    account: toHex(toFelt(account as bigint | string, 'account')),
    leaves,
    messageHash: toHex(messageHash),
  };
}

export interface SignedTypedData {
  readonly messageHash: string;
  /** [r, s] as account contracts' is_valid_signature takes it. */
  readonly signature: readonly [string, string];
  readonly summary: TypedDataSummary;
}

/** Sign SNIP-12 typed data for `account` (the signer's account contract address); the signature is verified first. */
export function signTypedData(signer: StarkSigner, typedData: TypedData, account: bigint | string): SignedTypedData {
  const summary = decodeTypedData(typedData, account);
  const { r, s } = signStarkHash(signer, BigInt(summary.messageHash));
  return { messageHash: summary.messageHash, signature: [toHex(r), toHex(s)], summary };
}

/** encode_type of `typeName` (the string whose starknet_keccak is the type hash). */
export function encodeType(typedData: TypedData, typeName: string): string {
  return encodeTypeOf(validate(typedData), typeName);
}

/** type_hash = starknet_keccak(encode_type). */
export function typeHash(typedData: TypedData, typeName: string): bigint {
  return starknetKeccak(encodeType(typedData, typeName));
}

/** Enc[value] of a struct type. */
export function typedDataStructHash(typedData: TypedData, typeName: string, value: Readonly<Record<string, unknown>>): bigint {
  return structHash(validate(typedData), typeName, value, typeName);
}

/** Merkle root as SNIP-12 builds it: pairs sorted, hashed bottom-up, an odd last node paired with 0. */
export function merkleRoot(leaves: readonly bigint[], hashPair: (a: bigint, b: bigint) => bigint = poseidonHash): bigint {
  if (leaves.length === 0) throw invalid('a merkle tree needs at least one leaf');
  let level = [...leaves];
  while (level.length > 1) {
    const next: bigint[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const a = level[i] as bigint;
      const b = i + 1 < level.length ? (level[i + 1] as bigint) : 0n;
      next.push(a <= b ? hashPair(a, b) : hashPair(b, a));
    }
    level = next;
  }
  return level[0] as bigint;
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

function validate(td: TypedData): Schema {
  if (td === null || typeof td !== 'object') throw invalid('not an object');
  const { types, primaryType, domain, message } = td;
  if (types === null || typeof types !== 'object' || Array.isArray(types)) throw invalid('`types` is not an object');
  if ('StarkNetDomain' in types) throw new CustodyError('UNSUPPORTED', 'SNIP-12 revision 0 (StarkNetDomain, Pedersen) is not supported; use revision 1');
  const domainFields = types[DOMAIN_TYPE];
  if (domainFields === undefined || !sameFields(domainFields, DOMAIN_FIELDS)) throw invalid('the StarknetDomain type must be exactly name, version, chainId, revision (shortstring)');
  if (domain === null || typeof domain !== 'object') throw invalid('`domain` is not an object');
  if (domain.revision !== 1 && domain.revision !== '1') {
    if (domain.revision === undefined || domain.revision === 0 || domain.revision === '0') throw new CustodyError('UNSUPPORTED', 'SNIP-12 revision 0 is not supported; use revision 1');
    throw invalid(`unknown revision ${String(domain.revision)}`);
  }
  if (typeof primaryType !== 'string' || !(primaryType in types) || primaryType === DOMAIN_TYPE) throw invalid('`primaryType` must name a user type');
  if (message === null || typeof message !== 'object' || Array.isArray(message)) throw invalid('`message` is not an object');

  const names = Object.keys(types);
  const enums = new Set<string>();
  for (const name of names) {
    checkTypeName(name);
    const fields = types[name];
    if (!Array.isArray(fields)) throw invalid(`type ${name} is not a list of fields`);
    for (const f of fields) {
      if (f === null || typeof f !== 'object' || typeof f.name !== 'string' || typeof f.type !== 'string') throw invalid(`type ${name} has a malformed field`);
      if (f.type === 'enum') {
        if (typeof f.contains !== 'string' || !(f.contains in types)) throw invalid(`field ${name}.${f.name}: an enum field needs \`contains\` naming a defined enum type`);
        enums.add(f.contains);
      }
    }
  }
  const all: Record<string, readonly TypedDataField[]> = { ...types, ...PRESETS };
  for (const name of names) {
    const isEnum = enums.has(name);
    for (const f of types[name] as readonly TypedDataField[]) {
      checkName(f.name, `field of ${name}`);
      if (isEnum) {
        if (!/^\(.*\)$/.test(f.type)) throw invalid(`enum ${name}: variant ${f.name} must list its types in parentheses`);
        for (const t of variantTypes(f.type)) checkFieldType(t, all, enums, `${name}.${f.name}`);
      } else {
        if (/^\(.*\)$/.test(f.type)) throw invalid(`${name}.${f.name}: only enum variants are parenthesized`);
        if (f.type === 'merkletree') {
          if (typeof f.contains !== 'string' || f.contains.endsWith('*')) throw invalid(`${name}.${f.name}: a merkletree needs \`contains\` naming its leaf type (not an array)`);
          checkFieldType(f.contains, all, enums, `${name}.${f.name}`);
        } else if (f.type !== 'enum') checkFieldType(f.type, all, enums, `${name}.${f.name}`);
      }
    }
  }
  // No dangling types: everything but the domain and the primary type is referenced.
  const referenced = new Set<string>([DOMAIN_TYPE, primaryType]);
  for (const name of names) {
    for (const f of types[name] as readonly TypedDataField[]) {
      const refs = enums.has(name) ? variantTypes(f.type) : [f.type, ...(f.contains === undefined ? [] : [f.contains])];
      for (const r of refs) referenced.add(r.endsWith('*') ? r.slice(0, -1) : r);
    }
  }
  for (const name of names) if (!referenced.has(name)) throw invalid(`type ${name} is defined but never used`);
  if (enums.has(primaryType)) throw invalid('the primary type must be a struct');
  return { types: all, enums };
}

function sameFields(a: readonly TypedDataField[], b: readonly TypedDataField[]): boolean {
  return Array.isArray(a) && a.length === b.length && a.every((f, i) => f.name === b[i]?.name && f.type === b[i]?.type && f.contains === undefined);
}

function checkName(name: string, what: string): void {
  if (name.length === 0) throw invalid(`${what}: empty name`);
  if ([...name].some((c) => c === '"' || c === '\\' || c.charCodeAt(0) < 0x20)) throw invalid(`${what}: ${JSON.stringify(name)} contains a quote, backslash or control character`);
}

function checkTypeName(name: string): void {
  checkName(name, 'type name');
  if (BASIC_TYPES.has(name) || name in PRESETS) throw invalid(`type name ${name} is a basic or preset type`);
  if (name.endsWith('*') || name.includes(',') || /^\(.*\)$/.test(name)) throw invalid(`type name ${name} may not end in *, contain a comma or be parenthesized`);
}

function checkFieldType(type: string, all: Readonly<Record<string, unknown>>, enums: ReadonlySet<string>, where: string): void {
  const base = type.endsWith('*') ? type.slice(0, -1) : type;
  if (base === 'enum' || base === 'merkletree') throw invalid(`${where}: ${type} cannot be used here`);
  if (!BASIC_TYPES.has(base) && !(base in all)) throw invalid(`${where}: unknown type ${type}`);
  if (enums.has(base)) throw invalid(`${where}: enum ${base} is used through an \`enum\` field only`);
}

/** "(u128, StructA*)" → ["u128", "StructA*"]; "()" → []. */
function variantTypes(type: string): string[] {
  const inner = type.slice(1, -1);
  return inner === '' ? [] : inner.split(',').map((t) => t.trim());
}

// ---------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------

function encodeTypeOf(schema: Schema, typeName: string): string {
  if (!(typeName in schema.types)) throw invalid(`unknown type ${typeName}`);
  const deps = new Set<string>();
  collectDependencies(schema, typeName, deps);
  deps.delete(typeName);
  return [typeName, ...[...deps].sort()].map((name) => encodeOne(schema, name)).join('');
}

function encodeOne(schema: Schema, name: string): string {
  const fields = schema.types[name] as readonly TypedDataField[];
  if (schema.enums.has(name)) {
    return `"${name}"(${fields.map((f) => `"${f.name}":(${variantTypes(f.type).map((t) => `"${t}"`).join(',')})`).join(',')})`;
  }
  return `"${name}"(${fields.map((f) => `"${f.name}":"${f.type === 'enum' ? (f.contains as string) : f.type}"`).join(',')})`;
}

function collectDependencies(schema: Schema, name: string, acc: Set<string>): void {
  if (acc.has(name)) return;
  acc.add(name);
  const fields = schema.types[name] as readonly TypedDataField[];
  for (const f of fields) {
    const refs = schema.enums.has(name) ? variantTypes(f.type) : f.type === 'enum' ? [f.contains as string] : f.type === 'merkletree' ? [] : [f.type];
    for (const r of refs) {
      const base = r.endsWith('*') ? r.slice(0, -1) : r;
      if (base in schema.types) collectDependencies(schema, base, acc);
    }
  }
}

function structHash(schema: Schema, typeName: string, value: unknown, path: string): bigint {
  const fields = schema.types[typeName];
  if (fields === undefined || schema.enums.has(typeName)) throw invalid(`${path}: ${typeName} is not a struct`);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid(`${path}: expected an object of type ${typeName}`);
  const obj = value as Record<string, unknown>;
  const declared = new Set(fields.map((f) => f.name));
  for (const k of Object.keys(obj)) if (!declared.has(k)) throw invalid(`${path}: field ${k} is not declared in ${typeName}`);
  const encoded = fields.map((f) => {
    if (!(f.name in obj) || obj[f.name] === undefined) throw invalid(`${path}: missing field ${f.name}`);
    return encodeField(schema, f, obj[f.name], `${path}.${f.name}`);
  });
  return poseidonArray([starknetKeccak(encodeTypeOf(schema, typeName)), ...encoded]);
}

function encodeField(schema: Schema, field: TypedDataField, value: unknown, path: string): bigint {
  if (field.type === 'enum') return encodeEnum(schema, field.contains as string, value, path);
  if (field.type === 'merkletree') {
    if (!Array.isArray(value)) throw invalid(`${path}: a merkletree value is the list of its leaves`);
    return merkleRoot(value.map((leaf, i) => encodeValue(schema, field.contains as string, leaf, `${path}[${i}]`)));
  }
  return encodeValue(schema, field.type, value, path);
}

function encodeEnum(schema: Schema, enumName: string, value: unknown, path: string): bigint {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid(`${path}: an enum value is { variant: [params] }`);
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length !== 1) throw invalid(`${path}: an enum value names exactly one variant`);
  const [variant, args] = entries[0] as [string, unknown];
  const variants = schema.types[enumName] as readonly TypedDataField[];
  const index = variants.findIndex((v) => v.name === variant);
  if (index < 0) throw invalid(`${path}: ${enumName} has no variant ${variant}`);
  const params = variantTypes((variants[index] as TypedDataField).type);
  if (!Array.isArray(args) || args.length !== params.length) throw invalid(`${path}: variant ${variant} takes ${params.length} values`);
  // As starknet.js: no type hash, and a unit variant contributes one 0 (see module header).
  const encoded = params.length === 0 ? [0n] : params.map((t, i) => encodeValue(schema, t, args[i], `${path}.${variant}[${i}]`));
  return poseidonArray([BigInt(index), ...encoded]);
}

function encodeValue(schema: Schema, type: string, value: unknown, path: string): bigint {
  if (type.endsWith('*')) {
    if (!Array.isArray(value)) throw invalid(`${path}: expected a list of ${type.slice(0, -1)}`);
    const base = type.slice(0, -1);
    return poseidonArray(value.map((v, i) => encodeValue(schema, base, v, `${path}[${i}]`)));
  }
  if (schema.enums.has(type)) return encodeEnum(schema, type, value, path);
  if (type in schema.types) return structHash(schema, type, value, path);
  switch (type) {
    case 'felt':
    case 'ContractAddress':
    case 'ClassHash':
      return feltOf(value, path);
    case 'shortstring': {
      const v = feltOf(value, path);
      if (v >= 2n ** 248n) throw invalid(`${path}: a shortstring holds at most 31 bytes`);
      return v;
    }
    case 'bool': {
      if (value === true || value === 1 || value === '1' || value === 'true') return 1n;
      if (value === false || value === 0 || value === '0' || value === 'false') return 0n;
      throw invalid(`${path}: not a bool`);
    }
    case 'u128':
    case 'timestamp': {
      const v = integerOf(value, path);
      if (v < 0n || v > U128_MAX) throw invalid(`${path}: ${type} out of range`);
      return v;
    }
    case 'i128': {
      const v = integerOf(value, path);
      if (v < I128_MIN || v > I128_MAX) throw invalid(`${path}: i128 out of range`);
      return v < 0n ? FIELD_PRIME + v : v;
    }
    case 'selector': {
      if (typeof value !== 'string') throw invalid(`${path}: a selector is a function name or a hex selector`);
      return /^0x[0-9a-fA-F]+$/.test(value) ? toFelt(value, path) : starknetKeccak(value);
    }
    case 'string':
      return byteArrayHash(value, path);
    default:
      throw invalid(`${path}: unsupported type ${type}`);
  }
}

/** Cairo ByteArray of the UTF-8 bytes, hashed: poseidon(n, word₁…wordₙ, pending_word, pending_len). */
function byteArrayHash(value: unknown, path: string): bigint {
  if (typeof value !== 'string') throw invalid(`${path}: a string value is text`);
  const bytes = new TextEncoder().encode(value);
  const words: bigint[] = [];
  let i = 0;
  for (; i + 31 <= bytes.length; i += 31) words.push(bytesToBig(bytes.subarray(i, i + 31)));
  const pending = bytes.subarray(i);
  return poseidonArray([BigInt(words.length), ...words, bytesToBig(pending), BigInt(pending.length)]);
}

function bytesToBig(b: Uint8Array): bigint {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}

/** A felt from a number, bigint, numeric string, or (any other string) a short string. */
function feltOf(value: unknown, path: string): bigint {
  if (typeof value === 'string' && !isNumeric(value)) return encodeShortString(value, path);
  if (typeof value === 'boolean') return value ? 1n : 0n;
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'bigint') throw invalid(`${path}: not a field element`);
  return toFelt(value, path);
}

function integerOf(value: unknown, path: string): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^-?(0x[0-9a-fA-F]+|[0-9]+)$/.test(value)) return value.startsWith('-') ? -BigInt(value.slice(1)) : BigInt(value);
  throw invalid(`${path}: not an integer`);
}

// ---------------------------------------------------------------------------------------------
// Display
// ---------------------------------------------------------------------------------------------

function collectLeaves(schema: Schema, type: string, value: unknown, path: string, out: TypedDataLeaf[]): void {
  const fields = schema.types[type] as readonly TypedDataField[];
  const obj = value as Record<string, unknown>;
  for (const f of fields) {
    const v = obj[f.name];
    const p = `${path}.${f.name}`;
    if (f.type === 'enum') {
      const [variant, args] = Object.entries(v as Record<string, unknown>)[0] as [string, unknown[]];
      const params = variantTypes((schema.types[f.contains as string] as readonly TypedDataField[]).find((x) => x.name === variant)?.type ?? '()');
      out.push({ path: p, type: `enum ${f.contains as string}`, value: variant });
      params.forEach((t, i) => leafOf(schema, t, args[i], `${p}.${variant}[${i}]`, out));
    } else if (f.type === 'merkletree') {
      (v as unknown[]).forEach((leaf, i) => leafOf(schema, f.contains as string, leaf, `${p}[${i}]`, out));
    } else leafOf(schema, f.type, v, p, out);
  }
}

function leafOf(schema: Schema, type: string, value: unknown, path: string, out: TypedDataLeaf[]): void {
  if (type.endsWith('*')) {
    (value as unknown[]).forEach((v, i) => leafOf(schema, type.slice(0, -1), v, `${path}[${i}]`, out));
    return;
  }
  if (type === 'u256' && value !== null && typeof value === 'object') {
    const { low, high } = value as { low: unknown; high: unknown };
    out.push({ path, type, value: (integerOf(low, path) + (integerOf(high, path) << 128n)).toString() });
    return;
  }
  if (type in schema.types) {
    collectLeaves(schema, type, value, path, out);
    return;
  }
  let shown: string;
  if (type === 'shortstring' || (type === 'felt' && typeof value === 'string' && !isNumeric(value))) {
    const v = feltOf(value, path);
    shown = typeof value === 'string' && !isNumeric(value) ? value : (decodeShortString(v) ?? toHex(v));
  } else if (type === 'string' || type === 'selector') shown = String(value);
  else if (type === 'bool') shown = encodeValue(schema, type, value, path) === 1n ? 'true' : 'false';
  else if (type === 'u128' || type === 'i128' || type === 'timestamp') shown = integerOf(value, path).toString();
  else shown = toHex(feltOf(value, path));
  out.push({ path, type, value: shown });
}
