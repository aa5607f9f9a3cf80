/**
 * Chain signing requests through the renderer API (handler table + dispatch, as the UI calls
 * them), on a real vault, each result checked by the chain's own library: ethers recovers the
 * Ethereum signer, noble verifies the Solana signature, @scure/btc-signer extracts the Bitcoin
 * transaction, @scure/starknet verifies the Stark signature. Views carry what a person must see
 * (amounts, flags, the digest that is signed); every output matches its schema; bad requests are
 * typed errors and sign nothing.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { base58, base64, hex } from '@scure/base';
import { OutScript, p2wpkh, Transaction as BtcTransaction } from '@scure/btc-signer';
import { getPublicKey, Signature, verify as starkVerify } from '@scure/starknet';
import { HDKey } from '@scure/bip32';
import { mnemonicToSeedSync } from '@scure/bip39';
import { grindKey } from '@scure/starknet';
import { Transaction, verifyMessage, verifyTypedData, type TypedDataField } from 'ethers';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { METHODS, type MethodName } from '../../../shared/api/contract.js';
import type { RequestView, SignedResult, SignerRef, SigningRequest } from '../../../shared/api/signing.js';
import { FAST_KDF, tempDir } from '../../../test/helpers.js';
import { dispatch } from '../api/dispatch.js';
import { createHandlers, type Connection } from '../api/handlers.js';
import { UiSettingsStore } from '../api/ui-settings.js';
import { legacyTransfer } from '../chains/solana/test-transactions.js';
import { executeCalldata } from '../chains/starknet/index.js';
import { openCustodian, type Custodian } from '../custodian.js';

const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
/** m/44'/60'/0'/0/0 of the BIP-39 test phrase, as every wallet shows it. */
const ABANDON_ETH = '0x9858EfFD232B4033E47d90003D41EC34EcaEda94';
const MAIL_VECTOR = JSON.parse(readFileSync(new URL('../../../test/vectors/eip712/eip712_mail.json', import.meta.url), 'utf8')) as {
  typedData: { types: Record<string, TypedDataField[]>; domain: Record<string, unknown>; message: Record<string, unknown>; primaryType: string };
  expected: { signingDigest: string };
};
const MAIL = MAIL_VECTOR.typedData;

const hd: SignerRef = { kind: 'hd', namespace: 'default', wallet: 'hd' };
const vaultEth: SignerRef = { kind: 'key', namespace: 'default', keyId: 'k1' };

let root: Custodian;
let conn: Connection;
const table = createHandlers({ settings: new UiSettingsStore(tempDir()), version: '0.0.0-test' });

async function call<M extends MethodName>(method: M, input: unknown): Promise<unknown> {
  const r = await dispatch(table, method, input, conn);
  if (!r.ok) throw Object.assign(new Error(`${method}: ${r.error.code} ${r.error.message}`), { code: r.error.code });
  expect(METHODS[method].output.safeParse(r.value).success, method).toBe(true);
  return r.value;
}

async function codeOf(method: MethodName, input: unknown): Promise<string | undefined> {
  const r = await dispatch(table, method, input, conn);
  return r.ok ? undefined : r.error.code;
}

const sign = async (request: SigningRequest, signer: SignerRef = hd) => (await call('signing.sign', { request, signer })) as { view: RequestView; result: SignedResult };
const describeReq = async (request: SigningRequest, signer?: SignerRef) => (await call('signing.describe', { request, ...(signer === undefined ? {} : { signer }) })) as RequestView;
const fieldValue = (view: RequestView, label: string): string | undefined => view.sections.flatMap((s) => s.fields).find((f) => f.label === label)?.value;

beforeAll(async () => {
  const dataDir = tempDir();
  root = await openCustodian({ dataDir, kdf: FAST_KDF });
  conn = { custodian: root.forTransport({ transport: 'test' }) };
  await call('vault.init', { passphrase: 'correct horse battery staple' });
  await call('hd.import', { namespace: 'default', id: 'hd', mnemonic: ABANDON });
  await call('keys.generate', { namespace: 'default', id: 'k1', algorithm: 'ecdsa-secp256k1' });
  await call('keys.generate', { namespace: 'default', id: 'ed', algorithm: 'ed25519' });
});

describe('Ethereum requests', () => {
  const tx = { type: 2, chainId: 1, nonce: 7, to: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', value: '1500000000000000000', gasLimit: 21000, maxFeePerGas: '30000000000', maxPriorityFeePerGas: '1500000000' };

  it('an EIP-1559 transfer: the view names amount, fees and signer; ethers recovers the signer from the raw transaction', async () => {
    const request: SigningRequest = { type: 'eth.transaction', transaction: JSON.stringify(tx), chainId: '1' };
    const shown = await describeReq(request, hd);
    expect(shown).toMatchObject({ chain: 'ethereum', title: 'Send 1.5 ETH', network: 'Ethereum Mainnet (1)', signer: ABANDON_ETH });
    expect(fieldValue(shown, 'Max network fee')).toBe('0.00063 ETH');
    const { view, result } = await sign(request);
    expect(view).toEqual(shown);
    const parsed = Transaction.from(result.primary.value);
    expect(parsed.from).toBe(ABANDON_ETH);
    expect(parsed.unsignedHash).toBe(view.digest?.value);
    expect(parsed.value).toBe(1_500_000_000_000_000_000n);
    // A vault key signs the same request; its address is what ethers recovers.
    const { address } = (await call('signing.address', { signer: vaultEth, chain: 'ethereum' })) as { address: string };
    const byKey = await sign(request, vaultEth);
    expect(Transaction.from(byKey.result.primary.value).from).toBe(address);
  });

  it('an unsigned serialized transaction (0x hex) is accepted; a chain id mismatch is refused and nothing is signed', async () => {
    const unsigned = Transaction.from({ ...tx, value: BigInt(tx.value), maxFeePerGas: BigInt(tx.maxFeePerGas), maxPriorityFeePerGas: BigInt(tx.maxPriorityFeePerGas) }).unsignedSerialized;
    const { result } = await sign({ type: 'eth.transaction', transaction: unsigned });
    expect(Transaction.from(result.primary.value).from).toBe(ABANDON_ETH);
    const before = conn.custodian.auditStatus().size;
    expect(await codeOf('signing.sign', { request: { type: 'eth.transaction', transaction: JSON.stringify(tx), chainId: '5' }, signer: hd })).toBe('INVALID_INPUT');
    expect(await codeOf('signing.sign', { request: { type: 'eth.transaction', transaction: '{"to": ' }, signer: hd })).toBe('INVALID_INPUT');
    const after = await conn.custodian.auditQuery({ afterSeq: before, action: 'eth.sign-tx', result: 'ok' });
    expect(after).toHaveLength(0);
  });

  it('an unlimited ERC-20 approval is decoded and flagged as danger', async () => {
    const data = '0x095ea7b3' + '000000000000000000000000' + '1111111111111111111111111111111111111111' + 'f'.repeat(64);
    const view = await describeReq({ type: 'eth.transaction', transaction: JSON.stringify({ ...tx, to: '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48', value: '0', gasLimit: 60000, data }) });
    expect(view.title).toBe('Call approve (ERC-20 / ERC-721)');
    expect(view.flags).toContainEqual(expect.objectContaining({ code: 'UNLIMITED_APPROVAL', level: 'danger' }));
  });

  it('EIP-712 Mail: the tree shows the message; ethers verifies the signature; the digest is the spec example', async () => {
    const request: SigningRequest = { type: 'eth.typedData', typedData: JSON.stringify(MAIL), chainId: String(MAIL.domain['chainId']) };
    const { view, result } = await sign(request);
    expect(view.digest?.value).toBe(MAIL_VECTOR.expected.signingDigest);
    expect(view.sections.find((s) => s.title === 'Message: Mail')?.tree?.map((n) => n.name)).toEqual(['from', 'to', 'contents']);
    const { EIP712Domain: _d, ...types } = MAIL.types;
    expect(verifyTypedData(MAIL.domain, types, MAIL.message, result.primary.value)).toBe(ABANDON_ETH);
    expect(await codeOf('signing.sign', { request: { ...request, chainId: '2' }, signer: hd })).toBe('INVALID_INPUT');
  });

  it('personal_sign of text and of hex bytes, verified by ethers', async () => {
    const text = await sign({ type: 'eth.message', message: 'Sign in to example.org\nNonce: 42', encoding: 'utf8' });
    expect(text.view.sections[0]?.text).toBe('Sign in to example.org\nNonce: 42');
    expect(verifyMessage('Sign in to example.org\nNonce: 42', text.result.primary.value)).toBe(ABANDON_ETH);
    const bytes = await sign({ type: 'eth.message', message: '0x00ff10', encoding: 'hex' });
    expect(verifyMessage(hex.decode('00ff10'), bytes.result.primary.value)).toBe(ABANDON_ETH);
    expect(await codeOf('signing.sign', { request: { type: 'eth.message', message: '0xzz', encoding: 'hex' }, signer: hd })).toBe('INVALID_INPUT');
  });
});

describe('Bitcoin requests', () => {
  it('a PSBT spending from BIP-84 account 0: sending, change and fee in the view; finalized and extracted', async () => {
    const signer: SignerRef = { kind: 'hd', namespace: 'default', wallet: 'hd', script: 'p2wpkh', network: 'mainnet' };
    const { address } = (await call('signing.address', { signer, chain: 'bitcoin' })) as { address: string };
    expect(address).toBe('bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu');
    const derived = (await call('hd.derive', { namespace: 'default', id: 'hd', chain: 'bitcoin', script: 'p2wpkh', network: 'mainnet', index: 0 })) as { publicKey: string };
    const ours = p2wpkh(hex.decode(derived.publicKey));
    const tx = new BtcTransaction();
    tx.addInput({ txid: new Uint8Array(32).fill(1), index: 0, witnessUtxo: { script: ours.script, amount: 100_000n } });
    tx.addOutputAddress('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', 60_000n);
    tx.addOutput({ script: ours.script, amount: 39_000n });
    const psbt = base64.encode(tx.toPSBT());
    const { view, result } = await sign({ type: 'btc.psbt', psbt, network: 'mainnet', finalize: true }, signer);
    expect(view.title).toBe('Send 0.0006 BTC');
    expect(fieldValue(view, 'Fee')).toBe('0.00001 BTC');
    expect(fieldValue(view, 'Change back')).toBe('0.00039 BTC');
    expect(view.sections.flatMap((s) => s.fields).some((f) => f.label === '#1 (change)')).toBe(true);
    const final = BtcTransaction.fromRaw(hex.decode(result.primary.value));
    expect(final.outputsLength).toBe(2);
    expect(OutScript.decode(final.getOutput(1).script as Uint8Array)).toMatchObject({ type: 'wpkh' });
    expect(result.fields.find((f) => f.label === 'Transaction id')?.value).toBe(final.id);
  });

  it('a message signed BIP-322 for an HD account; a non-default sighash is refused unless allowed', async () => {
    const { result } = await sign({ type: 'btc.message', message: 'Hello World' }, { kind: 'hd', namespace: 'default', wallet: 'hd', script: 'p2wpkh', network: 'mainnet' });
    expect(result.fields[0]?.value).toBe('bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu');
    expect(result.primary.value.length).toBeGreaterThan(80);
    expect(await codeOf('signing.sign', { request: { type: 'btc.psbt', psbt: 'not a psbt', network: 'mainnet' }, signer: hd })).toBe('INVALID_INPUT');
  });
});

describe('Solana requests', () => {
  const transfer = (payer: Uint8Array): string => base64.encode(legacyTransfer(payer, 2_500_000_000n));

  it('a SOL transfer by an HD account and by an Ed25519 vault key, verified by noble', async () => {
    for (const signer of [hd, { kind: 'key', namespace: 'default', keyId: 'ed' } as SignerRef]) {
      const { address } = (await call('signing.address', { signer, chain: 'solana' })) as { address: string };
      const pub = base58.decode(address);
      const { view, result } = await sign({ type: 'sol.transaction', transaction: transfer(pub) }, signer);
      expect(view.title).toBe('Send 2.5 SOL');
      expect(fieldValue(view, 'Fee payer')).toBe(address);
      const wire = base64.decode(result.primary.value);
      expect(ed25519.verify(wire.subarray(1, 65), wire.subarray(65), pub, { zip215: false })).toBe(true);
    }
    // Someone else's transaction: this key is not a signer.
    const foreign = await describeReq({ type: 'sol.transaction', transaction: transfer(new Uint8Array(32).fill(7)) }, hd);
    expect(foreign.flags).toContainEqual(expect.objectContaining({ code: 'NOT_A_SIGNER', level: 'danger' }));
    expect(await codeOf('signing.sign', { request: { type: 'sol.transaction', transaction: transfer(new Uint8Array(32).fill(7)) }, signer: hd })).toBeDefined();
  });
});

describe('StarkNet requests', () => {
  it('an INVOKE v3 transfer by an HD account, verified by @scure/starknet; vault keys are refused', async () => {
    const { address, publicKey } = (await call('signing.address', { signer: hd, chain: 'starknet' })) as { address: string; publicKey: string };
    const pk = grindKey(HDKey.fromMasterSeed(mnemonicToSeedSync(ABANDON)).derive("m/44'/9004'/0'/0/0").privateKey as Uint8Array);
    const invoke = {
      version: 3,
      senderAddress: address,
      calldata: executeCalldata([{ to: '0x04718f5a0fc34cc1af16a1cdee98ffb20c31f5cd61d6ab07201858f4287c938d', entrypoint: 'transfer', calldata: ['0x1234', 10n ** 18n, 0] }]).map((f) => `0x${f.toString(16)}`),
      nonce: '3',
      chainId: 'SN_SEPOLIA',
      resourceBounds: { l1Gas: { maxAmount: '1000', maxPricePerUnit: '1000000000000' }, l2Gas: { maxAmount: '0', maxPricePerUnit: '0' } },
    };
    const { view, result } = await sign({ type: 'stark.invoke', invoke: JSON.stringify(invoke) });
    expect(view.title).toBe('StarkNet INVOKE (1 call)');
    expect(view.sections.some((s) => s.title === 'Call 1: transfer')).toBe(true);
    const [r, s] = JSON.parse(result.primary.value) as [string, string];
    expect(starkVerify(new Signature(BigInt(r), BigInt(s)), BigInt(view.digest?.value ?? '0').toString(16).padStart(64, '0'), getPublicKey(pk.padStart(64, '0')))).toBe(true);
    expect(BigInt(publicKey)).toBeGreaterThan(0n);
    expect(await codeOf('signing.sign', { request: { type: 'stark.invoke', invoke: JSON.stringify(invoke) }, signer: vaultEth })).toBe('WRONG_KEY_TYPE');
    expect(await codeOf('signing.sign', { request: { type: 'stark.invoke', invoke: '[1,2]' }, signer: hd })).toBe('INVALID_INPUT');
  });
});

describe('the request schema', () => {
  it('refuses unknown request types and extra fields before any handler runs', async () => {
    expect(await codeOf('signing.describe', { request: { type: 'eth.sign', message: '0x00' } })).toBe('INVALID_INPUT');
    expect(await codeOf('signing.describe', { request: { type: 'eth.message', message: 'x', encoding: 'utf8', extra: 1 } })).toBe('INVALID_INPUT');
    expect(await codeOf('signing.sign', { request: { type: 'eth.message', message: 'x', encoding: 'utf8' } })).toBe('INVALID_INPUT');
  });
});
