// Custos policy SDK for AssemblyScript.
//
// A policy module exports `memory`, `alloc(len) -> ptr` and `evaluate(ctx_ptr, ctx_len) -> i32`
// (0 deny, 1 allow, 2 require approval). Re-export `alloc` from here, write `evaluate`, and read
// the context with `Context.read`:
//
//   import { Context, allow, deny, requireApproval } from "../sdk";
//   export { alloc } from "../sdk";
//   export function evaluate(ptr: usize, len: i32): i32 {
//     const ctx = Context.read(ptr, len);
//     if (ctx == null) return deny("unreadable context");
//     return allow("fine");
//   }
//
// Build with --runtime stub (a bump allocator: each evaluation gets a fresh instance, nothing
// needs freeing) and --use abort=<this file>/abort, as scripts/build-policies.ts does. Floats are
// refused by the host: use integers and the decimal helpers.

import { JValue, Kind, parseJson } from "./json";
import { addDecimal, compareDecimal } from "./decimal";

export { JValue, Kind, parseJson } from "./json";
export { addDecimal, compareDecimal, ether, isDecimal } from "./decimal";

export const DENY: i32 = 0;
export const ALLOW: i32 = 1;
export const REQUIRE_APPROVAL: i32 = 2;

export const LOG_DEBUG: i32 = 0;
export const LOG_INFO: i32 = 1;
export const LOG_WARN: i32 = 2;
export const LOG_ERROR: i32 = 3;

@external("env", "reason")
declare function hostReason(ptr: usize, len: i32): void;

@external("env", "log")
declare function hostLog(level: i32, ptr: usize, len: i32): void;

/** The host writes the context here. */
export function alloc(len: i32): usize {
  return heap.alloc(<usize>len);
}

/** The reason the operator sees (the last one given counts). */
export function reason(text: string): void {
  const bytes = String.UTF8.encode(text);
  hostReason(changetype<usize>(bytes), bytes.byteLength);
}

/** A log line for the audit (bounded by the host). */
export function log(level: i32, text: string): void {
  const bytes = String.UTF8.encode(text);
  hostLog(level, changetype<usize>(bytes), bytes.byteLength);
}

export function allow(why: string): i32 {
  reason(why);
  return ALLOW;
}

export function deny(why: string): i32 {
  reason(why);
  return DENY;
}

export function requireApproval(why: string): i32 {
  reason(why);
  return REQUIRE_APPROVAL;
}

/** AssemblyScript's abort (a failed assertion, an index out of range): say why, then trap, which the host turns into a deny. */
export function abort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  reason("aborted: " + (message == null ? "" : message!) + " at " + (fileName == null ? "?" : fileName!) + ":" + line.toString() + ":" + column.toString());
  unreachable();
}

function lower(a: string): string {
  let out = "";
  for (let i = 0; i < a.length; i++) {
    const c = a.charCodeAt(i);
    out += String.fromCharCode(c >= 0x41 && c <= 0x5a ? c + 0x20 : c);
  }
  return out;
}

/** Addresses compare case-insensitively (the context has EIP-55 mixed case). */
export function sameAddress(a: string, b: string): bool {
  return a.length == b.length && lower(a) == lower(b);
}

/** The policy context (README.md in electron/core/policy lists every field). */
export class Context {
  constructor(public root: JValue) {}

  /** Parse the context the host wrote; null when it is not JSON. */
  static read(ptr: usize, len: i32): Context | null {
    const root = parseJson(ptr, len);
    if (root == null || root.kind != Kind.Object) return null;
    return new Context(root);
  }

  /** The value at a dotted path, or null. */
  get(path: string): JValue | null {
    return this.root.path(path);
  }

  /** The string at a dotted path, or `fallback`. */
  str(path: string, fallback: string = ""): string {
    const v = this.root.path(path);
    return v == null ? fallback : v.text(fallback);
  }

  get requestType(): string {
    return this.str("request_type");
  }

  get method(): string {
    return this.str("method");
  }

  /** Whether the request is an Ethereum transaction. */
  get isTransaction(): bool {
    const t = this.get("transaction");
    return t != null && t.kind == Kind.Object;
  }

  /** The transaction's chain id ("" when none). */
  get chainId(): string {
    return this.str("transaction.chain_id");
  }

  /** The transaction's `to` ("" for a contract creation or no transaction). */
  get to(): string {
    return this.str("transaction.to");
  }

  /** Native value in wei ("0" when there is no transaction). */
  get value(): string {
    return this.str("transaction.value", "0");
  }

  get selector(): string {
    return this.str("transaction.selector");
  }

  /** "transfer", "approve" or "" (not an ERC-20 call). */
  get erc20Kind(): string {
    return this.str("transaction.erc20.kind");
  }

  get erc20Token(): string {
    return this.str("transaction.erc20.token");
  }

  get erc20Counterparty(): string {
    return this.str("transaction.erc20.counterparty");
  }

  get erc20Amount(): string {
    return this.str("transaction.erc20.amount", "0");
  }

  /** Unix milliseconds when the request arrived. */
  get timestamp(): i64 {
    const v = this.get("environment.timestamp");
    return v == null || v.kind != Kind.Number ? 0 : v.int;
  }

  get simulation(): bool {
    const v = this.get("environment.simulation");
    return v != null && v.kind == Kind.Bool && v.bool;
  }

  /** Wei this key sent on `chainId` in the last 24 hours (the host's history). */
  nativeSpent24h(chainId: string): string {
    let sum = "0";
    const list = this.get("history.native");
    if (list == null) return sum;
    for (let i = 0; i < list.length; i++) {
      const e = list.at(i)!;
      const c = e.get("chain_id");
      const s = e.get("spent");
      if (c != null && s != null && c.text() == chainId) sum = addDecimal(sum, s.text("0"));
    }
    return sum;
  }

  /** Units of `token` this key transferred on `chainId` in the last 24 hours. */
  tokenSpent24h(chainId: string, token: string): string {
    let sum = "0";
    const list = this.get("history.tokens");
    if (list == null) return sum;
    for (let i = 0; i < list.length; i++) {
      const e = list.at(i)!;
      const c = e.get("chain_id");
      const t = e.get("token");
      const s = e.get("spent");
      if (c != null && t != null && s != null && c.text() == chainId && sameAddress(t.text(), token)) sum = addDecimal(sum, s.text("0"));
    }
    return sum;
  }
}

/** compareDecimal(a, b) > 0 */
export function above(a: string, b: string): bool {
  return compareDecimal(a, b) > 0;
}
