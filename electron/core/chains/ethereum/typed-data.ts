/**
 * @module core/chains/ethereum/typed-data
 * EIP-712 typed structured data as `eth_signTypedData_v4` sends it: `{ types, primaryType,
 * domain, message }`. Validated here, hashed by ethers' TypedDataEncoder, signed by a signer:
 * digest = keccak256(0x19 ‖ 0x01 ‖ domainSeparator ‖ hashStruct(message)) (EIP-712 §Specification,
 * EIP-191 version 0x01).
 *
 * Why a validator in front of ethers: ethers hashes what it is given and is lenient where a
 * person's view and the signed bytes could part ways — it ignores message fields its types do not
 * declare (they would be shown, not signed), reads any truthy value as `bool` true, accepts `uint`
 * as `uint256`, and orders the domain its own way whatever `EIP712Domain` declares. This module
 * refuses all of those, so what is signed is exactly what describe.ts shows:
 *  - type and member names are identifiers (no "(", ",", " " that could forge an encodeType);
 *    a struct may not be named like an atomic type; member types are atomic (EIP-712
 *    §Definition of typed structured data), declared structs, or arrays of them (`T[]`, `T[n]`);
 *  - `EIP712Domain`, when declared, lists exactly the domain's fields in the canonical order
 *    (name, version, chainId, verifyingContract, salt) with their EIP-712 types;
 *  - the message has exactly the declared members, every value in its type's range and form;
 *  - types not reachable from `primaryType` are dropped (they do not enter encodeType), and
 *    recursive types are refused (ethers cannot hash them);
 *  - the domain's chainId must equal `expectedChainId` (the chain the request arrived for); a
 *    domain without chainId is refused unless the caller allows it, since such a signature is
 *    valid on every chain.
 * Any failure is INVALID_INPUT and nothing is signed.
 *
 * Trusts ethers' TypedDataEncoder for the encoding and keccak256; trusts nothing in the input.
 */
import { TypedDataEncoder, concat, getBytes, keccak256 } from 'ethers';
import { CustodyError } from '../../../../shared/errors.js';
import type { Secp256k1Signer } from '../signer.js';
import { parseAddress } from './address.js';
import {
  assertObjectWithKeys,
  invalid,
  isPlainObject,
  parseChainId,
  parseHexString,
  parseQuantity,
  parseSignedInteger,
  preview,
  type Hex,
  type QuantityLike,
} from './encoding.js';
import { signMessageDigest, type EthSignature } from './signing.js';

export interface TypedDataField {
  readonly name: string;
  readonly type: string;
}

export interface TypedDataOptions {
  /** The chain the request is for; the domain's chainId must equal it (EIP-712 §Definition of domainSeparator). */
  readonly expectedChainId: QuantityLike;
  /** Sign a domain without chainId (valid on every chain). Default false. */
  readonly allowMissingChainId?: boolean;
}

/** The domain with each present field checked and normalised. */
export interface TypedDataDomain {
  readonly name?: string;
  readonly version?: string;
  readonly chainId?: bigint;
  readonly verifyingContract?: string;
  readonly salt?: Hex;
}

/** A normalised message value: numbers as decimal strings, addresses EIP-55, bytes lowercase hex. */
export type TypedValue = string | boolean | readonly TypedValue[] | { readonly [member: string]: TypedValue };

export interface ParsedTypedData {
  readonly primaryType: string;
  /** The struct types reachable from primaryType, without EIP712Domain (what TypedDataEncoder takes). */
  readonly types: Readonly<Record<string, readonly TypedDataField[]>>;
  readonly domain: TypedDataDomain;
  /** The EIP712Domain struct for the fields present, in canonical order. */
  readonly domainType: readonly TypedDataField[];
  readonly message: { readonly [member: string]: TypedValue };
  /** encodeType(primaryType) (EIP-712 §Definition of encodeType). */
  readonly encodedType: string;
  readonly domainSeparator: Hex;
  readonly hashStruct: Hex;
  readonly digest: Hex;
}

/** Canonical domain fields, in the order ethers (and every common producer) encodes them. */
const DOMAIN_FIELDS: readonly TypedDataField[] = [
  { name: 'name', type: 'string' },
  { name: 'version', type: 'string' },
  { name: 'chainId', type: 'uint256' },
  { name: 'verifyingContract', type: 'address' },
  { name: 'salt', type: 'bytes32' },
];
const DOMAIN_KEYS = DOMAIN_FIELDS.map((f) => f.name);

/** Solidity identifiers, minus `__proto__` (assigning it to a plain object would set the prototype, not a member). */
const IDENTIFIER = /^(?!__proto__$)[A-Za-z_$][A-Za-z0-9_$]*$/;
const ATOMIC = /^(?:address|bool|string|bytes|bytes(?:[1-9]|[12][0-9]|3[0-2])|u?int(?:8|16|24|32|40|48|56|64|72|80|88|96|104|112|120|128|136|144|152|160|168|176|184|192|200|208|216|224|232|240|248|256))$/;
/** Names a struct may not take: atomic types and the bare or malformed forms of them. */
const RESERVED = /^(?:address|bool|string|bytes[0-9]*|u?int[0-9]*|function|fixed.*|ufixed.*)$/;
const ARRAY_SUFFIX = /\[([1-9][0-9]{0,5})?\]$/;

/** Bounds on untrusted input: enough for real payloads, small enough to keep recursion and time bounded. */
const MAX_TYPES = 128;
const MAX_MEMBERS = 128;
const MAX_DEPTH = 32;
const MAX_VALUES = 20_000;
const MAX_ARRAY_LENGTH = 10_000;

interface TypeRef {
  readonly base: string;
  /** Array suffixes as written (-1 for `[]`, n for `[n]`); the last is the outermost (`T[2][3]` is 3 × T[2]). */
  readonly dims: readonly number[];
}

function splitType(type: string): TypeRef {
  const dims: number[] = [];
  let base = type;
  for (let match = ARRAY_SUFFIX.exec(base); match !== null; match = ARRAY_SUFFIX.exec(base)) {
    dims.unshift(match[1] === undefined ? -1 : Number(match[1]));
    base = base.slice(0, match.index);
  }
  return { base, dims };
}

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

function parseTypes(value: unknown): Map<string, TypedDataField[]> {
  if (!isPlainObject(value)) throw invalid('typed data: types must be an object of struct definitions');
  const names = Object.keys(value);
  if (names.length > MAX_TYPES) throw invalid(`typed data: more than ${MAX_TYPES} struct types`);
  const types = new Map<string, TypedDataField[]>();
  for (const name of names) {
    if (!IDENTIFIER.test(name) || RESERVED.test(name)) throw invalid(`typed data: ${preview(name)} is not a valid struct name`);
    const members = value[name];
    if (!Array.isArray(members)) throw invalid(`typed data: types.${name} must be an array of { name, type }`);
    if (members.length > MAX_MEMBERS) throw invalid(`typed data: ${name} has more than ${MAX_MEMBERS} members`);
    const seen = new Set<string>();
    const fields: TypedDataField[] = [];
    for (const member of members as unknown[]) {
      assertObjectWithKeys(member, ['name', 'type'], `typed data: a member of ${name}`);
      const memberName = member['name'];
      const memberType = member['type'];
      if (typeof memberName !== 'string' || !IDENTIFIER.test(memberName)) throw invalid(`typed data: ${name} has a member with an invalid name ${preview(memberName)}`);
      if (typeof memberType !== 'string') throw invalid(`typed data: ${name}.${memberName} has no type`);
      if (seen.has(memberName)) throw invalid(`typed data: ${name} declares ${memberName} twice`);
      seen.add(memberName);
      fields.push({ name: memberName, type: memberType });
    }
    types.set(name, fields);
  }
  // Member types: atomic, or a declared struct (not the domain), with optional array suffixes.
  for (const [name, fields] of types) {
    if (name === 'EIP712Domain') continue;
    for (const field of fields) {
      const { base, dims } = splitType(field.type);
      if (dims.length > 4) throw invalid(`typed data: ${name}.${field.name} nests arrays more than 4 deep`);
      if (ATOMIC.test(base)) continue;
      if (!IDENTIFIER.test(base) || !types.has(base) || base === 'EIP712Domain') {
        throw invalid(`typed data: ${name}.${field.name} has an unknown type ${preview(field.type)}`);
      }
    }
  }
  return types;
}

/** The struct types reachable from `primary`, refusing recursion (ethers cannot encode it). */
function reachableTypes(types: Map<string, TypedDataField[]>, primary: string): Record<string, TypedDataField[]> {
  const out: Record<string, TypedDataField[]> = {};
  const visiting = new Set<string>();
  const visit = (name: string): void => {
    if (visiting.has(name)) throw invalid(`typed data: recursive struct type ${name} is not supported`);
    if (Object.hasOwn(out, name)) return;
    const fields = types.get(name);
    if (fields === undefined) throw invalid(`typed data: unknown struct type ${name}`);
    visiting.add(name);
    for (const field of fields) {
      const { base } = splitType(field.type);
      if (!ATOMIC.test(base)) visit(base);
    }
    visiting.delete(name);
    out[name] = fields;
  };
  visit(primary);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Domain
// ---------------------------------------------------------------------------------------------

function parseDomain(value: unknown, declared: TypedDataField[] | undefined): { domain: TypedDataDomain; domainType: TypedDataField[] } {
  assertObjectWithKeys(value, DOMAIN_KEYS, 'typed data: domain');
  const domain: { -readonly [K in keyof TypedDataDomain]: TypedDataDomain[K] } = {};
  const v = value;
  if (v['name'] !== undefined) {
    if (typeof v['name'] !== 'string') throw invalid('typed data: domain.name must be a string');
    domain.name = v['name'];
  }
  if (v['version'] !== undefined) {
    if (typeof v['version'] !== 'string') throw invalid('typed data: domain.version must be a string');
    domain.version = v['version'];
  }
  if (v['chainId'] !== undefined) domain.chainId = parseChainId(v['chainId'], 'typed data: domain.chainId');
  if (v['verifyingContract'] !== undefined) domain.verifyingContract = parseAddress(v['verifyingContract'], 'typed data: domain.verifyingContract');
  if (v['salt'] !== undefined) domain.salt = parseHexString(v['salt'], 'typed data: domain.salt', 32);

  const domainType = DOMAIN_FIELDS.filter((f) => Object.hasOwn(domain, f.name));
  if (declared !== undefined) {
    const same = declared.length === domainType.length && declared.every((f, i) => f.name === domainType[i]?.name && f.type === domainType[i]?.type);
    if (!same) {
      const shown = (fields: readonly TypedDataField[]): string => `EIP712Domain(${fields.map((f) => `${f.type} ${f.name}`).join(',')})`;
      throw invalid(`typed data: types.EIP712Domain is ${shown(declared)} but the domain's fields make ${shown(domainType)} (fields must match the domain, in canonical order)`);
    }
  }
  return { domain, domainType };
}

// ---------------------------------------------------------------------------------------------
// Message values
// ---------------------------------------------------------------------------------------------

interface WalkState {
  values: number;
}

function atomicValue(type: string, value: unknown, path: string): TypedValue {
  if (type === 'address') return parseAddress(value, path);
  if (type === 'bool') {
    if (typeof value !== 'boolean') throw invalid(`${path} must be true or false, got ${preview(value)}`);
    return value;
  }
  if (type === 'string') {
    if (typeof value !== 'string') throw invalid(`${path} must be a string, got ${preview(value)}`);
    // A lone surrogate has no UTF-8 encoding: the hash would depend on how it is replaced.
    if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(value)) throw invalid(`${path} is not well-formed Unicode`);
    return value;
  }
  if (type === 'bytes') return parseHexString(value, path);
  if (type.startsWith('bytes')) return parseHexString(value, path, Number(type.slice(5)));
  if (type.startsWith('uint')) return parseQuantity(value, path, (1n << BigInt(type.slice(4))) - 1n).toString();
  // intN, two's complement range.
  const bits = BigInt(type.slice(3));
  return parseSignedInteger(value, path, -(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n).toString();
}

function walkValue(types: Record<string, readonly TypedDataField[]>, type: string, value: unknown, path: string, depth: number, state: WalkState): TypedValue {
  if (depth > MAX_DEPTH) throw invalid(`typed data: ${path} nests more than ${MAX_DEPTH} levels`);
  if (++state.values > MAX_VALUES) throw invalid(`typed data: the message has more than ${MAX_VALUES} values`);
  const { base, dims } = splitType(type);
  if (dims.length > 0) {
    const count = dims[dims.length - 1] as number;
    const inner = type.slice(0, type.lastIndexOf('['));
    if (!Array.isArray(value)) throw invalid(`${path} must be an array (${type})`);
    if (value.length > MAX_ARRAY_LENGTH) throw invalid(`${path} has more than ${MAX_ARRAY_LENGTH} elements`);
    if (count !== -1 && value.length !== count) throw invalid(`${path} must have exactly ${count} elements (${type}), got ${value.length}`);
    return (value as unknown[]).map((element, i) => walkValue(types, inner, element, `${path}[${i}]`, depth + 1, state));
  }
  if (ATOMIC.test(base)) return atomicValue(base, value, path);
  const fields = types[base];
  if (fields === undefined) throw invalid(`typed data: unknown type ${base}`);
  if (!isPlainObject(value)) throw invalid(`${path} must be an object (${base})`);
  const declared = new Set(fields.map((f) => f.name));
  for (const key of Object.keys(value)) {
    // An undeclared member would be shown to a person but not signed.
    if (!declared.has(key)) throw invalid(`${path} has a member ${preview(key)} that ${base} does not declare`);
  }
  const out: Record<string, TypedValue> = {};
  for (const field of fields) {
    if (!Object.hasOwn(value, field.name) || value[field.name] === undefined) throw invalid(`${path}.${field.name} is missing (${field.type})`);
    out[field.name] = walkValue(types, field.type, value[field.name], `${path}.${field.name}`, depth + 1, state);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Parse, hash, sign
// ---------------------------------------------------------------------------------------------

/**
 * Validate `eth_signTypedData_v4` input (an object or its JSON text) and compute its EIP-712
 * digest. The domain's chainId must equal `options.expectedChainId`.
 * @throws INVALID_INPUT for malformed typed data or a chain id mismatch (the message names both ids).
 */
export function parseTypedData(input: unknown, options: TypedDataOptions): ParsedTypedData {
  if (!isPlainObject(options)) throw invalid('typed data options are required (expectedChainId)');
  const expectedChainId = parseChainId(options.expectedChainId, 'expectedChainId');
  let data = input;
  if (typeof input === 'string') {
    try {
      data = JSON.parse(input) as unknown;
    } catch (cause) {
      throw invalid('typed data is not valid JSON', cause);
    }
  }
  assertObjectWithKeys(data, ['types', 'primaryType', 'domain', 'message'], 'typed data');
  const allTypes = parseTypes(data['types']);
  const primaryType = data['primaryType'];
  if (typeof primaryType !== 'string' || !allTypes.has(primaryType)) throw invalid(`typed data: primaryType ${preview(primaryType)} is not one of the declared types`);
  if (primaryType === 'EIP712Domain') throw invalid('typed data: signing the domain alone (primaryType EIP712Domain) is not supported');

  const { domain, domainType } = parseDomain(data['domain'], allTypes.get('EIP712Domain'));
  if (domain.chainId === undefined) {
    if (options.allowMissingChainId !== true) throw invalid(`typed data: the domain has no chainId, so the signature would be valid on every chain (expected chain ${expectedChainId})`);
  } else if (domain.chainId !== expectedChainId) {
    throw invalid(`typed data: the domain is for chain ${domain.chainId}, but the request is for chain ${expectedChainId}`);
  }

  const types = reachableTypes(allTypes, primaryType);
  const message = walkValue(types, primaryType, data['message'], 'message', 0, { values: 0 }) as { readonly [member: string]: TypedValue };

  try {
    const encoder = TypedDataEncoder.from(types);
    if (encoder.primaryType !== primaryType) throw invalid(`typed data: ethers sees ${encoder.primaryType} as the primary type, not ${primaryType}`);
    const hashStruct = encoder.hash(message) as Hex;
    const domainSeparator = TypedDataEncoder.hashDomain(domain) as Hex;
    const digest = keccak256(concat(['0x1901', domainSeparator, hashStruct])) as Hex;
    return { primaryType, types, domain, domainType, message, encodedType: encoder.encodeType(primaryType), domainSeparator, hashStruct, digest };
  } catch (cause) {
    if (cause instanceof CustodyError) throw cause;
    throw invalid(`typed data could not be encoded: ${cause instanceof Error ? cause.message.slice(0, 120) : 'unknown error'}`, cause);
  }
}

/** The EIP-712 digest of validated typed data (see parseTypedData). */
export function hashTypedData(input: unknown, options: TypedDataOptions): Hex {
  return parseTypedData(input, options).digest;
}

/**
 * Sign typed data as `eth_signTypedData_v4` does: 65 bytes r ‖ s ‖ v, v = 27 + y parity.
 * @throws INVALID_INPUT as parseTypedData; nothing is signed then.
 */
export function signTypedData(signer: Secp256k1Signer, input: unknown, options: TypedDataOptions): EthSignature {
  const parsed = parseTypedData(input, options);
  return signMessageDigest(signer, getBytes(parsed.digest));
}
