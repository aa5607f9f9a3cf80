/**
 * @module core/backends/pkcs11/ckr
 * Translation of PKCS#11 return values (`CKR_*`, v2.40 §5.1) into CustodyError codes, at the edge
 * as the house style asks. pkcs11js throws a `Pkcs11Error` whose message is the CKR name and whose
 * `code` is the number; anything else it throws (a `NativeError` from dlopen, a TypeError for a bad
 * argument) is not a token condition.
 *
 * What the codes mean for the caller:
 * - DEVICE_UNAVAILABLE: the token or the session is gone (removed, the module re-initialised);
 *   the keys are not broken, the backend reopens a session when the token is back.
 * - PIN_INCORRECT / PIN_LOCKED: what the token said about the PIN. A PIN never reaches a message:
 *   pkcs11js messages carry only the CKR name, and we add nothing but the operation's name.
 * - MECHANISM_UNSUPPORTED: the token lacks the mechanism, curve or key size.
 * Anything unknown is INTERNAL with the CKR name, so a person can look it up.
 */
import { CustodyError, type ErrorCode } from '../../../../shared/errors.js';

/** CKR names that mean the session or the token is gone (removed, closed under us, module re-initialised). */
const SESSION_LOST = new Set([
  'CKR_SESSION_HANDLE_INVALID',
  'CKR_SESSION_CLOSED',
  'CKR_DEVICE_REMOVED',
  'CKR_TOKEN_NOT_PRESENT',
  'CKR_TOKEN_NOT_RECOGNIZED',
  'CKR_SLOT_ID_INVALID',
  'CKR_DEVICE_ERROR',
  'CKR_CRYPTOKI_NOT_INITIALIZED',
]);

const CODES: Readonly<Record<string, ErrorCode>> = {
  CKR_PIN_INCORRECT: 'PIN_INCORRECT',
  CKR_PIN_INVALID: 'PIN_INCORRECT',
  CKR_PIN_LEN_RANGE: 'PIN_INCORRECT',
  CKR_PIN_LOCKED: 'PIN_LOCKED',
  CKR_PIN_EXPIRED: 'PERMISSION_DENIED',
  CKR_USER_NOT_LOGGED_IN: 'UNAUTHENTICATED',
  CKR_USER_PIN_NOT_INITIALIZED: 'UNAUTHENTICATED',
  CKR_USER_TYPE_INVALID: 'INVALID_INPUT',
  CKR_TOKEN_WRITE_PROTECTED: 'PERMISSION_DENIED',
  CKR_SESSION_READ_ONLY: 'PERMISSION_DENIED',
  CKR_MECHANISM_INVALID: 'MECHANISM_UNSUPPORTED',
  CKR_MECHANISM_PARAM_INVALID: 'MECHANISM_UNSUPPORTED',
  CKR_FUNCTION_NOT_SUPPORTED: 'MECHANISM_UNSUPPORTED',
  CKR_CURVE_NOT_SUPPORTED: 'MECHANISM_UNSUPPORTED',
  CKR_DOMAIN_PARAMS_INVALID: 'MECHANISM_UNSUPPORTED',
  CKR_KEY_SIZE_RANGE: 'MECHANISM_UNSUPPORTED',
  CKR_TEMPLATE_INCONSISTENT: 'MECHANISM_UNSUPPORTED',
  CKR_ATTRIBUTE_VALUE_INVALID: 'MECHANISM_UNSUPPORTED',
  CKR_KEY_TYPE_INCONSISTENT: 'WRONG_KEY_TYPE',
  CKR_KEY_FUNCTION_NOT_PERMITTED: 'WRONG_KEY_TYPE',
  CKR_ATTRIBUTE_SENSITIVE: 'KEY_NOT_EXPORTABLE',
  CKR_KEY_UNEXTRACTABLE: 'KEY_NOT_EXPORTABLE',
  CKR_OBJECT_HANDLE_INVALID: 'NOT_FOUND',
  CKR_KEY_HANDLE_INVALID: 'NOT_FOUND',
  CKR_DATA_INVALID: 'INVALID_INPUT',
  CKR_DATA_LEN_RANGE: 'INVALID_INPUT',
  CKR_ARGUMENTS_BAD: 'INVALID_INPUT',
  CKR_ENCRYPTED_DATA_INVALID: 'DECRYPTION_FAILED',
  CKR_ENCRYPTED_DATA_LEN_RANGE: 'DECRYPTION_FAILED',
  CKR_SIGNATURE_INVALID: 'VERIFICATION_FAILED',
  CKR_SIGNATURE_LEN_RANGE: 'VERIFICATION_FAILED',
};

/** The CKR name of a pkcs11js error, or null when it is not a Cryptoki return value. */
export function ckrName(error: unknown): string | null {
  if (!(error instanceof Error)) return null;
  const match = /^(CKR_[A-Z0-9_]+)/.exec(error.message);
  return match?.[1] ?? null;
}

/** True when the error means the session or token is gone, so the backend should drop its session and reopen later. */
export function isSessionLost(error: unknown): boolean {
  const name = ckrName(error);
  return name !== null && SESSION_LOST.has(name);
}

/**
 * The CustodyError for a pkcs11js error thrown while doing `what` (an operation name such as
 * "sign with key 0a0b", never a value). A CustodyError passes through unchanged.
 */
export function translatePkcs11Error(error: unknown, what: string): CustodyError {
  if (error instanceof CustodyError) return error;
  const name = ckrName(error);
  if (name === null) {
    const text = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return new CustodyError('INTERNAL', `PKCS#11 ${what} failed: ${text}`, { cause: error });
  }
  if (SESSION_LOST.has(name)) return new CustodyError('DEVICE_UNAVAILABLE', `PKCS#11 ${what} failed: the token or its session is gone (${name})`, { cause: error, details: { ckr: name } });
  const code = CODES[name] ?? 'INTERNAL';
  return new CustodyError(code, `PKCS#11 ${what} failed: ${name}`, { cause: error, details: { ckr: name } });
}
