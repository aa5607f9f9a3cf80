/**
 * @module renderer/features/backup/BackupFilesTable
 * The files of a verified chain, in chain order: kind, when it was made, size, SHA-256, the
 * backup it follows, and the vault it belongs to (fingerprint) — facts only, no contents.
 */
import type { BackupFileInfo } from '../../store/backup-slice.js';
import { Badge } from '../../app/ui/Badge.js';
import { MonoId } from '../../app/ui/MonoId.js';
import { formatDateTime } from '../../app/lib/format.js';
import { baseName } from './paths.js';
import { formatBytes } from './format-size.js';
import k from '../keys/keys.module.css';
import b from './backup.module.css';

export function BackupFilesTable({ files }: { files: readonly BackupFileInfo[] }) {
  return (
    <div className={b.tableWrap}>
      <table className={k.table} data-testid="backup-files">
        <thead>
          <tr>
            <th>File</th>
            <th>Kind</th>
            <th>Created</th>
            <th className={k.numCol}>Size</th>
            <th>SHA-256</th>
            <th>Follows</th>
            <th>Vault</th>
          </tr>
        </thead>
        <tbody>
          {files.map((f) => {
            const created = Date.parse(f.manifest.createdAt);
            return (
              <tr key={f.sha256}>
                <td className={b.fileCell} title={f.path}>
                  {baseName(f.path)}
                </td>
                <td>
                  <Badge tone={f.manifest.kind === 'full' ? 'accent' : 'outline'}>{f.manifest.kind}</Badge>
                </td>
                <td className="num">{Number.isNaN(created) ? f.manifest.createdAt : formatDateTime(created)}</td>
                <td className={`${k.numCol} num`} title={`${f.bytes} bytes · ${f.manifest.parts.length} parts`}>
                  {formatBytes(f.bytes)}
                </td>
                <td>
                  <MonoId value={f.sha256} max={18} copyLabel="Copy SHA-256" />
                </td>
                <td>{f.manifest.previous === null ? <span className={k.muted}>—</span> : <MonoId value={f.manifest.previous} max={14} copyLabel="Copy previous SHA-256" />}</td>
                <td>
                  <MonoId value={f.manifest.vaultFingerprint} max={14} copyLabel="Copy vault fingerprint" />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
