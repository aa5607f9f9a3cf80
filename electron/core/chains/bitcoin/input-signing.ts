/**
 * @module core/chains/bitcoin/input-signing
 * Signs the inputs of a @scure/btc-signer `Transaction` that spend from the caller's keys, without
 * the library ever seeing a private key: the library computes each digest (legacy sighash,
 * BIP-143 for segwit v0, BIP-341 for Taproot), a `Secp256k1Signer` signs it, noble checks the
 * signature against the key before it is stored, and the library finalizes.
 *
 * Two passes, so that nothing is signed when anything is wrong: `planInputs` matches inputs to
 * keys and applies every check (sighash policy, prevout data, scripts), throwing before a single
 * signature exists; `signPlanned` then signs.
 *
 * Which inputs are ours is decided from the previous output's script alone (and, for Taproot,
 * the PSBT's internal key and merkle root, which are checked against that script): PSBT key-path
 * hints such as BIP-32 derivations come from whoever built the PSBT and are not trusted.
 *
 * Trusts @scure/btc-signer for the sighash algorithms (pinned by the BIP-143 and BIP-341 vectors in
 * the tests) and noble for verification. Shared by psbt.ts and message.ts (BIP-322).
 */
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { OutScript, type Transaction } from '@scure/btc-signer';
import type { TransactionInput } from '@scure/btc-signer/psbt.js';
import { getPrevOut } from '@scure/btc-signer/transaction.js';
import { concatBytes, equalBytes, tapTweak, taprootTweakPubkey } from '@scure/btc-signer/utils.js';
import { CustodyError } from '../../../../shared/errors.js';
import type { Secp256k1Signer } from '../signer.js';
import { bitcoinAddress, type BitcoinAddressType } from './address.js';

/** Sighash types by name (BIP-143 / BIP-341). DEFAULT (0x00) exists for Taproot only. */
export const SIGHASH = {
  DEFAULT: 0x00,
  ALL: 0x01,
  NONE: 0x02,
  SINGLE: 0x03,
  'ALL|ANYONECANPAY': 0x81,
  'NONE|ANYONECANPAY': 0x82,
  'SINGLE|ANYONECANPAY': 0x83,
} as const;

export type SighashName = keyof typeof SIGHASH;

const SIGHASH_NAMES = new Map<number, SighashName>(Object.entries(SIGHASH).map(([name, value]) => [value, name as SighashName]));

/** The name of a sighash byte, or `0x..` for one no standard defines. */
export function sighashName(value: number): string {
  return SIGHASH_NAMES.get(value) ?? `0x${value.toString(16).padStart(2, '0')}`;
}

export interface SighashPolicy {
  /**
   * Sighash types accepted beyond the default, by name. By default only SIGHASH_ALL (and, for
   * Taproot, SIGHASH_DEFAULT, which commits to the same data) is signed: NONE, SINGLE and
   * ANYONECANPAY let others change outputs or add inputs after we sign.
   */
  readonly allowSighash?: readonly SighashName[];
}

/** One input we will sign, with everything decided. */
export interface InputPlan {
  readonly index: number;
  readonly type: BitcoinAddressType;
  readonly signer: Secp256k1Signer;
  readonly sighash: number;
  /** P2SH-P2WPKH: the redeem script to add when the PSBT lacks it. */
  readonly redeemScript?: Uint8Array;
  /** P2TR: BIP-341 tweak t = hash_TapTweak(internal key ‖ merkle root) and the output key it gives. */
  readonly tweak?: Uint8Array;
  readonly outputKey?: Uint8Array;
  readonly internalKey?: Uint8Array;
}

export interface InputOwner {
  readonly type: BitcoinAddressType;
  readonly keyIndex: number;
  readonly redeemScript?: Uint8Array;
  readonly internalKey?: Uint8Array;
  readonly merkleRoot?: Uint8Array;
  readonly outputKey?: Uint8Array;
}

/** The previous output an input spends, or null when the PSBT does not carry it. */
export function prevOutOf(input: TransactionInput): { readonly script: Uint8Array; readonly amount: bigint } | null {
  if (input.nonWitnessUtxo === undefined && input.witnessUtxo === undefined) return null;
  return getPrevOut(input);
}

/**
 * Which of `publicKeys` an output script pays (P2PKH, P2SH-P2WPKH, P2WPKH, or P2TR key path), or
 * null. For Taproot, an internal key and merkle root in the PSBT are used when the internal key is
 * one of ours and they reproduce the script; otherwise the BIP-86 key-only output is tried.
 */
export function ownerOf(script: Uint8Array, input: TransactionInput | undefined, publicKeys: readonly Uint8Array[]): InputOwner | null {
  for (let keyIndex = 0; keyIndex < publicKeys.length; keyIndex++) {
    const key = publicKeys[keyIndex] as Uint8Array;
    for (const type of ['p2wpkh', 'p2pkh', 'p2sh-p2wpkh'] as const) {
      const a = bitcoinAddress(key, type, 'mainnet');
      if (equalBytes(a.script, script)) return a.redeemScript === undefined ? { type, keyIndex } : { type, keyIndex, redeemScript: a.redeemScript };
    }
    if (script.length !== 34 || script[0] !== 0x51 || script[1] !== 0x20) continue;
    const internalKey = key.slice(1);
    const roots: Uint8Array[] = [];
    if (input?.tapInternalKey !== undefined && equalBytes(input.tapInternalKey, internalKey) && input.tapMerkleRoot !== undefined) roots.push(input.tapMerkleRoot);
    roots.push(new Uint8Array(0));
    for (const merkleRoot of roots) {
      const [outputKey] = taprootTweakPubkey(internalKey, merkleRoot);
      if (equalBytes(OutScript.encode({ type: 'tr', pubkey: outputKey }), script)) return { type: 'p2tr', keyIndex, internalKey, merkleRoot, outputKey };
    }
  }
  return null;
}

/** Whether an input is already final (BIP-174 finalizer ran): nothing is left to sign. */
export function isFinalized(input: TransactionInput): boolean {
  return (input.finalScriptSig !== undefined && input.finalScriptSig.length > 0) || (input.finalScriptWitness !== undefined && input.finalScriptWitness.length > 0);
}

/**
 * Match every not-yet-final input to one of `signers` and check it can and may be signed. Throws
 * INVALID_INPUT (malformed or unsignable input) or POLICY_DENIED (a sighash type not allowed),
 * naming the input, before anything is signed.
 */
export function planInputs(tx: Transaction, signers: readonly Secp256k1Signer[], policy: SighashPolicy): InputPlan[] {
  const allowed = new Set<number>();
  for (const name of policy.allowSighash ?? []) {
    const value = SIGHASH[name];
    if (value === undefined) throw new CustodyError('INVALID_INPUT', `unknown sighash type: ${String(name)}`);
    allowed.add(value);
  }
  const keys = signers.map((s) => s.publicKey);
  const plans: InputPlan[] = [];
  for (let index = 0; index < tx.inputsLength; index++) {
    const input = tx.getInput(index);
    if (isFinalized(input)) continue;
    let prev;
    try {
      prev = prevOutOf(input);
    } catch (cause) {
      throw new CustodyError('INVALID_INPUT', `input ${index}: its previous output is malformed`, { cause, details: { input: index } });
    }
    if (prev === null) continue; // Nothing says whose it is; another signer's input.
    const owner = ownerOf(prev.script, input, keys);
    if (owner === null) continue;
    const signer = signers[owner.keyIndex] as Secp256k1Signer;
    const sighash = checkSighash(index, owner.type, input.sighashType, allowed, tx.outputsLength);
    switch (owner.type) {
      case 'p2pkh':
        // Legacy sighashes do not commit to the amount: without the previous transaction a
        // PSBT could lie about it and turn the difference into fee (BIP-174 "Signer").
        if (input.nonWitnessUtxo === undefined) {
          throw new CustodyError('INVALID_INPUT', `input ${index}: a P2PKH input needs its previous transaction (PSBT_IN_NON_WITNESS_UTXO)`, { details: { input: index } });
        }
        plans.push({ index, type: owner.type, signer, sighash });
        break;
      case 'p2wpkh':
        plans.push({ index, type: owner.type, signer, sighash });
        break;
      case 'p2sh-p2wpkh': {
        const redeemScript = owner.redeemScript as Uint8Array;
        if (input.redeemScript !== undefined && !equalBytes(input.redeemScript, redeemScript)) {
          throw new CustodyError('INVALID_INPUT', `input ${index}: the redeem script does not match the key's P2SH-P2WPKH script`, { details: { input: index } });
        }
        plans.push({ index, type: owner.type, signer, sighash, redeemScript });
        break;
      }
      case 'p2tr': {
        // BIP-341 signs every input's amount and script: all prevouts must be known.
        for (let j = 0; j < tx.inputsLength; j++) {
          let other;
          try {
            other = prevOutOf(tx.getInput(j));
          } catch (cause) {
            throw new CustodyError('INVALID_INPUT', `input ${j}: its previous output is malformed`, { cause, details: { input: j } });
          }
          if (other === null) {
            throw new CustodyError('INVALID_INPUT', `input ${index}: Taproot signing needs the previous output of every input, and input ${j} has none`, { details: { input: index } });
          }
        }
        if (signer.signSchnorr === undefined) {
          throw new CustodyError('UNSUPPORTED', `input ${index}: this key's signer cannot make BIP-340 signatures`, { details: { input: index } });
        }
        const internalKey = owner.internalKey as Uint8Array;
        const tweak = bigToBytes32(tapTweak(internalKey, owner.merkleRoot as Uint8Array));
        plans.push({ index, type: owner.type, signer, sighash, tweak, internalKey, outputKey: owner.outputKey as Uint8Array });
        break;
      }
    }
  }
  return plans;
}

/** Sign the planned inputs into `tx` (partial signatures / Taproot key signatures). */
export function signPlanned(tx: Transaction, plans: readonly InputPlan[]): void {
  const prevOuts = plans.some((p) => p.type === 'p2tr') ? allPrevOuts(tx) : null;
  for (const plan of plans) {
    const input = tx.getInput(plan.index);
    const prev = getPrevOut(input);
    const publicKey = plan.signer.publicKey;
    if (plan.type === 'p2tr') {
      const outs = prevOuts as { scripts: Uint8Array[]; amounts: bigint[] };
      const digest = tx.preimageWitnessV1(plan.index, outs.scripts, plan.sighash, outs.amounts);
      const sig = (plan.signer.signSchnorr as NonNullable<Secp256k1Signer['signSchnorr']>)(digest, plan.tweak);
      if (!(sig instanceof Uint8Array) || sig.length !== 64 || !schnorr.verify(sig, digest, plan.outputKey as Uint8Array)) {
        throw new CustodyError('INTERNAL', `input ${plan.index}: the signer's BIP-340 signature does not verify against the Taproot output key`);
      }
      const tapKeySig = plan.sighash === SIGHASH.DEFAULT ? sig : concatBytes(sig, Uint8Array.of(plan.sighash));
      // Record the internal key when the PSBT lacks it (BIP-371), never replacing one it states.
      tx.updateInput(plan.index, input.tapInternalKey === undefined ? { tapKeySig, tapInternalKey: plan.internalKey } : { tapKeySig }, true);
      continue;
    }
    let digest: Uint8Array;
    if (plan.type === 'p2pkh') {
      // preimageLegacy is private in the typings but is the library's own legacy sighash.
      digest = tx['preimageLegacy'](plan.index, prev.script, plan.sighash);
    } else {
      // BIP-143: the scriptCode of P2WPKH is the P2PKH script of the key hash.
      const scriptCode = OutScript.encode({ type: 'pkh', hash: (OutScript.decode(plan.type === 'p2wpkh' ? prev.script : (plan.redeemScript as Uint8Array)) as { hash: Uint8Array }).hash });
      digest = tx.preimageWitnessV0(plan.index, scriptCode, plan.sighash, prev.amount);
    }
    const { r, s } = plan.signer.signDigest(digest);
    const signature = new secp256k1.Signature(r, s);
    if (!secp256k1.verify(signature.toBytes('compact'), digest, publicKey, { prehash: false, lowS: true, format: 'compact' })) {
      throw new CustodyError('INTERNAL', `input ${plan.index}: the signer's ECDSA signature does not verify (or is not low-S)`);
    }
    const der = concatBytes(signature.toBytes('der'), Uint8Array.of(plan.sighash));
    const update: Parameters<Transaction['updateInput']>[1] = { partialSig: [[publicKey, der]] };
    if (plan.redeemScript !== undefined && input.redeemScript === undefined) update.redeemScript = plan.redeemScript;
    tx.updateInput(plan.index, update, true);
  }
}

function checkSighash(index: number, type: BitcoinAddressType, declared: number | undefined, allowed: ReadonlySet<number>, outputs: number): number {
  const taproot = type === 'p2tr';
  const value = declared ?? (taproot ? SIGHASH.DEFAULT : SIGHASH.ALL);
  const name = SIGHASH_NAMES.get(value);
  if (name === undefined || (!taproot && value === SIGHASH.DEFAULT)) {
    throw new CustodyError('INVALID_INPUT', `input ${index}: sighash type ${sighashName(value)} is not valid for ${type}`, { details: { input: index } });
  }
  // SINGLE without a matching output: legacy/BIP-143 sign the constant 1 (a consensus bug that
  // lets anyone spend the input), BIP-341 forbids it. Never sign that.
  if ((value & 0x1f) === SIGHASH.SINGLE && index >= outputs) {
    throw new CustodyError('INVALID_INPUT', `input ${index}: SIGHASH_SINGLE without an output at index ${index}`, { details: { input: index } });
  }
  const isDefault = value === SIGHASH.ALL || (taproot && value === SIGHASH.DEFAULT);
  if (!isDefault && !allowed.has(value)) {
    throw new CustodyError('POLICY_DENIED', `input ${index} asks for sighash ${name}, which lets others change the transaction after signing; not allowed unless requested explicitly`, { details: { input: index, sighash: name } });
  }
  return value;
}

function allPrevOuts(tx: Transaction): { scripts: Uint8Array[]; amounts: bigint[] } {
  const scripts: Uint8Array[] = [];
  const amounts: bigint[] = [];
  for (let i = 0; i < tx.inputsLength; i++) {
    const p = getPrevOut(tx.getInput(i));
    scripts.push(p.script);
    amounts.push(p.amount);
  }
  return { scripts, amounts };
}

function bigToBytes32(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  let v = n;
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}
