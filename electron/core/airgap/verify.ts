/**
 * @module core/airgap/verify
 * The online side's check of what came back across the gap, beyond the hash binding: for
 * Ethereum, the signature must be over the digest the online side computes itself from the
 * envelope it sent, and must recover to the expected signer. A response that carries a valid
 * signature of another transaction, another message or another key is refused, whatever its
 * `requestSha256` says.
 *
 * Other chains are bound by the hash only (and, for Bitcoin, by the signed PSBT's unsigned
 * transaction matching the one sent); their signatures are checked by the network that receives
 * them. Trusts ethers (signature recovery, transaction parsing) and @scure/btc-signer.
 */
import { Transaction as EthersTransaction, recoverAddress, getAddress } from 'ethers';
import { Transaction as BtcTransaction } from '@scure/btc-signer';
import { CustodyError } from '../../../shared/errors.js';
import type { AirgapEnvelope, AirgapResponse } from '../../../shared/api/airgap.js';

function refused(message: string): CustodyError {
  return new CustodyError('TAMPERED', message, { details: { record: 'air-gap response' } });
}

function sameAddress(a: string, b: string): boolean {
  try {
    return getAddress(a) === getAddress(b);
  } catch {
    return false;
  }
}

/**
 * @param digest What the online side computed for the envelope's request (the view's digest).
 * @returns The address that signed (Ethereum), else the response's own claim.
 * @throws TAMPERED when the signature is not over `digest` by the expected signer.
 */
export function verifyResponse(envelope: AirgapEnvelope, response: AirgapResponse, digest: string | null): string | null {
  const primary = response.result.primary.value.trim();
  const expected = envelope.expectedAddress;
  switch (envelope.request.type) {
    case 'eth.transaction': {
      let tx: EthersTransaction;
      try {
        tx = EthersTransaction.from(primary);
      } catch (cause) {
        throw new CustodyError('TAMPERED', 'the response does not hold a signed Ethereum transaction', { cause, details: { record: 'air-gap response' } });
      }
      if (tx.signature === null || tx.from === null) throw refused('the transaction in the response is not signed');
      if (digest === null || tx.unsignedHash.toLowerCase() !== digest.toLowerCase()) {
        throw refused(`the response signs another transaction (signing hash ${tx.unsignedHash.slice(0, 12)}…) than the one sent (${(digest ?? 'unknown').slice(0, 12)}…)`);
      }
      return checkSigner(tx.from, expected);
    }
    case 'eth.message':
    case 'eth.typedData': {
      if (digest === null) throw refused('no digest to check the signature against');
      let signer: string;
      try {
        signer = recoverAddress(digest, primary);
      } catch (cause) {
        throw new CustodyError('TAMPERED', 'the response does not hold a valid 65-byte Ethereum signature', { cause, details: { record: 'air-gap response' } });
      }
      return checkSigner(signer, expected);
    }
    case 'btc.psbt': {
      if (envelope.request.type !== 'btc.psbt') return null;
      const sent = unsignedTxId(envelope.request.psbt, 'the PSBT that was sent');
      // The result is a signed PSBT (base64) or, when finalized, the final transaction (hex).
      const back = /^[0-9a-fA-F]+$/u.test(primary) ? BtcTransaction.fromRaw(Buffer.from(primary, 'hex'), { allowUnknownOutputs: true }).id : unsignedTxId(primary, 'the PSBT in the response');
      if (back !== sent) throw refused(`the response signs another Bitcoin transaction (${back.slice(0, 12)}…) than the one sent (${sent.slice(0, 12)}…)`);
      return response.signerAddress;
    }
    default:
      if (expected !== null && response.signerAddress !== null && response.signerAddress !== expected) {
        throw refused(`the response was signed by ${response.signerAddress}, but the request expected ${expected}`);
      }
      return response.signerAddress;
  }
}

function checkSigner(actual: string, expected: string | null): string {
  if (expected !== null && !sameAddress(actual, expected)) throw refused(`the signature in the response recovers to ${actual}, not to the expected signer ${expected}`);
  return getAddress(actual);
}

function unsignedTxId(psbt: string, what: string): string {
  const text = psbt.trim();
  try {
    const bytes = /^[0-9a-fA-F]+$/u.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
    return BtcTransaction.fromPSBT(bytes, { allowUnknownOutputs: true, allowUnknownInputs: true }).id;
  } catch (cause) {
    throw new CustodyError('TAMPERED', `${what} cannot be read as a PSBT`, { cause, details: { record: 'air-gap response' } });
  }
}
