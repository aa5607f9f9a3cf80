/**
 * @module cli/backup-commands
 * `custos backup create|verify|restore`: encrypted full backups (core/backup). The backup
 * passphrase is separate from every operator's passphrase and comes from
 * CUSTOS_BACKUP_PASSPHRASE, --backup-passphrase-file or a prompt (with confirmation when
 * creating). `restore` takes the target only from an explicit --data-dir (never the default
 * data directory or CUSTOS_DATA_DIR, so a restore lands where the operator typed), refuses a
 * non-empty target, and asks for an Admin's passphrase of the backed-up vault to check the copy
 * and record the restore in its audit log. None runs in `batch` (they take passphrases
 * interactively). Trusts the facade and core/backup.
 */
import { writeFileSync } from 'node:fs';
import { CustodyError } from '../../shared/errors.js';
import { verifyBackup } from '../core/backup/index.js';
import { restoreBackup } from '../core/backup/restore.js';
import type { BackupManifest } from '../core/backup/index.js';
import { UsageError } from './args.js';
import type { Command, CommandContext } from './commands.js';
import { readFileBytes } from './io.js';

const backupPassphraseFile = {
  'backup-passphrase-file': { type: 'string', description: 'read the backup passphrase from FILE (else CUSTOS_BACKUP_PASSPHRASE, else a prompt)', placeholder: 'FILE' },
} as const;


function backupFile(ctx: CommandContext): { path: string; bytes: Uint8Array } {
  const path = ctx.args.positionals[0];
  if (path === undefined) throw new UsageError('name the backup FILE');
  return { path, bytes: readFileBytes(path, 'backup') };
}

function manifestJson(m: BackupManifest): Record<string, unknown> {
  return { kind: m.kind, createdAt: m.createdAt, vaultFingerprint: m.vaultFingerprint, schemaVersion: m.schemaVersion, previous: m.previous, parts: m.parts };
}

function partsText(m: BackupManifest): string {
  return m.parts.map((p) => `  ${p.name.padEnd(12)} ${String(p.size).padStart(10)} bytes  sha256 ${p.sha256}`).join('\n');
}

export const BACKUP_COMMANDS: readonly Command[] = [
  {
    words: ['backup', 'create'],
    summary: 'write an encrypted full backup of the vault (Admin): database snapshot, custos.yaml, ui-settings.json',
    usage: 'custos backup create --out FILE [--backup-passphrase-file FILE]   (backup passphrase also from CUSTOS_BACKUP_PASSPHRASE)',
    options: {
      out: { type: 'string', description: 'write the backup to FILE (must not exist)', placeholder: 'FILE' },
      ...backupPassphraseFile,
    },
    async run(ctx) {
      const out = ctx.args.string('out');
      if (out === undefined) throw new UsageError('--out FILE is required');
      const c = await ctx.unlocked();
      const passphrase = await ctx.passphrase('backup', true, 'Backup passphrase (separate from operator passphrases): ');
      try {
        const created = await c.backupCreate({ backupPassphrase: passphrase });
        try {
          // 'wx': never overwrite an earlier backup (the one an incremental may chain to).
          writeFileSync(out, created.file, { mode: 0o600, flag: 'wx' });
        } catch (cause) {
          const exists = (cause as { code?: unknown }).code === 'EEXIST';
          throw new CustodyError(exists ? 'ALREADY_EXISTS' : 'INVALID_INPUT', exists ? `${out} exists: a backup never overwrites a file` : `cannot write ${out}`, { cause });
        }
        return {
          json: { out, bytes: created.file.length, sha256: created.sha256, manifest: manifestJson(created.manifest) },
          text: [`wrote full backup ${out} (${created.file.length} bytes)`, `sha256 ${created.sha256}   (record it: it identifies this backup)`, partsText(created.manifest)].join('\n'),
        };
      } finally {
        passphrase.fill(0);
      }
    },
  },
  {
    words: ['backup', 'verify'],
    summary: 'check a backup without restoring it: length, passphrase, authentication, manifest and every part checksum',
    usage: 'custos backup verify FILE [--backup-passphrase-file FILE]',
    options: { ...backupPassphraseFile },
    maxPositionals: 1,
    async run(ctx) {
      const file = backupFile(ctx);
      const passphrase = await ctx.passphrase('backup', false, 'Backup passphrase: ');
      try {
        const v = await verifyBackup(file.bytes, passphrase);
        return {
          json: { ok: true, file: file.path, bytes: v.bytes, sha256: v.sha256, manifest: manifestJson(v.manifest) },
          text: [
            `backup ${file.path} is intact: ${v.manifest.kind} backup of vault ${v.manifest.vaultFingerprint}, made ${v.manifest.createdAt}, schema ${v.manifest.schemaVersion}`,
            `sha256 ${v.sha256}`,
            partsText(v.manifest),
          ].join('\n'),
        };
      } finally {
        passphrase.fill(0);
      }
    },
  },
  {
    words: ['backup', 'restore'],
    summary: 'restore a full backup into a new (absent or empty) data directory, all or nothing; recorded in its audit log',
    usage: 'custos --data-dir NEW backup restore FILE [--backup-passphrase-file FILE]   (then the passphrase of an Admin of the backed-up vault: --operator, CUSTOS_PASSPHRASE)',
    options: { ...backupPassphraseFile },
    maxPositionals: 1,
    async run(ctx) {
      const target = ctx.args.string('data-dir');
      if (target === undefined) throw new UsageError('give the new data directory with --data-dir NEW (the default one is never a restore target)');
      const file = backupFile(ctx);
      const backupPassphrase = await ctx.passphrase('backup', false, 'Backup passphrase: ');
      try {
        const operatorPassphrase = await ctx.passphrase('current', false, `Passphrase of operator ${ctx.operator} in the backed-up vault: `);
        try {
          const r = await restoreBackup({ files: [file.bytes], backupPassphrase, dataDir: target, operator: ctx.operator, passphrase: operatorPassphrase });
          return {
            json: { restored: true, dataDir: r.dataDir, sha256: r.sha256, auditOk: r.report.ok, auditEvents: r.report.size, manifest: manifestJson(r.manifest) },
            text: [`restored backup ${r.sha256} into ${r.dataDir}`, `vault ${r.manifest.vaultFingerprint}, made ${r.manifest.createdAt}; audit log verified (${r.report.size} events); the restore is recorded as backup.restore`].join('\n'),
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
