/**
 * @module core/chains/ethereum/authorization
 * EIP-7702 authorizations: the tuple [chain_id, address, nonce] by which an account delegates its
 * code to `address`, signed over keccak256(MAGIC ‖ rlp([chain_id, address, nonce])) with
 * MAGIC = 0x05. The signed tuple goes into a type-4 transaction's authorization list (anyone may
 * send it), so signing one hands the account's behaviour to the delegate's code until revoked:
 * the most powerful signature an account can give, and treated so here.
 *
 * Chain binding as for typed data: `expectedChainId` is required and must equal chain_id; a
 * chain_id of 0 (valid on every chain, EIP-7702) needs `allowAnyChain`. Delegating to the zero
 * address clears the delegation (EIP-7702) and is allowed. nonce < 2^64 − 1 (EIP-7702, as EIP-2681).
 *
 * Trusts ethers' hashAuthorization for the encoding and hash; trusts the signer as signing.ts says.
 */
import { getBytes, hashAuthorization as ethersHashAuthorization } from 'ethers';
import type { Secp256k1Signer } from '../signer.js';
import { parseAddress } from './address.js';
import { MAX_UINT64, assertObjectWithKeys, invalid, isPlainObject, parseChainId, parseQuantity, toHex32, toQuantityHex, type Hex, type QuantityLike } from './encoding.js';
import { signDigest, signerAddress } from './signing.js';

export interface AuthorizationRequest {
  /** 0 = every chain (needs allowAnyChain). */
  readonly chainId: QuantityLike;
  /** The delegate: the contract whose code the account will run. */
  readonly address: string;
  /** The authority's account nonce at the time the authorization is processed. */
  readonly nonce: QuantityLike;
}

export interface AuthorizationOptions {
  /** The chain the request is for; the tuple's chain_id must equal it unless it is 0 and allowAnyChain is set. */
  readonly expectedChainId: QuantityLike;
  /** Sign a tuple with chain_id 0, valid on every chain. Default false. */
  readonly allowAnyChain?: boolean;
}

export interface ParsedAuthorization {
  readonly chainId: bigint;
  readonly address: string;
  readonly nonce: bigint;
  /** keccak256(0x05 ‖ rlp([chain_id, address, nonce])). */
  readonly digest: Hex;
}

/** A signed tuple in the JSON-RPC shape a type-4 transaction's authorizationList takes. */
export interface SignedAuthorization {
  readonly chainId: Hex;
  readonly address: string;
  readonly nonce: Hex;
  readonly yParity: Hex;
  readonly r: Hex;
  readonly s: Hex;
  readonly digest: Hex;
  /** The signing account (the authority whose code is delegated). */
  readonly authority: string;
}

/**
 * Validate an authorization request and compute its digest.
 * @throws INVALID_INPUT for a bad address or nonce, or a chain id that is not the expected one.
 */
export function parseAuthorization(input: unknown, options: AuthorizationOptions): ParsedAuthorization {
  if (!isPlainObject(options)) throw invalid('authorization options are required (expectedChainId)');
  const expected = parseChainId(options.expectedChainId, 'expectedChainId');
  assertObjectWithKeys(input, ['chainId', 'address', 'nonce'], 'authorization');
  const chainId = parseQuantity(input['chainId'], 'authorization chainId');
  if (chainId === 0n) {
    if (options.allowAnyChain !== true) throw invalid(`the authorization has chain id 0, valid on every chain (expected chain ${expected})`);
  } else if (chainId !== expected) {
    throw invalid(`the authorization is for chain ${chainId}, but the request is for chain ${expected}`);
  }
  const address = parseAddress(input['address'], 'authorization address');
  const nonce = parseQuantity(input['nonce'], 'authorization nonce', MAX_UINT64 - 1n);
  return { chainId, address, nonce, digest: ethersHashAuthorization({ chainId, address, nonce }) as Hex };
}

/** The EIP-7702 authorization digest. */
export function hashAuthorization(input: unknown, options: AuthorizationOptions): Hex {
  return parseAuthorization(input, options).digest;
}

/**
 * Sign an EIP-7702 authorization tuple.
 * @throws INVALID_INPUT as parseAuthorization; nothing is signed then.
 */
export function signAuthorization(signer: Secp256k1Signer, input: unknown, options: AuthorizationOptions): SignedAuthorization {
  const auth = parseAuthorization(input, options);
  const authority = signerAddress(signer);
  const { r, s, yParity } = signDigest(signer, getBytes(auth.digest));
  return {
    chainId: toQuantityHex(auth.chainId),
    address: auth.address,
    nonce: toQuantityHex(auth.nonce),
    yParity: toQuantityHex(BigInt(yParity)),
    r: toHex32(r),
    s: toHex32(s),
    digest: auth.digest,
    authority,
  };
}
