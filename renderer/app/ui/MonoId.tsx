/**
 * @module renderer/app/ui/MonoId
 * Identifiers, hashes and keys as UI.md wants them: monospace, middle-truncated, the full value on
 * hover (title) and for screen readers, and a copy button that says it copied.
 */
import { Check, Copy } from 'lucide-react';
import { useEffect, useState } from 'react';
import { toast } from 'sonner';
import { middleTruncate } from '../lib/truncate.js';
import { copyText } from './copy.js';
import s from './ui.module.css';
import { cx } from './cx.js';

export function CopyButton({ value, label = 'Copy', className }: { value: string; label?: string; className?: string }) {
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const t = setTimeout(() => setCopied(false), 1400);
    return () => clearTimeout(t);
  }, [copied]);
  return (
    <button
      type="button"
      className={cx(s.copy, copied && s.copied, className)}
      aria-label={copied ? 'Copied' : label}
      title={copied ? 'Copied' : label}
      onClick={(e) => {
        e.stopPropagation();
        void copyText(value).then((ok) => {
          if (ok) setCopied(true);
          else toast.error('Could not copy to the clipboard');
        });
      }}
    >
      {copied ? <Check aria-hidden /> : <Copy aria-hidden />}
    </button>
  );
}

export function MonoId({ value, max = 28, copy = true, className, copyLabel }: { value: string; max?: number; copy?: boolean; className?: string; copyLabel?: string }) {
  const shown = middleTruncate(value, max);
  return (
    <span className={cx(s.mono, className)}>
      <span className={s.monoText} title={shown === value ? undefined : value} aria-label={shown === value ? undefined : value}>
        {shown}
      </span>
      {copy ? <CopyButton value={value} label={copyLabel ?? `Copy ${value}`} /> : null}
    </span>
  );
}
