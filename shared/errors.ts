/**
 * @module shared/errors
 * The closed set of error codes every layer speaks. Core code throws `CustodyError`;
 * transports (CLI, IPC, RPC) carry `{ code, message }` and never a stack trace.
 * Pure TypeScript: no Node, no DOM.
 */

export const ERROR_CODES = [
  'INVALID_INPUT',
  'UNSUPPORTED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'VAULT_LOCKED',
  'VAULT_NOT_INITIALIZED',
  'VAULT_ALREADY_INITIALIZED',
  'PASSPHRASE_INCORRECT',
  'LOCKED_OUT',
  'TAMPERED',
  'SELF_TEST_FAILED',
  'KEY_DISABLED',
  'KEY_NOT_EXPORTABLE',
  'KEY_PENDING_DELETION',
  'KEY_DESTROYED',
  'WRONG_KEY_TYPE',
  'VERIFICATION_FAILED',
  'DECRYPTION_FAILED',
  'PERMISSION_DENIED',
  'UNAUTHENTICATED',
  'SESSION_EXPIRED',
  'RATE_LIMITED',
  'QUOTA_EXCEEDED',
  'NOT_EMPTY',
  /** The thing was already decided or changed by someone else (a request approved twice). */
  'CONFLICT',
  /** A signing request ran out of time before anyone decided. */
  'EXPIRED',
  'DISCONNECTED',
  'POLICY_DENIED',
  'USER_REJECTED',
  'DEVICE_UNAVAILABLE',
  'PIN_INCORRECT',
  /** A token refuses its PIN after too many wrong tries (CKR_PIN_LOCKED). */
  'PIN_LOCKED',
  /** The token or device lacks the mechanism or operation (CKR_MECHANISM_INVALID, no AES-GCM, …). */
  'MECHANISM_UNSUPPORTED',
  /** A Ledger is locked (status 0x5515): unlock it with its PIN on the device. */
  'DEVICE_LOCKED',
  /** A Ledger has no app open, or another than the one needed (0x6e00, 0x6d00, 0x6511). */
  'WRONG_APP',
  /** The device refuses to sign what it cannot show (0x6a80): blind signing is off in its app. */
  'BLIND_SIGNING_DISABLED',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorInfo {
  readonly code: ErrorCode;
  readonly message: string;
}

export class CustodyError extends Error {
  readonly code: ErrorCode;
  /** Machine-readable extra facts that carry no secret (e.g. `retryAfterMs`, `record`). */
  readonly details: Readonly<Record<string, string | number | boolean>>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; details?: Record<string, string | number | boolean> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CustodyError';
    this.code = code;
    this.details = Object.freeze({ ...(options.details ?? {}) });
  }

  toInfo(): ErrorInfo {
    return { code: this.code, message: this.message };
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

export function isCustodyError(value: unknown): value is CustodyError {
  return value instanceof CustodyError;
}

/** Turn anything thrown into the wire form. Unknown errors become INTERNAL with no detail leaked. */
export function toErrorInfo(error: unknown): ErrorInfo {
  if (error instanceof CustodyError) return error.toInfo();
  return { code: 'INTERNAL', message: 'internal error' };
}

/** For exhaustive switches: fail closed on an impossible value. */
export function assertNever(value: never, what = 'value'): never {
  throw new CustodyError('INTERNAL', `unexpected ${what}: ${String(value)}`);
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorInfo };
