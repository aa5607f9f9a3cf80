/**
 * @module renderer/features/audit/AuditChart
 * Events over time (uPlot): one bar per time bucket, its failed part in red. Hovering reads a
 * bucket out; dragging across the chart narrows the timeline to that time range. Colours come
 * from the theme's tokens, so the chart follows light/dark.
 */
import uPlot from 'uplot';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { AuditEvent } from '../../store/types.js';
import { formatCount, formatTimestamp } from '../../app/lib/format.js';
import { bucketize, type Buckets } from './buckets.js';
import a from './audit.module.css';

function token(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

function options(width: number, height: number, buckets: Buckets, onSelect: (from: number, to: number) => void, onHover: (i: number | null) => void): uPlot.Options {
  const text = token('--text-3');
  const grid = token('--chart-grid');
  const font = `11px ${token('--font-sans')}`;
  const bars = uPlot.paths.bars?.({ size: [0.82, 48], gap: 1 });
  const half = buckets.widthMs / 2000;
  return {
    width,
    height,
    padding: [6, 8, 0, 0],
    legend: { show: false },
    cursor: { y: false, points: { show: false }, drag: { x: true, y: false, setScale: false } },
    scales: {
      x: { time: true, range: (_u, min, max) => [min - half, max + half] },
      y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] },
    },
    axes: [
      {
        stroke: text,
        font,
        grid: { show: false },
        ticks: { stroke: grid, size: 4 },
        size: 24,
        space: 72,
        // Whole seconds and up: the buckets are never narrower than a second.
        incrs: X_INCRS,
        values: (_u, splits) => splits.map((sec) => xLabel(sec * 1000, buckets)),
      },
      {
        stroke: text,
        font,
        grid: { stroke: grid, width: 1 },
        ticks: { show: false },
        splits: (_u, _i, _min, max) => niceSplits(max),
        values: (_u, splits) => splits.map((v) => formatCount(v)),
        // Wide enough for the longest label ("100,000"): uPlot does not measure them itself.
        size: (_u, values) => 14 + 7 * Math.max(1, ...(values ?? []).map((v) => String(v).length)),
      },
    ],
    series: [
      {},
      { label: 'events', stroke: token('--chart-ok'), fill: token('--chart-ok'), paths: bars, points: { show: false } },
      { label: 'failed', stroke: token('--chart-fail'), fill: token('--chart-fail'), paths: bars, points: { show: false } },
    ],
    hooks: {
      setSelect: [
        (u) => {
          if (u.select.width < 4) return;
          const from = u.posToVal(u.select.left, 'x') * 1000;
          const to = u.posToVal(u.select.left + u.select.width, 'x') * 1000;
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          onSelect(Math.floor(from), Math.ceil(to));
        },
      ],
      setCursor: [(u) => onHover(u.cursor.idx ?? null)],
    },
  };
}

const X_INCRS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800, 2592000];

function xLabel(ms: number, b: Buckets): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  const span = ((b.x[b.x.length - 1] ?? 0) - (b.x[0] ?? 0)) * 1000;
  if (span < 86_400_000 && b.widthMs < 60_000) return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  if (span < 86_400_000) return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return `${d.toLocaleString(undefined, { month: 'short' })} ${d.getDate()}${b.widthMs < 86_400_000 ? ` ${pad(d.getHours())}:${pad(d.getMinutes())}` : ''}`;
}

/** Three or four round y gridlines (1, 2 or 5 × 10^k apart), integers only: these are counts. */
export function niceSplits(max: number): number[] {
  const raw = Math.max(1, max) / 3;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = Math.max(1, [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag);
  const out: number[] = [];
  for (let v = 0; v <= Math.max(1, max); v += step) out.push(v);
  return out;
}

export function AuditChart({ events, theme, onSelectRange }: { events: readonly AuditEvent[]; theme: string; onSelectRange: (from: number, to: number) => void }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const [hover, setHover] = useState<number | null>(null);
  const buckets = useMemo(() => bucketize(events), [events]);
  const select = useRef(onSelectRange);
  select.current = onSelectRange;

  // Build (again) when the buckets or the theme change: colours are read from the tokens then.
  useEffect(() => {
    const el = box.current;
    if (el === null || buckets.x.length === 0) return;
    // Empty buckets are gaps, not zero-height bars (which would still draw their outline).
    const data: uPlot.AlignedData = [buckets.x, buckets.total.map((n) => (n === 0 ? null : n)), buckets.failed.map((n) => (n === 0 ? null : n))];
    const size = () => ({ width: Math.max(200, el.clientWidth), height: Math.max(110, el.clientHeight) });
    const u = new uPlot(options(size().width, size().height, buckets, (f, t) => select.current(f, t), setHover), data, el);
    plot.current = u;
    const ro = new ResizeObserver(() => u.setSize(size()));
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [buckets, theme]);

  const total = events.length;
  const failed = useMemo(() => events.reduce((n, e) => n + (e.result === 'ok' ? 0 : 1), 0), [events]);
  const readout =
    hover === null || buckets.x[hover] === undefined
      ? `${formatCount(total)} events · ${formatCount(failed)} failed`
      : `${formatTimestamp((buckets.x[hover] as number) * 1000).slice(0, 19)} · ${formatCount(buckets.total[hover] ?? 0)} events · ${formatCount(buckets.failed[hover] ?? 0)} failed`;

  return (
    <div className={`${a.card} ${a.chartCard}`}>
      <div className={a.chartHead}>
        <span className={a.legend}>
          <span className={`${a.swatch} ${a.swatchOk}`} aria-hidden /> events
        </span>
        <span className={a.legend}>
          <span className={`${a.swatch} ${a.swatchFail}`} aria-hidden /> failed
        </span>
        <span>per {widthLabel(buckets.widthMs)} · drag to zoom</span>
        <span className={a.readout} aria-live="off">
          {readout}
        </span>
      </div>
      {buckets.x.length === 0 ? (
        <div className={a.chartEmpty}>No events to chart</div>
      ) : (
        <div ref={box} className={a.chart} role="img" aria-label={`Chart of ${formatCount(total)} audit events over time, ${formatCount(failed)} failed`} data-testid="audit-chart" />
      )}
    </div>
  );
}

function widthLabel(ms: number): string {
  if (ms < 60_000) return `${ms / 1000} s`;
  if (ms < 3_600_000) return `${ms / 60_000} min`;
  if (ms < 86_400_000) return `${ms / 3_600_000} h`;
  return `${ms / 86_400_000} d`;
}
