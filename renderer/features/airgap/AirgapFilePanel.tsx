/**
 * @module renderer/features/airgap/AirgapFilePanel
 * A file to carry across the air gap, both ways it can travel: "Save … file" (a download, for a
 * USB stick) and its QR code(s), with the file's SHA-256 to compare on the other side. Used for
 * a response on the air-gapped side and for a request envelope on the online side.
 */
import { Download } from 'lucide-react';
import type { ReactNode } from 'react';
import type { AirgapFile } from '../../store/airgap-slice.js';
import { Button } from '../../app/ui/Button.js';
import { MonoId } from '../../app/ui/MonoId.js';
import { toastSuccess } from '../../app/ui/toast.js';
import { formatBytes } from '../backup/format-size.js';
import { saveTextFile } from './download.js';
import { QrFrames } from './QrFrames.js';
import a from './airgap.module.css';

export function AirgapFilePanel({ file, what, saveLabel, children }: { file: AirgapFile; what: string; saveLabel: string; children?: ReactNode }) {
  return (
    <div className={a.filePanel} data-testid="airgap-file">
      <div className={a.fileFacts}>
        {children}
        <dl className={a.facts}>
          <dt>File</dt>
          <dd className="mono" data-testid="airgap-file-name">
            {file.fileName}
          </dd>
          <dt>Size</dt>
          <dd className="num">{formatBytes(new TextEncoder().encode(file.text).length)}</dd>
          <dt>SHA-256</dt>
          <dd>
            <MonoId value={file.sha256} max={32} copyLabel="Copy SHA-256" />
          </dd>
        </dl>
        <Button
          variant="primary"
          icon={<Download aria-hidden />}
          onClick={() => {
            saveTextFile(file.fileName, file.text);
            toastSuccess(`${what} saved`, `${file.fileName} — carry it across on removable media, or scan the code.`);
          }}
          data-testid="airgap-save"
        >
          {saveLabel}
        </Button>
      </div>
      <QrFrames qr={file.qr} label={`QR code of ${file.fileName}`} />
    </div>
  );
}
