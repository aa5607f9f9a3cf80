/**
 * EIP-712 typed data: the EIP's "Mail" example exactly (test/vectors/eip712), nested structs and
 * arrays against ethers' TypedDataEncoder and verifyTypedData, the chain id rule, and malformed
 * input refused as INVALID_INPUT (never a TypeError) with nothing signed.
 */
import { TypedDataEncoder, id, verifyTypedData, type TypedDataField as EthersField } from 'ethers';
import { describe, expect, it } from 'vitest';
import { CustodyError } from '../../../../shared/errors.js';
import { codeOf, readVector } from '../../../../test/support.js';
import { countingSigner, deterministicSigner, testSigner } from './test-signers.js';
import { hashTypedData, parseTypedData, signTypedData } from './typed-data.js';

interface MailVector {
  typedData: { types: Record<string, EthersField[]>; primaryType: string; domain: Record<string, unknown>; message: Record<string, unknown> };
  expected: Record<string, string>;
  signer: { privateKey: string; address: string };
  signature: { r: string; s: string; v: number; rsv: string };
}

const mail = readVector<MailVector>('eip712/eip712_mail.json');
const cowKey = Uint8Array.from(Buffer.from(mail.signer.privateKey.slice(2), 'hex'));
const COW = '0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826';
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

function withoutDomain(types: Record<string, EthersField[]>): Record<string, EthersField[]> {
  const { EIP712Domain: _domain, ...rest } = types;
  return rest;
}

describe('EIP-712 Mail example (EIP-712 §Example, test/vectors/eip712)', () => {
  const parsed = parseTypedData(mail.typedData, { expectedChainId: 1 });

  it('reproduces every intermediate value and the digest exactly', () => {
    expect(parsed.encodedType).toBe(mail.expected['encodeTypeMail']);
    expect(id(parsed.encodedType)).toBe(mail.expected['typeHashMail']);
    const encoder = TypedDataEncoder.from(parsed.types as Record<string, EthersField[]>);
    expect(id(encoder.encodeType('Person'))).toBe(mail.expected['typeHashPerson']);
    expect(encoder.encodeData('Mail', parsed.message)).toBe(mail.expected['encodeDataMail']);
    expect(id(`EIP712Domain(${parsed.domainType.map((f) => `${f.type} ${f.name}`).join(',')})`)).toBe(mail.expected['typeHashDomain']);
    expect(parsed.hashStruct).toBe(mail.expected['hashStructMail']);
    expect(parsed.domainSeparator).toBe(mail.expected['domainSeparator']);
    expect(parsed.digest).toBe(mail.expected['signingDigest']);
  });

  it('reproduces the EIP signature byte for byte with a deterministic RFC 6979 signer', () => {
    const sig = signTypedData(deterministicSigner(cowKey), mail.typedData, { expectedChainId: 1 });
    expect(sig.signature).toBe(mail.signature.rsv);
    expect(sig.r).toBe(mail.signature.r);
    expect(sig.s).toBe(mail.signature.s);
    expect(sig.v).toBe(mail.signature.v);
    expect(sig.address).toBe(COW);
  });

  it('signs through the engine so that ethers verifyTypedData recovers the cow address', () => {
    const sig = signTypedData(testSigner(cowKey), mail.typedData, { expectedChainId: 1 });
    expect(sig.digest).toBe(mail.expected['signingDigest']);
    expect(verifyTypedData(mail.typedData.domain, withoutDomain(mail.typedData.types), mail.typedData.message, sig.signature)).toBe(COW);
  });

  it('takes the JSON text as eth_signTypedData_v4 sends it, and without EIP712Domain in types', () => {
    expect(hashTypedData(JSON.stringify(mail.typedData), { expectedChainId: '0x1' })).toBe(parsed.digest);
    const bare = { ...clone(mail.typedData), types: withoutDomain(mail.typedData.types) };
    expect(hashTypedData(bare, { expectedChainId: 1n })).toBe(parsed.digest);
  });
});

/** Nested structs, struct arrays, fixed and nested arrays, every atomic kind. */
const nested = {
  types: {
    EIP712Domain: [
      { name: 'name', type: 'string' },
      { name: 'version', type: 'string' },
      { name: 'chainId', type: 'uint256' },
      { name: 'verifyingContract', type: 'address' },
      { name: 'salt', type: 'bytes32' },
    ],
    Order: [
      { name: 'maker', type: 'Party' },
      { name: 'takers', type: 'Party[]' },
      { name: 'legs', type: 'Leg[2]' },
      { name: 'grid', type: 'int16[2][]' },
      { name: 'memo', type: 'string' },
      { name: 'blob', type: 'bytes' },
      { name: 'tag', type: 'bytes4' },
      { name: 'active', type: 'bool' },
    ],
    Party: [
      { name: 'wallet', type: 'address' },
      { name: 'labels', type: 'string[]' },
    ],
    Leg: [
      { name: 'token', type: 'address' },
      { name: 'amount', type: 'uint256' },
      { name: 'delta', type: 'int256' },
      { name: 'small', type: 'uint8' },
    ],
    Unused: [{ name: 'x', type: 'uint256' }],
  },
  primaryType: 'Order',
  domain: { name: 'Exchange', version: '2', chainId: 11155111, verifyingContract: '0x1111111111111111111111111111111111111111', salt: `0x${'ab'.repeat(32)}` },
  message: {
    maker: { wallet: '0x2222222222222222222222222222222222222222', labels: ['a', 'b'] },
    takers: [
      { wallet: '0x3333333333333333333333333333333333333333', labels: [] },
      { wallet: '0x4444444444444444444444444444444444444444', labels: ['ü'] },
    ],
    legs: [
      { token: '0x5555555555555555555555555555555555555555', amount: '115792089237316195423570985008687907853269984665640564039457584007913129639935', delta: '-57896044618658097711785492504343953926634992332820282019728792003956564819968', small: 255 },
      { token: '0x6666666666666666666666666666666666666666', amount: '0x10', delta: -1, small: '0' },
    ],
    grid: [
      [1, -2],
      [32767, -32768],
    ],
    memo: 'nested',
    blob: '0xdeadbeef',
    tag: '0x01020304',
    active: true,
  },
};

describe('EIP-712 nested structs and arrays', () => {
  const { Unused: _unused, ...used } = withoutDomain(nested.types);

  it('hashes as ethers TypedDataEncoder does, unused types dropped (they are not in encodeType)', () => {
    const parsed = parseTypedData(nested, { expectedChainId: 11155111 });
    expect(Object.keys(parsed.types).sort()).toEqual(['Leg', 'Order', 'Party']);
    expect(parsed.digest).toBe(TypedDataEncoder.hash(nested.domain, used, nested.message));
    expect(parsed.encodedType).toBe('Order(Party maker,Party[] takers,Leg[2] legs,int16[2][] grid,string memo,bytes blob,bytes4 tag,bool active)Leg(address token,uint256 amount,int256 delta,uint8 small)Party(address wallet,string[] labels)');
  });

  it('signs so that ethers verifyTypedData recovers our address', () => {
    const signer = testSigner(cowKey);
    const sig = signTypedData(signer, nested, { expectedChainId: 11155111 });
    expect(verifyTypedData(nested.domain, used, nested.message, sig.signature)).toBe(COW);
  });

  it('normalises values: decimal strings for integers, EIP-55 addresses, lowercase hex', () => {
    const parsed = parseTypedData(nested, { expectedChainId: 11155111 });
    const legs = parsed.message['legs'] as Record<string, string>[];
    expect(legs[1]).toEqual({ token: '0x6666666666666666666666666666666666666666', amount: '16', delta: '-1', small: '0' });
    expect(parsed.domain.chainId).toBe(11155111n);
  });
});

describe('EIP-712 domain and chain id', () => {
  it('a chain id other than the expected one is INVALID_INPUT naming both ids', () => {
    let error: unknown;
    try {
      parseTypedData(mail.typedData, { expectedChainId: 11155111 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CustodyError);
    expect((error as CustodyError).code).toBe('INVALID_INPUT');
    expect((error as CustodyError).message).toContain('chain 1,');
    expect((error as CustodyError).message).toContain('chain 11155111');
  });

  it('expectedChainId is required', () => {
    expect(codeOf(() => parseTypedData(mail.typedData, undefined as never))).toBe('INVALID_INPUT');
    expect(codeOf(() => parseTypedData(mail.typedData, {} as never))).toBe('INVALID_INPUT');
    expect(codeOf(() => parseTypedData(mail.typedData, { expectedChainId: 0 }))).toBe('INVALID_INPUT');
  });

  it('a domain without chainId is refused unless allowed (the signature would hold on every chain)', () => {
    const noChain = clone(mail.typedData);
    delete noChain.domain['chainId'];
    noChain.types['EIP712Domain'] = (noChain.types['EIP712Domain'] ?? []).filter((f) => f.name !== 'chainId');
    expect(codeOf(() => parseTypedData(noChain, { expectedChainId: 1 }))).toBe('INVALID_INPUT');
    const parsed = parseTypedData(noChain, { expectedChainId: 1, allowMissingChainId: true });
    expect(parsed.digest).toBe(TypedDataEncoder.hash(noChain.domain, withoutDomain(noChain.types), noChain.message));
  });

  it('EIP712Domain must list the domain fields in canonical order, no more, no fewer', () => {
    const reordered = clone(mail.typedData);
    reordered.types['EIP712Domain'] = [...(reordered.types['EIP712Domain'] ?? [])].reverse();
    expect(codeOf(() => parseTypedData(reordered, { expectedChainId: 1 }))).toBe('INVALID_INPUT');
    const extraField = clone(mail.typedData);
    extraField.types['EIP712Domain']?.push({ name: 'salt', type: 'bytes32' });
    expect(codeOf(() => parseTypedData(extraField, { expectedChainId: 1 }))).toBe('INVALID_INPUT');
    const wrongType = clone(mail.typedData);
    (wrongType.types['EIP712Domain'] as EthersField[])[2] = { name: 'chainId', type: 'uint64' };
    expect(codeOf(() => parseTypedData(wrongType, { expectedChainId: 1 }))).toBe('INVALID_INPUT');
    const unknownKey = clone(mail.typedData);
    unknownKey.domain['httpOrigin'] = 'https://example.org';
    expect(codeOf(() => parseTypedData(unknownKey, { expectedChainId: 1 }))).toBe('INVALID_INPUT');
  });
});

describe('EIP-712 malformed input: INVALID_INPUT, nothing signed', () => {
  type Mutation = [string, (d: ReturnType<typeof clone<MailVector['typedData']>>) => unknown];
  const m = (d: MailVector['typedData']): Record<string, unknown> => d.message;
  const mutations: Mutation[] = [
    ['types not an object', (d) => ({ ...d, types: [] })],
    ['a struct that is not an array', (d) => ({ ...d, types: { ...d.types, Person: { name: 'string' } } })],
    ['a member without type', (d) => ({ ...d, types: { ...d.types, Person: [{ name: 'name' }] } })],
    ['a member with an extra key', (d) => ({ ...d, types: { ...d.types, Person: [{ name: 'name', type: 'string', x: 1 }, { name: 'wallet', type: 'address' }] } })],
    ['an unknown member type', (d) => ({ ...d, types: { ...d.types, Person: [{ name: 'name', type: 'strin' }] } })],
    ['uint without width (ethers would read uint256)', (d) => ({ ...d, types: { ...d.types, Person: [{ name: 'name', type: 'string' }, { name: 'wallet', type: 'uint' }] }, message: { ...d.message, from: { name: 'Cow', wallet: '1' } } })],
    ['uint7', (d) => ({ ...d, types: { ...d.types, Person: [{ name: 'name', type: 'string' }, { name: 'wallet', type: 'uint7' }] } })],
    ['bytes33', (d) => ({ ...d, types: { ...d.types, Person: [{ name: 'name', type: 'string' }, { name: 'wallet', type: 'bytes33' }] } })],
    ['a struct name that forges an encodeType', (d) => ({ ...d, types: { ...d.types, 'Mail(Person from)Person': [] } })],
    ['a struct named like an atomic type', (d) => ({ ...d, types: { ...d.types, uint256: [{ name: 'x', type: 'string' }] } })],
    ['a member name with a space', (d) => ({ ...d, types: { ...d.types, Person: [{ name: 'na me', type: 'string' }, { name: 'wallet', type: 'address' }] } })],
    ['a struct named __proto__', (d) => ({ ...d, types: JSON.parse('{"__proto__":[{"name":"x","type":"string"}]}') as unknown })],
    ['a member named __proto__', (d) => ({ ...d, types: { ...d.types, Person: [{ name: '__proto__', type: 'string' }] }, message: JSON.parse('{"__proto__":"x"}') as unknown })],
    ['a duplicate member', (d) => ({ ...d, types: { ...d.types, Person: [{ name: 'name', type: 'string' }, { name: 'name', type: 'string' }] } })],
    ['a recursive type', (d) => ({ ...d, types: { ...d.types, Person: [{ name: 'name', type: 'string' }, { name: 'wallet', type: 'address' }, { name: 'friend', type: 'Person' }] } })],
    ['an unknown primaryType', (d) => ({ ...d, primaryType: 'Letter' })],
    ['primaryType EIP712Domain', (d) => ({ ...d, primaryType: 'EIP712Domain' })],
    ['a missing message member', (d) => ({ ...d, message: { from: m(d)['from'], to: m(d)['to'] } })],
    ['an undeclared message member (would be shown, not signed)', (d) => ({ ...d, message: { ...m(d), cc: 'Eve' } })],
    ['an undeclared nested member', (d) => ({ ...d, message: { ...m(d), to: { name: 'Bob', wallet: '0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB', alias: 'x' } } })],
    ['a struct given as a string', (d) => ({ ...d, message: { ...m(d), to: 'Bob' } })],
    ['an address with a bad checksum', (d) => ({ ...d, message: { ...m(d), to: { name: 'Bob', wallet: '0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbb' } } })],
    ['an address too short', (d) => ({ ...d, message: { ...m(d), to: { name: 'Bob', wallet: '0xbbbb' } } })],
    ['a number as string member', (d) => ({ ...d, message: { ...m(d), contents: 42 } })],
    ['a lone surrogate in a string', (d) => ({ ...d, message: { ...m(d), contents: 'a\uD800b' } })],
    ['a verifyingContract with a bad checksum', (d) => ({ ...d, domain: { ...d.domain, verifyingContract: '0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccc' } })],
    ['a chainId as a float', (d) => ({ ...d, domain: { ...d.domain, chainId: 1.5 } })],
    ['a chainId beyond 2^53 as a JSON number', (d) => ({ ...d, domain: { ...d.domain, chainId: 2 ** 60 } })],
    ['a domain name that is not a string', (d) => ({ ...d, domain: { ...d.domain, name: 7 } })],
    ['a salt of 31 bytes', (d) => ({ ...d, domain: { ...d.domain, salt: `0x${'00'.repeat(31)}` } })],
    ['an extra top-level key', (d) => ({ ...d, extra: true })],
    ['no message', (d) => ({ ...d, message: undefined })],
    ['not an object at all', () => 42],
    ['null', () => null],
    ['invalid JSON text', () => '{"types":'],
  ];

  const signer = countingSigner(testSigner(cowKey));
  it.each(mutations)('%s', (_name, mutate) => {
    const input = mutate(clone(mail.typedData));
    let error: unknown;
    try {
      signTypedData(signer, input, { expectedChainId: 1 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CustodyError);
    expect((error as CustodyError).code).toBe('INVALID_INPUT');
    expect(signer.calls).toBe(0);
  });

  const leg = (patch: Record<string, unknown>): unknown => ({ ...nested, message: { ...nested.message, legs: [{ ...nested.message.legs[0], ...patch }, nested.message.legs[1]] } });
  const valueCases: [string, unknown][] = [
    ['uint256 above 2^256 − 1', leg({ amount: (1n << 256n).toString() })],
    ['a negative uint', leg({ amount: '-1' })],
    ['uint8 above 255', leg({ small: 256 })],
    ['int256 below −2^255', leg({ delta: (-(1n << 255n) - 1n).toString() })],
    ['a decimal with a leading zero', leg({ amount: '010' })],
    ['an exponent', leg({ amount: '1e18' })],
    ['a float', leg({ small: 1.5 })],
    ['a fixed array of the wrong length', { ...nested, message: { ...nested.message, legs: [nested.message.legs[0]] } }],
    ['an inner fixed array of the wrong length', { ...nested, message: { ...nested.message, grid: [[1, 2, 3]] } }],
    ['bool as a string', { ...nested, message: { ...nested.message, active: 'false' } }],
    ['bool as a number', { ...nested, message: { ...nested.message, active: 1 } }],
    ['bytes4 of 3 bytes', { ...nested, message: { ...nested.message, tag: '0x010203' } }],
    ['bytes with odd hex', { ...nested, message: { ...nested.message, blob: '0xabc' } }],
    ['bytes without 0x', { ...nested, message: { ...nested.message, blob: 'deadbeef' } }],
    ['an array given as an object', { ...nested, message: { ...nested.message, takers: { 0: nested.message.takers[0] } } }],
  ];
  it.each(valueCases)('value: %s', (_name, input) => {
    expect(codeOf(() => signTypedData(signer, input, { expectedChainId: 11155111 }))).toBe('INVALID_INPUT');
    expect(signer.calls).toBe(0);
  });

  it('deep or huge input is refused before it can exhaust the stack', () => {
    const types: Record<string, EthersField[]> = {};
    for (let i = 0; i < 40; i++) types[`S${i}`] = i === 39 ? [{ name: 'x', type: 'uint8' }] : [{ name: 'n', type: `S${i + 1}` }];
    let message: Record<string, unknown> = { x: 1 };
    for (let i = 38; i >= 0; i--) message = { n: message };
    expect(codeOf(() => parseTypedData({ types, primaryType: 'S0', domain: { chainId: 1 }, message }, { expectedChainId: 1 }))).toBe('INVALID_INPUT');
    const wide = { types: { Big: [{ name: 'xs', type: 'uint8[]' }] }, primaryType: 'Big', domain: { chainId: 1 }, message: { xs: new Array(10_001).fill(1) } };
    expect(codeOf(() => parseTypedData(wide, { expectedChainId: 1 }))).toBe('INVALID_INPUT');
  });
});
