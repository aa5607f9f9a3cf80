/**
 * @module renderer/features/backup/paths
 * File paths as the operator types them for backups: one per line (a chain is the full backup
 * first, then its incrementals), absolute on the machine the core runs on (the contract refuses
 * anything else, and so does this check, before a round trip). Paths are text here: the
 * renderer has no file system.
 */

/** POSIX `/…`, or Windows `C:\…` / `C:/…`: what the contract's filePath accepts. */
export function isAbsolutePath(p: string): boolean {
  return p.length >= 2 && (p.startsWith('/') || /^[A-Za-z]:[\\/]/u.test(p));
}

/** One path per line, trimmed, blank lines dropped (order kept: it is the chain's order). */
export function parsePathList(text: string): string[] {
  return text
    .split(/\r?\n/u)
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

/** The first line that is not an absolute path, with its 1-based number, or undefined. */
export function firstBadPath(paths: readonly string[]): { line: number; path: string } | undefined {
  const i = paths.findIndex((p) => !isAbsolutePath(p));
  return i < 0 ? undefined : { line: i + 1, path: paths[i] as string };
}

/** The last segment of a path (`/a/b/` → `b`), for a name to type when confirming. */
export function baseName(p: string): string {
  const parts = p.replace(/[\\/]+$/u, '').split(/[\\/]/u);
  return parts[parts.length - 1] ?? '';
}

/** The directory holding `p` (`/a/b/c.bak` → `/a/b`; a root stays itself). */
export function dirName(p: string): string {
  const trimmed = p.replace(/[\\/]+$/u, '');
  const i = Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\'));
  if (i < 0) return '';
  if (i === 0) return trimmed.slice(0, 1);
  // `C:\x` → `C:\`
  if (i === 2 && /^[A-Za-z]:/u.test(trimmed)) return trimmed.slice(0, 3);
  return trimmed.slice(0, i);
}

/** A new directory beside the data directory for a restore: `<parent>/<name>-restored-YYYYMMDD-HHMMSS`. */
export function suggestRestoreDir(dataDir: string | undefined, now: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}-${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  if (dataDir === undefined || !isAbsolutePath(dataDir)) return '';
  const parent = dirName(dataDir);
  const sep = dataDir.includes('\\') && !dataDir.includes('/') ? '\\' : '/';
  const name = baseName(dataDir) || 'custos';
  return `${parent.endsWith(sep) ? parent : parent + sep}${name}-restored-${stamp}`;
}

/** A path quoted for a POSIX shell when it needs it (the CLI lines the screens show). */
export { shellArg as shellQuote } from '../../app/lib/shell.js';
