/**
 * @module core/approvals/queue
 * The signing-request queue: every chain signing request a program sends (wallet RPC, HsmService,
 * a file on the air-gapped laptop) becomes a record here — who asked, what for, the decoded view a
 * person reviews, the policy decision, and a state that moves one way only:
 *
 *   pending ──approve──▶ approved ──▶ signed | failed
 *      │ └──reject───▶ rejected
 *      └──(ttl)──────▶ expired
 *
 * A request is decided once: the first decision wins and every later one is refused
 * (CONFLICT). Each request has its own expiry timer, so a request nobody looks at expires on its
 * own and never holds up another. The waiting caller gets the decision through a promise.
 *
 * The queue holds what an operator needs to decide (request text, view, result) in memory only:
 * requests are not secrets, but they are private, and the durable record of every step is the
 * audit log (the facade writes it, with digests rather than payloads). After a restart pending
 * requests are gone — so are the connections of the programs that sent them.
 *
 * Pure state machine with an injectable clock and timer; the facade authorises, audits and signs.
 */
import { randomBytes } from 'node:crypto';
import type { RequestView, SignedResult, SignerRef, SigningRequest } from '../../../shared/api/signing.js';
import { CustodyError, type ErrorCode } from '../../../shared/errors.js';
import type { PolicyResultWire } from '../../../shared/api/policy.js';

export type RequestState = 'pending' | 'approved' | 'rejected' | 'expired' | 'signed' | 'failed';
export type Decision = 'approved' | 'rejected' | 'expired';

/** Who sent the request, as the transport identified it (an origin, a paired client, a token). */
export interface RequestClient {
  /** 'wallet-rpc', 'hsm', 'ui', 'air-gap', … */
  readonly transport: string;
  /** A stable id for per-client settings (auto-approve): e.g. the origin, `pair:<id>`, `token:<id>`. */
  readonly id: string;
  /** What the operator sees ("https://app.example", "Pairing 7Q4-K2M", "token ci-deployer"). */
  readonly label: string;
}

export interface PolicyOutcome {
  readonly decision: 'allow' | 'deny' | 'require-approval';
  readonly reasons: readonly string[];
  /** Each applicable policy's part (core/policy PolicyResult), when policies ran. */
  readonly results?: readonly PolicyResultWire[];
}

export interface RequestRecord {
  readonly id: string;
  readonly client: RequestClient;
  /** The client's method name, e.g. `personal_sign`, `eth_signTransaction`. */
  readonly method: string;
  readonly request: SigningRequest;
  readonly signer: SignerRef;
  readonly view: RequestView;
  readonly policy: PolicyOutcome;
  readonly state: RequestState;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly decidedAt: number | null;
  /** The operator who decided, `auto:<client id>` for auto-approval, or 'system' for expiry. */
  readonly decidedBy: string | null;
  /** M of N named operators must approve (a policy's quorum); null: one operator decides. */
  readonly quorum: QuorumRequirement | null;
  /** Approvals so far, oldest first (a quorum collects them until it is met). */
  readonly approvals: readonly { readonly by: string; readonly at: number }[];
  readonly reason: string | null;
  readonly result: SignedResult | null;
  readonly error: { readonly code: ErrorCode; readonly message: string } | null;
}

export interface QuorumRequirement {
  readonly required: number;
  readonly approvers: readonly string[];
  /** The policy that asked for it. */
  readonly policy: string;
}

export interface SubmitInput {
  readonly client: RequestClient;
  readonly method: string;
  readonly request: SigningRequest;
  readonly signer: SignerRef;
  readonly view: RequestView;
  readonly policy: PolicyOutcome;
  /** Approve at once (the operator enabled auto-approve for this client). */
  readonly autoApprove?: boolean;
  /** Decided at once by the policies: approved (allow) or rejected (deny), by `by` with `reason`. */
  readonly decidedByPolicy?: { readonly decision: 'approved' | 'rejected'; readonly by: string; readonly reason: string };
  /** The record's id, when the caller needed it before submitting (the policy context names it). */
  readonly id?: string;
  readonly quorum?: QuorumRequirement | null;
  /** Default: the queue's ttl. */
  readonly ttlMs?: number;
}

export interface QueueOptions {
  /** How long a request waits for a decision. Default 5 minutes. */
  readonly ttlMs?: number;
  /** Pending requests at most, over all clients (beyond: RATE_LIMITED). Default 1000. */
  readonly maxPending?: number;
  /** Pending requests at most per client. Default 100. */
  readonly maxPendingPerClient?: number;
  /** Decided requests kept for the history view, newest first. Default 500. */
  readonly historySize?: number;
  readonly now?: () => number;
  readonly setTimer?: (run: () => void, ms: number) => { cancel(): void };
}

export type QueueChange = { readonly kind: 'added' | 'updated'; readonly record: RequestRecord };

export const DEFAULT_TTL_MS = 5 * 60_000;
const MAX_TTL_MS = 24 * 3600_000;

/** A timer that does not keep the process alive (the queue's and the wallet prompts' expiry). */
export function defaultTimer(run: () => void, ms: number): { cancel(): void } {
  const t = setTimeout(run, ms);
  t.unref?.();
  return { cancel: () => clearTimeout(t) };
}

interface Entry {
  record: RequestRecord;
  timer: { cancel(): void } | null;
  settle: ((d: Decision) => void) | null;
  decided: Promise<Decision>;
}

export class ApprovalQueue {
  private readonly entries = new Map<string, Entry>();
  /** Ids of finished requests, oldest first (bounded by historySize). */
  private readonly finished: string[] = [];
  private readonly listeners = new Set<(change: QueueChange) => void>();
  private readonly ttlMs: number;
  private readonly maxPending: number;
  private readonly maxPendingPerClient: number;
  private readonly historySize: number;
  private readonly now: () => number;
  private readonly setTimer: NonNullable<QueueOptions['setTimer']>;

  constructor(options: QueueOptions = {}) {
    this.ttlMs = ttl(options.ttlMs ?? DEFAULT_TTL_MS);
    this.maxPending = options.maxPending ?? 1000;
    this.maxPendingPerClient = options.maxPendingPerClient ?? 100;
    this.historySize = options.historySize ?? 500;
    this.now = options.now ?? Date.now;
    this.setTimer = options.setTimer ?? defaultTimer;
  }

  /** Park a request. `decided` resolves with the decision (immediately when auto-approved). */
  submit(input: SubmitInput): { readonly record: RequestRecord; readonly decided: Promise<Decision> } {
    if (input.id !== undefined && this.entries.has(input.id)) throw new CustodyError('ALREADY_EXISTS', 'a request with this id exists');
    const pending = this.pending();
    if (pending.length >= this.maxPending) throw new CustodyError('RATE_LIMITED', `the request queue is full (${this.maxPending} pending): decide or let some expire first`);
    if (pending.filter((r) => r.client.id === input.client.id).length >= this.maxPendingPerClient) {
      throw new CustodyError('RATE_LIMITED', `this client already has ${this.maxPendingPerClient} pending requests`);
    }
    const createdAt = this.now();
    const record: RequestRecord = {
      id: input.id ?? newRequestId(),
      client: { ...input.client },
      method: input.method,
      request: input.request,
      signer: input.signer,
      view: input.view,
      policy: { decision: input.policy.decision, reasons: [...input.policy.reasons], ...(input.policy.results === undefined ? {} : { results: [...input.policy.results] }) },
      state: 'pending',
      createdAt,
      expiresAt: createdAt + ttl(input.ttlMs ?? this.ttlMs),
      decidedAt: null,
      decidedBy: null,
      quorum: input.quorum === undefined || input.quorum === null ? null : { required: input.quorum.required, approvers: [...input.quorum.approvers], policy: input.quorum.policy },
      approvals: [],
      reason: null,
      result: null,
      error: null,
    };
    let settle: ((d: Decision) => void) | null = null;
    const decided = new Promise<Decision>((resolve) => {
      settle = resolve;
    });
    const entry: Entry = { record, timer: null, settle, decided };
    this.entries.set(record.id, entry);
    this.emit({ kind: 'added', record });
    if (input.decidedByPolicy !== undefined) {
      this.decide(record.id, input.decidedByPolicy.decision, input.decidedByPolicy.by, input.decidedByPolicy.reason);
    } else if (input.autoApprove === true) {
      this.decide(record.id, 'approved', `auto:${input.client.id}`, 'auto-approve is on for this client');
    } else {
      entry.timer = this.setTimer(() => this.expire(record.id), record.expiresAt - createdAt);
    }
    return { record: entry.record, decided };
  }

  /**
   * One operator's approval. Without a quorum it decides; with one, only a named approver may
   * approve, each once (CONFLICT for a second time), and the request is approved when `required`
   * distinct approvers have.
   */
  approve(id: string, by: string): RequestRecord {
    const entry = this.entries.get(id);
    const quorum = entry?.record.quorum ?? null;
    if (entry === undefined || quorum === null || entry.record.state !== 'pending') return this.decide(id, 'approved', by, null);
    if (!quorum.approvers.includes(by)) throw new CustodyError('PERMISSION_DENIED', `${by} is not among the approvers this request needs (${quorum.approvers.join(', ')})`);
    if (entry.record.approvals.some((a) => a.by === by)) throw new CustodyError('CONFLICT', `${by} has already approved this request: it needs ${quorum.required} different approvers`);
    const approvals = [...entry.record.approvals, { by, at: this.now() }];
    if (approvals.length < quorum.required) {
      entry.record = { ...entry.record, approvals };
      this.emit({ kind: 'updated', record: entry.record });
      return entry.record;
    }
    entry.record = { ...entry.record, approvals };
    return this.decide(id, 'approved', approvals.map((a) => a.by).join(', '), null);
  }

  reject(id: string, by: string, reason?: string): RequestRecord {
    return this.decide(id, 'rejected', by, reason === undefined || reason.trim() === '' ? null : reason.trim().slice(0, 500));
  }

  /**
   * A pending request's deadline moves to `expiresAt` (never earlier than it was): the operator
   * sent it to an air-gapped signer, and the round trip takes longer than a click.
   */
  extend(id: string, expiresAt: number): RequestRecord {
    const entry = this.entries.get(id);
    if (entry === undefined) throw new CustodyError('NOT_FOUND', 'no such request (it may have been dropped from the history)');
    if (entry.record.state !== 'pending') throw new CustodyError('CONFLICT', `this request was already ${entry.record.state}`);
    const until = Math.max(entry.record.expiresAt, Math.min(expiresAt, entry.record.createdAt + MAX_TTL_MS));
    if (until === entry.record.expiresAt) return entry.record;
    entry.timer?.cancel();
    entry.record = { ...entry.record, expiresAt: until };
    entry.timer = this.setTimer(() => this.expire(id), until - this.now());
    this.emit({ kind: 'updated', record: entry.record });
    return entry.record;
  }

  /**
   * A pending request answered from elsewhere (an air-gapped signer's response, checked by the
   * caller): approved by `by` and signed with `result` in one step. Its submitter sees the
   * decision 'approved' and then the request already signed, so it does not sign again.
   */
  fulfil(id: string, by: string, result: SignedResult): RequestRecord {
    this.decide(id, 'approved', by, null);
    return this.finish(id, { state: 'signed', result });
  }

  /** An approved request was signed: keep the (public) result for the history view. */
  markSigned(id: string, result: SignedResult): RequestRecord {
    return this.finish(id, { state: 'signed', result });
  }

  /** An approved request could not be signed (the key was disabled meanwhile, a device refused…). */
  markFailed(id: string, error: { code: ErrorCode; message: string }): RequestRecord {
    return this.finish(id, { state: 'failed', error: { code: error.code, message: error.message } });
  }

  get(id: string): RequestRecord {
    const entry = this.entries.get(id);
    if (entry === undefined) throw new CustodyError('NOT_FOUND', 'no such request (it may have been dropped from the history)');
    return entry.record;
  }

  /** Pending requests, oldest first. */
  pending(): RequestRecord[] {
    return [...this.entries.values()].map((e) => e.record).filter((r) => r.state === 'pending' || r.state === 'approved');
  }

  /** Every request the queue still holds, newest first. */
  list(): RequestRecord[] {
    // The map keeps insertion order, which is creation order (ties within a millisecond included).
    return [...this.entries.values()].map((e) => e.record).reverse();
  }

  pendingCount(): number {
    let n = 0;
    for (const e of this.entries.values()) if (e.record.state === 'pending') n++;
    return n;
  }

  subscribe(listener: (change: QueueChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reject every pending request (the vault was locked: nobody can approve, nothing can sign). */
  rejectAllPending(by: string, reason: string): number {
    let n = 0;
    for (const r of this.pending()) {
      if (r.state === 'pending') {
        this.decide(r.id, 'rejected', by, reason);
        n++;
      }
    }
    return n;
  }

  /** Stop every timer (closing the core). Pending requests are rejected so their callers return. */
  close(): void {
    this.rejectAllPending('system', 'Custos is shutting down');
    for (const e of this.entries.values()) e.timer?.cancel();
  }

  // ------------------------------------------------------------------ internals

  private decide(id: string, decision: Decision, by: string, reason: string | null): RequestRecord {
    const entry = this.entries.get(id);
    if (entry === undefined) throw new CustodyError('NOT_FOUND', 'no such request (it may have been dropped from the history)');
    if (entry.record.state !== 'pending') throw new CustodyError('CONFLICT', `this request was already ${entry.record.state === 'approved' ? 'approved' : entry.record.state}`);
    entry.timer?.cancel();
    entry.timer = null;
    entry.record = { ...entry.record, state: decision, decidedAt: this.now(), decidedBy: by, reason };
    const settle = entry.settle;
    entry.settle = null;
    if (decision !== 'approved') this.retire(id);
    this.emit({ kind: 'updated', record: entry.record });
    settle?.(decision);
    return entry.record;
  }

  private expire(id: string): void {
    const entry = this.entries.get(id);
    if (entry === undefined || entry.record.state !== 'pending') return;
    this.decide(id, 'expired', 'system', 'no decision before the request expired');
  }

  private finish(id: string, patch: Partial<Pick<RequestRecord, 'state' | 'result' | 'error'>>): RequestRecord {
    const entry = this.entries.get(id);
    if (entry === undefined) throw new CustodyError('NOT_FOUND', 'no such request');
    if (entry.record.state !== 'approved') throw new CustodyError('CONFLICT', `only an approved request can be ${patch.state ?? 'finished'} (this one is ${entry.record.state})`);
    entry.record = { ...entry.record, ...patch };
    this.retire(id);
    this.emit({ kind: 'updated', record: entry.record });
    return entry.record;
  }

  /** A finished request joins the bounded history; the oldest ones beyond it are dropped. */
  private retire(id: string): void {
    this.finished.push(id);
    while (this.finished.length > this.historySize) {
      const old = this.finished.shift();
      if (old !== undefined) this.entries.delete(old);
    }
  }

  private emit(change: QueueChange): void {
    for (const l of this.listeners) {
      try {
        l(change);
      } catch {
        // A listener's failure is its own; the queue's state is already consistent.
      }
    }
  }
}

function ttl(ms: number): number {
  if (!Number.isInteger(ms) || ms < 1000 || ms > MAX_TTL_MS) throw new CustodyError('INVALID_INPUT', `a request's time to live is 1 s to 24 h, got ${String(ms)} ms`);
  return ms;
}

/** `req_` + 130 random bits in lowercase base32 (RFC 4648 alphabet): unguessable and URL-safe. */
export function newRequestId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let out = 'req_';
  for (const b of randomBytes(26)) out += alphabet[b & 31];
  return out;
}
