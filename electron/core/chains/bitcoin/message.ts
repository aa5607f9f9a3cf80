/**
 * @module core/chains/bitcoin/message
 * Bitcoin message signatures, by address type:
 *
 *  - segwit (P2WPKH, P2SH-P2WPKH, P2TR): BIP-322 "simple": the witness that spends the virtual
 *    `to_spend` output from the virtual `to_sign` transaction, consensus-encoded and base64'd.
 *    @scure/btc-signer has no BIP-322, so the two transactions are built here exactly as
 *    BIP-322 §"Full" specifies (both version 0, `to_spend` spending 000…000:0xFFFFFFFF with
 *    scriptSig `OP_0 PUSH32[sha256_tag("BIP0322-signed-message", m)]`, `to_sign` paying 0 sat to
 *    OP_RETURN) and `to_sign` is signed by the same code that signs PSBT inputs.
 *  - legacy P2PKH: BIP-137 (the "Bitcoin Signed Message:\n" format): a 65-byte compact recoverable
 *    signature whose header byte says the key is compressed (31/32); BIP-322 §"Legacy" allows this
 *    format for P2PKH only.
 *
 * Verification (for the caller's own check and for tests) covers the same address types; BIP-322
 * "full" and "proof of funds" signatures are not supported (UNSUPPORTED).
 *
 * Trusts @scure/btc-signer (transaction encoding, sighashes), noble (ECDSA/BIP-340 verification,
 * public-key recovery) and the signer it is handed.
 */
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { base64, hex } from '@scure/base';
import { OutScript, RawTx, RawWitness, Transaction } from '@scure/btc-signer';
import { concatBytes, equalBytes, hash160, sha256x2 } from '@scure/btc-signer/utils.js';
import { CustodyError } from '../../../../shared/errors.js';
import type { Secp256k1Signer } from '../signer.js';
import { addressToScript, bitcoinAddress, type BitcoinAddressType } from './address.js';
import { planInputs, SIGHASH, signPlanned } from './input-signing.js';
import type { BitcoinNetwork } from './network.js';

export type MessageSignatureFormat = 'bip322-simple' | 'bip137';

export interface SignedMessage {
  readonly address: string;
  readonly type: BitcoinAddressType;
  readonly format: MessageSignatureFormat;
  /** Base64, as wallets exchange it. */
  readonly signature: string;
}

const BIP322_TAG = 'BIP0322-signed-message';
const BIP137_PREFIX = new TextEncoder().encode('\x18Bitcoin Signed Message:\n');

/** BIP-322 message_hash: sha256_tag("BIP0322-signed-message", m) (BIP-340 tagged hash). */
export function bip322MessageHash(message: string | Uint8Array): Uint8Array {
  return schnorr.utils.taggedHash(BIP322_TAG, messageBytes(message));
}

/** The BIP-322 `to_spend` transaction for `messageChallenge` (a scriptPubKey), serialized, and its txid. */
export function bip322ToSpend(message: string | Uint8Array, messageChallenge: Uint8Array): { readonly raw: Uint8Array; readonly txid: string } {
  const hash = bip322MessageHash(message);
  const raw = RawTx.encode({
    version: 0,
    segwitFlag: false,
    inputs: [{ txid: new Uint8Array(32), index: 0xffffffff, finalScriptSig: concatBytes(Uint8Array.of(0x00, 0x20), hash), sequence: 0 }],
    outputs: [{ amount: 0n, script: messageChallenge }],
    witnesses: [],
    lockTime: 0,
  });
  return { raw, txid: hex.encode(sha256x2(raw).reverse()) };
}

/** The unsigned BIP-322 `to_sign` transaction (simple form: one input, version 0, locktime 0, sequence 0). */
export function bip322ToSign(message: string | Uint8Array, messageChallenge: Uint8Array): Transaction {
  const toSpend = bip322ToSpend(message, messageChallenge);
  const tx = new Transaction({ version: 0, lockTime: 0, allowUnknownOutputs: true });
  tx.addInput({ txid: toSpend.txid, index: 0, sequence: 0, witnessUtxo: { script: messageChallenge, amount: 0n } });
  tx.addOutput({ script: Uint8Array.of(0x6a), amount: 0n });
  return tx;
}

/**
 * Sign `message` for the `type` address of `signer`'s key: BIP-322 simple for segwit types,
 * BIP-137 for P2PKH. Strings are signed as UTF-8.
 */
export function signMessage(signer: Secp256k1Signer, message: string | Uint8Array, options: { readonly type: BitcoinAddressType; readonly network: BitcoinNetwork }): SignedMessage {
  const a = bitcoinAddress(signer.publicKey, options.type, options.network);
  if (options.type === 'p2pkh') {
    const digest = bip137MessageHash(message);
    const { r, s, recovery } = signer.signDigest(digest);
    const sig = new secp256k1.Signature(r, s);
    // BIP-137 header: 27 + recovery id, + 4 for a compressed key's P2PKH address.
    const compact = concatBytes(Uint8Array.of(27 + 4 + recovery), sig.toBytes('compact'));
    const signature = base64.encode(compact);
    if (!verifyBip137(a.script, message, compact)) throw new CustodyError('INTERNAL', 'the BIP-137 signature does not verify');
    return { address: a.address, type: options.type, format: 'bip137', signature };
  }
  const tx = bip322ToSign(message, a.script);
  // BIP-322 "All signatures must use the SIGHASH_ALL flag" (SIGHASH_DEFAULT for Taproot commits to the same).
  const plans = planInputs(tx, [signer], {});
  if (plans.length !== 1) throw new CustodyError('INTERNAL', 'the BIP-322 to_sign input is not spendable by this key');
  signPlanned(tx, plans);
  tx.finalizeIdx(0);
  const witness = tx.getInput(0).finalScriptWitness;
  if (witness === undefined) throw new CustodyError('INTERNAL', 'finalizing to_sign produced no witness');
  const signature = base64.encode(RawWitness.encode(witness));
  if (!verifyMessage(a.address, message, signature, options.network)) throw new CustodyError('INTERNAL', 'the BIP-322 signature does not verify');
  return { address: a.address, type: options.type, format: 'bip322-simple', signature };
}

/**
 * Whether `signature` (base64) signs `message` for `address`: BIP-137 for a 65-byte compact
 * signature with a BIP-137 header, otherwise BIP-322 simple (an `smp` prefix is accepted). False
 * for a wrong or malformed signature; INVALID_INPUT for an address of another network;
 * UNSUPPORTED for BIP-322 full / proof-of-funds signatures or address types other than the four.
 */
export function verifyMessage(address: string, message: string | Uint8Array, signature: string, network: BitcoinNetwork): boolean {
  const challenge = addressToScript(address, network);
  if (typeof signature !== 'string') return false;
  let text = signature.trim();
  if (text.startsWith('ful') || text.startsWith('pof')) throw new CustodyError('UNSUPPORTED', 'BIP-322 full and proof-of-funds signatures are not supported');
  if (text.startsWith('smp')) text = text.slice(3);
  let bytes: Uint8Array;
  try {
    bytes = base64.decode(text);
  } catch {
    return false;
  }
  const header = bytes[0];
  if (bytes.length === 65 && header !== undefined && header >= 27 && header <= 42) return verifyBip137(challenge, message, bytes);
  return verifyBip322Simple(challenge, message, bytes);
}

/** BIP-137 / Bitcoin Core signmessage hash: sha256d(varstr("Bitcoin Signed Message:\n") ‖ varstr(m)). */
export function bip137MessageHash(message: string | Uint8Array): Uint8Array {
  const m = messageBytes(message);
  return sha256x2(BIP137_PREFIX, compactSize(m.length), m);
}

function verifyBip137(challenge: Uint8Array, message: string | Uint8Array, sig: Uint8Array): boolean {
  const header = sig[0] as number;
  const recovery = (header - 27) & 3;
  // 27–30 uncompressed P2PKH, 31–34 compressed P2PKH, 35–38 P2SH-P2WPKH, 39–42 P2WPKH (BIP-137).
  const kind = header < 31 ? 'p2pkh-uncompressed' : header < 35 ? 'p2pkh' : header < 39 ? 'p2sh-p2wpkh' : 'p2wpkh';
  let publicKey: Uint8Array;
  try {
    const s = secp256k1.Signature.fromBytes(sig.subarray(1), 'compact').addRecoveryBit(recovery);
    if (s.hasHighS()) return false;
    publicKey = s.recoverPublicKey(bip137MessageHash(message)).toBytes(kind !== 'p2pkh-uncompressed');
  } catch {
    return false;
  }
  let expected: Uint8Array;
  if (kind === 'p2pkh-uncompressed') expected = OutScript.encode({ type: 'pkh', hash: hash160(publicKey) });
  else expected = bitcoinAddress(publicKey, kind, 'mainnet').script;
  return equalBytes(expected, challenge);
}

function verifyBip322Simple(challenge: Uint8Array, message: string | Uint8Array, bytes: Uint8Array): boolean {
  let witness: Uint8Array[];
  try {
    witness = RawWitness.decode(bytes);
  } catch {
    return false;
  }
  let out;
  try {
    out = OutScript.decode(challenge);
  } catch {
    throw new CustodyError('UNSUPPORTED', 'BIP-322 verification here covers P2WPKH, P2SH-P2WPKH and P2TR addresses');
  }
  const tx = bip322ToSign(message, challenge);
  if (out.type === 'tr') {
    const sig = witness[0];
    if (witness.length !== 1 || sig === undefined) return false;
    // 64 bytes: SIGHASH_DEFAULT; 65 bytes: explicit type, which BIP-322 requires to be ALL.
    if (sig.length === 65 && sig[64] !== SIGHASH.ALL) return false;
    if (sig.length !== 64 && sig.length !== 65) return false;
    const digest = tx.preimageWitnessV1(0, [challenge], sig.length === 64 ? SIGHASH.DEFAULT : SIGHASH.ALL, [0n]);
    return safe(() => schnorr.verify(sig.subarray(0, 64), digest, out.pubkey));
  }
  let keyHash: Uint8Array;
  if (out.type === 'wpkh') keyHash = out.hash;
  else if (out.type === 'sh') {
    const pub = witness[1];
    if (pub === undefined || pub.length !== 33) return false;
    const redeem = OutScript.encode({ type: 'wpkh', hash: hash160(pub) });
    if (!equalBytes(hash160(redeem), out.hash)) return false;
    keyHash = hash160(pub);
  } else {
    throw new CustodyError('UNSUPPORTED', `BIP-322 verification here covers P2WPKH, P2SH-P2WPKH and P2TR, not ${out.type}`);
  }
  const [sig, pub] = witness;
  if (witness.length !== 2 || sig === undefined || pub === undefined || pub.length !== 33) return false;
  if (!equalBytes(hash160(pub), keyHash)) return false;
  if (sig[sig.length - 1] !== SIGHASH.ALL) return false;
  const scriptCode = OutScript.encode({ type: 'pkh', hash: keyHash });
  const digest = tx.preimageWitnessV0(0, scriptCode, SIGHASH.ALL, 0n);
  // BIP-322 required rules: strict DER and LOW_S.
  return safe(() => secp256k1.verify(sig.subarray(0, -1), digest, pub, { prehash: false, lowS: true, format: 'der' }));
}

function messageBytes(message: string | Uint8Array): Uint8Array {
  if (typeof message === 'string') return new TextEncoder().encode(message);
  if (message instanceof Uint8Array) return message;
  throw new CustodyError('INVALID_INPUT', 'a message is a string or bytes');
}

function compactSize(n: number): Uint8Array {
  if (n < 0xfd) return Uint8Array.of(n);
  if (n <= 0xffff) return Uint8Array.of(0xfd, n & 0xff, n >>> 8);
  if (n <= 0xffffffff) return Uint8Array.of(0xfe, n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24);
  throw new CustodyError('INVALID_INPUT', 'message too long');
}

function safe(f: () => boolean): boolean {
  try {
    return f();
  } catch {
    return false;
  }
}
