/**
 * @module renderer/features/signing/RequestView
 * THE decoded view of a signing request (shared/api/signing RequestView), for any chain: what it
 * asks for in one line, the flags first (danger before warning before info), then each section
 * as labelled facts, typed data as a tree, a message body as it will be signed, and the digest.
 * The Sign screen uses it; the approval queue and the air-gap import show requests with it too.
 *
 * Addresses and digests are shown in full, never truncated: comparing them character by
 * character with another device is how an operator catches a swapped recipient.
 */
import { AlertOctagon, AlertTriangle, Info } from 'lucide-react';
import type { RequestView as View, ViewField, ViewNode, ViewSection } from '../../../shared/api/signing.js';
import { Badge } from '../../app/ui/Badge.js';
import { Identicon } from '../../app/ui/Identicon.js';
import { CopyButton } from '../../app/ui/MonoId.js';
import { cx } from '../../app/ui/cx.js';
import sc from '../../app/ui/screen.module.css';
import s from './signing.module.css';

const CHAIN_NAMES: Readonly<Record<View['chain'], string>> = { ethereum: 'Ethereum', bitcoin: 'Bitcoin', solana: 'Solana', starknet: 'StarkNet' };
const LEVEL_ORDER = { danger: 0, warning: 1, info: 2 } as const;

export function RequestView({ view, className }: { view: View; className?: string }) {
  const flags = [...view.flags].sort((a, b) => LEVEL_ORDER[a.level] - LEVEL_ORDER[b.level]);
  return (
    <article className={cx(sc.card, s.view, className)} aria-label="Decoded request" data-testid="request-view">
      <header className={s.viewHeader}>
        <div className={s.viewChips}>
          <Badge tone="accent">{CHAIN_NAMES[view.chain]}</Badge>
          {view.network === null ? null : <Badge tone="outline">{view.network}</Badge>}
        </div>
        <h2 className={s.viewTitle}>{view.title}</h2>
        {view.signer === null ? null : (
          <div className={s.viewSigner}>
            <span className={s.viewSignerLabel}>Signing as</span>
            <FullValue value={view.signer} kind="address" />
          </div>
        )}
      </header>
      {flags.length === 0 ? null : (
        <ul className={s.flags} aria-label="Warnings">
          {flags.map((f) => (
            <li key={f.code + f.message} className={cx(s.flag, s[`flag-${f.level}`])} data-level={f.level}>
              {f.level === 'danger' ? <AlertOctagon aria-hidden /> : f.level === 'warning' ? <AlertTriangle aria-hidden /> : <Info aria-hidden />}
              <div>
                <div className={s.flagCode}>{f.code.replaceAll('_', ' ').toLowerCase()}</div>
                <div>{f.message}</div>
              </div>
            </li>
          ))}
        </ul>
      )}
      {view.sections.map((section) => (
        <Section key={section.title} section={section} />
      ))}
      {view.digest === null ? null : (
        <footer className={s.digest}>
          <div className={s.sectionHeading}>{view.digest.label}</div>
          <FullValue value={view.digest.value} kind="hex" />
        </footer>
      )}
    </article>
  );
}

function Section({ section }: { section: ViewSection }) {
  return (
    <section className={s.section} aria-label={section.title}>
      <h3 className={s.sectionHeading}>{section.title}</h3>
      {section.fields.length === 0 ? null : (
        <dl className={s.fields}>
          {section.fields.map((f, i) => (
            <FieldRow key={`${f.label}-${i}`} field={f} />
          ))}
        </dl>
      )}
      {section.text === undefined ? null : <pre className={s.messageText}>{section.text}</pre>}
      {section.tree === undefined || section.tree.length === 0 ? null : <Tree nodes={section.tree} />}
    </section>
  );
}

function FieldRow({ field }: { field: ViewField }) {
  return (
    <>
      <dt>{field.label}</dt>
      <dd className={cx(field.level !== undefined && s[`value-${field.level}`])}>
        {field.kind === 'address' || field.kind === 'hex' ? (
          <FullValue value={field.value} kind={field.kind} />
        ) : (
          <span className={cx(field.kind === 'amount' && s.amount, field.kind === 'mono' && s.monoValue)}>{field.value}</span>
        )}
        {field.note === undefined ? null : <span className={s.note}>{field.note}</span>}
      </dd>
    </>
  );
}

/** An address or hash in full, wrapped, with copy; addresses get an identicon to compare at a glance. */
function FullValue({ value, kind }: { value: string; kind: 'address' | 'hex' }) {
  return (
    <span className={s.fullValue}>
      {kind === 'address' ? <Identicon value={value} size={16} className={s.identicon} /> : null}
      <span className={s.fullText}>{value}</span>
      <CopyButton value={value} label={`Copy ${value}`} />
    </span>
  );
}

function Tree({ nodes }: { nodes: readonly ViewNode[] }) {
  return (
    <ul className={s.tree} role="tree">
      {nodes.map((n, i) => (
        <li key={`${n.name}-${i}`} role="treeitem" aria-expanded={n.children === undefined ? undefined : true} aria-selected={false}>
          <div className={s.treeRow}>
            <span className={s.treeName}>{n.name}</span>
            <span className={s.treeType}>{n.type}</span>
            {n.value === undefined ? null : <span className={s.treeValue}>{n.value}</span>}
            {n.note === undefined ? null : <span className={s.note}>{n.note}</span>}
          </div>
          {n.children === undefined ? null : <Tree nodes={n.children} />}
        </li>
      ))}
    </ul>
  );
}
