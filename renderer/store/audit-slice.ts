/**
 * @module renderer/store/audit-slice
 * The audit log as the timeline shows it: the integrity status (for the top bar's badge), the
 * events under the current filters (newest first, paged from the core 10,000 at a time), and a
 * live tail while the timeline is on screen.
 *
 * Why the tail compares sizes instead of re-reading on every `audit.appended`: reading the log is
 * itself audited, so each read appends an event and announces it. The tail remembers the log's
 * size just after its own read (from `audit.status`, which is not audited) and reads again only
 * when the log grows past that: our own reads never start another one.
 */
import type { EventPayload } from '../../shared/api/contract.js';
import type { AuditEvent, AuditFilters, AuditQuery, AuditStatus, ErrorInfo, Result, VerifyReport } from './types.js';
import type { SliceCreator } from './store.js';
import { SIGNED_OUT_CODES } from './signed-out.js';

/** The contract's largest page. */
export const AUDIT_PAGE = 10_000;
/** The timeline holds at most this many events; past it, filters narrow the view. */
export const AUDIT_MAX_EVENTS = 250_000;
/** At most one status read and one tail read per this interval, however fast events come. */
const AUDIT_REFRESH_SPACING_MS = 1000;

export interface AuditLoad {
  readonly status: 'idle' | 'loading' | 'done' | 'error';
  readonly loaded: number;
  /** The cap was reached: older events exist but are not loaded. */
  readonly truncated: boolean;
  readonly error?: ErrorInfo;
}

export interface AuditSlice {
  readonly auditStatus: AuditStatus | undefined;
  readonly auditStatusError: ErrorInfo | undefined;
  /** Newest first. */
  readonly auditEvents: readonly AuditEvent[];
  readonly auditLoad: AuditLoad;
  readonly auditFilters: AuditFilters;
  refreshAuditStatus(): Promise<void>;
  loadAudit(): Promise<void>;
  /** The timeline came back on screen: read what it missed, or everything if it never loaded. */
  resumeAudit(): Promise<void>;
  setAuditFilters(filters: AuditFilters): void;
  /** The timeline is (not) on screen: follow new events while it is. */
  setAuditLive(live: boolean): void;
  exportAudit(): Promise<Result<{ lines: string[] }>>;
  /** Verify the log (incrementally from the last verified event, or in full) and re-read the status. */
  verifyAudit(full: boolean): Promise<Result<VerifyReport>>;
  onAuditAppended(payload: EventPayload<'audit.appended'>): void;
  resetAudit(): void;
}

/** The contract's query for a set of filters (only what is set). */
export function auditQueryOf(f: AuditFilters): AuditQuery {
  const q: { -readonly [K in keyof AuditQuery]: AuditQuery[K] } = {};
  if (f.from !== undefined) q.from = f.from;
  if (f.to !== undefined) q.to = f.to;
  if (f.namespace !== undefined && f.namespace !== '') q.namespace = f.namespace;
  if (f.principal !== undefined && f.principal !== '') q.principal = f.principal;
  if (f.action !== undefined && f.action !== '') q.action = f.action;
  if (f.result !== undefined && f.result !== '') q.result = f.result;
  return q;
}

const IDLE: AuditLoad = { status: 'idle', loaded: 0, truncated: false };

export const createAuditSlice: SliceCreator<AuditSlice> = (set, get, { api, now }) => {
  let loadToken = 0;
  let live = false;
  /** Highest seq the timeline has considered (every event at or below it was queried). */
  let cursor = 0;
  /** The log's size just after our last read: growth past it is someone else's event. */
  let seenSize = Number.POSITIVE_INFINITY;
  let lastStatusRead = 0;
  let statusTimer: ReturnType<typeof setTimeout> | undefined;
  let lastTail = 0;
  let tailTimer: ReturnType<typeof setTimeout> | undefined;
  let tailRunning = false;
  let tailAgain = false;

  function signedOutCheck(r: Result<unknown>): void {
    if (!r.ok && SIGNED_OUT_CODES.has(r.error.code)) void get().refreshVault();
  }

  async function readStatus(): Promise<AuditStatus | undefined> {
    lastStatusRead = now();
    const r = await api.auditStatus({});
    if (r.ok) {
      set({ auditStatus: r.value, auditStatusError: undefined });
      return r.value;
    }
    signedOutCheck(r);
    set({ auditStatusError: r.error });
    return undefined;
  }

  async function tail(): Promise<void> {
    if (tailRunning) {
      tailAgain = true;
      return;
    }
    tailRunning = true;
    lastTail = now();
    const token = loadToken;
    try {
      const base = auditQueryOf(get().auditFilters);
      const fresh: AuditEvent[] = [];
      for (;;) {
        const r = await api.auditQuery({ ...base, afterSeq: cursor, limit: AUDIT_PAGE });
        if (token !== loadToken) return;
        if (!r.ok) {
          signedOutCheck(r);
          return;
        }
        for (const e of r.value) fresh.push(e);
        const last = r.value[r.value.length - 1];
        if (last !== undefined) cursor = Math.max(cursor, last.seq);
        if (r.value.length < AUDIT_PAGE) break;
      }
      const status = await readStatus();
      if (token !== loadToken) return;
      if (status !== undefined) seenSize = status.size;
      if (fresh.length > 0) {
        fresh.reverse();
        const events = fresh.concat(get().auditEvents as AuditEvent[]);
        set({ auditEvents: events.length > AUDIT_MAX_EVENTS ? events.slice(0, AUDIT_MAX_EVENTS) : events, auditLoad: { ...get().auditLoad, loaded: Math.min(events.length, AUDIT_MAX_EVENTS) } });
      }
    } finally {
      tailRunning = false;
      if (tailAgain) {
        tailAgain = false;
        scheduleTail();
      }
    }
  }

  function scheduleTail(): void {
    if (tailTimer !== undefined) return;
    tailTimer = setTimeout(() => {
      tailTimer = undefined;
      void tail();
    }, Math.max(100, lastTail + AUDIT_REFRESH_SPACING_MS - now()));
  }

  return {
    auditStatus: undefined,
    auditStatusError: undefined,
    auditEvents: [],
    auditLoad: IDLE,
    auditFilters: {},

    async refreshAuditStatus() {
      await readStatus();
    },

    async loadAudit() {
      const token = ++loadToken;
      set({ auditEvents: [], auditLoad: { status: 'loading', loaded: 0, truncated: false } });
      const before = await readStatus();
      if (token !== loadToken) return;
      const base = auditQueryOf(get().auditFilters);
      const all: AuditEvent[] = [];
      let below: number | undefined;
      for (;;) {
        const r = await api.auditQuery({ ...base, descending: true, limit: AUDIT_PAGE, ...(below === undefined ? {} : { afterSeq: below }) });
        if (token !== loadToken) return;
        if (!r.ok) {
          signedOutCheck(r);
          set({ auditEvents: all, auditLoad: { status: 'error', loaded: all.length, truncated: false, error: r.error } });
          return;
        }
        for (const e of r.value) all.push(e);
        const oldest = r.value[r.value.length - 1];
        const full = r.value.length === AUDIT_PAGE && oldest !== undefined && oldest.seq > 1;
        const truncated = full && all.length >= AUDIT_MAX_EVENTS;
        // A new array each page: the timeline renders what has arrived while the rest loads.
        set({ auditEvents: all.slice(), auditLoad: { status: full && !truncated ? 'loading' : 'done', loaded: all.length, truncated } });
        if (!full || truncated) break;
        below = oldest.seq;
      }
      cursor = Math.max(all[0]?.seq ?? 0, before?.size ?? 0);
      const after = await readStatus();
      if (token !== loadToken) return;
      seenSize = after?.size ?? Number.POSITIVE_INFINITY;
    },

    async resumeAudit() {
      if (get().auditLoad.status === 'done') await tail();
      else await get().loadAudit();
    },

    setAuditFilters(auditFilters) {
      set({ auditFilters });
      void get().loadAudit();
    },

    setAuditLive(on) {
      live = on;
    },

    async verifyAudit(full) {
      const r = await api.auditVerify({ full });
      signedOutCheck(r);
      await readStatus();
      return r;
    },

    async exportAudit() {
      const r = await api.auditExport({});
      signedOutCheck(r);
      return r;
    },

    onAuditAppended(payload) {
      const s = get().auditStatus;
      if (s === undefined) return; // signed out: nothing shown to update
      // The badge's size moves at once; the verification facts come with the next status read.
      if (payload.size > s.size) set({ auditStatus: { ...s, size: payload.size } });
      if (statusTimer === undefined) {
        statusTimer = setTimeout(() => {
          statusTimer = undefined;
          void readStatus();
        }, Math.max(100, lastStatusRead + AUDIT_REFRESH_SPACING_MS - now()));
      }
      if (live && get().auditLoad.status === 'done' && payload.size > seenSize) scheduleTail();
    },

    resetAudit() {
      loadToken += 1;
      for (const t of [statusTimer, tailTimer]) if (t !== undefined) clearTimeout(t);
      statusTimer = tailTimer = undefined;
      cursor = 0;
      seenSize = Number.POSITIVE_INFINITY;
      set({ auditStatus: undefined, auditStatusError: undefined, auditEvents: [], auditLoad: IDLE });
    },
  };
};
