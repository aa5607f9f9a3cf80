/**
 * @module cli/eth-commands
 * `custos eth …`: Ethereum with a secp256k1 vault key (`--id`) or an HD wallet account
 * (`--wallet W [--index N] [--account N]`). Requests come from files ("-" = stdin) or hex; every
 * signing command prints the decoded request (to, value in ETH, fees, calldata, flags) above the
 * signature, so a person reads the request, not just a hash. Trusts the facade.
 */
import { CustodyError } from '../../shared/errors.js';
import type { EthKeyRef } from '../core/custodian.js';
import { DEFAULT_NAMESPACE } from '../core/keys/key-store.js';
import { UsageError, type Args } from './args.js';
import type { Command, CommandContext } from './commands.js';
import { parseHex, readFileBytes } from './io.js';
import { requestViewText, signedResultText } from './request-text.js';
import * as views from '../core/signing/views.js';

const keyOptions = {
  ns: { type: 'string', description: `namespace (default "${DEFAULT_NAMESPACE}")`, placeholder: 'NS' },
  id: { type: 'string', description: 'an ecdsa-secp256k1 key in the vault', placeholder: 'ID' },
  wallet: { type: 'string', description: "an HD wallet: signs with m/44'/60'/account'/0/index", placeholder: 'W' },
  index: { type: 'int', description: 'with --wallet: address index (default 0)', placeholder: 'N' },
  account: { type: 'int', description: 'with --wallet: account (default 0)', placeholder: 'N' },
} as const;

const input = {
  in: { type: 'string', description: 'read the request from FILE ("-" for stdin)', placeholder: 'FILE' },
} as const;

function refOf(args: Args): EthKeyRef {
  const namespace = args.string('ns') ?? DEFAULT_NAMESPACE;
  const id = args.string('id');
  const wallet = args.string('wallet');
  if ((id === undefined) === (wallet === undefined)) throw new UsageError('name exactly one of --id (a vault key) or --wallet (an HD wallet)');
  if (id !== undefined) return { namespace, keyId: id };
  return { namespace, wallet: wallet as string, index: args.int('index') ?? 0, account: args.int('account') ?? 0 };
}

async function inputBytes(ctx: CommandContext, hexOption?: string): Promise<Uint8Array> {
  const file = ctx.args.string('in');
  const hex = hexOption === undefined ? undefined : ctx.args.string(hexOption);
  if ((file === undefined) === (hex === undefined)) throw new UsageError(hexOption === undefined ? '--in FILE is required' : `give exactly one of --in FILE or --${hexOption} HEX`);
  if (hex !== undefined) return parseHex(hex, `--${hexOption}`);
  return file === '-' ? ctx.readStdin() : readFileBytes(file as string, 'input');
}

/** A transaction or typed data: JSON text, or (transactions) the unsigned serialization as 0x-hex text. */
async function jsonOrHexRequest(ctx: CommandContext): Promise<unknown> {
  const text = new TextDecoder().decode(await inputBytes(ctx)).trim();
  if (/^0x[0-9a-fA-F]*$/u.test(text)) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new CustodyError('INVALID_INPUT', 'the request is neither JSON nor 0x-prefixed hex');
  }
}

function chainIdOf(args: Args, required: boolean): string | undefined {
  const v = args.string('chain-id');
  if (v === undefined && required) throw new UsageError('--chain-id is required: the chain you expect this request to be for');
  if (v !== undefined && !/^\d{1,20}$/u.test(v)) throw new CustodyError('INVALID_INPUT', '--chain-id is a decimal number');
  return v;
}


export const ETH_COMMANDS: readonly Command[] = [
  {
    words: ['eth', 'address'],
    summary: 'the EIP-55 address of a secp256k1 vault key or an HD wallet account',
    usage: 'custos eth address (--id ID | --wallet W [--index N] [--account N]) [--ns NS]',
    options: { ...keyOptions },
    async run(ctx) {
      const ref = refOf(ctx.args);
      const c = await ctx.unlocked();
      const a = await c.ethAddress(ref);
      return { json: { ...a }, text: a.path === null ? a.address : `${a.address}  (${a.path})` };
    },
  },
  {
    words: ['eth', 'sign-message'],
    summary: 'EIP-191 personal_sign over the bytes of FILE or --data-hex',
    usage: 'custos eth sign-message (--id ID | --wallet W [--index N]) (--in FILE | --data-hex HEX)',
    options: { ...keyOptions, ...input, 'data-hex': { type: 'string', description: 'the message as hex', placeholder: 'HEX' } },
    async run(ctx) {
      const ref = refOf(ctx.args);
      const message = await inputBytes(ctx, 'data-hex');
      const c = await ctx.unlocked();
      const shown = await c.ethDescribe({ kind: 'message', message });
      const sig = await c.ethSignMessage(ref, message);
      return { json: { view: shown, ...sig }, text: `${requestViewText(views.ethereumView(shown, sig.address))}\n\n${signedResultText(views.ethSignatureResult(sig))}` };
    },
  },
  {
    words: ['eth', 'sign-typed-data'],
    summary: 'EIP-712 v4 typed data from a JSON FILE; the domain must be for --chain-id',
    usage: 'custos eth sign-typed-data (--id ID | --wallet W [--index N]) --in FILE --chain-id N',
    options: { ...keyOptions, ...input, 'chain-id': { type: 'string', description: 'the chain the request is for (a mismatch is refused)', placeholder: 'N' } },
    async run(ctx) {
      const ref = refOf(ctx.args);
      const expectedChainId = chainIdOf(ctx.args, true) as string;
      const typedData = await jsonOrHexRequest(ctx);
      const c = await ctx.unlocked();
      const shown = await c.ethDescribe({ kind: 'typed-data', input: typedData, expectedChainId });
      const sig = await c.ethSignTypedData(ref, typedData, { expectedChainId });
      return { json: { view: shown, ...sig }, text: `${requestViewText(views.ethereumView(shown, sig.address))}\n\n${signedResultText(views.ethSignatureResult(sig))}` };
    },
  },
  {
    words: ['eth', 'sign-tx'],
    summary: 'sign a transaction (JSON fields or unsigned 0x-hex in FILE): legacy+EIP-155, 2930, 1559, 4844, 7702',
    usage: 'custos eth sign-tx (--id ID | --wallet W [--index N]) --in FILE [--chain-id N]',
    options: { ...keyOptions, ...input, 'chain-id': { type: 'string', description: 'refuse unless the transaction is for this chain', placeholder: 'N' } },
    async run(ctx) {
      const ref = refOf(ctx.args);
      const expectedChainId = chainIdOf(ctx.args, false);
      const tx = await jsonOrHexRequest(ctx);
      const c = await ctx.unlocked();
      const shown = await c.ethDescribe({ kind: 'transaction', input: tx });
      const signed = await c.ethSignTransaction(ref, tx, expectedChainId === undefined ? {} : { expectedChainId });
      return {
        json: { view: shown, ...signed },
        text: `${requestViewText(views.ethereumView(shown, signed.from))}\n\n${signedResultText(views.ethTransactionResult(signed))}`,
      };
    },
  },
  {
    words: ['eth', 'decode'],
    summary: 'show what a transaction, typed data (--typed-data --chain-id N) or message (--message) asks for, without signing',
    usage: 'custos eth decode --in FILE [--typed-data --chain-id N | --message]',
    options: { ...input, 'typed-data': { type: 'boolean', description: 'the file is EIP-712 typed data' }, message: { type: 'boolean', description: 'the file is a personal_sign message (bytes)' }, 'chain-id': { type: 'string', description: 'with --typed-data: the expected chain', placeholder: 'N' } },
    async run(ctx) {
      const a = ctx.args;
      const c = await ctx.unlocked();
      const shown = a.flag('message')
        ? await c.ethDescribe({ kind: 'message', message: await inputBytes(ctx) })
        : a.flag('typed-data')
          ? await c.ethDescribe({ kind: 'typed-data', input: await jsonOrHexRequest(ctx), expectedChainId: chainIdOf(a, true) as string })
          : await c.ethDescribe({ kind: 'transaction', input: await jsonOrHexRequest(ctx) });
      return { json: { view: shown }, text: requestViewText(views.ethereumView(shown, null)) };
    },
  },
];
