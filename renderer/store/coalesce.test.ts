/**
 * The coalesced re-read: the leading edge reads at once after a quiet spell, a burst within the
 * window shares one trailing read at the window's end, any read restarts the window, and cancel
 * drops the pending trailing read.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { coalescedRefresh, REFRESH_COALESCE_MS } from './coalesce.js';

describe('coalescedRefresh', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A refresher whose read marks itself, as the slices' loaders do. */
  function counted() {
    let reads = 0;
    const r = coalescedRefresh(
      () => {
        reads += 1;
        r.markRead();
      },
      () => Date.now(),
    );
    return { r, reads: () => reads };
  }

  it('reads at once after a quiet spell, and a burst within the window once at its end', () => {
    const { r, reads } = counted();
    r.request();
    expect(reads()).toBe(1);
    for (let i = 0; i < 10; i++) r.request();
    expect(reads()).toBe(1);
    vi.advanceTimersByTime(REFRESH_COALESCE_MS - 1);
    expect(reads()).toBe(1);
    vi.advanceTimersByTime(1);
    expect(reads()).toBe(2);
    vi.advanceTimersByTime(REFRESH_COALESCE_MS * 4);
    expect(reads()).toBe(2);
    r.request();
    expect(reads()).toBe(3);
  });

  it('starts the window at any read, not only its own', () => {
    const { r, reads } = counted();
    r.markRead();
    r.request();
    expect(reads()).toBe(0);
    vi.advanceTimersByTime(REFRESH_COALESCE_MS);
    expect(reads()).toBe(1);
  });

  it('cancel drops the trailing read, and the next event reads again', () => {
    const { r, reads } = counted();
    r.request();
    r.request();
    r.cancel();
    vi.advanceTimersByTime(REFRESH_COALESCE_MS * 4);
    expect(reads()).toBe(1);
    r.request();
    expect(reads()).toBe(2);
  });
});
