/**
 * @module renderer/app/ui/EmptyState
 * What a list says when it has nothing: what to do next, and the CLI command that does the same
 * (UI.md: every list has one). Also the CLI line used in dialogs.
 */
import type { ReactNode } from 'react';
import { CopyButton } from './MonoId.js';
import s from './ui.module.css';

export function CliLine({ command, label = 'CLI equivalent' }: { command: string; label?: string | null }) {
  return (
    <div className={s.cliBlock}>
      {label === null ? null : <span className={s.cliLabel}>{label}</span>}
      <div className={s.cli}>
        <span className={s.cliPrompt} aria-hidden>
          $
        </span>
        <code className={s.cliText}>{command}</code>
        <CopyButton value={command} label="Copy command" />
      </div>
    </div>
  );
}

export function EmptyState({ icon, title, children, actions, cli }: { icon: ReactNode; title: string; children?: ReactNode; actions?: ReactNode; cli?: string }) {
  return (
    <div className={s.empty}>
      <div className={s.emptyIcon} aria-hidden>
        {icon}
      </div>
      <h2 className={s.emptyTitle}>{title}</h2>
      {children === undefined ? null : <p className={s.emptyBody}>{children}</p>}
      {actions === undefined ? null : <div className={s.emptyActions}>{actions}</div>}
      {cli === undefined ? null : <CliLine command={cli} />}
    </div>
  );
}
