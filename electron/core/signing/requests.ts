/**
 * @module core/signing/requests
 * One seam for chain signing requests (shared/api/signing): describe a request for a person,
 * sign it, or name a signer's address — each by calling the facade's chain methods, so
 * authentication, roles, ACLs, rate limits and audit apply exactly as for the CLI. The renderer
 * API binds these; the request queue and the air-gap import of later issues reuse them.
 *
 * `signRequest` returns the view built from the same input the signature covers: the digest in
 * the view is the digest signed (each chain module decodes and signs through one parser).
 *
 * Trusts the facade; parses the payload text (JSON, hex, base64, base58) and nothing else.
 */
import type { RequestView, SignedResult, SignerRef, SigningRequest } from '../../../shared/api/signing.js';
import { chainOfRequest } from '../../../shared/api/signing.js';
import { CustodyError } from '../../../shared/errors.js';
import type { BitcoinNetwork } from '../chains/bitcoin/index.js';
import type { BitcoinScriptType } from '../chains/hd/accounts.js';
import * as stark from '../chains/starknet/index.js';
import type { BtcKeyRef, Custodian, EthKeyRef, SolKeyRef, StarkKeyRef } from '../custodian.js';
import * as views from './views.js';

export interface SignerAddress {
  readonly chain: 'ethereum' | 'bitcoin' | 'solana' | 'starknet';
  readonly address: string;
  readonly path: string | null;
  readonly publicKey: string | null;
}

// ------------------------------------------------------------------ refs per chain

function ethRef(ref: SignerRef): EthKeyRef {
  return ref.kind === 'key' ? { namespace: ref.namespace, keyId: ref.keyId } : { namespace: ref.namespace, wallet: ref.wallet, index: ref.index ?? 0, ...(ref.account === undefined ? {} : { account: ref.account }) };
}

function btcRef(ref: SignerRef, network: BitcoinNetwork | undefined, script: BitcoinScriptType | undefined): BtcKeyRef {
  if (ref.kind === 'key') return { namespace: ref.namespace, keyId: ref.keyId };
  return {
    namespace: ref.namespace,
    wallet: ref.wallet,
    script: ref.script ?? script ?? 'p2wpkh',
    network: ref.network ?? network ?? 'mainnet',
    index: ref.index ?? 0,
    ...(ref.change === undefined ? {} : { change: ref.change }),
    ...(ref.account === undefined ? {} : { account: ref.account }),
  };
}

function solRef(ref: SignerRef): SolKeyRef {
  return ref.kind === 'key' ? { namespace: ref.namespace, keyId: ref.keyId } : { namespace: ref.namespace, wallet: ref.wallet, account: ref.account ?? 0 };
}

function starkRef(ref: SignerRef): StarkKeyRef {
  if (ref.kind === 'key') throw new CustodyError('WRONG_KEY_TYPE', 'StarkNet signs with an HD wallet account (the vault has no Stark-curve keys)');
  return { namespace: ref.namespace, wallet: ref.wallet, index: ref.index ?? 0, ...(ref.eip2645 === undefined ? {} : { eip2645: { ...ref.eip2645 } }) };
}

// ------------------------------------------------------------------ payload parsing

function json(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new CustodyError('INVALID_INPUT', `the ${what} is not valid JSON`);
  }
}

/** A transaction as JSON fields or an unsigned serialized transaction (0x hex). */
function ethTransactionInput(text: string): unknown {
  const t = text.trim();
  return /^0x[0-9a-fA-F]*$/u.test(t) ? t : json(t, 'transaction');
}

function messageBytes(message: string, encoding: 'utf8' | 'hex'): Uint8Array {
  if (encoding === 'utf8') return new TextEncoder().encode(message);
  const hex = message.trim().replace(/^0x/iu, '');
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/u.test(hex)) throw new CustodyError('INVALID_INPUT', 'the message is not 0x-prefixed hex bytes');
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

function objectInput<T>(text: string, what: string): T {
  const value = json(text, what);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new CustodyError('INVALID_INPUT', `the ${what} is a JSON object`);
  return value as T;
}

// ------------------------------------------------------------------ the three operations

/** The signer's address on `chain` (and, for HD accounts, its path). */
export async function signerAddress(c: Custodian, ref: SignerRef, chain: SignerAddress['chain'], options: { script?: BitcoinScriptType; network?: BitcoinNetwork } = {}): Promise<SignerAddress> {
  switch (chain) {
    case 'ethereum': {
      const a = await c.ethAddress(ethRef(ref));
      return { chain, address: a.address, path: a.path, publicKey: null };
    }
    case 'bitcoin': {
      const a = await c.btcAddress(btcRef(ref, options.network, options.script), ref.kind === 'key' ? keyScript(options) : {});
      return { chain, address: a.address, path: a.path, publicKey: null };
    }
    case 'solana': {
      const a = await c.solAddress(solRef(ref));
      return { chain, address: a.address, path: a.path, publicKey: null };
    }
    case 'starknet': {
      const a = await c.starkAddress(starkRef(ref));
      return { chain, address: a.address, path: a.path, publicKey: a.publicKey };
    }
    default: {
      const never: never = chain;
      throw new CustodyError('INVALID_INPUT', `unknown chain ${String(never)}`);
    }
  }
}

/**
 * What `request` asks for, decoded for a person. With a signer, its address is shown as the
 * signing account and Bitcoin outputs paying it are marked as change; without one, the view is
 * the request alone (no key is read).
 */
export async function describeRequest(c: Custodian, request: SigningRequest, ref?: SignerRef): Promise<RequestView> {
  const address = ref === undefined ? null : (await signerAddress(c, ref, chainOfRequest(request.type), addressOptions(request))).address;
  switch (request.type) {
    case 'eth.transaction':
      return views.ethereumView(await c.ethDescribe({ kind: 'transaction', input: ethTransactionInput(request.transaction), ...(address === null ? {} : { from: address }) }), address);
    case 'eth.typedData':
      return views.ethereumView(await c.ethDescribe({ kind: 'typed-data', input: json(request.typedData, 'typed data'), expectedChainId: request.chainId }), address);
    case 'eth.message':
      return views.ethereumView(await c.ethDescribe({ kind: 'message', message: messageBytes(request.message, request.encoding) }), address);
    case 'btc.psbt':
      return views.psbtView(await c.btcDecodePsbt(request.psbt.trim(), { network: request.network, ...(ref === undefined ? {} : { ownRefs: [btcRef(ref, request.network, undefined)] }) }), address);
    case 'btc.message':
      return views.bitcoinMessageView(request.message, address ?? 'the signer\'s address', request.network ?? (ref?.kind === 'hd' ? ref.network : undefined) ?? 'mainnet');
    case 'sol.transaction':
      return views.solanaTransactionView(await c.solDecode(request.transaction.trim()), address);
    case 'sol.message':
      return views.solanaMessageView(request.message, address);
    case 'stark.invoke':
      return views.starkInvokeView(stark.decodeInvoke(objectInput<stark.InvokeTransaction>(request.invoke, 'INVOKE transaction')), address);
    case 'stark.typedData': {
      const account = request.account ?? address;
      if (account === null) throw new CustodyError('INVALID_INPUT', 'StarkNet typed data is bound to an account: choose a signer or give the account address');
      return views.starkTypedDataView(stark.decodeTypedData(objectInput<stark.TypedData>(request.typedData, 'typed data'), account), address);
    }
    default: {
      const never: never = request;
      throw new CustodyError('INVALID_INPUT', `unknown request type ${String((never as { type: unknown }).type)}`);
    }
  }
}

/** Sign `request` with `ref`; returns what was shown and what was produced. Refusals throw typed errors and sign nothing. */
export async function signRequest(c: Custodian, ref: SignerRef, request: SigningRequest): Promise<{ view: RequestView; result: SignedResult }> {
  const view = await describeRequest(c, request, ref);
  return { view, result: await signDescribed(c, ref, request) };
}

/**
 * Sign a request whose view the caller already has (the queue decoded it when it arrived): the
 * chain code parses the same input again to sign it, so the digest is the one that was shown.
 */
export async function signDescribed(c: Custodian, ref: SignerRef, request: SigningRequest): Promise<SignedResult> {
  switch (request.type) {
    case 'eth.transaction':
      return views.ethTransactionResult(await c.ethSignTransaction(ethRef(ref), ethTransactionInput(request.transaction), request.chainId === undefined ? {} : { expectedChainId: request.chainId }));
    case 'eth.typedData':
      return views.ethSignatureResult(await c.ethSignTypedData(ethRef(ref), json(request.typedData, 'typed data'), { expectedChainId: request.chainId }));
    case 'eth.message':
      return views.ethSignatureResult(await c.ethSignMessage(ethRef(ref), messageBytes(request.message, request.encoding)));
    case 'btc.psbt':
      return views.psbtResult(
        await c.btcSignPsbt(btcRef(ref, request.network, undefined), request.psbt.trim(), {
          network: request.network,
          finalize: request.finalize === true,
          ...(request.allowSighash === undefined ? {} : { allowSighash: request.allowSighash }),
        }),
      );
    case 'btc.message':
      return views.bitcoinMessageResult(await c.btcSignMessage(btcRef(ref, request.network, request.script), request.message, ref.kind === 'key' ? keyScript(addressOptions(request)) : {}));
    case 'sol.transaction':
      return views.solanaTransactionResult(await c.solSignTransaction(solRef(ref), request.transaction.trim()));
    case 'sol.message':
      return views.solanaMessageResult(await c.solSignMessage(solRef(ref), request.message));
    case 'stark.invoke': {
      const signed = await c.starkSignInvoke(starkRef(ref), objectInput<stark.InvokeTransaction>(request.invoke, 'INVOKE transaction'));
      return views.starkSignatureResult(signed.transactionHash, signed.signature);
    }
    case 'stark.typedData': {
      const signed = await c.starkSignTypedData(starkRef(ref), objectInput<stark.TypedData>(request.typedData, 'typed data'), request.account === undefined ? {} : { account: request.account });
      return views.starkSignatureResult(signed.messageHash, signed.signature);
    }
    default: {
      const never: never = request;
      throw new CustodyError('INVALID_INPUT', `unknown request type ${String((never as { type: unknown }).type)}`);
    }
  }
}

/** The script and network a request implies for its signer's address (Bitcoin); nothing for other chains. */
export function addressOptions(request: SigningRequest): { script?: BitcoinScriptType; network?: BitcoinNetwork } {
  if (request.type === 'btc.message') return { ...(request.script === undefined ? {} : { script: request.script }), ...(request.network === undefined ? {} : { network: request.network }) };
  if (request.type === 'btc.psbt') return { network: request.network };
  return {};
}

/** A vault key has no script or network of its own: P2WPKH on mainnet unless the request names others. */
function keyScript(options: { script?: BitcoinScriptType; network?: BitcoinNetwork }): { script: BitcoinScriptType; network: BitcoinNetwork } {
  return { script: options.script ?? 'p2wpkh', network: options.network ?? 'mainnet' };
}
