/**
 * @module renderer/features/airgap/FileDrop
 * Bring a file across the air gap into Custos: drop a .json file on the zone, pick one, or paste
 * its text (what a QR scanner app gives). The text goes to `onText`; the core parses and checks
 * it (format, version, SHA-256, expiry) — this only reads the file.
 */
import { ClipboardPaste, FileJson, FolderOpen } from 'lucide-react';
import { useRef, useState } from 'react';
import { Button } from '../../app/ui/Button.js';
import { cx } from '../../app/ui/cx.js';
import a from './airgap.module.css';

/** Larger than any envelope the contract accepts (8 MiB): refused before reading. */
const MAX_FILE_BYTES = 8 * 1024 * 1024;

export interface FileDropProps {
  readonly title: string;
  readonly hint: string;
  /** What the import button says, e.g. "Import request". */
  readonly action: string;
  readonly busy: boolean;
  readonly onText: (text: string, source: string) => void;
  readonly testId: string;
}

export function FileDrop({ title, hint, action, busy, onText, testId }: FileDropProps) {
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const [pasting, setPasting] = useState(false);
  const [pasted, setPasted] = useState('');
  const [problem, setProblem] = useState<string | undefined>(undefined);

  async function read(file: File | undefined) {
    setProblem(undefined);
    if (file === undefined) return;
    if (file.size > MAX_FILE_BYTES) return setProblem(`${file.name} is ${file.size} bytes; an air-gap file is at most 8 MiB.`);
    onText(await file.text(), file.name);
  }

  return (
    <div className={a.dropWrap}>
      <div
        className={cx(a.drop, over && a.dropOver)}
        data-testid={testId}
        onDragOver={(e) => {
          e.preventDefault();
          e.dataTransfer.dropEffect = 'copy';
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          void read(e.dataTransfer.files[0]);
        }}
      >
        <FileJson className={a.dropIcon} aria-hidden />
        <div className={a.dropTitle}>{title}</div>
        <div className={a.dropHint}>{hint}</div>
        <div className={a.dropActions}>
          <Button icon={<FolderOpen aria-hidden />} onClick={() => input.current?.click()} busy={busy && !pasting} data-testid={`${testId}-pick`}>
            Choose file…
          </Button>
          <Button variant="ghost" icon={<ClipboardPaste aria-hidden />} onClick={() => setPasting(!pasting)} aria-expanded={pasting} data-testid={`${testId}-paste-toggle`}>
            Paste text
          </Button>
        </div>
        <input
          ref={input}
          type="file"
          accept=".json,application/json,text/plain"
          className="sr-only"
          tabIndex={-1}
          aria-hidden
          data-testid={`${testId}-input`}
          onChange={(e) => {
            void read(e.target.files?.[0]);
            e.target.value = '';
          }}
        />
      </div>
      {problem === undefined ? null : (
        <p className={a.dropProblem} role="alert">
          {problem}
        </p>
      )}
      {pasting ? (
        <form
          className={a.paste}
          onSubmit={(e) => {
            e.preventDefault();
            if (pasted.trim() !== '') onText(pasted.trim(), 'pasted text');
          }}
        >
          <textarea
            className={a.pasteArea}
            value={pasted}
            onChange={(e) => setPasted(e.target.value)}
            placeholder='{"format":"custos-airgap-…", …}'
            aria-label="File text"
            spellCheck={false}
            autoFocus
            rows={5}
            data-testid={`${testId}-text`}
          />
          <div className={a.pasteActions}>
            <Button type="submit" variant="primary" busy={busy} disabled={pasted.trim() === ''} data-testid={`${testId}-submit`}>
              {action}
            </Button>
          </div>
        </form>
      ) : null}
    </div>
  );
}
