/**
 * @module core/wallets/prompts
 * Connect and pairing prompts: a client's request for a wallet connection, waiting for an
 * operator beside the signing requests.
 *
 *   connect: a browser origin's eth_requestAccounts. An origin has at most one pending prompt;
 *            asking again joins it (a page that retries does not pile up prompts).
 *   pair:    a program that cannot be trusted by an Origin header. It gets a pairing secret
 *            (only it knows it, and waits with it) and a code it shows its user; the operator
 *            confirms only if the code in the GUI is the same, so another local process racing
 *            to pair is told apart from the program the operator is setting up.
 *
 * A prompt is decided once (CONFLICT after), expires on its own timer (default 5 minutes), and
 * the waiting client gets the outcome through a promise. A paired program's token is held here
 * from approval until the program collects it (once), never longer than the prompt's life.
 * In memory only, like the request queue: the durable record is the audit log.
 *
 * Pure state machine with an injectable clock and timer; the facade authorises, audits, stores.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { CustodyError } from '../../../shared/errors.js';
import type { WalletPrompt } from '../../../shared/api/wallet.js';
import { defaultTimer } from '../approvals/queue.js';

export type PromptOutcome = { readonly state: 'approved'; readonly connectionId: string } | { readonly state: 'rejected'; readonly reason: string | null } | { readonly state: 'expired' };

export interface PromptOptions {
  readonly ttlMs?: number;
  /** Pending prompts at most (beyond: RATE_LIMITED). Default 20. */
  readonly maxPending?: number;
  /** Decided prompts kept for the history view. Default 100. */
  readonly historySize?: number;
  readonly now?: () => number;
  readonly setTimer?: (run: () => void, ms: number) => { cancel(): void };
}

interface Entry {
  prompt: WalletPrompt;
  /** Pair prompts: the secret the program waits with. */
  readonly pairingSecret: string | null;
  /** Pair prompts, after approval until collected. */
  token: string | null;
  timer: { cancel(): void } | null;
  settle: (outcome: PromptOutcome) => void;
  readonly outcome: Promise<PromptOutcome>;
  /** Clients waiting on a connect prompt (it is withdrawn when the last one goes away). */
  waiters: number;
}

export const PROMPT_TTL_MS = 5 * 60_000;
/** Crockford base32 without I, L, O, U: nothing to misread when comparing codes. */
const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export class WalletPrompts {
  private readonly entries = new Map<string, Entry>();
  private readonly finished: string[] = [];
  private readonly listeners = new Set<(prompt: WalletPrompt) => void>();
  private readonly ttlMs: number;
  private readonly maxPending: number;
  private readonly historySize: number;
  private readonly now: () => number;
  private readonly setTimer: NonNullable<PromptOptions['setTimer']>;

  constructor(options: PromptOptions = {}) {
    this.ttlMs = options.ttlMs ?? PROMPT_TTL_MS;
    this.maxPending = options.maxPending ?? 20;
    this.historySize = options.historySize ?? 100;
    this.now = options.now ?? Date.now;
    this.setTimer = options.setTimer ?? defaultTimer;
  }

  /** A browser origin asks to connect; joins the origin's pending prompt if it has one. */
  connect(origin: string, chainId: string | null): { prompt: WalletPrompt; outcome: Promise<PromptOutcome>; release(): void } {
    let entry = [...this.entries.values()].find((e) => e.prompt.state === 'pending' && e.prompt.kind === 'connect' && e.prompt.origin === origin);
    entry ??= this.add({ kind: 'connect', origin, name: origin, code: null, chainId }, null);
    const joined = entry;
    joined.waiters++;
    let released = false;
    return {
      prompt: joined.prompt,
      outcome: joined.outcome,
      // A client that goes away stops waiting; the prompt is withdrawn when nobody waits any more.
      release: () => {
        if (released) return;
        released = true;
        joined.waiters--;
        if (joined.waiters === 0 && joined.prompt.state === 'pending') this.decide(joined.prompt.id, { state: 'rejected', reason: 'the site withdrew the request (it went away)' }, 'system');
      },
    };
  }

  /** A program asks to pair: the secret it waits with, and the code it shows. */
  pair(name: string, chainId: string | null): { prompt: WalletPrompt; pairingSecret: string } {
    const code = pairingCode();
    const secret = randomBytes(32).toString('base64url');
    const entry = this.add({ kind: 'pair', origin: null, name, code, chainId }, secret);
    return { prompt: entry.prompt, pairingSecret: secret };
  }

  /** The pair prompt a program waits on, by its secret (NOT_FOUND for an unknown or collected one). */
  byPairingSecret(secret: string): { prompt: WalletPrompt; outcome: Promise<PromptOutcome> } {
    for (const entry of this.entries.values()) {
      if (entry.pairingSecret !== null && typeof secret === 'string' && safeEqual(entry.pairingSecret, secret)) return { prompt: entry.prompt, outcome: entry.outcome };
    }
    throw new CustodyError('NOT_FOUND', 'no such pairing (it expired, was collected, or never existed)');
  }

  /** Keep a paired program's token until it collects it. */
  holdToken(id: string, token: string): void {
    const entry = this.entry(id);
    entry.token = token;
  }

  /** The token, once: the entry forgets it and its secret stops opening anything. */
  collectToken(id: string): string {
    const entry = this.entry(id);
    const token = entry.token;
    if (token === null) throw new CustodyError('NOT_FOUND', 'the pairing token was already collected');
    entry.token = null;
    this.entries.set(id, { ...entry, pairingSecret: null, token: null });
    return token;
  }

  get(id: string): WalletPrompt {
    return this.entry(id).prompt;
  }

  /** Approve: the facade has stored the connection. */
  approve(id: string, by: string, connectionId: string): WalletPrompt {
    return this.decide(id, { state: 'approved', connectionId }, by);
  }

  reject(id: string, by: string, reason?: string): WalletPrompt {
    const text = reason === undefined || reason.trim() === '' ? null : reason.trim().slice(0, 500);
    return this.decide(id, { state: 'rejected', reason: text }, by);
  }

  /** The vault locked: nobody can decide, so every waiting client hears now. */
  rejectAllPending(reason: string): void {
    for (const entry of [...this.entries.values()]) if (entry.prompt.state === 'pending') this.decide(entry.prompt.id, { state: 'rejected', reason }, 'system');
    for (const entry of this.entries.values()) entry.token = null;
  }

  /** Pending (oldest first) and decided (newest first). */
  list(): { pending: WalletPrompt[]; history: WalletPrompt[] } {
    const all = [...this.entries.values()].map((e) => e.prompt);
    return { pending: all.filter((p) => p.state === 'pending'), history: all.filter((p) => p.state !== 'pending').reverse() };
  }

  pendingCount(): number {
    let n = 0;
    for (const entry of this.entries.values()) if (entry.prompt.state === 'pending') n++;
    return n;
  }

  subscribe(listener: (prompt: WalletPrompt) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  private add(input: Pick<WalletPrompt, 'kind' | 'origin' | 'name' | 'code' | 'chainId'>, pairingSecret: string | null): Entry {
    if (this.pendingCount() >= this.maxPending) throw new CustodyError('RATE_LIMITED', `${this.maxPending} connection prompts are already waiting: decide or let some expire first`);
    const createdAt = this.now();
    const prompt: WalletPrompt = {
      id: `wp_${randomBytes(8).toString('hex')}`,
      ...input,
      state: 'pending',
      createdAt,
      expiresAt: createdAt + this.ttlMs,
      decidedAt: null,
      decidedBy: null,
      reason: null,
      connectionId: null,
    };
    let settle: (o: PromptOutcome) => void = () => undefined;
    const outcome = new Promise<PromptOutcome>((resolve) => {
      settle = resolve;
    });
    const entry: Entry = { prompt, pairingSecret, token: null, timer: null, settle, outcome, waiters: 0 };
    this.entries.set(prompt.id, entry);
    entry.timer = this.setTimer(() => {
      if (entry.prompt.state === 'pending') this.decide(prompt.id, { state: 'expired' }, 'system');
      // An approved pairing whose program never came back: the token is forgotten.
      entry.token = null;
    }, this.ttlMs);
    this.emit(prompt);
    return entry;
  }

  private decide(id: string, outcome: PromptOutcome, by: string): WalletPrompt {
    const entry = this.entry(id);
    if (entry.prompt.state !== 'pending') throw new CustodyError('CONFLICT', `this prompt was already ${entry.prompt.state}`);
    const prompt: WalletPrompt = {
      ...entry.prompt,
      state: outcome.state,
      decidedAt: this.now(),
      decidedBy: by,
      reason: outcome.state === 'rejected' ? outcome.reason : outcome.state === 'expired' ? 'nobody decided in time' : null,
      connectionId: outcome.state === 'approved' ? outcome.connectionId : null,
    };
    entry.prompt = prompt;
    // An approved pairing stays until the program collects its token or the prompt's time ends.
    if (outcome.state !== 'approved' || entry.pairingSecret === null) {
      entry.timer?.cancel();
      entry.timer = null;
    }
    this.finished.push(id);
    while (this.finished.length > this.historySize) {
      const old = this.finished.shift();
      if (old !== undefined) this.entries.delete(old);
    }
    entry.settle(outcome);
    this.emit(prompt);
    return prompt;
  }

  private entry(id: string): Entry {
    const entry = typeof id === 'string' ? this.entries.get(id) : undefined;
    if (entry === undefined) throw new CustodyError('NOT_FOUND', 'no such prompt (it may have been dropped from the history)');
    return entry;
  }

  private emit(prompt: WalletPrompt): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(prompt);
      } catch {
        // A listener's failure is its own.
      }
    }
  }
}

function pairingCode(): string {
  const bytes = randomBytes(8);
  let code = '';
  for (let i = 0; i < 8; i++) code += CODE_ALPHABET[(bytes[i] as number) & 31];
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
