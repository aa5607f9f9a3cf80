/**
 * @module core/chains/solana/summary
 * What a person must see before a Solana transaction is signed: the fee payer, who must sign (and
 * who already has, with each signature checked by noble's Ed25519), the programs called, every
 * SOL movement the System Program makes (amounts in SOL, exact decimals from lamports), the
 * compute-budget price, the durable nonce if one is used, and the address-table lookups whose
 * accounts cannot be named offline.
 *
 * Account roles follow the message header (solana-message `is_signer` / `is_writable`):
 * signers are the first num_required_signatures static keys, the last num_readonly_signed of
 * them read-only; unsigned static keys are writable except the last num_readonly_unsigned;
 * table-loaded accounts come after the static ones, all writable ones (table by table) first.
 *
 * System Program layouts: solana-system-interface `SystemInstruction` (bincode: u32 LE tag, u64
 * LE amounts, seeds as u64-length-prefixed strings). Compute Budget: `ComputeBudgetInstruction`
 * (u8 tag). Pure; trusts the parsed message from wire.ts.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { hex } from '@scure/base';
import { encodeAddress } from './address.js';
import type { SolanaMessage, SolanaTransaction } from './wire.js';

export const SYSTEM_PROGRAM = '11111111111111111111111111111111';
export const COMPUTE_BUDGET_PROGRAM = 'ComputeBudget111111111111111111111111111111';

/** Well-known program ids shown by name (a name is a hint, never a reason to trust a program). */
export const KNOWN_PROGRAMS: Readonly<Record<string, string>> = {
  [SYSTEM_PROGRAM]: 'System Program',
  [COMPUTE_BUDGET_PROGRAM]: 'Compute Budget Program',
  TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA: 'SPL Token',
  TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb: 'SPL Token-2022',
  ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL: 'SPL Associated Token Account',
  MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr: 'SPL Memo',
  Memo1UhkJRfHyvLMcVucJwxXeuD728EqVDDwQDxFMNo: 'SPL Memo (v1)',
  Stake11111111111111111111111111111111111111: 'Stake Program',
  Vote111111111111111111111111111111111111111: 'Vote Program',
  AddressLookupTab1e1111111111111111111111111: 'Address Lookup Table Program',
};

const SYSTEM_INSTRUCTIONS = [
  'CreateAccount',
  'Assign',
  'Transfer',
  'CreateAccountWithSeed',
  'AdvanceNonceAccount',
  'WithdrawNonceAccount',
  'InitializeNonceAccount',
  'AuthorizeNonceAccount',
  'Allocate',
  'AllocateWithSeed',
  'AssignWithSeed',
  'TransferWithSeed',
  'UpgradeNonceAccount',
] as const;

const COMPUTE_BUDGET_INSTRUCTIONS = ['RequestUnits', 'RequestHeapFrame', 'SetComputeUnitLimit', 'SetComputeUnitPrice', 'SetLoadedAccountsDataSizeLimit'] as const;

/** Lamports per signature, the base fee (solana-fee-structure default). */
export const LAMPORTS_PER_SIGNATURE = 5000n;
const LAMPORTS_PER_SOL = 1_000_000_000n;
/** Default compute-unit limit per instruction when none is set, and the cap (solana-compute-budget). */
const DEFAULT_UNITS_PER_INSTRUCTION = 200_000;
const MAX_UNITS = 1_400_000;

export interface SolanaAccountRef {
  /** Index in the message's combined account list. */
  readonly index: number;
  /** The address, or null when it is loaded from an address lookup table (unknown offline). */
  readonly address: string | null;
  readonly lookup?: { readonly table: string; readonly index: number };
  readonly signer: boolean;
  readonly writable: boolean;
}

export interface SolTransfer {
  readonly instruction: number;
  readonly kind: 'Transfer' | 'TransferWithSeed' | 'CreateAccount' | 'CreateAccountWithSeed' | 'WithdrawNonceAccount';
  readonly from: SolanaAccountRef;
  readonly to: SolanaAccountRef;
  readonly lamports: bigint;
  readonly sol: string;
}

export interface SolanaInstructionSummary {
  readonly index: number;
  readonly programId: string;
  /** The program's well-known name, or null. */
  readonly program: string | null;
  /** The instruction's name, for the System and Compute Budget programs. */
  readonly name: string | null;
  readonly accounts: readonly SolanaAccountRef[];
  /** Instruction data, hex. */
  readonly data: string;
}

export interface SolanaSignerSummary {
  readonly index: number;
  readonly address: string;
  readonly writable: boolean;
  /** A non-zero signature is present in its slot. */
  readonly signed: boolean;
  /** Whether that signature verifies (strict RFC 8032, noble); null when the slot is empty. */
  readonly signatureValid: boolean | null;
}

export interface SolanaTransactionSummary {
  readonly version: 'legacy' | 0;
  readonly feePayer: string;
  readonly recentBlockhash: string;
  readonly signers: readonly SolanaSignerSummary[];
  readonly programIds: readonly string[];
  readonly instructions: readonly SolanaInstructionSummary[];
  readonly solTransfers: readonly SolTransfer[];
  /** Lamports leaving each signer through the transfers above, by address. */
  readonly lamportsOutBySigner: Readonly<Record<string, bigint>>;
  readonly addressTableLookups: readonly { readonly table: string; readonly writableIndexes: readonly number[]; readonly readonlyIndexes: readonly number[] }[];
  readonly fee: {
    /** LAMPORTS_PER_SIGNATURE × required signatures. */
    readonly baseLamports: bigint;
    /** SetComputeUnitPrice, micro-lamports per compute unit, when set. */
    readonly microLamportsPerComputeUnit: bigint | null;
    readonly computeUnitLimit: number | null;
    /** Priority fee = ceil(price × limit / 10^6), with the default limit when none is set. */
    readonly priorityLamports: bigint;
    readonly totalLamports: bigint;
    readonly totalSol: string;
  };
  /** A durable-nonce transaction (first instruction AdvanceNonceAccount): the blockhash is the nonce. */
  readonly durableNonce: { readonly nonceAccount: SolanaAccountRef; readonly authority: SolanaAccountRef } | null;
}

/** Lamports as an exact SOL decimal string (1 SOL = 10^9 lamports). */
export function formatSol(lamports: bigint): string {
  const negative = lamports < 0n;
  const abs = negative ? -lamports : lamports;
  const frac = (abs % LAMPORTS_PER_SOL).toString().padStart(9, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${abs / LAMPORTS_PER_SOL}${frac === '' ? '' : `.${frac}`}`;
}

/** Every account of the message with its role, in index order (static, then table writable, then table readonly). */
export function accountRefs(m: SolanaMessage): SolanaAccountRef[] {
  const h = m.header;
  const n = m.staticAccountKeys.length;
  const refs: SolanaAccountRef[] = m.staticAccountKeys.map((k, i) => ({
    index: i,
    address: encodeAddress(k),
    signer: i < h.numRequiredSignatures,
    writable: i < h.numRequiredSignatures ? i < h.numRequiredSignatures - h.numReadonlySignedAccounts : i < n - h.numReadonlyUnsignedAccounts,
  }));
  for (const writable of [true, false]) {
    for (const l of m.addressTableLookups) {
      for (const index of writable ? l.writableIndexes : l.readonlyIndexes) {
        refs.push({ index: refs.length, address: null, lookup: { table: encodeAddress(l.accountKey), index }, signer: false, writable });
      }
    }
  }
  return refs;
}

/** The summary of a parsed, sanitized transaction. */
export function summarizeTransaction(tx: SolanaTransaction): SolanaTransactionSummary {
  const m = tx.message;
  const refs = accountRefs(m);
  const ref = (i: number | undefined): SolanaAccountRef => refs[i ?? -1] ?? { index: i ?? -1, address: null, signer: false, writable: false };
  const signers: SolanaSignerSummary[] = [];
  for (let i = 0; i < m.header.numRequiredSignatures; i++) {
    const key = m.staticAccountKeys[i] as Uint8Array;
    const sig = tx.signatures[i] as Uint8Array;
    const signed = sig.some((b) => b !== 0);
    let valid: boolean | null = null;
    if (signed) {
      try {
        valid = ed25519.verify(sig, tx.messageBytes, key, { zip215: false });
      } catch {
        valid = false;
      }
    }
    signers.push({ index: i, address: encodeAddress(key), writable: (refs[i] as SolanaAccountRef).writable, signed, signatureValid: valid });
  }
  const instructions: SolanaInstructionSummary[] = [];
  const solTransfers: SolTransfer[] = [];
  let price: bigint | null = null;
  let limit: number | null = null;
  let nonBudgetInstructions = 0;
  let durableNonce: SolanaTransactionSummary['durableNonce'] = null;
  for (const [index, ix] of m.instructions.entries()) {
    const programId = encodeAddress(m.staticAccountKeys[ix.programIdIndex] as Uint8Array);
    const accounts = ix.accountIndexes.map((a) => ref(a));
    let name: string | null = null;
    if (programId === SYSTEM_PROGRAM) {
      const tag = u32(ix.data, 0);
      name = tag === null ? null : (SYSTEM_INSTRUCTIONS[tag] ?? null);
      const movement = systemMovement(tag, ix.data, accounts);
      if (movement !== null) solTransfers.push({ instruction: index, ...movement, sol: formatSol(movement.lamports) });
      if (index === 0 && name === 'AdvanceNonceAccount' && accounts.length >= 3) durableNonce = { nonceAccount: accounts[0] as SolanaAccountRef, authority: accounts[2] as SolanaAccountRef };
    } else if (programId === COMPUTE_BUDGET_PROGRAM) {
      const tag = ix.data[0];
      name = tag === undefined ? null : (COMPUTE_BUDGET_INSTRUCTIONS[tag] ?? null);
      if (name === 'SetComputeUnitLimit' && ix.data.length === 5) limit = u32(ix.data, 1);
      if (name === 'SetComputeUnitPrice' && ix.data.length === 9) price = u64(ix.data, 1);
    }
    if (programId !== COMPUTE_BUDGET_PROGRAM) nonBudgetInstructions++;
    instructions.push({ index, programId, program: KNOWN_PROGRAMS[programId] ?? null, name, accounts, data: hex.encode(ix.data) });
  }
  const lamportsOutBySigner: Record<string, bigint> = {};
  for (const t of solTransfers) {
    if (t.from.signer && t.from.address !== null) lamportsOutBySigner[t.from.address] = (lamportsOutBySigner[t.from.address] ?? 0n) + t.lamports;
  }
  const baseLamports = LAMPORTS_PER_SIGNATURE * BigInt(m.header.numRequiredSignatures);
  const effectiveLimit = limit ?? Math.min(MAX_UNITS, DEFAULT_UNITS_PER_INSTRUCTION * nonBudgetInstructions);
  const priorityLamports = price === null ? 0n : (price * BigInt(effectiveLimit) + 999_999n) / 1_000_000n;
  return {
    version: m.version,
    feePayer: encodeAddress(m.staticAccountKeys[0] as Uint8Array),
    recentBlockhash: encodeAddress(m.recentBlockhash),
    signers,
    programIds: [...new Set(instructions.map((i) => i.programId))],
    instructions,
    solTransfers,
    lamportsOutBySigner,
    addressTableLookups: m.addressTableLookups.map((l) => ({ table: encodeAddress(l.accountKey), writableIndexes: l.writableIndexes, readonlyIndexes: l.readonlyIndexes })),
    fee: {
      baseLamports,
      microLamportsPerComputeUnit: price,
      computeUnitLimit: limit,
      priorityLamports,
      totalLamports: baseLamports + priorityLamports,
      totalSol: formatSol(baseLamports + priorityLamports),
    },
    durableNonce,
  };
}

function systemMovement(tag: number | null, data: Uint8Array, accounts: SolanaAccountRef[]): Omit<SolTransfer, 'instruction' | 'sol'> | null {
  const [a0, a1, a2] = accounts;
  switch (tag) {
    case 0: {
      // CreateAccount { lamports: u64, space: u64, owner: Pubkey }: funder → new account.
      const lamports = data.length === 52 ? u64(data, 4) : null;
      return lamports === null || a0 === undefined || a1 === undefined ? null : { kind: 'CreateAccount', from: a0, to: a1, lamports };
    }
    case 2: {
      // Transfer { lamports: u64 }: from → to.
      const lamports = data.length === 12 ? u64(data, 4) : null;
      return lamports === null || a0 === undefined || a1 === undefined ? null : { kind: 'Transfer', from: a0, to: a1, lamports };
    }
    case 3: {
      // CreateAccountWithSeed { base: Pubkey, seed: String, lamports: u64, space: u64, owner: Pubkey }.
      const seedLength = u64(data, 36);
      if (seedLength === null || seedLength > 32n) return null;
      const at = 44 + Number(seedLength);
      const lamports = data.length === at + 48 ? u64(data, at) : null;
      return lamports === null || a0 === undefined || a1 === undefined ? null : { kind: 'CreateAccountWithSeed', from: a0, to: a1, lamports };
    }
    case 5: {
      // WithdrawNonceAccount(lamports): nonce account → recipient.
      const lamports = data.length === 12 ? u64(data, 4) : null;
      return lamports === null || a0 === undefined || a1 === undefined ? null : { kind: 'WithdrawNonceAccount', from: a0, to: a1, lamports };
    }
    case 11: {
      // TransferWithSeed { lamports: u64, from_seed: String, from_owner: Pubkey }: accounts [from, base, to].
      const lamports = u64(data, 4);
      const seedLength = u64(data, 12);
      if (lamports === null || seedLength === null || seedLength > 32n || data.length !== 20 + Number(seedLength) + 32) return null;
      return a0 === undefined || a2 === undefined ? null : { kind: 'TransferWithSeed', from: a0, to: a2, lamports };
    }
    default:
      return null;
  }
}

function u32(b: Uint8Array, at: number): number | null {
  if (b.length < at + 4) return null;
  return ((b[at] as number) | ((b[at + 1] as number) << 8) | ((b[at + 2] as number) << 16)) + (b[at + 3] as number) * 0x1000000;
}

function u64(b: Uint8Array, at: number): bigint | null {
  if (b.length < at + 8) return null;
  let v = 0n;
  for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(b[at + i] as number);
  return v;
}
