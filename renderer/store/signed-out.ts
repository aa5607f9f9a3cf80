/**
 * @module renderer/store/signed-out
 * Error codes after which this connection is no longer signed in (the vault was locked, the
 * session expired, the host restarted): every slice re-reads the vault status on them, which
 * takes the app back to the unlock screen.
 */
export const SIGNED_OUT_CODES: ReadonlySet<string> = new Set(['UNAUTHENTICATED', 'SESSION_EXPIRED', 'VAULT_LOCKED']);
