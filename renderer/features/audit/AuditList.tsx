/**
 * @module renderer/features/audit/AuditList
 * The timeline's rows, virtualized (@tanstack/react-virtual): only the rows in view (plus a few)
 * are in the DOM, so 100,000 events scroll like 100. A grid with one active row: ↑/↓, PgUp/PgDn,
 * Home/End move it, Enter opens the event, Escape closes it. When new events arrive at the top
 * while the operator is scrolled down, the view stays on the rows they were reading.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useLayoutEffect, useRef, type KeyboardEvent } from 'react';
import type { AuditEvent } from '../../store/types.js';
import { Badge } from '../../app/ui/Badge.js';
import { formatTimestamp } from '../../app/lib/format.js';
import { middleTruncate } from '../../app/lib/truncate.js';
import { cx } from '../../app/ui/cx.js';
import a from './audit.module.css';

export const ROW_HEIGHT = 34;

export function targetOf(e: AuditEvent): string {
  const parts: string[] = [];
  if (e.namespace !== null) parts.push(e.namespace);
  if (e.keyId !== null) parts.push(e.keyId + (e.keyVersion === null ? '' : ` v${e.keyVersion}`));
  return parts.join(' / ');
}

export function AuditList({ events, selectedSeq, onSelect }: { events: readonly AuditEvent[]; selectedSeq: number | null; onSelect: (seq: number | null) => void }) {
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: events.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    getItemKey: (i) => events[i]?.seq ?? i,
  });

  // Keep the reader's place when newer events are prepended.
  const firstSeq = useRef<number | undefined>(undefined);
  useLayoutEffect(() => {
    const el = scroller.current;
    const prev = firstSeq.current;
    firstSeq.current = events[0]?.seq;
    if (el === null || prev === undefined || el.scrollTop === 0) return;
    const added = events.findIndex((e) => e.seq === prev);
    if (added > 0) el.scrollTop += added * ROW_HEIGHT;
  }, [events]);

  const activeIndex = selectedSeq === null ? -1 : events.findIndex((e) => e.seq === selectedSeq);

  const move = (to: number) => {
    const i = Math.max(0, Math.min(events.length - 1, to));
    const e = events[i];
    if (e === undefined) return;
    onSelect(e.seq);
    virtualizer.scrollToIndex(i, { align: 'auto' });
  };

  const onKeyDown = (ev: KeyboardEvent<HTMLDivElement>) => {
    const page = Math.max(1, Math.floor((scroller.current?.clientHeight ?? 340) / ROW_HEIGHT) - 2);
    const from = activeIndex < 0 ? -1 : activeIndex;
    const keys: Record<string, () => void> = {
      ArrowDown: () => move(from + 1),
      ArrowUp: () => move(from - 1),
      PageDown: () => move(from + page),
      PageUp: () => move(from - page),
      Home: () => move(0),
      End: () => move(events.length - 1),
      Escape: () => onSelect(null),
    };
    const run = keys[ev.key];
    if (run === undefined) return;
    ev.preventDefault();
    run();
  };

  return (
    <div
      ref={scroller}
      className={a.grid}
      role="grid"
      aria-label="Audit events, newest first"
      aria-rowcount={events.length + 1}
      aria-activedescendant={activeIndex < 0 ? undefined : `audit-${selectedSeq}`}
      tabIndex={0}
      onKeyDown={onKeyDown}
      data-testid="audit-list"
    >
      <div className={cx(a.cols, a.head)} role="row" aria-rowindex={1}>
        <span role="columnheader" className={a.right}>
          Seq
        </span>
        <span role="columnheader">Time</span>
        <span role="columnheader">Principal</span>
        <span role="columnheader">Action</span>
        <span role="columnheader">Target</span>
        <span role="columnheader">Result</span>
        <span role="columnheader">Request</span>
      </div>
      <div className={a.rows} style={{ height: virtualizer.getTotalSize() }}>
        {virtualizer.getVirtualItems().map((item) => {
          const e = events[item.index];
          if (e === undefined) return null;
          const ok = e.result === 'ok';
          return (
            <div
              key={item.key}
              id={`audit-${e.seq}`}
              role="row"
              aria-rowindex={item.index + 2}
              aria-selected={e.seq === selectedSeq}
              className={cx(a.cols, a.row, !ok && a.rowFail)}
              style={{ transform: `translateY(${item.start}px)` }}
              onClick={() => onSelect(e.seq)}
              data-testid="audit-row"
            >
              <span role="gridcell" className={a.seq}>
                #{e.seq}
              </span>
              <span role="gridcell" className={a.time}>
                {formatTimestamp(e.time)}
              </span>
              <span role="gridcell" title={e.principal}>
                {e.principal}
              </span>
              <span role="gridcell" className={a.action}>
                {e.action}
              </span>
              <span role="gridcell" className={a.target} title={targetOf(e)}>
                {targetOf(e) || '—'}
              </span>
              <span role="gridcell">
                <Badge tone={ok ? 'success' : 'danger'} dot>
                  {e.result}
                </Badge>
              </span>
              <span role="gridcell" className={a.request} title={e.requestId}>
                {middleTruncate(e.requestId, 14)}
              </span>
            </div>
          );
        })}
      </div>
    </div>
  );
}
