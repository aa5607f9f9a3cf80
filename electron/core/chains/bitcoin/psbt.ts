/**
 * @module core/chains/bitcoin/psbt
 * Partially signed Bitcoin transactions: BIP-174 (PSBTv0) and BIP-370 (PSBTv2), parsed and
 * re-serialized by @scure/btc-signer. Two operations:
 *
 *  - `decodePsbt`: what a person must see before signing: every input (outpoint, value, address,
 *    whether it is ours), every output (address, value, whether it is change), the fee.
 *  - `signPsbt`: the BIP-174 Signer role for the inputs that spend from the given keys (P2PKH,
 *    P2SH-P2WPKH, P2WPKH, P2TR key path), optionally followed by the Finalizer and Extractor.
 *
 * Untrusted input: a malformed PSBT, a sighash type not allowed, or outputs worth more than the
 * inputs fail with a typed error and nothing is signed. "Ours" and "change" are decided from
 * scripts the caller derives from its own keys, never from derivation paths inside the PSBT.
 * Unknown and proprietary fields are kept (BIP-174 says a signer must not drop them).
 *
 * Trusts @scure/btc-signer (parsing, sighashes, finalization) and the signer it is handed.
 */
import { base64, hex } from '@scure/base';
import { Transaction } from '@scure/btc-signer';
import type { TransactionInput } from '@scure/btc-signer/psbt.js';
import type { TxOpts } from '@scure/btc-signer/transaction.js';
import { equalBytes } from '@scure/btc-signer/utils.js';
import { CustodyError } from '../../../../shared/errors.js';
import type { Secp256k1Signer } from '../signer.js';
import { ownScriptsOf, scriptToAddress, scriptType, type BitcoinAddressType } from './address.js';
import { formatBtc } from './amount.js';
import { isFinalized, ownerOf, planInputs, prevOutOf, SIGHASH, sighashName, signPlanned, type SighashName } from './input-signing.js';
import { networkParams, type BitcoinNetwork } from './network.js';

export type { SighashName } from './input-signing.js';

/**
 * Options for every parse. Unknown fields are kept; outputs without a known template are allowed
 * (shown as raw scripts). The library's script checks are off: they refuse valid scripts found in
 * real and published transactions (bare P2PK and multisig, scripts with undefined opcodes, as in
 * the BIP-341 vectors), and the checks that matter for our own signatures (the P2SH redeem script,
 * the Taproot output key) are made by input-signing.ts for every input it signs.
 */
const PARSE_OPTIONS: TxOpts = { unknown: 'ignore', allowUnknownOutputs: true, disableScriptCheck: true };

const PSBT_MAGIC = Uint8Array.of(0x70, 0x73, 0x62, 0x74, 0xff);

export interface PsbtInputSummary {
  readonly index: number;
  /** Previous transaction id as block explorers show it (byte-reversed hex). */
  readonly txid: string;
  readonly vout: number;
  readonly sequence: number;
  /** Null when the PSBT carries neither the previous transaction nor the witness UTXO. */
  readonly valueSats: bigint | null;
  readonly valueBtc: string | null;
  /** Where the value was read: the full previous transaction (its txid checked) or only the witness UTXO. */
  readonly valueSource: 'previous-transaction' | 'witness-utxo' | null;
  readonly address: string | null;
  readonly scriptType: string | null;
  readonly ours: boolean;
  /** For our inputs: the address type that spends it. */
  readonly ownType?: BitcoinAddressType;
  /** The sighash type the input asks for (its default when the PSBT names none). */
  readonly sighash: string;
  readonly status: 'unsigned' | 'partially-signed' | 'finalized';
}

export interface PsbtOutputSummary {
  readonly index: number;
  readonly valueSats: bigint;
  readonly valueBtc: string;
  readonly address: string | null;
  readonly scriptType: string;
  /** The raw scriptPubKey, hex (for outputs without an address, e.g. OP_RETURN). */
  readonly script: string;
  /** Pays one of the caller's own keys or scripts. */
  readonly change: boolean;
}

export interface PsbtSummary {
  readonly network: BitcoinNetwork;
  readonly psbtVersion: 0 | 2;
  readonly txVersion: number;
  /** nLockTime (for PSBTv2, as determined by BIP-370's algorithm). */
  readonly lockTime: number;
  readonly inputs: readonly PsbtInputSummary[];
  readonly outputs: readonly PsbtOutputSummary[];
  readonly totalInputSats: bigint | null;
  readonly totalOutputSats: bigint;
  /** Value leaving to outputs that are not change. */
  readonly sendingSats: bigint;
  readonly changeSats: bigint;
  /** Null when some input value is unknown. */
  readonly feeSats: bigint | null;
  readonly feeBtc: string | null;
}

export interface OwnershipOptions {
  /** Compressed public keys whose P2PKH/P2SH-P2WPKH/P2WPKH/P2TR scripts are ours. */
  readonly ownPublicKeys?: readonly Uint8Array[];
  /** Further scriptPubKeys that are ours (e.g. change addresses derived elsewhere). */
  readonly ownScripts?: readonly Uint8Array[];
}

export interface DecodePsbtOptions extends OwnershipOptions {
  readonly network: BitcoinNetwork;
}

export interface SignPsbtOptions extends DecodePsbtOptions {
  /** Sighash types accepted beyond SIGHASH_ALL / SIGHASH_DEFAULT, by name (default: none). */
  readonly allowSighash?: readonly SighashName[];
  /** Also run the BIP-174 Finalizer on the inputs signed here, and the Extractor when every input is final. */
  readonly finalize?: boolean;
}

export interface SignedInput {
  readonly index: number;
  readonly type: BitcoinAddressType;
  readonly sighash: string;
}

export interface SignedPsbt {
  /** The PSBT with our signatures, in the version it came in. */
  readonly psbt: Uint8Array;
  readonly psbtBase64: string;
  readonly signed: readonly SignedInput[];
  readonly summary: PsbtSummary;
  /** With `finalize`, once every input is final: the network transaction. */
  readonly transaction?: { readonly hex: string; readonly txid: string };
}

/**
 * Parse a PSBT given as bytes, base64 or hex. Throws INVALID_INPUT for anything BIP-174/BIP-370
 * (as @scure/btc-signer implements them) rejects.
 */
export function parsePsbt(psbt: Uint8Array | string): Transaction {
  const bytes = psbtBytes(psbt);
  try {
    return Transaction.fromPSBT(bytes, PARSE_OPTIONS);
  } catch (cause) {
    throw new CustodyError('INVALID_INPUT', `malformed PSBT: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** What a person must see before signing this PSBT. */
export function decodePsbt(psbt: Uint8Array | string, options: DecodePsbtOptions): PsbtSummary {
  networkParams(options.network);
  return summarize(parsePsbt(psbt), options, options.ownPublicKeys ?? []);
}

/**
 * Sign every input that spends from one of `signers`' keys. Throws, with nothing signed:
 * INVALID_INPUT for a malformed PSBT, an input that cannot be signed safely, outputs worth more
 * than the inputs, or no input of ours; POLICY_DENIED for a sighash type not in `allowSighash`;
 * UNSUPPORTED when a Taproot input meets a signer without BIP-340.
 */
export function signPsbt(psbt: Uint8Array | string, signers: readonly Secp256k1Signer[], options: SignPsbtOptions): SignedPsbt {
  networkParams(options.network);
  if (!Array.isArray(signers) || signers.length === 0) throw new CustodyError('INVALID_INPUT', 'no signer given');
  const tx = parsePsbt(psbt);
  const plans = planInputs(tx, signers, { allowSighash: options.allowSighash ?? [] });
  if (plans.length === 0) throw new CustodyError('INVALID_INPUT', 'no unsigned input of this PSBT spends from the given keys');
  const keys = [...signers.map((s) => s.publicKey), ...(options.ownPublicKeys ?? [])];
  const before = summarize(tx, options, keys);
  if (before.feeSats !== null && before.feeSats < 0n) {
    throw new CustodyError('INVALID_INPUT', `the outputs (${formatBtc(before.totalOutputSats)} BTC) are worth more than the inputs`);
  }
  signPlanned(tx, plans);
  let transaction: SignedPsbt['transaction'];
  if (options.finalize === true) {
    try {
      for (const plan of plans) tx.finalizeIdx(plan.index);
    } catch (cause) {
      throw new CustodyError('INVALID_INPUT', `the signed inputs cannot be finalized: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    }
    if (tx.isFinal) transaction = { hex: tx.hex, txid: tx.id };
  }
  const out = tx.toPSBT();
  return {
    psbt: out,
    psbtBase64: base64.encode(out),
    signed: plans.map((p) => ({ index: p.index, type: p.type, sighash: sighashName(p.sighash) })),
    summary: summarize(tx, options, keys),
    ...(transaction === undefined ? {} : { transaction }),
  };
}

/**
 * Run the BIP-174 Finalizer on every input and the Extractor: the network transaction, hex, and
 * its txid. INVALID_INPUT when an input lacks signatures or cannot be finalized.
 */
export function finalizePsbt(psbt: Uint8Array | string): { readonly hex: string; readonly txid: string } {
  const tx = parsePsbt(psbt);
  try {
    for (let i = 0; i < tx.inputsLength; i++) if (!isFinalized(tx.getInput(i))) tx.finalizeIdx(i);
  } catch (cause) {
    throw new CustodyError('INVALID_INPUT', `the PSBT cannot be finalized: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
  return { hex: tx.hex, txid: tx.id };
}

function summarize(tx: Transaction, options: DecodePsbtOptions, keys: readonly Uint8Array[]): PsbtSummary {
  const { network } = options;
  const ownScripts = [...keys.flatMap((k) => ownScriptsOf(k).map((s) => s.script)), ...(options.ownScripts ?? [])];
  const inputs: PsbtInputSummary[] = [];
  let totalIn: bigint | null = 0n;
  for (let index = 0; index < tx.inputsLength; index++) {
    const input = tx.getInput(index);
    let prev: ReturnType<typeof prevOutOf>;
    try {
      prev = prevOutOf(input);
    } catch (cause) {
      throw new CustodyError('INVALID_INPUT', `malformed PSBT: input ${index} has an unusable previous output`, { cause, details: { input: index } });
    }
    const owner = prev === null ? null : ownerOf(prev.script, input, keys);
    const ours = owner !== null || (prev !== null && ownScripts.some((s) => equalBytes(s, prev.script)));
    const taproot = prev !== null && scriptType(prev.script) === 'p2tr';
    if (prev === null) totalIn = null;
    else if (totalIn !== null) totalIn += prev.amount;
    inputs.push({
      index,
      txid: hex.encode(input.txid as Uint8Array),
      vout: input.index as number,
      sequence: input.sequence ?? 0xffffffff,
      valueSats: prev?.amount ?? null,
      valueBtc: prev === null ? null : formatBtc(prev.amount),
      valueSource: input.nonWitnessUtxo !== undefined ? 'previous-transaction' : input.witnessUtxo !== undefined ? 'witness-utxo' : null,
      address: prev === null ? null : scriptToAddress(prev.script, network),
      scriptType: prev === null ? null : scriptType(prev.script),
      ours,
      ...(owner === null ? {} : { ownType: owner.type }),
      sighash: sighashName(input.sighashType ?? (taproot ? SIGHASH.DEFAULT : SIGHASH.ALL)),
      status: isFinalized(input) ? 'finalized' : hasSignature(input) ? 'partially-signed' : 'unsigned',
    });
  }
  const outputs: PsbtOutputSummary[] = [];
  let totalOut = 0n;
  let change = 0n;
  for (let index = 0; index < tx.outputsLength; index++) {
    const output = tx.getOutput(index);
    const script = output.script as Uint8Array;
    const amount = output.amount as bigint;
    const isChange = ownScripts.some((s) => equalBytes(s, script));
    totalOut += amount;
    if (isChange) change += amount;
    outputs.push({
      index,
      valueSats: amount,
      valueBtc: formatBtc(amount),
      address: scriptToAddress(script, network),
      scriptType: scriptType(script),
      script: hex.encode(script),
      change: isChange,
    });
  }
  const fee = totalIn === null ? null : totalIn - totalOut;
  return {
    network,
    psbtVersion: psbtVersionOf(tx),
    txVersion: tx.version,
    lockTime: tx.lockTime,
    inputs,
    outputs,
    totalInputSats: totalIn,
    totalOutputSats: totalOut,
    sendingSats: totalOut - change,
    changeSats: change,
    feeSats: fee,
    feeBtc: fee === null ? null : formatBtc(fee),
  };
}

function hasSignature(input: TransactionInput): boolean {
  return (input.partialSig?.length ?? 0) > 0 || input.tapKeySig !== undefined || (input.tapScriptSig?.length ?? 0) > 0;
}

function psbtVersionOf(tx: Transaction): 0 | 2 {
  // fromPSBT records the version it parsed (PSBT_GLOBAL_VERSION, absent for v0) in the options.
  return tx.opts.PSBTVersion === 2 ? 2 : 0;
}

function psbtBytes(psbt: Uint8Array | string): Uint8Array {
  if (psbt instanceof Uint8Array) return psbt;
  if (typeof psbt !== 'string') throw new CustodyError('INVALID_INPUT', 'a PSBT is bytes, base64 or hex');
  const text = psbt.trim();
  let bytes: Uint8Array;
  try {
    bytes = /^70736274ff[0-9a-f]*$/i.test(text) ? hex.decode(text.toLowerCase()) : base64.decode(text);
  } catch (cause) {
    throw new CustodyError('INVALID_INPUT', 'malformed PSBT: neither base64 nor hex', { cause });
  }
  if (bytes.length < PSBT_MAGIC.length || !equalBytes(bytes.subarray(0, PSBT_MAGIC.length), PSBT_MAGIC)) {
    throw new CustodyError('INVALID_INPUT', 'malformed PSBT: missing the "psbt\\xff" magic (BIP-174)');
  }
  return bytes;
}
