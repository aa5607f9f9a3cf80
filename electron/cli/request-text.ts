/**
 * @module cli/request-text
 * A decoded signing request (shared/api/signing RequestView) as terminal text: the same title,
 * flags, sections, trees and digest the desktop app shows, so the CLI and the GUI present a
 * request identically. Labels are padded per section; values are never truncated (an address is
 * compared character by character).
 */
import type { RequestView, SignedResult, ViewField, ViewNode } from '../../shared/api/signing.js';

const LEVEL_TAG = { danger: 'DANGER ', warning: 'warning', info: 'info   ' } as const;
const LEVEL_ORDER = { danger: 0, warning: 1, info: 2 } as const;

function fieldLines(fields: readonly ViewField[], indent = '  '): string[] {
  const width = Math.min(28, Math.max(0, ...fields.map((f) => f.label.length)));
  return fields.map((f) => `${indent}${f.label.padEnd(width)}  ${f.value}${f.note === undefined ? '' : `  (${f.note})`}${f.level === 'danger' ? '  <-- danger' : f.level === 'warning' ? '  <-- warning' : ''}`);
}

function treeLines(nodes: readonly ViewNode[], depth: number): string[] {
  const out: string[] = [];
  for (const n of nodes) {
    const pad = '  '.repeat(depth);
    out.push(`${pad}${n.name} (${n.type})${n.value === undefined ? '' : `: ${n.value}`}${n.note === undefined ? '' : `  (${n.note})`}`);
    if (n.children !== undefined) out.push(...treeLines(n.children, depth + 1));
  }
  return out;
}

export function requestViewText(view: RequestView): string {
  const lines: string[] = [view.title];
  if (view.network !== null) lines.push(`  network  ${view.network}`);
  if (view.signer !== null) lines.push(`  signer   ${view.signer}`);
  const flags = [...view.flags].sort((a, b) => LEVEL_ORDER[a.level] - LEVEL_ORDER[b.level]);
  if (flags.length > 0) {
    lines.push('');
    for (const f of flags) lines.push(`! ${LEVEL_TAG[f.level]}  ${f.message}`);
  }
  for (const section of view.sections) {
    lines.push('', section.title);
    lines.push(...fieldLines(section.fields));
    if (section.text !== undefined) lines.push(...section.text.split('\n').map((l) => `  | ${l}`));
    if (section.tree !== undefined) lines.push(...treeLines(section.tree, 1));
  }
  if (view.digest !== null) lines.push('', view.digest.label, `  ${view.digest.value}`);
  return lines.join('\n');
}

export function signedResultText(result: SignedResult): string {
  return [`${result.primary.label}`, `  ${result.primary.value}`, ...fieldLines(result.fields)].join('\n');
}
