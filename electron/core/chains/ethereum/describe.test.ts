/**
 * The views a person approves: token calls decoded (calldata built with ethers' Interface),
 * amounts exact in ETH, wei and gwei, the flags that must show, typed data as trees with permit
 * summaries, personal messages as text only when every character is visible, authorizations.
 * Every view is plain JSON and carries the digest the signing function signs.
 */
import { Interface, MaxUint256, Wallet, ZeroAddress, hashMessage, keccak256, toUtf8Bytes } from 'ethers';
import { describe, expect, it } from 'vitest';
import { codeOf, readVector } from '../../../../test/support.js';
import { describeAuthorization, describePersonalMessage, describeTransaction, describeTypedData, type FlagCode } from './describe.js';
import { testSigner } from './test-signers.js';
import { parseTransaction, signTransaction } from './transaction.js';
import { parseTypedData } from './typed-data.js';

const TOKEN = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed';
const ALICE = '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359';
const BOB = '0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB';
const erc = new Interface([
  'function transfer(address,uint256)',
  'function approve(address,uint256)',
  'function transferFrom(address,address,uint256)',
  'function safeTransferFrom(address,address,uint256)',
  'function safeTransferFrom(address,address,uint256,bytes)',
  'function setApprovalForAll(address,bool)',
  'function permit(address,address,uint256,uint256,uint8,bytes32,bytes32)',
  'function increaseAllowance(address,uint256)',
]);
const call = (data: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  type: 2,
  chainId: 1,
  nonce: 0,
  to: TOKEN,
  gasLimit: 60000,
  maxFeePerGas: '30000000000',
  maxPriorityFeePerGas: '1500000000',
  data,
  ...extra,
});
const codes = (v: { flags: readonly { code: FlagCode }[] }): FlagCode[] => v.flags.map((f) => f.code);
const jsonRoundTrip = (v: unknown): unknown => JSON.parse(JSON.stringify(v)) as unknown;

describe('describeTransaction: amounts, chain and fees', () => {
  it('value in ETH and wei, fees in gwei, the most the fees and the whole can cost', () => {
    const v = describeTransaction({ type: 2, chainId: 1, nonce: 9, to: ALICE, value: '1500000000000000000', gasLimit: 21000, maxFeePerGas: '30000000000', maxPriorityFeePerGas: '1500000000' });
    expect(v.chain).toEqual({ id: '1', name: 'Ethereum Mainnet', symbol: 'ETH', testnet: false });
    expect(v.value).toEqual({ wei: '1500000000000000000', amount: '1.5', symbol: 'ETH', display: '1.5 ETH' });
    expect(v.nonce).toBe('9');
    expect(v.gas.limit).toBe('21000');
    expect(v.gas.maxFeePerGas).toEqual({ wei: '30000000000', gwei: '30', display: '30 gwei' });
    expect(v.gas.maxPriorityFeePerGas?.display).toBe('1.5 gwei');
    expect(v.gas.gasPrice).toBeNull();
    expect(v.gas.maxFee).toEqual({ wei: '630000000000000', amount: '0.00063', symbol: 'ETH', display: '0.00063 ETH' });
    expect(v.gas.maxTotal.amount).toBe('1.50063');
    expect(v.call).toBeNull();
    expect(v.flags).toEqual([]);
    expect(jsonRoundTrip(v)).toStrictEqual(v);
  });

  it('exact to the wei, no exponent, no rounding', () => {
    expect(describeTransaction(call('0x', { to: ALICE, value: 1 })).value.display).toBe('0.000000000000000001 ETH');
    expect(describeTransaction(call('0x', { to: ALICE, value: MaxUint256.toString() })).value.amount).toBe('115792089237316195423570985008687907853269984665640564039457.584007913129639935');
    expect(describeTransaction(call('0x', { to: ALICE, maxFeePerGas: 1, maxPriorityFeePerGas: 0 })).gas.maxFeePerGas?.gwei).toBe('0.000000001');
  });

  it('legacy gasPrice; blob gas in the maximum fee (EIP-4844: 131072 per blob)', () => {
    const legacy = describeTransaction({ type: 0, chainId: 1, nonce: 0, to: ALICE, gasLimit: 21000, gasPrice: '20000000000' });
    expect(legacy.gas.gasPrice?.display).toBe('20 gwei');
    expect(legacy.gas.maxFee.amount).toBe('0.00042');
    expect(legacy.typeName).toBe('legacy');
    const blob = describeTransaction({ ...call('0x'), type: 3, to: ALICE, maxFeePerBlobGas: '1000000000', blobVersionedHashes: [`0x01${'00'.repeat(31)}`, `0x01${'11'.repeat(31)}`] });
    expect(blob.gas.blobGas).toBe('262144');
    expect(blob.gas.maxFee.wei).toBe((60000n * 30000000000n + 262144n * 1000000000n).toString());
    expect(blob.blobVersionedHashes).toHaveLength(2);
  });

  it('names known chains and their currency; flags test networks, unknown chains and missing replay protection', () => {
    const sepolia = describeTransaction(call('0x', { chainId: 11155111, to: ALICE }));
    expect(sepolia.chain?.name).toBe('Sepolia');
    expect(codes(sepolia)).toEqual(['TESTNET']);
    expect(describeTransaction(call('0x', { chainId: 17000, to: ALICE })).chain?.name).toBe('Holesky');
    expect(describeTransaction(call('0x', { chainId: 137, to: ALICE, value: '2000000000000000000' })).value.display).toBe('2 POL');
    const unknown = describeTransaction(call('0x', { chainId: 999999, to: ALICE, value: '1000000000000000000' }));
    expect(unknown.chain).toEqual({ id: '999999', name: null, symbol: null, testnet: false });
    expect(unknown.value.display).toBe('1 (native units)');
    expect(codes(unknown)).toEqual(['UNKNOWN_CHAIN']);
    const unprotected = describeTransaction({ type: 0, nonce: 0, to: ALICE, gasLimit: 21000, gasPrice: 1 }, { allowUnprotected: true });
    expect(unprotected.chain).toBeNull();
    expect(codes(unprotected)).toEqual(['NO_REPLAY_PROTECTION']);
  });

  it('shows what is signed: the signing hash equals signTransaction\'s, for JSON and hex input', () => {
    const signer = testSigner(Uint8Array.from(Buffer.from(keccak256(toUtf8Bytes('describe')).slice(2), 'hex')));
    const fields = call(erc.encodeFunctionData('transfer', [ALICE, 5n]));
    const view = describeTransaction(fields);
    expect(view.signingHash).toBe(signTransaction(signer, fields).signingHash);
    expect(describeTransaction(parseTransaction(fields).unsignedSerialized)).toStrictEqual(view);
  });

  it('from: the signing account, or the request\'s own from; a disagreement is INVALID_INPUT', () => {
    expect(describeTransaction(call('0x', { to: ALICE }), { from: BOB.toLowerCase() }).from).toBe(BOB);
    expect(describeTransaction(call('0x', { to: ALICE, from: BOB })).from).toBe(BOB);
    expect(describeTransaction(call('0x', { to: ALICE })).from).toBeNull();
    expect(codeOf(() => describeTransaction(call('0x', { to: ALICE, from: BOB }), { from: ALICE }))).toBe('INVALID_INPUT');
  });

  it('refuses what signTransaction refuses', () => {
    expect(codeOf(() => describeTransaction(call('0x', { gasPrice: 1 })))).toBe('INVALID_INPUT');
    expect(codeOf(() => describeTransaction(call('0x'), { expectedChainId: 5 }))).toBe('INVALID_INPUT');
  });
});

describe('describeTransaction: calldata', () => {
  it('ERC-20 transfer: selector, function, arguments', () => {
    const v = describeTransaction(call(erc.encodeFunctionData('transfer', [ALICE.toLowerCase(), 1234n])));
    expect(v.to).toBe(TOKEN);
    expect(v.call).toEqual({
      data: erc.encodeFunctionData('transfer', [ALICE, 1234n]),
      byteLength: 68,
      selector: '0xa9059cbb',
      function: 'transfer(address,uint256)',
      standard: 'ERC-20',
      args: [
        { name: 'to', type: 'address', value: ALICE },
        { name: 'amount', type: 'uint256', value: '1234' },
      ],
      note: null,
    });
    expect(v.flags).toEqual([]);
  });

  it('approve: unlimited (max uint256) is flagged, a bounded amount is not; the shared ERC-20/721 selector is said to be shared', () => {
    const unlimited = describeTransaction(call(erc.encodeFunctionData('approve', [BOB, MaxUint256])));
    expect(unlimited.call?.selector).toBe('0x095ea7b3');
    expect(unlimited.call?.standard).toBe('ERC-20 / ERC-721');
    expect(unlimited.call?.note).toMatch(/share/);
    expect(codes(unlimited)).toEqual(['UNLIMITED_APPROVAL']);
    expect(unlimited.flags[0]?.level).toBe('danger');
    expect(unlimited.flags[0]?.message).toContain(BOB);
    expect(codes(describeTransaction(call(erc.encodeFunctionData('approve', [BOB, 10n]))))).toEqual([]);
    expect(codes(describeTransaction(call(erc.encodeFunctionData('increaseAllowance', [BOB, MaxUint256]))))).toEqual(['UNLIMITED_APPROVAL']);
  });

  it('transferFrom, and ERC-721 safeTransferFrom in both overloads', () => {
    const tf = describeTransaction(call(erc.encodeFunctionData('transferFrom', [ALICE, BOB, 7n])));
    expect(tf.call?.function).toBe('transferFrom(address,address,uint256)');
    expect(tf.call?.args.map((a) => a.name)).toEqual(['from', 'to', 'amountOrTokenId']);
    const safe3 = describeTransaction(call(erc.encodeFunctionData('safeTransferFrom(address,address,uint256)', [ALICE, BOB, 7n])));
    expect(safe3.call?.selector).toBe('0x42842e0e');
    expect(safe3.call?.standard).toBe('ERC-721');
    const safe4 = describeTransaction(call(erc.encodeFunctionData('safeTransferFrom(address,address,uint256,bytes)', [ALICE, BOB, 7n, '0xc0ffee'])));
    expect(safe4.call?.selector).toBe('0xb88d4fde');
    expect(safe4.call?.args).toEqual([
      { name: 'from', type: 'address', value: ALICE },
      { name: 'to', type: 'address', value: BOB },
      { name: 'tokenId', type: 'uint256', value: '7' },
      { name: 'data', type: 'bytes', value: '0xc0ffee' },
    ]);
    expect(codes(describeTransaction(call(erc.encodeFunctionData('transfer', [ZeroAddress, 1n]))))).toEqual(['ZERO_ADDRESS_RECIPIENT']);
  });

  it('setApprovalForAll: granting is flagged as danger, revoking as info', () => {
    const grant = describeTransaction(call(erc.encodeFunctionData('setApprovalForAll', [BOB, true])));
    expect(grant.call?.args[1]).toEqual({ name: 'approved', type: 'bool', value: 'true' });
    expect(grant.flags.map((f) => [f.code, f.level])).toEqual([['APPROVAL_FOR_ALL', 'danger']]);
    expect(describeTransaction(call(erc.encodeFunctionData('setApprovalForAll', [BOB, false]))).flags.map((f) => [f.code, f.level])).toEqual([['REVOKES_APPROVAL', 'info']]);
  });

  it('the ERC-2612 permit call', () => {
    const data = erc.encodeFunctionData('permit', [ALICE, BOB, MaxUint256, 1700000000n, 27, `0x${'11'.repeat(32)}`, `0x${'22'.repeat(32)}`]);
    const v = describeTransaction(call(data));
    expect(v.call?.function).toBe('permit(address,address,uint256,uint256,uint8,bytes32,bytes32)');
    expect(v.call?.standard).toBe('ERC-2612');
    expect(codes(v)).toEqual(['UNLIMITED_APPROVAL']);
  });

  it('unknown selectors and short data are blind signing; non-canonical calldata shows no arguments', () => {
    const unknown = describeTransaction(call('0x12345678aabb'));
    expect(unknown.call).toMatchObject({ selector: '0x12345678', function: null, args: [] });
    expect(unknown.flags.map((f) => [f.code, f.level])).toEqual([['UNKNOWN_SELECTOR', 'danger']]);
    expect(describeTransaction(call('0xabcd')).call?.selector).toBeNull();
    expect(codes(describeTransaction(call('0xabcd')))).toEqual(['UNKNOWN_SELECTOR']);
    // ethers decodes these; the bytes are not the canonical encoding of what it decodes.
    const trailing = `${erc.encodeFunctionData('transfer', [ALICE, 1n])}00`;
    const boolTwo = erc.encodeFunctionData('setApprovalForAll', [BOB, true]).replace(/1$/, '2');
    const dirtyAddress = erc.encodeFunctionData('transfer', [ALICE, 1n]).replace('0xa9059cbb000000000000000000000000', '0xa9059cbb0000000000000000000000ff');
    for (const data of [trailing, boolTwo, dirtyAddress]) {
      const v = describeTransaction(call(data));
      expect(v.call?.args).toEqual([]);
      expect(v.call?.function).toBeNull();
      expect(codes(v)).toEqual(['NON_CANONICAL_CALLDATA']);
    }
  });

  it('contract creation shows the init code, not a call', () => {
    const v = describeTransaction({ ...call('0x6080604052'), to: null });
    expect(v.to).toBeNull();
    expect(v.call).toBeNull();
    expect(v.deployment).toEqual({ byteLength: 5, codeHash: keccak256('0x6080604052') });
    expect(codes(v)).toEqual(['CONTRACT_CREATION']);
  });
});

describe('describeTransaction: EIP-7702 authorization lists', () => {
  const authority = new Wallet(keccak256(toUtf8Bytes('describe authority')));
  const tuple = (address: string, chainId: number): Record<string, unknown> => {
    const a = authority.authorizeSync({ address, nonce: 1, chainId });
    return { chainId, address, nonce: 1, yParity: a.signature.yParity, r: a.signature.r, s: a.signature.s };
  };

  it('names each authority (recovered) and its delegate, with the danger flags', () => {
    const v = describeTransaction({ ...call('0x'), type: 4, to: authority.address, authorizationList: [tuple(TOKEN, 1), tuple(ZeroAddress, 0)] });
    expect(v.authorizations).toEqual([
      { chain: { id: '1', name: 'Ethereum Mainnet', symbol: 'ETH', testnet: false }, delegate: TOKEN, clearsDelegation: false, nonce: '1', authority: authority.address },
      { chain: null, delegate: ZeroAddress, clearsDelegation: true, nonce: '1', authority: authority.address },
    ]);
    expect(codes(v)).toEqual(['DELEGATION', 'CLEARS_DELEGATION', 'DELEGATION_ANY_CHAIN']);
    expect(v.flags[0]?.message).toContain(TOKEN);
    expect(jsonRoundTrip(v)).toStrictEqual(v);
  });
});

describe('describeTypedData', () => {
  const mail = readVector<{ typedData: Record<string, unknown>; expected: Record<string, string> }>('eip712/eip712_mail.json');

  it('the Mail example as a domain list and a message tree, with the digest that is signed', () => {
    const v = describeTypedData(mail.typedData, { expectedChainId: 1 });
    expect(v.primaryType).toBe('Mail');
    expect(v.chain?.name).toBe('Ethereum Mainnet');
    expect(v.verifyingContract).toBe('0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC');
    expect(v.domain).toEqual([
      { name: 'name', type: 'string', value: 'Ether Mail' },
      { name: 'version', type: 'string', value: '1' },
      { name: 'chainId', type: 'uint256', value: '1', note: 'Ethereum Mainnet' },
      { name: 'verifyingContract', type: 'address', value: '0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC' },
    ]);
    expect(v.message).toEqual([
      { name: 'from', type: 'Person', children: [{ name: 'name', type: 'string', value: 'Cow' }, { name: 'wallet', type: 'address', value: '0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826' }] },
      { name: 'to', type: 'Person', children: [{ name: 'name', type: 'string', value: 'Bob' }, { name: 'wallet', type: 'address', value: '0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB' }] },
      { name: 'contents', type: 'string', value: 'Hello, Bob!' },
    ]);
    expect(v.digest).toBe(mail.expected['signingDigest']);
    expect(v.permit).toBeNull();
    expect(v.flags).toEqual([]);
    expect(jsonRoundTrip(v)).toStrictEqual(v);
  });

  it('arrays as indexed children', () => {
    const v = describeTypedData(
      { types: { Batch: [{ name: 'ids', type: 'uint256[]' }, { name: 'pairs', type: 'bool[2][]' }] }, primaryType: 'Batch', domain: { chainId: 1 }, message: { ids: [1, '2'], pairs: [[true, false]] } },
      { expectedChainId: 1 },
    );
    expect(v.message).toEqual([
      { name: 'ids', type: 'uint256[]', children: [{ name: '[0]', type: 'uint256', value: '1' }, { name: '[1]', type: 'uint256', value: '2' }] },
      { name: 'pairs', type: 'bool[2][]', children: [{ name: '[0]', type: 'bool[2]', children: [{ name: '[0]', type: 'bool', value: 'true' }, { name: '[1]', type: 'bool', value: 'false' }] }] },
    ]);
  });

  const permit = (value: string, deadline: string, owner = ALICE): Record<string, unknown> => ({
    types: {
      EIP712Domain: [
        { name: 'name', type: 'string' },
        { name: 'version', type: 'string' },
        { name: 'chainId', type: 'uint256' },
        { name: 'verifyingContract', type: 'address' },
      ],
      Permit: [
        { name: 'owner', type: 'address' },
        { name: 'spender', type: 'address' },
        { name: 'value', type: 'uint256' },
        { name: 'nonce', type: 'uint256' },
        { name: 'deadline', type: 'uint256' },
      ],
    },
    primaryType: 'Permit',
    domain: { name: 'USD Coin', version: '2', chainId: 1, verifyingContract: TOKEN },
    message: { owner, spender: BOB, value, nonce: 0, deadline },
  });

  it('EIP-2612 permit: a summary with token, spender, amount and deadline; unlimited and never-expiring flagged', () => {
    const bounded = describeTypedData(permit('1000000', '1767225600'), { expectedChainId: 1, signer: ALICE });
    expect(bounded.permit).toEqual({
      standard: 'EIP-2612',
      token: TOKEN,
      tokenName: 'USD Coin',
      owner: ALICE,
      spender: BOB,
      value: '1000000',
      unlimited: false,
      allowed: null,
      nonce: '0',
      deadline: '1767225600',
      deadlineUtc: '2026-01-01T00:00:00.000Z',
    });
    expect(codes(bounded)).toEqual(['PERMIT']);
    const unlimited = describeTypedData(permit(MaxUint256.toString(), MaxUint256.toString()), { expectedChainId: 1, signer: BOB });
    expect(codes(unlimited)).toEqual(['PERMIT', 'UNLIMITED_APPROVAL', 'PERMIT_NEVER_EXPIRES', 'OWNER_NOT_SIGNER']);
    expect(unlimited.message.find((n) => n.name === 'value')?.note).toBe('maximum uint256');
  });

  it('DAI permit (holder, spender, nonce, expiry, allowed)', () => {
    const dai = {
      types: { Permit: [{ name: 'holder', type: 'address' }, { name: 'spender', type: 'address' }, { name: 'nonce', type: 'uint256' }, { name: 'expiry', type: 'uint256' }, { name: 'allowed', type: 'bool' }] },
      primaryType: 'Permit',
      domain: { name: 'Dai Stablecoin', version: '1', chainId: 1, verifyingContract: TOKEN },
      message: { holder: ALICE, spender: BOB, nonce: 3, expiry: 0, allowed: true },
    };
    const v = describeTypedData(dai, { expectedChainId: 1 });
    expect(v.permit).toMatchObject({ standard: 'DAI', owner: ALICE, spender: BOB, value: null, unlimited: true, allowed: true, deadline: '0', deadlineUtc: null });
    expect(codes(v)).toEqual(['PERMIT', 'UNLIMITED_APPROVAL', 'PERMIT_NEVER_EXPIRES']);
  });

  it('other permit-like primary types get the generic permit flag; a missing chain id is flagged when allowed', () => {
    const single = { types: { PermitSingle: [{ name: 'spender', type: 'address' }, { name: 'sigDeadline', type: 'uint256' }] }, primaryType: 'PermitSingle', domain: { name: 'Permit2', chainId: 1 }, message: { spender: BOB, sigDeadline: 1 } };
    expect(codes(describeTypedData(single, { expectedChainId: 1 }))).toEqual(['PERMIT']);
    const noChain = { ...single, domain: { name: 'Permit2' } };
    const v = describeTypedData(noChain, { expectedChainId: 1, allowMissingChainId: true });
    expect(v.chain).toBeNull();
    expect(codes(v)).toEqual(['NO_CHAIN_ID', 'PERMIT']);
  });

  it('refuses what signTypedData refuses, a chain mismatch included', () => {
    expect(codeOf(() => describeTypedData(mail.typedData, { expectedChainId: 5 }))).toBe('INVALID_INPUT');
    expect(describeTypedData(mail.typedData, { expectedChainId: 1 }).digest).toBe(parseTypedData(mail.typedData, { expectedChainId: 1 }).digest);
  });
});

describe('describePersonalMessage', () => {
  it('printable UTF-8 is shown as text (newlines and tabs included)', () => {
    const message = toUtf8Bytes('Sign in to example.org\n\tNonce: 42 — ünïcödé 中文 😀');
    const v = describePersonalMessage(message);
    expect(v).toMatchObject({ kind: 'personal-message', encoding: 'utf8', text: 'Sign in to example.org\n\tNonce: 42 — ünïcödé 中文 😀', byteLength: message.length });
    expect(v.digest).toBe(hashMessage(message));
    expect(v.flags).toEqual([]);
    expect(jsonRoundTrip(v)).toStrictEqual(v);
  });

  it('invalid UTF-8, control characters, bidi overrides, zero-width characters and a BOM are shown as hex', () => {
    for (const bytes of [
      Uint8Array.of(0xff, 0xfe, 0x00),
      Uint8Array.of(0xc3),
      toUtf8Bytes('pay \u202Emoc.evil'),
      toUtf8Bytes('a\u200Bb'),
      toUtf8Bytes('\uFEFFhello'),
      toUtf8Bytes('bell\u0007'),
      toUtf8Bytes('nul\u0000'),
      toUtf8Bytes('line\u2028sep'),
    ]) {
      const v = describePersonalMessage(bytes);
      expect(v.encoding).toBe('hex');
      expect(v.text).toBeNull();
      expect(v.hex).toBe(`0x${Buffer.from(bytes).toString('hex')}`);
      expect(codes(v)).toEqual(['NOT_PRINTABLE']);
    }
  });

  it('a 32-byte hash is hex; an empty message is flagged; strings are refused', () => {
    const hash = Uint8Array.from(Buffer.from(keccak256('0x01').slice(2), 'hex'));
    expect(describePersonalMessage(hash).encoding).toBe('hex');
    expect(codes(describePersonalMessage(new Uint8Array(0)))).toEqual(['EMPTY_MESSAGE']);
    expect(codeOf(() => describePersonalMessage('hello' as unknown as Uint8Array))).toBe('INVALID_INPUT');
  });
});

describe('describeAuthorization', () => {
  it('delegation is danger; every-chain and clearing are said so', () => {
    const v = describeAuthorization({ chainId: 1, address: TOKEN, nonce: 4 }, { expectedChainId: 1, signer: ALICE });
    expect(v).toMatchObject({ kind: 'authorization', delegate: TOKEN, clearsDelegation: false, nonce: '4', authority: ALICE });
    expect(v.chain?.name).toBe('Ethereum Mainnet');
    expect(v.flags.map((f) => [f.code, f.level])).toEqual([['DELEGATION', 'danger']]);
    const anyChain = describeAuthorization({ chainId: 0, address: TOKEN, nonce: 4 }, { expectedChainId: 1, allowAnyChain: true });
    expect(anyChain.chain).toBeNull();
    expect(codes(anyChain)).toEqual(['DELEGATION', 'DELEGATION_ANY_CHAIN']);
    expect(codes(describeAuthorization({ chainId: 11155111, address: ZeroAddress, nonce: 0 }, { expectedChainId: 11155111 }))).toEqual(['CLEARS_DELEGATION', 'TESTNET']);
    expect(codeOf(() => describeAuthorization({ chainId: 0, address: TOKEN, nonce: 4 }, { expectedChainId: 1 }))).toBe('INVALID_INPUT');
    expect(jsonRoundTrip(v)).toStrictEqual(v);
  });
});
