/**
 * @module renderer/features/airgap/ExportRequestDialog
 * The online side's "Sign on air-gapped laptop…" for a pending request: airgap.exportRequest
 * writes the envelope (and extends the request's expiry while it is away), and the dialog offers
 * it as a file and as QR, with the steps that follow. The request stays pending here until the
 * response comes back (Air-gap → Import response) or it expires.
 */
import { Unplug } from 'lucide-react';
import { useEffect, useState } from 'react';
import type { RequestRecord } from '../../../shared/api/signing.js';
import { useApp } from '../../store/index.js';
import type { AirgapFile } from '../../store/airgap-slice.js';
import type { ErrorInfo } from '../../store/types.js';
import { Button } from '../../app/ui/Button.js';
import { CliLine } from '../../app/ui/EmptyState.js';
import { ErrorNote } from '../../app/ui/ErrorNote.js';
import { Modal } from '../../app/ui/Modal.js';
import { Delayed, Spinner } from '../../app/ui/Progress.js';
import { Tip } from '../../app/ui/Tip.js';
import { AirgapFilePanel } from './AirgapFilePanel.js';
import a from './airgap.module.css';

export function AirgapExportButton({ record }: { record: RequestRecord }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Tip label="Write this request to a file (and QR) for an air-gapped Custos to sign">
        <Button size="sm" variant="ghost" icon={<Unplug aria-hidden />} onClick={() => setOpen(true)} data-testid="airgap-export-request">
          Sign on air-gapped laptop…
        </Button>
      </Tip>
      {open ? <ExportRequestDialog record={record} onClose={() => setOpen(false)} /> : null}
    </>
  );
}

function ExportRequestDialog({ record, onClose }: { record: RequestRecord; onClose: () => void }) {
  const exportRequest = useApp((s) => s.exportAirgapRequest);
  const setScreen = useApp((s) => s.setScreen);
  const setView = useApp((s) => s.setAirgapView);
  const [file, setFile] = useState<AirgapFile | undefined>(undefined);
  const [error, setError] = useState<ErrorInfo | undefined>(undefined);
  useEffect(() => {
    let live = true;
    void exportRequest(record.id).then((r) => {
      if (!live) return;
      if (r.ok) setFile(r.value);
      else setError(r.error);
    });
    return () => {
      live = false;
    };
  }, [exportRequest, record.id]);
  return (
    <Modal
      open
      onOpenChange={(o) => (o ? undefined : onClose())}
      wide
      icon={<Unplug aria-hidden />}
      title="Sign on an air-gapped laptop"
      description={<>{record.view.title} — for {record.client.label}</>}
      testId="airgap-export-dialog"
      footer={
        <>
          <Button
            variant="ghost"
            onClick={() => {
              onClose();
              setView('outbox');
              setScreen('airgap');
            }}
          >
            Open the outbox
          </Button>
          <Button onClick={onClose}>Done</Button>
        </>
      }
    >
      {error === undefined ? null : <ErrorNote error={error} />}
      {file === undefined ? (
        error === undefined ? (
          <Delayed>
            <div className={a.loading}>
              <Spinner label="Writing the envelope" /> Writing the envelope…
            </div>
          </Delayed>
        ) : null
      ) : (
        <AirgapFilePanel file={file} what="Request envelope" saveLabel="Save request file">
          <ol className={a.steps}>
            <li>Save the file to removable media, or scan the code, on the air-gapped laptop.</li>
            <li>
              There, in <strong>Air-gap → Import request</strong>, review and approve it.
            </li>
            <li>
              Bring its response back here: <strong>Air-gap → Import response</strong>. The request waits until then.
            </li>
          </ol>
        </AirgapFilePanel>
      )}
      <CliLine command="custos request export … --out FILE" />
    </Modal>
  );
}
