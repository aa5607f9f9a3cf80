/**
 * @module host/headers
 * What the browser host answers with on every response, and which `Host` and `Origin` values it
 * accepts. Pure functions of the port the host listens on.
 *
 * Trusts nothing in a request. The `Host` check is the defence against DNS rebinding: a page
 * on `evil.example` whose name is re-pointed at 127.0.0.1 reaches our port, but its requests
 * still say `Host: evil.example:PORT`. The `Origin` check is the defence against cross-site
 * WebSocket hijacking: browsers send cookies with a WebSocket handshake from any page, and the
 * handshake is not subject to CORS, so only the `Origin` header (which page scripts cannot
 * forge) tells us who opened it. No response carries any Access-Control-* header: no other
 * origin may read anything from us.
 */

import { isAllowedHost as isLoopbackHost } from '../rpc/loopback.js';

/** The names the host answers to: it listens on 127.0.0.1 only. */
const HOST_NAMES = ['127.0.0.1', 'localhost'] as const;

/** The `Host` header values a request to us may carry (browsers send them lower-case). */
export function allowedHosts(port: number): ReadonlySet<string> {
  return new Set(HOST_NAMES.map((n) => `${n}:${port}`));
}

/** Whether `host` (the raw header) names this server. Anything else is refused: DNS rebinding (the rule every loopback server shares: rpc/loopback.ts). */
export function isAllowedHost(host: string | undefined, port: number): host is string {
  return isLoopbackHost(host, port, HOST_NAMES);
}

/**
 * The one `Origin` a WebSocket handshake arriving with `Host: host` may carry: the page that was
 * served by this very host under that same name. Stricter than "either of our two origins": a
 * page on http://127.0.0.1:PORT has no business opening ws://localhost:PORT (and would not have
 * a cookie there anyway: the two names are different sites).
 */
export function isOwnOrigin(origin: string | undefined, host: string): boolean {
  return origin !== undefined && origin === `http://${host.toLowerCase()}`;
}

/**
 * The Content-Security-Policy of the renderer: the Electron window's (electron/ipc/window.ts),
 * directive for directive, except that `connect-src` adds this host's own WebSocket (under both
 * names the page may have been loaded by). Only our own scripts (no inline script, no eval),
 * nothing framed or framing us, no plugins, no form posts.
 *
 * `style-src 'unsafe-inline'`: the toast library (sonner) inserts its stylesheet as a <style>
 * element at run time, and Radix positions popovers with inline styles. Inline style cannot run
 * script; the risk it leaves (CSS-based exfiltration after an HTML injection) needs an injection
 * React does not give, and `connect-src`/`img-src` keep any such request on our own origin.
 * `img-src data: blob:` is for QR codes and charts drawn in the page.
 */
export function contentSecurityPolicy(port: number): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
    "worker-src 'self'",
    "object-src 'none'",
    "frame-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Headers on every HTTP response of the host, whatever its status. */
export function baseHeaders(port: number): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(port),
    'X-Content-Type-Options': 'nosniff',
    // The login URL carries the one-time token: never let it leave in a Referer.
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    // Other origins may not embed our files (a page on another loopback port is same-site, so its
    // requests would carry our SameSite=Strict cookie), nor share a browsing context group with us.
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cross-Origin-Opener-Policy': 'same-origin',
  };
}
