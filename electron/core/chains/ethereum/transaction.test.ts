/**
 * Transactions of every type signed through the engine signer and checked with ethers:
 * `Transaction.from(signed).from` is our address, its hash and unsigned serialization equal ours,
 * and the serialized-input path gives the same result as the JSON path. Bad input (malformed or
 * non-canonical RLP, fields a type does not define, missing fees or chain id, a chain mismatch)
 * is INVALID_INPUT and nothing is signed.
 */
import { Transaction, Wallet, decodeRlp, encodeRlp, hexlify, keccak256, randomBytes, toUtf8Bytes, type RlpStructuredData, type TransactionLike } from 'ethers';
import { describe, expect, it } from 'vitest';
import { CustodyError } from '../../../../shared/errors.js';
import { codeOf } from '../../../../test/support.js';
import { countingSigner, deterministicSigner, testSigner } from './test-signers.js';
import { parseTransaction, signTransaction, type EthTxType } from './transaction.js';

const KEY = keccak256(toUtf8Bytes('custos transaction test key'));
const wallet = new Wallet(KEY);
const signer = testSigner(Uint8Array.from(Buffer.from(KEY.slice(2), 'hex')));
const delegate = new Wallet(keccak256(toUtf8Bytes('custos 7702 authority')));

const TO = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed';
const BLOB_HASH = `0x01${'ab'.repeat(31)}`;
const auth = delegate.authorizeSync({ address: TO, nonce: 3, chainId: 1 });
const authJson = { chainId: '0x1', address: TO, nonce: '0x3', yParity: `0x${auth.signature.yParity}`, r: auth.signature.r, s: auth.signature.s };

const BASE = { chainId: 1, nonce: 7, to: TO, value: '1500000000000000000', gasLimit: 21000, data: '0x' };
const FEES = { maxFeePerGas: '30000000000', maxPriorityFeePerGas: '1000000000' };
const EXAMPLES: Record<EthTxType, Record<string, unknown>> = {
  0: { type: 0, ...BASE, gasPrice: '20000000000' },
  1: { type: 1, ...BASE, gasPrice: '20000000000', accessList: [{ address: TO, storageKeys: [`0x${'00'.repeat(31)}01`] }] },
  2: { type: 2, ...BASE, ...FEES, accessList: [] },
  3: { type: 3, ...BASE, ...FEES, maxFeePerBlobGas: '3', blobVersionedHashes: [BLOB_HASH] },
  4: { type: 4, ...BASE, ...FEES, authorizationList: [authJson] },
};

/** The same transaction as ethers takes it. */
function ethersLike(f: Record<string, unknown>): TransactionLike {
  const { authorizationList, ...rest } = f;
  const like = { ...rest } as TransactionLike;
  if (authorizationList !== undefined) like.authorizationList = [auth];
  return like;
}

function checkWithEthers(signed: ReturnType<typeof signTransaction>, type: EthTxType): Transaction {
  const t = Transaction.from(signed.rawTransaction);
  expect(t.type).toBe(type);
  expect(t.from).toBe(wallet.address);
  expect(signed.from).toBe(wallet.address);
  expect(t.hash).toBe(signed.hash);
  expect(t.unsignedHash).toBe(signed.signingHash);
  expect(t.signature?.r).toBe(signed.r);
  expect(t.signature?.s).toBe(signed.s);
  expect(t.signature?.yParity).toBe(signed.yParity);
  return t;
}

describe.each([0, 1, 2, 3, 4] as const)('type %i', (type) => {
  const fields = EXAMPLES[type];

  it('serializes unsigned exactly as ethers does', () => {
    expect(parseTransaction(fields).unsignedSerialized).toBe(Transaction.from(ethersLike(fields)).unsignedSerialized);
    expect(parseTransaction(fields).signingHash).toBe(Transaction.from(ethersLike(fields)).unsignedHash);
  });

  it('signs from JSON fields: ethers recovers our address and agrees on hash and fields', () => {
    const signed = signTransaction(signer, fields);
    const t = checkWithEthers(signed, type);
    expect(t.chainId).toBe(1n);
    expect(t.nonce).toBe(7);
    expect(t.to).toBe(TO);
    expect(t.value).toBe(1500000000000000000n);
    if (type === 4) expect(t.authorizationList?.[0]?.address).toBe(TO);
    if (type === 3) expect(t.blobVersionedHashes).toEqual([BLOB_HASH]);
  });

  it('signs from the hex unsigned serialization with the same digest', () => {
    const unsigned = Transaction.from(ethersLike(fields)).unsignedSerialized;
    const signed = signTransaction(signer, unsigned);
    checkWithEthers(signed, type);
    expect(signed.signingHash).toBe(parseTransaction(fields).signingHash);
    expect(codeOf(() => signTransaction(signer, unsigned.toUpperCase().replace('0X', '0x')))).toBe('OK');
  });

  it('infers the type from the fee fields when type is absent', () => {
    if (type === 1 || type === 0) return; // gasPrice alone means legacy; with an access list, 2930
    const { type: _type, ...untyped } = fields;
    expect(parseTransaction(untyped).tx.type).toBe(type);
  });
});

describe('legacy (EIP-155)', () => {
  it('reproduces the example of EIP-155 §Example byte for byte (deterministic RFC 6979 signer)', () => {
    // EIP-155: nonce 9, gas price 20 gwei, gas 21000, to 0x3535…35, 1 ether, no data, chain 1, key 0x4646…46.
    const eip155 = { type: 0, nonce: 9, gasPrice: '20000000000', gasLimit: 21000, to: `0x${'35'.repeat(20)}`, value: '1000000000000000000', data: '0x', chainId: 1 };
    const parsed = parseTransaction(eip155);
    expect(parsed.unsignedSerialized).toBe('0xec098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a764000080018080');
    expect(parsed.signingHash).toBe('0xdaf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53');
    const signed = signTransaction(deterministicSigner(new Uint8Array(32).fill(0x46)), eip155);
    expect(signed.v).toBe('0x25'); // 37
    expect(BigInt(signed.r)).toBe(18515461264373351373200002665853028612451056578545711640558177340181847433846n);
    expect(BigInt(signed.s)).toBe(46948507304638947509940763649030358759909902576025900602547168820602576006531n);
    expect(signed.rawTransaction).toBe(
      '0xf86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83',
    );
  });

  it('v = chainId·2 + 35 + yParity, for small and large chain ids', () => {
    for (const chainId of [1, 11155111, '0xffffffffffff']) {
      const signed = signTransaction(signer, { ...EXAMPLES[0], chainId });
      const t = checkWithEthers(signed, 0);
      const id = BigInt(chainId);
      expect(BigInt(signed.v)).toBe(id * 2n + 35n + BigInt(signed.yParity));
      expect(t.chainId).toBe(id);
    }
  });

  it('needs a chain id unless unprotected signing is explicitly allowed (then v = 27/28)', () => {
    const { chainId: _c, ...noChain } = EXAMPLES[0];
    expect(codeOf(() => signTransaction(signer, noChain))).toBe('INVALID_INPUT');
    expect(codeOf(() => signTransaction(signer, { ...noChain, chainId: 0 }))).toBe('INVALID_INPUT');
    const signed = signTransaction(signer, noChain, { allowUnprotected: true });
    const t = checkWithEthers(signed, 0);
    expect(t.chainId).toBe(0n);
    expect([27n, 28n]).toContain(BigInt(signed.v));
    // The pre-EIP-155 serialization (6 fields) is refused the same way.
    const unsigned = Transaction.from({ ...ethersLike(noChain), chainId: 0 }).unsignedSerialized;
    expect(codeOf(() => signTransaction(signer, unsigned))).toBe('INVALID_INPUT');
    expect(checkWithEthers(signTransaction(signer, unsigned, { allowUnprotected: true }), 0).chainId).toBe(0n);
  });

  it('creates contracts (to absent or null)', () => {
    const { to: _to, ...create } = EXAMPLES[0];
    const signed = signTransaction(signer, { ...create, data: '0x6000', to: null });
    expect(checkWithEthers(signed, 0).to).toBeNull();
  });
});

describe('serialization against ethers over random transactions', () => {
  const sizes = [0, 1, 2, 31, 55, 56, 200, 255, 256, 1000, 65535, 65536, 70000];
  const big = (bytes: number): string => (bytes === 0 ? '0' : BigInt(hexlify(randomBytes(bytes))).toString());

  it('every type, data sizes across every RLP length form, random quantities', () => {
    let n = 0;
    for (const size of sizes) {
      for (const type of [0, 1, 2, 3, 4] as const) {
        const fields: Record<string, unknown> = {
          ...EXAMPLES[type],
          chainId: `0x${(1 + Math.floor(Math.random() * 2 ** 40)).toString(16)}`,
          nonce: Math.floor(Math.random() * 2 ** 40),
          value: big(n % 33),
          gasLimit: big(n % 9),
          data: hexlify(randomBytes(size)),
        };
        if (type === 0 || type === 1) fields['gasPrice'] = big(n % 17);
        else {
          fields['maxPriorityFeePerGas'] = big(n % 5);
          fields['maxFeePerGas'] = `0x${'ff'.repeat(n % 5)}ff`;
        }
        // Recompute the authorization for the random chain id would change it; keep chainId 1 for type 4.
        if (type === 4) fields['chainId'] = 1;
        const expected = Transaction.from(ethersLike(fields));
        const parsed = parseTransaction(fields);
        expect(parsed.unsignedSerialized).toBe(expected.unsignedSerialized);
        const signed = signTransaction(signer, parsed.unsignedSerialized);
        const t = checkWithEthers(signed, type);
        expect(t.data).toBe(fields['data']);
        n++;
      }
    }
    expect(n).toBe(sizes.length * 5);
  });
});

describe('bad input: INVALID_INPUT, nothing signed', () => {
  const counting = countingSigner(signer);
  const unsigned2 = Transaction.from(ethersLike(EXAMPLES[2])).unsignedSerialized;
  const signed2 = signTransaction(signer, EXAMPLES[2]).rawTransaction;
  /** unsigned2 with its RLP fields rewritten (ethers encodes them as given: a way to make non-canonical integers). */
  const reencode2 = (edit: (fields: string[]) => RlpStructuredData[]): string => `0x02${encodeRlp(edit(decodeRlp(`0x${unsigned2.slice(4)}`) as string[])).slice(2)}`;

  const cases: [string, unknown, object?][] = [
    ['truncated RLP', unsigned2.slice(0, -4)],
    ['trailing junk after the RLP', `${unsigned2}00`],
    ['odd-length hex', `${unsigned2}0`],
    ['not hex', '0x02zz'],
    ['no 0x prefix', unsigned2.slice(2)],
    ['empty', '0x'],
    ['unknown type byte 0x05', `0x05${unsigned2.slice(4)}`],
    ['type byte 0x7f', `0x7f${unsigned2.slice(4)}`],
    ['a legacy list with one field', '0xc180'],
    ['a type-2 list with one field', '0x02c180'],
    ['a nonce with a leading zero byte (non-canonical)', reencode2((f) => [f[0] as string, '0x0007', ...f.slice(2)])],
    ['a zero value encoded as 0x00 (non-canonical)', reencode2((f) => [...f.slice(0, 6), '0x00', ...f.slice(7)])],
    ['an already signed transaction', signed2],
    ['a blob transaction in its network wrapper (sidecar)', `0x03${encodeRlp([decodeRlp(`0x${Transaction.from(ethersLike(EXAMPLES[3])).unsignedSerialized.slice(4)}`), [], [], []]).slice(2)}`],
    ['gasPrice on a type-2 transaction (ethers would drop it)', { ...EXAMPLES[2], gasPrice: '1' }],
    ['maxFeePerGas on a legacy transaction', { ...EXAMPLES[0], maxFeePerGas: '1' }],
    ['accessList on a legacy transaction', { ...EXAMPLES[0], accessList: [] }],
    ['blob fields on a type-2 transaction', { ...EXAMPLES[2], maxFeePerBlobGas: '1' }],
    ['an unknown field', { ...EXAMPLES[2], memo: 'x' }],
    ['a signature field', { ...EXAMPLES[2], r: '0x1' }],
    ['type 5', { ...EXAMPLES[2], type: 5 }],
    ['type as a word', { ...EXAMPLES[2], type: 'eip-1559' }],
    ['no nonce', { ...EXAMPLES[2], nonce: undefined }],
    ['no gas limit', { ...EXAMPLES[2], gasLimit: undefined }],
    ['no maxFeePerGas', { ...EXAMPLES[2], maxFeePerGas: undefined }],
    ['no gasPrice on legacy', { ...EXAMPLES[0], gasPrice: undefined }],
    ['no chainId on type 2', { ...EXAMPLES[2], chainId: undefined }],
    ['chainId 0 on type 2', { ...EXAMPLES[2], chainId: 0 }],
    ['no type and no fees', { chainId: 1, nonce: 0, gasLimit: 21000, to: TO }],
    ['priority fee above max fee (EIP-1559)', { ...EXAMPLES[2], maxPriorityFeePerGas: '30000000001' }],
    ['gas and gasLimit that differ', { ...EXAMPLES[2], gas: '21001' }],
    ['data and input that differ', { ...EXAMPLES[2], input: '0x01' }],
    ['a to with a bad checksum', { ...EXAMPLES[2], to: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD' }],
    ['a negative value', { ...EXAMPLES[2], value: '-1' }],
    ['a float value', { ...EXAMPLES[2], value: 1.5 }],
    ['a value above 2^53 as a JSON number', { ...EXAMPLES[2], value: 2 ** 60 }],
    ['a value above 2^256 − 1', { ...EXAMPLES[2], value: (1n << 256n).toString() }],
    ['a nonce above 2^53 − 1', { ...EXAMPLES[2], nonce: '9007199254740992' }],
    ['a gas limit above 2^64 − 1', { ...EXAMPLES[2], gasLimit: (1n << 64n).toString() }],
    ['odd-length data', { ...EXAMPLES[2], data: '0x123' }],
    ['an access-list key of 31 bytes', { ...EXAMPLES[1], accessList: [{ address: TO, storageKeys: [`0x${'00'.repeat(31)}`] }] }],
    ['an access-list entry with an extra key', { ...EXAMPLES[1], accessList: [{ address: TO, storageKeys: [], x: 1 }] }],
    ['EIP-4844 without to', { ...EXAMPLES[3], to: null }],
    ['EIP-4844 without versioned hashes', { ...EXAMPLES[3], blobVersionedHashes: [] }],
    ['EIP-4844 with a hash of the wrong version', { ...EXAMPLES[3], blobVersionedHashes: [`0x02${'ab'.repeat(31)}`] }],
    ['EIP-4844 without maxFeePerBlobGas', { ...EXAMPLES[3], maxFeePerBlobGas: undefined }],
    ['EIP-7702 without to', { ...EXAMPLES[4], to: null }],
    ['EIP-7702 with an empty authorization list', { ...EXAMPLES[4], authorizationList: [] }],
    ['EIP-7702 with a high-s authorization', { ...EXAMPLES[4], authorizationList: [{ ...authJson, s: '0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140' }] }],
    ['EIP-7702 with yParity 2', { ...EXAMPLES[4], authorizationList: [{ ...authJson, yParity: 2 }] }],
    ['EIP-7702 with an authorization nonce of 2^64 − 1', { ...EXAMPLES[4], authorizationList: [{ ...authJson, nonce: (2n ** 64n - 1n).toString() }] }],
    ['EIP-7702 authorization in ethers shape', { ...EXAMPLES[4], authorizationList: [auth] }],
    ['a chain other than the expected one', EXAMPLES[2], { expectedChainId: 11155111 }],
    ['a from that is not the signer', { ...EXAMPLES[2], from: TO }],
    ['not an object', 42],
    ['null', null],
    ['an array', [EXAMPLES[2]]],
  ];

  it.each(cases)('%s', (_name, input, options) => {
    let error: unknown;
    try {
      signTransaction(counting, input, options);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CustodyError);
    expect((error as CustodyError).code).toBe('INVALID_INPUT');
    expect(counting.calls).toBe(0);
  });

  it('the chain mismatch message names both chain ids', () => {
    expect(() => signTransaction(counting, EXAMPLES[2], { expectedChainId: 11155111 })).toThrow(/chain 1, .*chain 11155111/);
  });

  it('a from equal to the signer (any case) is accepted; null fields count as absent', () => {
    expect(codeOf(() => signTransaction(signer, { ...EXAMPLES[2], from: wallet.address.toLowerCase(), accessList: null }))).toBe('OK');
    expect(codeOf(() => signTransaction(signer, { ...EXAMPLES[2], gas: '21000', gasLimit: undefined, input: '0x', data: undefined }))).toBe('OK');
    expect(codeOf(() => signTransaction(signer, EXAMPLES[2], { expectedChainId: '0x1' }))).toBe('OK');
  });
});
