/**
 * @module host/login
 * Who may talk to the browser host at all: one-time login tokens traded for session cookies.
 *
 * Why a token in the URL, then a cookie: the host prints `http://127.0.0.1:PORT/login?token=T`
 * once, in the operator's terminal. Any other local user or process can connect to a loopback
 * port, but cannot read that terminal. The token is spent by its first use and expires after a
 * few minutes, so a URL that later turns up in shell history, browser history or a screenshot is
 * worthless. The browser keeps a session cookie instead: HttpOnly (page scripts, including
 * injected ones, cannot read it), SameSite=Strict (other sites' pages cannot make the browser
 * send it), random 256 bits, and valid only against the server-side table below, which dies
 * with the process.
 *
 * The cookie only lets a browser load the UI and open the API WebSocket. Every WebSocket starts
 * signed out; the operator's passphrase (vault.unlock) is what authenticates a person.
 *
 * Trusts node:crypto's CSPRNG. Tokens and session ids are kept only as SHA-256 digests and
 * compared in constant time, so neither a timing side channel nor a heap dump of the tables
 * yields a usable value.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** 256 bits: unguessable, and long enough that a digest lookup leaks nothing useful. */
const SECRET_BYTES = 32;
/** base64url of 32 bytes, no padding. */
const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export const DEFAULT_TOKEN_TTL_MS = 5 * 60 * 1000;
/** Sessions are cheap but not free; a host serves one operator's browser or two. */
export const MAX_SESSIONS = 64;

function newSecret(): string {
  return randomBytes(SECRET_BYTES).toString('base64url');
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** One-time login tokens: each works once, before its expiry. */
export class LoginTokens {
  private readonly pending: { digest: Buffer; expiresAt: number }[] = [];

  constructor(
    private readonly ttlMs: number = DEFAULT_TOKEN_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new token; the caller shows it once (in the login URL) and forgets it. */
  issue(): string {
    const token = newSecret();
    this.pending.push({ digest: digest(token), expiresAt: this.now() + this.ttlMs });
    return token;
  }

  /**
   * Spend `token`: true exactly once for a token issued here and not yet expired. Every pending
   * token is compared (in constant time), so the answer's timing does not depend on which
   * token, if any, matched.
   */
  redeem(token: string | null): boolean {
    const now = this.now();
    // Expired tokens go first, matched or not.
    for (let i = this.pending.length - 1; i >= 0; i--) {
      if ((this.pending[i] as { expiresAt: number }).expiresAt <= now) this.pending.splice(i, 1);
    }
    if (token === null || !SECRET_PATTERN.test(token)) return false;
    const presented = digest(token);
    let found = -1;
    this.pending.forEach((p, i) => {
      if (timingSafeEqual(p.digest, presented)) found = i;
    });
    if (found === -1) return false;
    this.pending.splice(found, 1);
    return true;
  }
}

/** The server-side session table behind the cookie. */
export class Sessions {
  /** sha256(session id) as hex → created at. Insertion order is age order. */
  private readonly table = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A new session; returns the id to put in the cookie. The oldest session goes when the table is full. */
  create(): string {
    if (this.table.size >= MAX_SESSIONS) {
      const oldest = this.table.keys().next().value;
      if (oldest !== undefined) this.table.delete(oldest);
    }
    const id = newSecret();
    this.table.set(digest(id).toString('hex'), this.now());
    return id;
  }

  /**
   * Whether `id` is a live session. The lookup is by digest: the map's string comparison sees
   * only SHA-256 outputs of what the client sent, never a prefix of a real id.
   */
  isValid(id: string | undefined): boolean {
    if (id === undefined || !SECRET_PATTERN.test(id)) return false;
    return this.table.has(digest(id).toString('hex'));
  }

  clear(): void {
    this.table.clear();
  }
}

/**
 * The cookie's name carries the port: cookies are not isolated by port, so two hosts on
 * 127.0.0.1 (or a host and some other loopback app) would otherwise overwrite each other's.
 */
export function sessionCookieName(port: number): string {
  return `custos_session_${port}`;
}

/** `Set-Cookie` for a new session. No Max-Age: a browser-session cookie, gone when the browser closes. No Secure: plain http on loopback. */
export function sessionCookie(port: number, id: string): string {
  return `${sessionCookieName(port)}=${id}; HttpOnly; SameSite=Strict; Path=/`;
}

/** Every value of cookie `name` in a `Cookie` header (a browser may send several with one name). */
export function cookieValues(header: string | undefined, name: string): string[] {
  if (header === undefined) return [];
  const values: string[] = [];
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() === name) values.push(part.slice(eq + 1).trim());
  }
  return values;
}
