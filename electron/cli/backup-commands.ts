/**
 * @module cli/backup-commands
 * `custos backup create|verify|restore`: encrypted full and incremental backups (core/backup).
 *
 * A chain is a full backup and the incrementals made after it, each following the one before.
 * `create --incremental-from FILE`, repeated, names the chain the new backup follows, full
 * backup first, in order (the simplest form: the operator lists the files they have, as
 * `verify` and `restore` take them); without it the backup is a full one. `verify FILE…` and
 * `restore FILE…` take a chain the same way (one full backup is a chain of one). An error about
 * one file of a chain names it by position and path.
 *
 * The backup passphrase is separate from every operator's passphrase, the same for every file of
 * a chain, and comes from CUSTOS_BACKUP_PASSPHRASE, --backup-passphrase-file or a prompt (with
 * confirmation when creating). `restore` takes the target only from an explicit --data-dir
 * (never the default data directory or CUSTOS_DATA_DIR, so a restore lands where the operator
 * typed), refuses a non-empty target, and asks for an Admin's passphrase of the backed-up vault to
 * check the copy and record the restore in its audit log. None runs in `batch` (they take
 * passphrases interactively). Trusts the facade and core/backup.
 */
import { CustodyError } from '../../shared/errors.js';
import { verifyBackupChain, type BackupManifest, type BackupVerified } from '../core/backup/index.js';
import { restoreBackup } from '../core/backup/restore.js';
import { UsageError } from './args.js';
import type { Command, CommandContext } from './commands.js';
import { readFileBytes, writeNewFile } from './io.js';

/** Chains longer than this are a mistake (and each file costs an Argon2id derivation). */
const MAX_CHAIN = 1000;

const backupPassphraseFile = {
  'backup-passphrase-file': { type: 'string', description: 'read the backup passphrase from FILE (else CUSTOS_BACKUP_PASSPHRASE, else a prompt)', placeholder: 'FILE' },
} as const;


interface NamedFile {
  readonly path: string;
  readonly bytes: Uint8Array;
}

function readBackups(paths: readonly string[]): NamedFile[] {
  return paths.map((path) => ({ path, bytes: readFileBytes(path, 'backup') }));
}

function chainFiles(ctx: CommandContext): NamedFile[] {
  if (ctx.args.positionals.length === 0) throw new UsageError('name the backup FILE (a chain: the full backup first, then its incrementals in order)');
  return readBackups(ctx.args.positionals);
}

/**
 * Core names a file of a chain as `backup N of M` (details.backup = N): add its path. A one-file
 * chain's messages carry no position; `prefixSingle` then puts the path in front (for create,
 * where the file is not the one the operator is writing).
 */
function namingFiles(error: unknown, paths: readonly string[], prefixSingle: boolean): unknown {
  if (!(error instanceof CustodyError) || typeof error.details.backup !== 'number') return error;
  let message = error.message.replace(/\bbackup (\d+) of (\d+)\b/g, (all: string, k: string, m: string) => {
    const path = Number(m) === paths.length ? paths[Number(k) - 1] : undefined;
    return path === undefined ? all : `${all} (${path})`;
  });
  if (message === error.message) {
    const path = paths[error.details.backup - 1];
    if (!prefixSingle || path === undefined) return error;
    message = `${path}: ${message}`;
  }
  return new CustodyError(error.code, message, { cause: error, details: error.details });
}

function manifestJson(m: BackupManifest): Record<string, unknown> {
  return { kind: m.kind, createdAt: m.createdAt, vaultFingerprint: m.vaultFingerprint, schemaVersion: m.schemaVersion, previous: m.previous, result: m.result, parts: m.parts };
}

function describe(m: BackupManifest): string {
  return `${m.kind} backup of vault ${m.vaultFingerprint}, made ${m.createdAt}, schema ${m.schemaVersion}${m.previous === null ? '' : `, follows ${m.previous.slice(0, 12)}…`}`;
}

function partsText(m: BackupManifest): string {
  return m.parts.map((p) => `  ${p.name.padEnd(12)} ${String(p.size).padStart(10)} bytes  sha256 ${p.sha256}`).join('\n');
}

export const BACKUP_COMMANDS: readonly Command[] = [
  {
    words: ['backup', 'create'],
    summary: 'write an encrypted backup of the vault (Admin): full (database snapshot, custos.yaml, ui-settings.json), or incremental with --incremental-from',
    usage: 'custos backup create --out FILE [--incremental-from FULL [--incremental-from INC]…] [--backup-passphrase-file FILE]   (backup passphrase also from CUSTOS_BACKUP_PASSPHRASE)',
    options: {
      out: { type: 'string', description: 'write the backup to FILE (must not exist)', placeholder: 'FILE' },
      'incremental-from': {
        type: 'strings',
        description: 'make an incremental backup following this chain: repeat it for every file, the full backup first, then its incrementals in order (same backup passphrase)',
        placeholder: 'FILE',
      },
      ...backupPassphraseFile,
    },
    async run(ctx) {
      const out = ctx.args.string('out');
      if (out === undefined) throw new UsageError('--out FILE is required');
      const fromPaths = ctx.args.strings('incremental-from');
      if (fromPaths.length > MAX_CHAIN) throw new UsageError(`a chain has at most ${MAX_CHAIN} files: make a new full backup`);
      const previous = fromPaths.length === 0 ? undefined : readBackups(fromPaths);
      const c = await ctx.unlocked();
      const passphrase = await ctx.passphrase('backup', previous === undefined, previous === undefined ? 'Backup passphrase (separate from operator passphrases): ' : 'Backup passphrase (the one the chain was made with): ');
      try {
        let created;
        try {
          created = await c.backupCreate({ backupPassphrase: passphrase, ...(previous === undefined ? {} : { previous: previous.map((f) => f.bytes) }) });
        } catch (error) {
          throw namingFiles(error, fromPaths, true);
        }
        // Never over an earlier backup (the one an incremental may chain to).
        writeNewFile(out, created.file, { secret: true, exists: 'a backup never overwrites a file' });
        const follows = fromPaths.at(-1);
        return {
          json: { out, bytes: created.file.length, sha256: created.sha256, manifest: manifestJson(created.manifest), ...(follows === undefined ? {} : { follows, chain: [...fromPaths, out] }) },
          text: [
            follows === undefined
              ? `wrote full backup ${out} (${created.file.length} bytes)`
              : `wrote incremental backup ${out} (${created.file.length} bytes), following ${follows} (${created.manifest.previous ?? ''})`,
            `sha256 ${created.sha256}   (record it: it identifies this backup)`,
            ...(follows === undefined ? [] : [`restore with: custos --data-dir NEW backup restore ${[...fromPaths, out].join(' ')}`]),
            partsText(created.manifest),
          ].join('\n'),
        };
      } finally {
        passphrase.fill(0);
      }
    },
  },
  {
    words: ['backup', 'verify'],
    summary: 'check a backup or a chain (full, then incrementals in order) without restoring it: length, passphrase, authentication, checksums, links, and that every incremental applies',
    usage: 'custos backup verify FULL [INC…] [--backup-passphrase-file FILE]',
    options: { ...backupPassphraseFile },
    maxPositionals: MAX_CHAIN,
    async run(ctx) {
      const files = chainFiles(ctx);
      const paths = files.map((f) => f.path);
      const passphrase = await ctx.passphrase('backup', false, 'Backup passphrase: ');
      try {
        let verified: BackupVerified[];
        try {
          verified = await verifyBackupChain(files.map((f) => f.bytes), passphrase);
        } catch (error) {
          throw namingFiles(error, paths, false);
        }
        const last = verified.at(-1) as BackupVerified;
        const entry = (v: BackupVerified, i: number) => ({ file: paths[i] as string, bytes: v.bytes, sha256: v.sha256, manifest: manifestJson(v.manifest) });
        return {
          json: { ok: true, ...entry(last, verified.length - 1), chain: verified.map(entry) },
          text:
            verified.length === 1
              ? [`backup ${paths[0] ?? ''} is intact: ${describe(last.manifest)}`, `sha256 ${last.sha256}`, partsText(last.manifest)].join('\n')
              : [
                  `chain of ${verified.length} backups is intact (linked, authenticated, every incremental applies):`,
                  ...verified.map((v, i) => `  ${i + 1}. ${paths[i] ?? ''}: ${describe(v.manifest)}\n     sha256 ${v.sha256}`),
                ].join('\n'),
        };
      } finally {
        passphrase.fill(0);
      }
    },
  },
  {
    words: ['backup', 'restore'],
    summary: 'restore a backup or a chain (full, then incrementals in order) into a new (absent or empty) data directory, all or nothing; recorded in its audit log',
    usage: 'custos --data-dir NEW backup restore FULL [INC…] [--backup-passphrase-file FILE]   (then the passphrase of an Admin of the backed-up vault: --operator, CUSTOS_PASSPHRASE)',
    options: { ...backupPassphraseFile },
    maxPositionals: MAX_CHAIN,
    async run(ctx) {
      const target = ctx.args.string('data-dir');
      if (target === undefined) throw new UsageError('give the new data directory with --data-dir NEW (the default one is never a restore target)');
      const files = chainFiles(ctx);
      const backupPassphrase = await ctx.passphrase('backup', false, 'Backup passphrase: ');
      try {
        const operatorPassphrase = await ctx.passphrase('current', false, `Passphrase of operator ${ctx.operator} in the backed-up vault: `);
        try {
          let r;
          try {
            r = await restoreBackup({ files: files.map((f) => f.bytes), backupPassphrase, dataDir: target, operator: ctx.operator, passphrase: operatorPassphrase });
          } catch (error) {
            throw namingFiles(error, files.map((f) => f.path), false);
          }
          return {
            json: { restored: true, dataDir: r.dataDir, files: r.files, sha256: r.sha256, auditOk: r.report.ok, auditEvents: r.report.size, manifest: manifestJson(r.manifest) },
            text: [`restored ${r.files === 1 ? 'backup' : `a chain of ${r.files} backups, up to`} ${r.sha256} into ${r.dataDir}`, `vault ${r.manifest.vaultFingerprint}, made ${r.manifest.createdAt}; audit log verified (${r.report.size} events); the restore is recorded as backup.restore`].join('\n'),
          };
        } finally {
          operatorPassphrase.fill(0);
        }
      } finally {
        backupPassphrase.fill(0);
      }
    },
  },
];
