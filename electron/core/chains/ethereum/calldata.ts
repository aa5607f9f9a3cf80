/**
 * @module core/chains/ethereum/calldata
 * What a contract call asks for, when its 4-byte selector (Solidity ABI spec §Function Selector)
 * is one of the token operations a person must recognise: ERC-20 transfer / approve /
 * transferFrom, ERC-721 transferFrom / safeTransferFrom (both overloads) / setApprovalForAll,
 * the ERC-2612 permit call, and OpenZeppelin's increaseAllowance. Anything else is unknown, and
 * describe.ts flags it as blind signing.
 *
 * Selectors shared by standards are said to be shared: ERC-20 and ERC-721 `approve(address,uint256)`
 * and `transferFrom(address,address,uint256)` have one selector each, and calldata alone cannot
 * tell an amount from a token id.
 *
 * Arguments are decoded by ethers' ABI coder and accepted only if re-encoding them gives the same
 * bytes: ethers ignores trailing bytes and reads a bool word of 2 as true, and calldata with such
 * slack is not what its decoded arguments claim to be (Solidity's decoder would revert or read it
 * differently). Non-canonical calldata is reported as such, without arguments.
 *
 * Trusts ethers' Interface (ABI coder); trusts nothing in the calldata.
 */
import { Interface, type FunctionFragment, type Result } from 'ethers';
import type { Hex } from './encoding.js';

export interface DecodedArgument {
  readonly name: string;
  readonly type: string;
  /** Addresses EIP-55, integers decimal, bools "true"/"false", bytes 0x-hex. */
  readonly value: string;
}

export interface DecodedCall {
  readonly selector: Hex;
  /** Canonical signature, e.g. "transfer(address,uint256)". */
  readonly signature: string;
  readonly name: string;
  /** Which standard defines it ("ERC-20", "ERC-20 / ERC-721", …). */
  readonly standard: string;
  /** Argument names as the standard calls them ("amountOrTokenId" where the selector is shared). */
  readonly args: readonly DecodedArgument[];
  /** A short note for shared selectors. */
  readonly note?: string;
}

export type CalldataResult =
  | { readonly kind: 'known'; readonly call: DecodedCall }
  | { readonly kind: 'non-canonical'; readonly selector: Hex; readonly signature: string; readonly standard: string }
  | { readonly kind: 'unknown'; readonly selector: Hex | null };

interface KnownFunction {
  readonly abi: string;
  readonly standard: string;
  readonly note?: string;
}

const SHARED_NOTE = 'ERC-20 and ERC-721 share this selector: the number is an amount for an ERC-20 token, a token id for an ERC-721 one';

const KNOWN: readonly KnownFunction[] = [
  { abi: 'function transfer(address to, uint256 amount)', standard: 'ERC-20' },
  { abi: 'function approve(address spender, uint256 amountOrTokenId)', standard: 'ERC-20 / ERC-721', note: SHARED_NOTE },
  { abi: 'function transferFrom(address from, address to, uint256 amountOrTokenId)', standard: 'ERC-20 / ERC-721', note: SHARED_NOTE },
  { abi: 'function safeTransferFrom(address from, address to, uint256 tokenId)', standard: 'ERC-721' },
  { abi: 'function safeTransferFrom(address from, address to, uint256 tokenId, bytes data)', standard: 'ERC-721' },
  { abi: 'function setApprovalForAll(address operator, bool approved)', standard: 'ERC-721 / ERC-1155' },
  { abi: 'function permit(address owner, address spender, uint256 value, uint256 deadline, uint8 v, bytes32 r, bytes32 s)', standard: 'ERC-2612' },
  { abi: 'function increaseAllowance(address spender, uint256 addedValue)', standard: 'ERC-20 (OpenZeppelin extension)' },
];

const iface = new Interface(KNOWN.map((k) => k.abi));
const BY_SELECTOR = new Map<string, { fragment: FunctionFragment; known: KnownFunction }>();
KNOWN.forEach((known, i) => {
  const fragment = iface.fragments[i] as FunctionFragment;
  BY_SELECTOR.set(fragment.selector, { fragment, known });
});

function show(type: string, value: unknown): string {
  if (type === 'bool') return value === true ? 'true' : 'false';
  if (typeof value === 'bigint') return value.toString();
  return String(value);
}

/** Decode calldata (0x-hex, already validated) against the known token functions. */
export function decodeCalldata(data: Hex): CalldataResult {
  if (data.length < 10) return { kind: 'unknown', selector: null };
  const selector = data.slice(0, 10).toLowerCase() as Hex;
  const entry = BY_SELECTOR.get(selector);
  if (entry === undefined) return { kind: 'unknown', selector };
  const { fragment, known } = entry;
  const signature = fragment.format('sighash');
  let decoded: Result;
  try {
    decoded = iface.decodeFunctionData(fragment, data);
    if (iface.encodeFunctionData(fragment, decoded).toLowerCase() !== data.toLowerCase()) throw new Error('non-canonical');
  } catch {
    return { kind: 'non-canonical', selector, signature, standard: known.standard };
  }
  const args = fragment.inputs.map((input, i) => ({ name: input.name, type: input.type, value: show(input.type, decoded[i]) }));
  const call: DecodedCall = { selector, signature, name: fragment.name, standard: known.standard, args, ...(known.note === undefined ? {} : { note: known.note }) };
  return { kind: 'known', call };
}
