/**
 * @module cli/hd-commands
 * `custos hd …`: HD wallets (BIP-39/32/44, SLIP-10). Each command maps its options onto one
 * facade call. The mnemonic is printed once, by `hd create`; `hd export-mnemonic` prints it
 * again only for an exportable wallet after the operator re-enters their passphrase. Mnemonics
 * for import come from a file or stdin, never from the command line (it lands in shell history
 * and in `ps`). Trusts the facade.
 */
import { CustodyError } from '../../shared/errors.js';
import { HD_RANGE_MAX, type HdDerived, type HdDeriveRangeRequest, type HdDeriveRequest } from '../core/custodian.js';
import type { HdWalletInfo } from '../core/keys/hd-wallets.js';
import { BITCOIN_SCRIPT_TYPES, type BitcoinNetwork, type BitcoinScriptType } from '../core/chains/hd/accounts.js';
import { DEFAULT_NAMESPACE } from '../core/keys/key-store.js';
import { UsageError, type Args } from './args.js';
import type { Command, CommandContext } from './commands.js';
import { readFileBytes } from './io.js';

const NETWORKS: readonly BitcoinNetwork[] = ['mainnet', 'testnet', 'regtest'];
const CHAINS = ['ethereum', 'bitcoin', 'solana', 'path'] as const;

const ns = { ns: { type: 'string', description: `namespace (default "${DEFAULT_NAMESPACE}")`, placeholder: 'NS' } } as const;
const id = { id: { type: 'string', description: 'wallet id: 1-128 of [A-Za-z0-9._-]', placeholder: 'ID' } } as const;
const bip39Pass = {
  'bip39-passphrase-file': { type: 'string', description: 'read an optional BIP-39 passphrase ("25th word") from FILE', placeholder: 'FILE' },
} as const;

function nsOf(args: Args): string {
  return args.string('ns') ?? DEFAULT_NAMESPACE;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function walletJson(w: HdWalletInfo): Record<string, unknown> {
  return { ...w, createdAt: iso(w.createdAt), updatedAt: iso(w.updatedAt) };
}

function walletText(w: HdWalletInfo): string {
  return [
    `wallet       ${w.namespace}/${w.id}`,
    `mnemonic     ${w.words} words (${w.language})${w.hasPassphrase ? ', with a BIP-39 passphrase' : ''}${w.exportable ? ', exportable' : ''}`,
    `fingerprint  ${w.fingerprint}`,
    `state        ${w.state} (${w.origin})`,
    `created      ${iso(w.createdAt)}`,
  ].join('\n');
}

/** The first line of a file, without its line ending (a passphrase or a mnemonic). */
async function firstLine(ctx: CommandContext, file: string): Promise<string> {
  const bytes = file === '-' ? await ctx.readStdin() : readFileBytes(file, 'input');
  try {
    return new TextDecoder().decode(bytes).split(/\r?\n/u)[0] ?? '';
  } finally {
    bytes.fill(0);
  }
}

async function bip39Passphrase(ctx: CommandContext): Promise<string | undefined> {
  const file = ctx.args.string('bip39-passphrase-file');
  return file === undefined ? undefined : firstLine(ctx, file);
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], what: string, fallback?: T): T {
  if (value === undefined) {
    if (fallback !== undefined) return fallback;
    throw new UsageError(`${what} is required: ${allowed.join(', ')}`);
  }
  if (!(allowed as readonly string[]).includes(value)) throw new CustodyError('INVALID_INPUT', `unknown ${what} ${JSON.stringify(value.slice(0, 40))}: use ${allowed.join(', ')}`);
  return value as T;
}

function deriveRequest(args: Args): HdDeriveRequest {
  const chain = oneOf(args.string('chain'), CHAINS, '--chain');
  const index = args.int('index') ?? 0;
  const account = args.int('account') ?? 0;
  switch (chain) {
    case 'ethereum':
      return { chain, index, account };
    case 'bitcoin': {
      const change = args.flag('change') ? 1 : 0;
      return { chain, script: oneOf(args.string('script'), BITCOIN_SCRIPT_TYPES, '--script', 'p2wpkh'), network: oneOf(args.string('network'), NETWORKS, '--network', 'mainnet'), index, change, account };
    }
    case 'solana':
      return { chain, account };
    case 'path': {
      const path = args.string('path');
      if (path === undefined) throw new UsageError('--chain path needs --path, e.g. --path "m/44\'/0\'/0\'/0/0"');
      return { chain, path, curve: oneOf(args.string('curve'), ['secp256k1', 'ed25519', 'nist256p1'] as const, '--curve', 'secp256k1') };
    }
  }
}

/** `--count N`: N consecutive indexes from --index (Solana: accounts from --account), one facade call. */
function deriveRangeRequest(request: HdDeriveRequest, count: number): HdDeriveRangeRequest {
  switch (request.chain) {
    case 'ethereum':
      return { chain: 'ethereum', from: request.index, count, ...(request.account === undefined ? {} : { account: request.account }) };
    case 'bitcoin':
      return { chain: 'bitcoin', script: request.script, network: request.network, from: request.index, count, ...(request.change === undefined ? {} : { change: request.change }), ...(request.account === undefined ? {} : { account: request.account }) };
    case 'solana':
      return { chain: 'solana', from: request.account, count };
    case 'path':
      throw new UsageError('--count needs --chain ethereum, bitcoin or solana (a raw --path names one key)');
  }
}

function derivedText(d: HdDerived): string {
  return [`path        ${d.path}`, `curve       ${d.curve}`, `public key  ${d.publicKey}`, ...(d.address === null ? [] : [`address     ${d.address}`])].join('\n');
}

export const HD_COMMANDS: readonly Command[] = [
  {
    words: ['hd', 'create'],
    summary: 'create an HD wallet (BIP-39); the mnemonic is printed this once — write it down',
    usage: 'custos hd create --id ID [--ns NS] [--words 12|24] [--exportable] [--bip39-passphrase-file FILE]',
    options: { ...id, ...ns, words: { type: 'int', description: '12 or 24 (default 24)', placeholder: 'N' }, exportable: { type: 'boolean', description: 'allow `hd export-mnemonic` later (after re-authentication)' }, ...bip39Pass },
    async run(ctx) {
      const a = ctx.args;
      const words = a.int('words') ?? 24;
      if (words !== 12 && words !== 24) throw new CustodyError('INVALID_INPUT', '--words is 12 or 24');
      const passphrase = await bip39Passphrase(ctx);
      const c = await ctx.unlocked();
      const { info, mnemonic } = await c.hdCreate(nsOf(a), a.requireString('id'), { words, exportable: a.flag('exportable'), ...(passphrase === undefined ? {} : { passphrase }) });
      return {
        json: { ...walletJson(info), mnemonic },
        text: `${walletText(info)}\n\nmnemonic (shown only now${info.exportable ? '' : ' and never again'}; write it down and keep it offline):\n\n  ${mnemonic}\n`,
      };
    },
  },
  {
    words: ['hd', 'import'],
    summary: 'import an HD wallet from a BIP-39 mnemonic in FILE ("-" for stdin; any official wordlist)',
    usage: 'custos hd import --id ID [--ns NS] --mnemonic-file FILE [--exportable] [--bip39-passphrase-file FILE]',
    options: { ...id, ...ns, 'mnemonic-file': { type: 'string', description: 'the mnemonic, on the first line of FILE ("-" for stdin)', placeholder: 'FILE' }, exportable: { type: 'boolean', description: 'allow `hd export-mnemonic` later' }, ...bip39Pass },
    async run(ctx) {
      const a = ctx.args;
      const file = a.string('mnemonic-file');
      if (file === undefined) throw new UsageError('--mnemonic-file FILE is required (never the mnemonic itself on the command line)');
      const mnemonic = await firstLine(ctx, file);
      const passphrase = await bip39Passphrase(ctx);
      const c = await ctx.unlocked();
      const info = await c.hdImport(nsOf(a), a.requireString('id'), mnemonic, { exportable: a.flag('exportable'), ...(passphrase === undefined ? {} : { passphrase }) });
      return { json: walletJson(info), text: walletText(info) };
    },
  },
  {
    words: ['hd', 'list'],
    summary: 'list HD wallets',
    usage: 'custos hd list [--ns NS]',
    options: { ...ns },
    async run(ctx) {
      const c = await ctx.unlocked();
      const list = await c.hdList(ctx.args.string('ns'));
      return {
        json: { wallets: list.map(walletJson) },
        text: list.length === 0 ? 'no HD wallets (custos hd create --id ID)' : list.map((w) => `${`${w.namespace}/${w.id}`.padEnd(32)} ${String(w.words).padStart(2)} words  ${w.fingerprint}  ${w.state}`).join('\n'),
      };
    },
  },
  {
    words: ['hd', 'derive'],
    summary: 'derive a public key and address (nothing secret is printed)',
    usage: 'custos hd derive --id ID [--ns NS] --chain ethereum|bitcoin|solana|path [--index N] [--count N] [--account N] [--script p2pkh|p2sh-p2wpkh|p2wpkh|p2tr] [--network mainnet|testnet|regtest] [--change] [--path P --curve C]',
    options: {
      ...id,
      ...ns,
      chain: { type: 'string', description: 'ethereum, bitcoin, solana, or path (a raw path)', placeholder: 'C' },
      index: { type: 'int', description: 'address index (default 0)', placeholder: 'N' },
      count: { type: 'int', description: `derive N consecutive addresses from --index (Solana: accounts from --account), 1-${HD_RANGE_MAX}, in one call`, placeholder: 'N' },
      account: { type: 'int', description: 'account (default 0)', placeholder: 'N' },
      script: { type: 'string', description: `Bitcoin: ${BITCOIN_SCRIPT_TYPES.join(', ')} (default p2wpkh)`, placeholder: 'S' },
      network: { type: 'string', description: 'Bitcoin: mainnet, testnet, regtest (default mainnet)', placeholder: 'N' },
      change: { type: 'boolean', description: 'Bitcoin: the change chain (…/1/i)' },
      path: { type: 'string', description: "with --chain path: e.g. m/44'/0'/0'/0/0", placeholder: 'P' },
      curve: { type: 'string', description: 'with --chain path: secp256k1 (default), ed25519, nist256p1', placeholder: 'C' },
    },
    async run(ctx) {
      const a = ctx.args;
      const request = deriveRequest(a);
      const count = a.int('count');
      if (count !== undefined) {
        const range = deriveRangeRequest(request, count);
        const c = await ctx.unlocked();
        const list = await c.hdDeriveRange(nsOf(a), a.requireString('id'), range);
        return { json: { derived: list }, text: list.map((d) => `${d.path}  ${d.address ?? d.publicKey}`).join('\n') };
      }
      const c = await ctx.unlocked();
      const d = await c.hdDerive(nsOf(a), a.requireString('id'), request);
      return { json: { ...d }, text: derivedText(d) };
    },
  },
  {
    words: ['hd', 'xpub'],
    summary: 'the account extended public key for a watch-only wallet (xpub/ypub/zpub; tpub/upub/vpub on testnets)',
    usage: 'custos hd xpub --id ID [--ns NS] [--chain bitcoin|ethereum] [--script S] [--network N] [--account N]',
    options: {
      ...id,
      ...ns,
      chain: { type: 'string', description: 'bitcoin (default) or ethereum', placeholder: 'C' },
      script: { type: 'string', description: `Bitcoin: ${BITCOIN_SCRIPT_TYPES.join(', ')} (default p2wpkh → zpub)`, placeholder: 'S' },
      network: { type: 'string', description: 'mainnet, testnet, regtest (default mainnet)', placeholder: 'N' },
      account: { type: 'int', description: 'account (default 0)', placeholder: 'N' },
    },
    async run(ctx) {
      const a = ctx.args;
      const chain = oneOf(a.string('chain'), ['bitcoin', 'ethereum'] as const, '--chain', 'bitcoin');
      const account = a.int('account') ?? 0;
      const request =
        chain === 'ethereum'
          ? { chain, account }
          : { script: oneOf<BitcoinScriptType>(a.string('script'), BITCOIN_SCRIPT_TYPES, '--script', 'p2wpkh'), network: oneOf(a.string('network'), NETWORKS, '--network', 'mainnet'), account };
      const c = await ctx.unlocked();
      const x = await c.hdXpub(nsOf(a), a.requireString('id'), request);
      const warning = 'an extended public key reveals every address of this account, past and future: share it only with your own watch-only wallet';
      return { json: { ...x, warning }, text: `path  ${x.path}\n${x.xpub}\n\nwarning: ${warning}` };
    },
  },
  {
    words: ['hd', 'export-mnemonic'],
    summary: 'print the mnemonic of an exportable wallet again (asks for your passphrase again)',
    usage: 'custos hd export-mnemonic --id ID [--ns NS]',
    options: { ...id, ...ns },
    async run(ctx) {
      const a = ctx.args;
      const c = await ctx.unlocked();
      const again = await ctx.passphrase('current', false);
      try {
        const mnemonic = await c.hdExportMnemonic(nsOf(a), a.requireString('id'), again);
        return { json: { mnemonic }, text: mnemonic };
      } finally {
        again.fill(0);
      }
    },
  },
  ...(['disable', 'enable'] as const).map(
    (verb): Command => ({
      words: ['hd', verb],
      summary: `${verb} an HD wallet`,
      usage: `custos hd ${verb} --id ID [--ns NS]`,
      options: { ...id, ...ns },
      async run(ctx) {
        const c = await ctx.unlocked();
        const w = await c.hdSetState(nsOf(ctx.args), ctx.args.requireString('id'), verb === 'enable' ? 'active' : 'disabled');
        return { json: walletJson(w), text: walletText(w) };
      },
    }),
  ),
  {
    words: ['hd', 'delete'],
    summary: 'erase an HD wallet (its sealed mnemonic and seed); confirm with --yes',
    usage: 'custos hd delete --id ID [--ns NS] --yes',
    options: { ...id, ...ns, yes: { type: 'boolean', description: 'yes, erase it: without the mnemonic written down, its funds are gone' } },
    async run(ctx) {
      const a = ctx.args;
      if (!a.flag('yes')) throw new UsageError('hd delete erases the wallet for good: add --yes');
      const c = await ctx.unlocked();
      await c.hdDelete(nsOf(a), a.requireString('id'));
      return { json: { deleted: true }, text: `HD wallet ${nsOf(a)}/${a.requireString('id')} erased` };
    },
  },
];
