/**
 * @module renderer/features/audit/export
 * Export the whole audit log as JSON Lines (as `custos audit export` writes it) and hand it to
 * the browser as a download through a Blob URL — no network, no file system access.
 */
import type { AppState } from '../../store/index.js';
import { toastError, toastSuccess } from '../../app/ui/toast.js';
import { formatCount } from '../../app/lib/format.js';

export function exportFileName(now: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `custos-audit-${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}-${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}.jsonl`;
}

export async function downloadAuditExport(state: Pick<AppState, 'exportAudit'>): Promise<boolean> {
  const r = await state.exportAudit();
  if (!r.ok) {
    toastError('Audit export failed', r.error);
    return false;
  }
  const text = r.value.lines.length === 0 ? '' : r.value.lines.join('\n') + '\n';
  const blob = new Blob([text], { type: 'application/x-ndjson' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = exportFileName(new Date());
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  // The download has taken its copy; keep the URL a moment for browsers that read it async.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  toastSuccess('Audit log exported', `${formatCount(r.value.lines.length)} events written to ${a.download}`);
  return true;
}
