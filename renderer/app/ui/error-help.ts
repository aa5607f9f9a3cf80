/**
 * @module renderer/app/ui/error-help
 * A way forward for the error codes an operator meets in the UI (shared/errors.ts). Codes without
 * an entry show code and message only.
 */
import type { ErrorCode } from '../../../shared/errors.js';

const HELP: Partial<Record<ErrorCode, string>> = {
  PASSPHRASE_INCORRECT: 'Check the operator name and passphrase. Repeated failures lock sign-in for a while.',
  LOCKED_OUT: 'Too many failed attempts. Wait for the countdown, then try again.',
  VAULT_LOCKED: 'The vault is locked. Unlock it to continue.',
  UNAUTHENTICATED: 'Sign in again to continue.',
  SESSION_EXPIRED: 'Your session expired. Sign in again to continue.',
  PERMISSION_DENIED: 'Your operator lacks the role for this. An admin can grant it (custos grant).',
  ALREADY_EXISTS: 'Choose another id, or rotate the existing key instead.',
  NOT_FOUND: 'It may have been deleted elsewhere. Refresh the list.',
  KEY_DISABLED: 'Enable the key first.',
  KEY_PENDING_DELETION: 'Cancel the scheduled deletion first.',
  KEY_DESTROYED: 'The key material is gone; this cannot be undone.',
  INVALID_INPUT: 'The message says what is wrong with the input; nothing was changed or signed.',
  CONFLICT: 'Someone else got there first. Refresh to see the current state.',
  EXPIRED: 'The request waited too long for a decision. Ask the client to send it again.',
  RATE_LIMITED: 'Too many requests. Wait a moment and retry.',
  QUOTA_EXCEEDED: 'The namespace is full. Delete a key or raise its limit.',
  TAMPERED: 'The audit log failed verification. Stop and investigate before trusting its contents.',
  INTERNAL: 'Something went wrong in Custos or its connection. Retry; if it persists, check the host.',
};

export function helpFor(code: string): string | undefined {
  return HELP[code as ErrorCode];
}
