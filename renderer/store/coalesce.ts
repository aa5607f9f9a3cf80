/**
 * @module renderer/store/coalesce
 * The re-read a slice makes when its `*.changed` event arrives, coalesced: the requests and the
 * wallet prompts both follow events that come once per state change (arrive, approve, sign,
 * expire…), and a busy client can send many at once.
 *
 * An event after a quiet spell is read at once (a new request must show without delay: the leading
 * edge); events within the window of the last read share one trailing re-read, however many
 * arrive. The window starts at the last read for any reason (an event, the screen opening, a
 * decision), so the slice tells the helper when it reads. Dropping an answer older than the latest
 * read stays with the slice (its sequence number).
 *
 * Trusts nothing it is given beyond the clock; holds a timer, no data.
 */

/** Events closer together than this share one re-read. */
export const REFRESH_COALESCE_MS = 25;

export interface CoalescedRefresh {
  /** An event arrived: read now if the last read is older than the window, else once at its end (one pending re-read at most). */
  request(): void;
  /** A read started (for any reason): the window starts again from now. */
  markRead(): void;
  /** Drop a pending trailing re-read (sign-out, reset). */
  cancel(): void;
}

/** `read` is called on the leading edge or at the end of the window; it should call markRead() when it starts its read. */
export function coalescedRefresh(read: () => void, now: () => number, windowMs: number = REFRESH_COALESCE_MS): CoalescedRefresh {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastReadAt = Number.NEGATIVE_INFINITY;
  return {
    request() {
      if (timer !== undefined) return;
      const wait = lastReadAt + windowMs - now();
      if (wait <= 0) {
        read();
        return;
      }
      timer = setTimeout(() => {
        timer = undefined;
        read();
      }, wait);
    },
    markRead() {
      lastReadAt = now();
    },
    cancel() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}
