/**
 * @module cli/recovery-commands
 * `custos recovery split|combine`: Shamir M-of-N shares of the vault's master key. `split`
 * prints the shares once (an Admin re-enters their passphrase first); `combine` reads any M of
 * them and sets a new passphrase for an Admin on a locked vault — the way back in when every
 * passphrase is lost. Shares are read from stdin or files, never from the command line: argv
 * lands in shell history and in `ps`, and M shares are the key (the same rule as mnemonics in
 * hd-commands). Neither command runs in `batch` (they print or take secrets). Trusts the facade.
 */
import { CustodyError } from '../../shared/errors.js';
import { SHARE_FORMATS, type ShareFormat } from '../core/recovery/index.js';
import { UsageError } from './args.js';
import type { Command, CommandContext } from './commands.js';
import { readFileBytes } from './io.js';

/** Lines that are not shares: blanks, `#` comments, and the headers `recovery split` prints. */
const NOT_A_SHARE = /^\s*$|^\s*#|^\s*share \d+ of \d+/i;


/** One share a line, from each --share-file (or stdin when there is none); header and comment lines skipped. */
async function readShares(ctx: CommandContext): Promise<string[]> {
  const files = ctx.args.strings('share-file');
  const sources = files.length === 0 ? ['-'] : files;
  const shares: string[] = [];
  let stdinRead = false;
  for (const file of sources) {
    if (file === '-') {
      if (stdinRead) throw new UsageError('--share-file - (stdin) given twice');
      stdinRead = true;
    }
    const bytes = file === '-' ? await ctx.readStdin() : readFileBytes(file, 'share');
    try {
      for (const line of new TextDecoder().decode(bytes).split(/\r?\n/u)) if (!NOT_A_SHARE.test(line)) shares.push(line.trim());
    } finally {
      bytes.fill(0);
    }
  }
  if (shares.length === 0) throw new UsageError('no shares: give them one a line on stdin or in --share-file FILE');
  return shares;
}

export const RECOVERY_COMMANDS: readonly Command[] = [
  {
    words: ['recovery', 'split'],
    summary: "split the vault's master key into N shares, any M of which recover the vault (Admin; asks for your passphrase again; shown once)",
    usage: 'custos recovery split --shares N --threshold M [--format words|base32]',
    options: {
      shares: { type: 'int', description: 'how many shares to print (2-16)', placeholder: 'N' },
      threshold: { type: 'int', description: 'how many of them recover the vault (2-N)', placeholder: 'M' },
      format: { type: 'string', description: 'words (39 BIP-39 English words, default) or base32 (CUSTOS-i-MofN-…)', placeholder: 'FORMAT' },
    },
    async run(ctx) {
      const a = ctx.args;
      const format = a.string('format') ?? 'words';
      if (!(SHARE_FORMATS as readonly string[]).includes(format)) throw new CustodyError('INVALID_INPUT', `unknown --format: use ${SHARE_FORMATS.join(' or ')}`);
      const total = a.int('shares');
      const threshold = a.int('threshold');
      if (total === undefined || threshold === undefined) throw new UsageError('--shares N and --threshold M are required');
      const c = await ctx.unlocked();
      const again = await ctx.passphrase('current', false, `Passphrase of operator ${ctx.operator}, again: `);
      try {
        const split = await c.recoverySplit({ shares: total, threshold, passphrase: again });
        const pick = (s: { base32: string; words: string }) => s[format as ShareFormat];
        const blocks = split.shares.map((s) => `share ${s.number} of ${s.total} (any ${s.threshold} recover)\n${pick(s)}`);
        return {
          json: { splitId: split.splitId, fingerprint: split.fingerprint, threshold: split.threshold, total: split.total, format, shares: split.shares.map((s) => ({ number: s.number, share: pick(s) })) },
          text: [
            `master key split ${split.splitId} (key fingerprint ${split.fingerprint}): any ${threshold} of these ${total} shares recover the vault.`,
            'They are shown only now. Give each to a different person; keep them offline; never store two together.',
            '',
            blocks.join('\n\n'),
          ].join('\n'),
        };
      } finally {
        again.fill(0);
      }
    },
  },
  {
    words: ['recovery', 'combine'],
    summary: 'on a locked vault: rebuild the master key from any M shares and set a new passphrase for an Admin (--operator, default "admin")',
    usage: 'custos recovery combine [--operator NAME] [--share-file FILE ...] [--new-passphrase-file FILE]   (shares one a line, from stdin unless --share-file; new passphrase also from CUSTOS_NEW_PASSPHRASE)',
    options: {
      'share-file': { type: 'strings', description: 'read shares, one a line, from FILE ("-" for stdin); repeatable', placeholder: 'FILE' },
      'new-passphrase-file': { type: 'string', description: 'read the new passphrase from FILE', placeholder: 'FILE' },
    },
    async run(ctx) {
      const shares = await readShares(ctx);
      const c = await ctx.open();
      const next = await ctx.passphrase('new', true, `New passphrase of operator ${ctx.operator}: `);
      try {
        const done = await c.recoveryCombine({ shares, operator: ctx.operator, newPassphrase: next });
        return {
          json: { recovered: true, operator: done.operator, slotCreated: done.created, fingerprint: done.fingerprint, auditOk: done.report.ok },
          text: `vault recovered (key fingerprint ${done.fingerprint}): operator ${done.operator} has a new passphrase${done.created ? ' (their key slot was re-created)' : ''}`,
        };
      } finally {
        next.fill(0);
      }
    },
  },
];
