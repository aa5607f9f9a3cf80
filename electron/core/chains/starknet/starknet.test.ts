/**
 * StarkNet against external vectors (test/vectors/starknet/README.md) and @scure/starknet's verify:
 *  - Stark key, selectors, Pedersen hash-on-elements, the contract-address formula (starknet.js);
 *  - INVOKE v1 and v3 hashes of two real Sepolia transactions (starknet.go), and starknet.js's v1
 *    hash whose RFC 6979 signature the adapter reproduces exactly (r, s);
 *  - SNIP-12 revision 1: encode_type, type hash, struct hash, domain hash and message hash of the
 *    starknet.go / starknet.js examples (base types, presets, nested enums); the Pedersen merkle
 *    root vector for the tree algorithm;
 *  - every signature verified with @scure/starknet's verify against the full public point;
 *  - malformed input refused with INVALID_INPUT (or UNSUPPORTED for SNIP-12 revision 0).
 */
import { getPublicKey, Signature, verify } from '@scure/starknet';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CustodyError } from '../../../../shared/errors.js';
import { contractAddress, DEFAULT_OZ_ACCOUNT_CLASS_HASH, openZeppelinAccountAddress, OZ_ACCOUNT_CLASS_HASHES } from './account.js';
import { encodeShortString, pedersen2, pedersenArray, poseidonArray, selectorFromName } from './felt.js';
import { parseStarkPrivateKey, starkPublicKey, starkSignerFromPrivateKey, verifyStarkSignature } from './keys.js';
import { decodeInvoke, executeCalldata, invokeTransactionHash, signInvoke, type InvokeTransaction } from './transaction.js';
import { decodeTypedData, encodeType, merkleRoot, signTypedData, typedDataHash, typedDataStructHash, typeHash, type TypedData } from './typed-data.js';

interface Vectors {
  account: string;
  domainStructHash: string;
  typedData: { name: string; typeHash: string; structHash?: string; messageHash: string; encodeType: string; data: TypedData }[];
  merkleRev0: { leaves: string[]; root: string };
  contractAddress: { saltPedersenOf: [string, string]; classHash: string; constructorCalldata: string[]; deployer: string; address: string };
  hashOnElements: { elements: string[]; hash: string }[];
  starkKey: { privateKey: string; publicKey: string };
  invokeV1Signed: { senderAddress: string; to: string; entrypoint: string; args: string[]; nonce: string; maxFee: string; chainId: string; hash: string; r: string; s: string };
  invokeSepolia: (InvokeTransaction & { hash: string })[];
  selectors: { name: string; selector: string }[];
}

const v = JSON.parse(readFileSync(new URL('../../../../test/vectors/starknet/vectors.json', import.meta.url), 'utf8')) as Vectors;
const hex = (n: bigint) => `0x${n.toString(16)}`;

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return e instanceof CustodyError ? e.code : `not a CustodyError: ${String(e)}`;
  }
  return undefined;
}

/** @scure/starknet's verify with the full public point (independent of keys.ts's x-only check). */
function scureVerify(privateKey: string, hash: string, r: string, s: string): boolean {
  return verify(new Signature(BigInt(r), BigInt(s)), BigInt(hash).toString(16).padStart(64, '0'), getPublicKey(privateKey.replace(/^0x/, '').padStart(64, '0')));
}

describe('keys and hashes', () => {
  it('Stark public key, selectors, hash on elements', () => {
    expect(hex(starkPublicKey(v.starkKey.privateKey))).toBe(v.starkKey.publicKey);
    expect(hex(starkPublicKey(BigInt(v.starkKey.privateKey)))).toBe(v.starkKey.publicKey);
    expect(hex(starkPublicKey(parseStarkPrivateKey(v.starkKey.privateKey)))).toBe(v.starkKey.publicKey);
    for (const c of v.selectors) expect(hex(selectorFromName(c.name))).toBe(c.selector);
    for (const c of v.hashOnElements) expect(hex(pedersenArray(c.elements.map(BigInt)))).toBe(c.hash);
    for (const bad of [0n, -1n, 3618502788666131213697322783095070105526743751716087489154079457884512865583n, 'zz', new Uint8Array(31)]) {
      expect(code(() => starkSignerFromPrivateKey(bad as never))).toBe('INVALID_INPUT');
    }
  });

  it('the signer adapter: RFC 6979 signatures (starknet.js vector reproduced), verified two ways, disposable', () => {
    const signer = starkSignerFromPrivateKey(v.starkKey.privateKey);
    expect(hex(signer.publicKey)).toBe(v.starkKey.publicKey);
    const sig = signer.signHash(BigInt(v.invokeV1Signed.hash));
    expect(sig.r.toString()).toBe(v.invokeV1Signed.r);
    expect(sig.s.toString()).toBe(v.invokeV1Signed.s);
    expect(scureVerify(v.starkKey.privateKey, v.invokeV1Signed.hash, hex(sig.r), hex(sig.s))).toBe(true);
    expect(verifyStarkSignature(BigInt(v.invokeV1Signed.hash), sig, signer.publicKey)).toBe(true);
    expect(verifyStarkSignature(BigInt(v.invokeV1Signed.hash) + 1n, sig, signer.publicKey)).toBe(false);
    expect(verifyStarkSignature(BigInt(v.invokeV1Signed.hash), { r: sig.r, s: sig.s + 1n }, signer.publicKey)).toBe(false);
    expect(code(() => signer.signHash(2n ** 251n))).toBe('INVALID_INPUT');
    expect(code(() => signer.signHash(-1n))).toBe('INVALID_INPUT');
    signer.dispose();
    expect(code(() => signer.signHash(1n))).toBe('INVALID_INPUT');
  });
});

describe('account address', () => {
  it('the contract-address formula (starknet.js vector)', () => {
    const c = v.contractAddress;
    const salt = pedersen2(BigInt(c.saltPedersenOf[0]), BigInt(c.saltPedersenOf[1]));
    expect(hex(contractAddress(salt, c.classHash, c.constructorCalldata, c.deployer))).toBe(c.address);
  });

  it('OpenZeppelin account: salt = key, calldata = [key], deployer 0, the published class hash', () => {
    const pub = BigInt(v.starkKey.publicKey);
    const a = openZeppelinAccountAddress(pub);
    expect(a.classHash).toBe(DEFAULT_OZ_ACCOUNT_CLASS_HASH);
    expect(a.value).toBe(contractAddress(pub, DEFAULT_OZ_ACCOUNT_CLASS_HASH, [pub], 0));
    expect(a.address).toMatch(/^0x[0-9a-f]{64}$/);
    expect(a.value < 2n ** 251n - 256n).toBe(true);
    // Another release line's class gives another address.
    expect(openZeppelinAccountAddress(pub, { classHash: OZ_ACCOUNT_CLASS_HASHES['3.x'] }).address).not.toBe(a.address);
    expect(code(() => openZeppelinAccountAddress(0n))).toBe('INVALID_INPUT');
    expect(code(() => openZeppelinAccountAddress(pub, { classHash: 'not hex' }))).toBe('INVALID_INPUT');
  });
});

describe('INVOKE transactions', () => {
  it.each(v.invokeSepolia)('real Sepolia INVOKE v$version hash', (tx) => {
    expect(hex(invokeTransactionHash(tx))).toBe(tx.hash);
    const s = decodeInvoke(tx);
    expect(s.transactionHash).toBe(tx.hash);
    expect(s.chainId).toBe('SN_SEPOLIA');
    expect(s.calls).not.toBeNull();
  });

  it('v3 summary: fee bound in STRK, the call decoded; v1 starknet.js vector signed and verified', () => {
    const v3 = v.invokeSepolia.find((t) => t.version === 3) as InvokeTransaction;
    const s = decodeInvoke(v3);
    // 0x186a0·0x2d79883d20000 twice (L1, L1 data) + 0x5f5e100·0xba43b7400.
    expect(s.maxFee).toEqual({ amount: (2n * 100000n * 800000000000000n + 100000000n * 50000000000n).toString(), unit: 'fri', formatted: '165 STRK' });
    expect(s.calls?.[0]?.to).toBe('0x4138fd51f90d171df37e9d4419c8cdb67d525840c58f8a5c347be93a1c5277d');
    expect(s.calls?.[0]?.calldata).toEqual([]);

    const t = v.invokeV1Signed;
    // Cairo 0 account calldata: [call_array_len, to, selector, data_offset, data_len, calldata_len, calldata…, nonce].
    const calldata = [1n, BigInt(t.to), selectorFromName(t.entrypoint), 0n, 1n, 1n, ...t.args.map(BigInt), BigInt(t.nonce)];
    const tx: InvokeTransaction = { version: 1, senderAddress: t.senderAddress, calldata, maxFee: t.maxFee, nonce: t.nonce, chainId: t.chainId };
    const signed = signInvoke(starkSignerFromPrivateKey(v.starkKey.privateKey), tx);
    expect(signed.transactionHash).toBe(t.hash);
    expect(signed.signature).toEqual([hex(BigInt(t.r)), hex(BigInt(t.s))]);
    expect(signed.summary.calls).toBeNull(); // not Cairo 1 calldata
    expect(scureVerify(v.starkKey.privateKey, t.hash, signed.signature[0], signed.signature[1])).toBe(true);
  });

  it('Cairo 1 multicall: ERC-20 transfer decoded with amount; signed; verified', () => {
    const signer = starkSignerFromPrivateKey('0x2dccce1da22003777062ee0870e9881b460a8b7eca276870f57c601f182136c');
    const sender = openZeppelinAccountAddress(signer.publicKey).address;
    const STRK = '0x04718f5a0fc34cc1af16a1cdee98ffb20c31f5cd61d6ab07201858f4287c938d';
    const calldata = executeCalldata([
      { to: STRK, entrypoint: 'transfer', calldata: ['0x1234', 1_500_000_000_000_000_000n, 0] },
      { to: '0x99', selector: '0x42', calldata: [] },
    ]);
    const tx: InvokeTransaction = { version: 3, senderAddress: sender, calldata, nonce: 7, chainId: 'SN_MAIN', resourceBounds: { l1Gas: { maxAmount: 0, maxPricePerUnit: 1 }, l2Gas: { maxAmount: 1000, maxPricePerUnit: 2 }, l1DataGas: { maxAmount: 10, maxPricePerUnit: 3 } }, tip: 5 };
    const signed = signInvoke(signer, tx);
    const calls = signed.summary.calls ?? [];
    expect(calls).toHaveLength(2);
    expect(calls[0]?.entrypoint).toBe('transfer');
    expect(calls[0]?.erc20).toEqual({ token: 'STRK', counterparty: '0x1234', amount: '1500000000000000000', formatted: '1.5 STRK' });
    expect(calls[1]?.entrypoint).toBeNull();
    expect(signed.summary.tip).toBe('5');
    expect(signed.summary.maxFee.amount).toBe('2030');
    expect(verifyStarkSignature(BigInt(signed.transactionHash), { r: BigInt(signed.signature[0]), s: BigInt(signed.signature[1]) }, signer.publicKey)).toBe(true);
    // Without the L1 data bound the hash differs (pre-0.13.4 shape), and both are well-defined.
    const { l1DataGas: _dropped, ...twoBounds } = (tx as { resourceBounds: Record<string, unknown> }).resourceBounds;
    expect(invokeTransactionHash({ ...tx, resourceBounds: twoBounds } as InvokeTransaction)).not.toBe(BigInt(signed.transactionHash));
  });

  it('refuses malformed transactions', () => {
    const base = v.invokeSepolia.find((t) => t.version === 3) as InvokeTransaction & { version: 3 };
    const bad: [string, unknown][] = [
      ['query version', { ...base, version: 2n ** 128n + 3n }],
      ['version 0', { ...base, version: 0 }],
      ['amount above u64', { ...base, resourceBounds: { ...base.resourceBounds, l2Gas: { maxAmount: 2n ** 64n, maxPricePerUnit: 1 } } }],
      ['price above u128', { ...base, resourceBounds: { ...base.resourceBounds, l2Gas: { maxAmount: 1, maxPricePerUnit: 2n ** 128n } } }],
      ['missing l2 bound', { ...base, resourceBounds: { l1Gas: base.resourceBounds.l1Gas } }],
      ['felt out of range', { ...base, nonce: 2n ** 252n }],
      ['calldata not numbers', { ...base, calldata: ['hello'] }],
      ['bad DA mode', { ...base, feeDataAvailabilityMode: 'L3' }],
      ['tip above u64', { ...base, tip: 2n ** 64n }],
      ['chain id too long', { ...base, chainId: 'x'.repeat(32) }],
    ];
    for (const [why, tx] of bad) expect(code(() => signInvoke(starkSignerFromPrivateKey(1n), tx as InvokeTransaction)), why).toBe('INVALID_INPUT');
    expect(code(() => executeCalldata([]))).toBe('INVALID_INPUT');
    expect(code(() => executeCalldata([{ to: 1, calldata: [] }]))).toBe('INVALID_INPUT');
  });
});

describe('SNIP-12 revision 1', () => {
  it.each(v.typedData)('$name: encode_type, type hash, struct hash, message hash', (c) => {
    expect(encodeType(c.data, c.data.primaryType)).toBe(c.encodeType);
    expect(hex(typeHash(c.data, c.data.primaryType))).toBe(c.typeHash);
    if (c.structHash !== undefined) expect(hex(typedDataStructHash(c.data, c.data.primaryType, c.data.message))).toBe(c.structHash);
    expect(hex(typedDataStructHash(c.data, 'StarknetDomain', c.data.domain))).toBe(v.domainStructHash);
    expect(hex(typedDataHash(c.data, v.account))).toBe(c.messageHash);
    // The SNIP's integer revision hashes the same as starknet.js's string "1".
    expect(hex(typedDataHash({ ...c.data, domain: { ...c.data.domain, revision: 1 } }, v.account))).toBe(c.messageHash);
  });

  it('merkle root: the Pedersen vector pins the algorithm (sorted pairs, odd node with 0)', () => {
    expect(hex(merkleRoot(v.merkleRev0.leaves.map(BigInt), pedersen2))).toBe(v.merkleRev0.root);
    expect(merkleRoot([5n])).toBe(5n);
    expect(code(() => merkleRoot([]))).toBe('INVALID_INPUT');
  });

  it('signs typed data for an account; @scure/starknet verifies; the summary shows every value', () => {
    const c = v.typedData.find((t) => t.name === 'example_presetTypes') as Vectors['typedData'][number];
    const pk = '0x2dccce1da22003777062ee0870e9881b460a8b7eca276870f57c601f182136c';
    const signer = starkSignerFromPrivateKey(pk);
    const out = signTypedData(signer, c.data, v.account);
    expect(out.messageHash).toBe(c.messageHash);
    expect(scureVerify(pk, out.messageHash, out.signature[0], out.signature[1])).toBe(true);
    expect(out.summary.domain).toEqual({ name: 'StarkNet Mail', version: '1', chainId: '1', revision: '1' });
    expect(out.summary.leaves).toEqual([
      { path: 'message.n0.token_address', type: 'ContractAddress', value: '0x49d36570d4e46f48e99674bd3fcc84644ddd6b96f7c741b1562b82f9e004dc7' },
      { path: 'message.n0.amount', type: 'u256', value: '1000' },
      { path: 'message.n1.collection_address', type: 'ContractAddress', value: '0x49d36570d4e46f48e99674bd3fcc84644ddd6b96f7c741b1562b82f9e004dc7' },
      { path: 'message.n1.token_id', type: 'u256', value: '1000' },
    ]);
    const base = decodeTypedData((v.typedData[0] as Vectors['typedData'][number]).data, v.account);
    expect(base.leaves.map((l) => l.value)).toEqual(['0x3e8', 'true', expect.stringMatching(/^Lorem ipsum/), 'transfer', '10', '-10', '0x3e8', '0x3e8', '1000', 'transfer']);
    const nested = decodeTypedData((v.typedData[2] as Vectors['typedData'][number]).data, v.account);
    expect(nested.leaves.map((l) => `${l.path}=${l.value}`)).toEqual([
      'message.someEnum=Variant 2',
      'message.someEnum.Variant 2[0]=2',
      'message.someEnum.Variant 2[1].nestedEnum=Variant B',
      'message.someEnum.Variant 2[1].nestedEnum.Variant B[0][0].flag=true',
      'message.someEnum.Variant 2[1].nestedEnum.Variant B[0][1].flag=false',
    ]);
  });

  it('merkletree fields: the root of the leaves as encoded by their `contains` type', () => {
    const td: TypedData = {
      types: {
        StarknetDomain: [
          { name: 'name', type: 'shortstring' },
          { name: 'version', type: 'shortstring' },
          { name: 'chainId', type: 'shortstring' },
          { name: 'revision', type: 'shortstring' },
        ],
        Session: [
          { name: 'key', type: 'felt' },
          { name: 'root', type: 'merkletree', contains: 'Policy' },
        ],
        Policy: [
          { name: 'contract', type: 'ContractAddress' },
          { name: 'selector', type: 'selector' },
        ],
      },
      primaryType: 'Session',
      domain: { name: 'Dapp', version: '1', chainId: 'SN_MAIN', revision: 1 },
      message: { key: '0x1', root: [{ contract: '0x1', selector: 'transfer' }, { contract: '0x2', selector: 'approve' }, { contract: '0x3', selector: 'transfer' }] },
    };
    const policy = (contract: bigint, sel: string) => typedDataStructHash(td, 'Policy', { contract: hex(contract), selector: sel });
    const root = merkleRoot([policy(1n, 'transfer'), policy(2n, 'approve'), policy(3n, 'transfer')]);
    expect(encodeType(td, 'Session')).toBe('"Session"("key":"felt","root":"merkletree")');
    expect(typedDataStructHash(td, 'Session', td.message)).toBe(poseidonArray([typeHash(td, 'Session'), 1n, root]));
    expect(decodeTypedData(td, '0x1').leaves.filter((l) => l.path.startsWith('message.root')).map((l) => l.value)).toEqual(['0x1', 'transfer', '0x2', 'approve', '0x3', 'transfer']);
    expect(code(() => typedDataHash({ ...td, message: { key: '0x1', root: [] } }, '0x1'))).toBe('INVALID_INPUT');
  });

  it('refuses what SNIP-12 says to refuse', () => {
    const good = (v.typedData[0] as Vectors['typedData'][number]).data;
    const withTypes = (types: Record<string, unknown>) => ({ ...good, types: { ...good.types, ...types } }) as TypedData;
    const msg = (m: Record<string, unknown>) => ({ ...good, message: { ...good.message, ...m } }) as TypedData;
    const cases: [string, TypedData, string][] = [
      ['revision 0 domain', { ...good, types: { StarkNetDomain: [{ name: 'name', type: 'felt' }], Example: good.types.Example as never } } as TypedData, 'UNSUPPORTED'],
      ['revision 0', { ...good, domain: { ...good.domain, revision: 0 } }, 'UNSUPPORTED'],
      ['revision 2', { ...good, domain: { ...good.domain, revision: 2 } }, 'INVALID_INPUT'],
      ['domain type altered', withTypes({ StarknetDomain: [{ name: 'name', type: 'felt' }] }), 'INVALID_INPUT'],
      ['dangling type', withTypes({ Unused: [{ name: 'a', type: 'felt' }] }), 'INVALID_INPUT'],
      ['type named like a basic type', withTypes({ u128: [{ name: 'a', type: 'felt' }] }), 'INVALID_INPUT'],
      ['type named like a preset', withTypes({ u256: [{ name: 'a', type: 'felt' }] }), 'INVALID_INPUT'],
      ['unknown field type', withTypes({ Example: [{ name: 'n0', type: 'uint256' }] }), 'INVALID_INPUT'],
      ['parenthesized struct field', withTypes({ Example: [{ name: 'n0', type: '(felt)' }] }), 'INVALID_INPUT'],
      ['u128 out of range', msg({ n4: (2n ** 128n).toString() }), 'INVALID_INPUT'],
      ['i128 out of range', msg({ n5: (-(2n ** 127n) - 1n).toString() }), 'INVALID_INPUT'],
      ['felt out of range', msg({ n0: `0x${(2n ** 252n).toString(16)}` }), 'INVALID_INPUT'],
      ['bool not a bool', msg({ n1: 'yes' }), 'INVALID_INPUT'],
      ['shortstring too long', msg({ n9: 'x'.repeat(32) }), 'INVALID_INPUT'],
      ['missing field', { ...good, message: { n0: '0x1' } }, 'INVALID_INPUT'],
      ['undeclared field', msg({ extra: 1 }), 'INVALID_INPUT'],
      ['primary type unknown', { ...good, primaryType: 'Nope' }, 'INVALID_INPUT'],
    ];
    for (const [why, td, expected] of cases) expect(code(() => typedDataHash(td, v.account)), why).toBe(expected);
    const en = (v.typedData[2] as Vectors['typedData'][number]).data;
    expect(code(() => typedDataHash({ ...en, message: { someEnum: { 'Variant 9': [] } } }, v.account))).toBe('INVALID_INPUT');
    expect(code(() => typedDataHash({ ...en, message: { someEnum: { 'Variant 2': [2] } } }, v.account))).toBe('INVALID_INPUT');
    expect(code(() => typedDataHash({ ...en, message: { someEnum: { 'Variant 1': [], 'Variant 2': [] } } }, v.account))).toBe('INVALID_INPUT');
    expect(encodeShortString('StarkNet Message')).toBe(0x537461726b4e6574204d657373616765n);
  });
});
