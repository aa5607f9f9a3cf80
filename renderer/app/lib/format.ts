/**
 * @module renderer/app/lib/format
 * Dates, durations and counts as the UI shows them. Pure functions of their inputs (the clock is
 * a parameter), so the tests do not depend on when they run.
 */

const dateTime = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
const dateOnly = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: '2-digit' });
const timeOnly = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });

export function formatDateTime(ms: number): string {
  return dateTime.format(ms);
}
export function formatDate(ms: number): string {
  return dateOnly.format(ms);
}
/** ISO-like, sortable and unambiguous: for the audit list, where rows are compared by eye. */
export function formatTimestamp(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${timeOnly.format(ms)}.${pad(d.getMilliseconds(), 3)}`;
}
export function formatCount(n: number): string {
  return integer.format(n);
}

/** `12:30`, `1:02:03` — a countdown, never negative. */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** "just now", "5 min ago", "3 h ago", "2 d ago", else the date. */
export function formatRelative(ms: number, now: number): string {
  const diff = now - ms;
  // A few seconds "in the future" is clock skew between the host and this page, not the future.
  if (diff < -60_000) return formatInFuture(-diff);
  if (diff < 45_000) return 'just now';
  if (diff < 3_600_000) return `${Math.round(diff / 60_000)} min ago`;
  if (diff < 86_400_000) return `${Math.round(diff / 3_600_000)} h ago`;
  if (diff < 30 * 86_400_000) return `${Math.round(diff / 86_400_000)} d ago`;
  return formatDate(ms);
}

function formatInFuture(diff: number): string {
  if (diff < 60_000) return 'in under a minute';
  if (diff < 3_600_000) return `in ${Math.round(diff / 60_000)} min`;
  if (diff < 86_400_000) return `in ${Math.round(diff / 3_600_000)} h`;
  return `in ${Math.round(diff / 86_400_000)} d`;
}

/** 65536 KiB → "64 MiB". */
export function formatKiB(kib: number): string {
  if (kib >= 1024 * 1024) return `${(kib / 1024 / 1024).toFixed(kib % (1024 * 1024) === 0 ? 0 : 1)} GiB`;
  if (kib >= 1024) return `${(kib / 1024).toFixed(kib % 1024 === 0 ? 0 : 1)} MiB`;
  return `${kib} KiB`;
}

/** `<input type="datetime-local">` value ⇄ epoch ms (local time, as the operator typed it). */
export function toDateTimeLocal(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}
export function fromDateTimeLocal(value: string): number | undefined {
  if (value === '') return undefined;
  const ms = new Date(value).getTime();
  return Number.isFinite(ms) ? ms : undefined;
}
