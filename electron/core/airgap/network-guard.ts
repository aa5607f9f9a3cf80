/**
 * @module core/airgap/network-guard
 * Air-gapped mode's second line: every network code path of this process (this JavaScript realm)
 * refused at the few Node entry points all of them go through, so a forgotten code path fails
 * loudly instead of reaching the network. The first line is that nothing in air-gapped mode
 * tries: no listener starts, nothing fetches.
 *
 * Refused, each with CustodyError('UNSUPPORTED', 'air-gapped mode: <what> refused (no network in
 * air-gapped mode)') and counted:
 * - outgoing TCP: `net.Socket.prototype.connect`, which `net.connect`, `tls.connect`, http(s),
 *   http2, fetch (undici) and ws all end in; reported as a connection error is ('error' on the
 *   socket, so fetch rejects with it as its cause and `http.get` emits it);
 * - listening: `net.Server.prototype.listen` (http/https/ws servers are net servers) on a host and
 *   port, or on an inherited handle or fd, unless `allowListen` accepts that loopback address
 *   ('error' on the server, as a busy port is);
 * - UDP: `dgram.Socket.prototype.bind`, `connect`, `send` and `sendto`;
 * - DNS: `dns.lookup` of a name (an IP literal is answered without asking anyone),
 *   `lookupService`, `reverse` and every `resolve*`, in `node:dns`, in `node:dns/promises` and on
 *   both `Resolver` classes (a callback gets the error, a promise rejects with it).
 *
 * Install it first: a connection already open (a keep-alive socket in an agent's pool) is not
 * closed by it.
 *
 * Unix-domain sockets and named pipes (a path, not a host and port) are not network and stay
 * allowed: IPC, Chromium's helpers and tsx's loader use them.
 *
 * What it cannot stop, and what the strace proof (no-socket.test.ts) is for: native addons and
 * child processes open sockets without Node's JavaScript entry points, and worker threads have
 * their own copies of these modules (ours run crypto only). It is a tripwire for our own code and
 * our dependencies, not a sandbox against hostile code in this process.
 *
 * Trusts nothing it is asked to connect to; trusts `allowListen` to say yes only to the one
 * listener the caller means (a literal loopback address is required before it is even asked).
 */
import dgram from 'node:dgram';
import dns from 'node:dns';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';
import { CustodyError } from '../../../shared/errors.js';

export interface NetworkAttempt {
  readonly kind: 'connect' | 'listen' | 'udp' | 'dns';
  /** What was asked for: `host:port`, a DNS name, or how a listener was described. */
  readonly target: string;
}

export interface NetworkGuardOptions {
  /**
   * Asked only for a literal loopback address (127.0.0.0/8, ::1), never for a name, a wildcard
   * address or an inherited handle: true lets that one listen through.
   */
  readonly allowListen?: (host: string, port: number) => boolean;
}

export interface NetworkGuard {
  /** Every refused attempt since install, oldest first. */
  attempts(): readonly NetworkAttempt[];
  /** Put every patched function back (tests, and a CLI run that ends in-process). Idempotent. */
  uninstall(): void;
}

/** The resolver methods of `dns`, `dns/promises` and both `Resolver` classes: each asks a DNS server. */
const DNS_METHODS = ['lookup', 'lookupService', 'reverse', 'resolve', 'resolve4', 'resolve6', 'resolveAny', 'resolveCaa', 'resolveCname', 'resolveMx', 'resolveNaptr', 'resolveNs', 'resolvePtr', 'resolveSoa', 'resolveSrv', 'resolveTxt'] as const;

let installed = false;

/**
 * Turn off every network code path of this process until `uninstall()`.
 * @throws CustodyError INTERNAL when a guard is already installed (two would uninstall each other).
 */
export function installNetworkGuard(options: NetworkGuardOptions = {}): NetworkGuard {
  if (installed) throw new CustodyError('INTERNAL', 'the network guard is already installed in this process');
  installed = true;
  const attempts: NetworkAttempt[] = [];
  const restore: (() => void)[] = [];

  const refuse = (kind: NetworkAttempt['kind'], target: string, what: string): CustodyError => {
    attempts.push({ kind, target });
    return new CustodyError('UNSUPPORTED', `air-gapped mode: ${what} refused (no network in air-gapped mode)`, { details: { kind, target } });
  };

  /** Replace `owner[name]` (when it is a function) and remember how to put it back. */
  const patch = <T extends object>(owner: T, name: string, make: (original: (...args: unknown[]) => unknown) => (...args: unknown[]) => unknown): void => {
    const record = owner as Record<string, unknown>;
    const original = record[name];
    if (typeof original !== 'function') return;
    record[name] = make(original as (...args: unknown[]) => unknown);
    restore.push(() => {
      record[name] = original;
    });
  };

  patch(net.Socket.prototype, 'connect', (original) =>
    function (this: net.Socket, ...args: unknown[]) {
      const target = connectTarget(args);
      if ('path' in target) return original.apply(this, args);
      const error = refuse('connect', `${target.host}:${String(target.port)}`, `connection to ${target.host}:${String(target.port)}`);
      // A refused connection, as the socket API reports one: asynchronously, as 'error'.
      process.nextTick(() => this.destroy(error));
      return this;
    },
  );

  patch(net.Server.prototype, 'listen', (original) =>
    function (this: net.Server, ...args: unknown[]) {
      const target = listenTarget(args);
      if ('path' in target) return original.apply(this, args);
      if ('host' in target && isLoopbackLiteral(target.host) && options.allowListen?.(target.host, target.port) === true) return original.apply(this, args);
      const where = 'host' in target ? `${target.host}:${target.port}` : target.described;
      const error = refuse('listen', where, `listening on ${where}`);
      process.nextTick(() => this.emit('error', error));
      return this;
    },
  );

  for (const method of ['bind', 'connect'] as const) {
    patch(dgram.Socket.prototype, method, () =>
      function (this: dgram.Socket) {
        const error = refuse('udp', method, `UDP ${method}`);
        process.nextTick(() => this.emit('error', error));
        return this;
      },
    );
  }
  for (const method of ['send', 'sendto'] as const) {
    patch(dgram.Socket.prototype, method, () =>
      function (this: dgram.Socket, ...args: unknown[]) {
        const error = refuse('udp', method, `UDP ${method}`);
        const callback = args.at(-1);
        if (typeof callback === 'function') process.nextTick(() => (callback as (e: Error) => void)(error));
        else process.nextTick(() => this.emit('error', error));
      },
    );
  }

  const dnsRefusal = (method: string, args: readonly unknown[]): CustodyError => {
    const name = typeof args[0] === 'string' ? args[0] : '?';
    return refuse('dns', name, `DNS ${method} of ${name}`);
  };
  const callbackDns = (owner: object): void => {
    for (const method of DNS_METHODS) {
      patch(owner, method, (original) => (...args: unknown[]) => {
        if (method === 'lookup' && isIpLiteral(args[0])) return original(...args);
        const error = dnsRefusal(method, args);
        const callback = args.at(-1);
        if (typeof callback !== 'function') throw error;
        process.nextTick(() => (callback as (e: Error) => void)(error));
        return undefined;
      });
    }
  };
  const promiseDns = (owner: object): void => {
    for (const method of DNS_METHODS) {
      patch(owner, method, (original) => (...args: unknown[]) => (method === 'lookup' && isIpLiteral(args[0]) ? original(...args) : Promise.reject(dnsRefusal(method, args))));
    }
  };
  callbackDns(dns);
  callbackDns(dns.Resolver.prototype);
  promiseDns(dns.promises);
  promiseDns(dns.promises.Resolver.prototype);
  // `import { lookup } from 'node:dns'` binds the ES-module export, which follows the CommonJS
  // object only when told to.
  syncBuiltinESMExports();

  return {
    attempts: () => [...attempts],
    uninstall() {
      if (restore.length === 0) return;
      for (const undo of restore.splice(0).reverse()) undo();
      syncBuiltinESMExports();
      installed = false;
    },
  };
}

type Target = { readonly path: string } | { readonly host: string; readonly port: number } | { readonly described: string };

/**
 * What `socket.connect(...)` was asked for, read as Node's own normalizeArgs reads it
 * (lib/net.js): an options object (a non-empty `path` makes it a pipe), a pipe name (a string that
 * is not a non-negative number), or a port and an optional host. `net.connect` passes its already
 * normalized `[options, callback]` array as the one argument.
 */
function connectTarget(args: readonly unknown[]): { readonly path: string } | { readonly host: string; readonly port: unknown } {
  const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
  if (typeof first === 'object' && first !== null) {
    const o = first as { path?: unknown; host?: unknown; port?: unknown };
    if (typeof o.path === 'string' && o.path !== '') return { path: o.path };
    return { host: typeof o.host === 'string' ? o.host : 'localhost', port: o.port };
  }
  if (isPipeName(first)) return { path: first };
  return { host: typeof args[1] === 'string' ? args[1] : 'localhost', port: first };
}

/**
 * What `server.listen(...)` was asked for (lib/net.js Server.prototype.listen): a pipe path, a
 * port with a host (none means every interface), or something we cannot place (a handle, an fd,
 * no arguments at all), which is refused.
 */
function listenTarget(args: readonly unknown[]): Target {
  const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
  if (typeof first === 'object' && first !== null) {
    const o = first as { path?: unknown; host?: unknown; port?: unknown; handle?: unknown; fd?: unknown; _handle?: unknown };
    if (o.handle !== undefined || o.fd !== undefined || o._handle !== undefined) return { described: 'an inherited handle' };
    if (typeof o.path === 'string' && o.path !== '') return { path: o.path };
    return { host: typeof o.host === 'string' ? o.host : '*', port: portNumber(o.port) };
  }
  if (isPipeName(first)) return { path: first };
  if (typeof first === 'function' || first === undefined) return { described: '*:0' };
  return { host: typeof args[1] === 'string' ? args[1] : '*', port: portNumber(first) };
}

/**
 * dns.lookup answers an IP literal itself, without getaddrinfo (lib/dns.js), and net's listen and
 * connect pass even literals through it: letting those through asks no DNS server.
 */
function isIpLiteral(value: unknown): boolean {
  return typeof value === 'string' && net.isIP(value) !== 0;
}

/** Node's isPipeName: a string that does not read as a non-negative number. */
function isPipeName(value: unknown): value is string {
  return typeof value === 'string' && !(Number(value) >= 0);
}

/** -1 when it is no port at all (then no allowListen can match it). */
function portNumber(value: unknown): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value !== '' ? Number(value) : value === undefined ? 0 : NaN;
  return Number.isInteger(n) && n >= 0 && n <= 65535 ? n : -1;
}

/** A literal loopback address: 127.0.0.0/8 or ::1 (also IPv4-mapped). Never a name: a name needs DNS and may resolve anywhere. */
export function isLoopbackLiteral(host: string): boolean {
  if (net.isIPv4(host)) return host.startsWith('127.');
  if (!net.isIPv6(host)) return false;
  const lower = host.toLowerCase();
  if (lower.startsWith('::ffff:')) return isLoopbackLiteral(lower.slice('::ffff:'.length));
  return lower === '::1' || /^(0{1,4}:){7}0{0,3}1$/.test(lower);
}
