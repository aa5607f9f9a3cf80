/**
 * @module cli/chain-commands
 * `custos btc …`, `custos sol …`, `custos stark …`: Bitcoin, Solana and StarkNet with a vault key
 * (`--id`; secp256k1 for Bitcoin, ed25519 for Solana) or an HD wallet account (`--wallet W
 * [--index N] [--account N]`; StarkNet: HD wallets only). Requests come from files ("-" = stdin)
 * or base64/hex options; every signing command prints the decoded request (inputs, outputs, fee,
 * change; fee payer and transfers; calls and fee bound) above the signature. `--json` prints
 * everything as JSON (amounts as decimal strings). Trusts the facade.
 */
import { hex } from '@scure/base';
import { CustodyError } from '../../shared/errors.js';
import type { BtcKeyRef, SolKeyRef, StarkKeyRef } from '../core/custodian.js';
import { BITCOIN_SCRIPT_TYPES, type BitcoinNetwork, type BitcoinScriptType } from '../core/chains/hd/accounts.js';
import { SIGHASH, type SighashName } from '../core/chains/bitcoin/index.js';
import type { InvokeTransaction, TypedData } from '../core/chains/starknet/index.js';
import { DEFAULT_NAMESPACE } from '../core/keys/key-store.js';
import { UsageError, type Args } from './args.js';
import type { Command, CommandContext } from './commands.js';
import { readFileBytes, writeFileBytes } from './io.js';
import { requestViewText, signedResultText } from './request-text.js';
import * as views from '../core/signing/views.js';

const NETWORKS: readonly BitcoinNetwork[] = ['mainnet', 'testnet', 'regtest'];
const PSBT_MAGIC = [0x70, 0x73, 0x62, 0x74, 0xff];

const ns = { ns: { type: 'string', description: `namespace (default "${DEFAULT_NAMESPACE}")`, placeholder: 'NS' } } as const;
const inFile = { in: { type: 'string', description: 'read the request from FILE ("-" for stdin)', placeholder: 'FILE' } } as const;

const btcKey = {
  ...ns,
  id: { type: 'string', description: 'an ecdsa-secp256k1 key in the vault (not P2TR: vault keys cannot make Schnorr signatures)', placeholder: 'ID' },
  wallet: { type: 'string', description: "an HD wallet: m/purpose'/coin'/account'/change/index for --script and --network", placeholder: 'W' },
  index: { type: 'int', description: 'with --wallet: address index (default 0)', placeholder: 'N' },
  account: { type: 'int', description: 'with --wallet: account (default 0)', placeholder: 'N' },
  change: { type: 'boolean', description: 'with --wallet: the change chain (…/1/index)' },
  script: { type: 'string', description: `address type: ${BITCOIN_SCRIPT_TYPES.join(', ')} (default p2wpkh)`, placeholder: 'TYPE' },
  network: { type: 'string', description: `${NETWORKS.join(', ')} (default mainnet)`, placeholder: 'NET' },
} as const;

const solKey = {
  ...ns,
  id: { type: 'string', description: 'an ed25519 key in the vault', placeholder: 'ID' },
  wallet: { type: 'string', description: "an HD wallet: m/44'/501'/account'/0' (SLIP-10 Ed25519)", placeholder: 'W' },
  account: { type: 'int', description: 'with --wallet: account (default 0)', placeholder: 'N' },
} as const;

const starkKey = {
  ...ns,
  wallet: { type: 'string', description: "an HD wallet: m/44'/9004'/0'/0/index, ground to a Stark key", placeholder: 'W' },
  index: { type: 'int', description: 'account index (default 0)', placeholder: 'N' },
  layer: { type: 'string', description: "with --application and --eth-address: the EIP-2645 path m/2645'/layer'/application'/eth1'/eth2'/index instead (StarkEx: starkex)", placeholder: 'NAME' },
  application: { type: 'string', description: 'EIP-2645 application name (StarkEx: starkdeployement)', placeholder: 'NAME' },
  'eth-address': { type: 'string', description: 'EIP-2645: the Ethereum address the path is bound to', placeholder: '0x…' },
} as const;

function nsOf(args: Args): string {
  return args.string('ns') ?? DEFAULT_NAMESPACE;
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], what: string, fallback: T): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) throw new CustodyError('INVALID_INPUT', `unknown ${what} ${JSON.stringify(value.slice(0, 40))}: use ${allowed.join(', ')}`);
  return value as T;
}

function scriptOf(args: Args): BitcoinScriptType {
  return oneOf(args.string('script'), BITCOIN_SCRIPT_TYPES, '--script', 'p2wpkh');
}

function networkOf(args: Args): BitcoinNetwork {
  return oneOf(args.string('network'), NETWORKS, '--network', 'mainnet');
}

function exactlyOneKey(args: Args): { id: string } | { wallet: string } {
  const id = args.string('id');
  const wallet = args.string('wallet');
  if ((id === undefined) === (wallet === undefined)) throw new UsageError('name exactly one of --id (a vault key) or --wallet (an HD wallet)');
  return id !== undefined ? { id } : { wallet: wallet as string };
}

function btcRefOf(args: Args): BtcKeyRef {
  const namespace = nsOf(args);
  const key = exactlyOneKey(args);
  if ('id' in key) return { namespace, keyId: key.id };
  return { namespace, wallet: key.wallet, script: scriptOf(args), network: networkOf(args), index: args.int('index') ?? 0, change: args.flag('change') ? 1 : 0, account: args.int('account') ?? 0 };
}

/** At most this many addresses per PSBT command (each is a derivation). */
const MAX_PSBT_ADDRESSES = 1000;

function indexList(value: string | undefined, what: string): number[] {
  if (value === undefined) return [];
  const out = value.split(',').map((part) => {
    const t = part.trim();
    if (!/^\d{1,10}$/u.test(t) || Number(t) > 0x7fffffff) throw new CustodyError('INVALID_INPUT', `${what}: expected comma-separated indexes below 2^31, got ${JSON.stringify(t.slice(0, 20))}`);
    return Number(t);
  });
  if (out.length > MAX_PSBT_ADDRESSES) throw new CustodyError('INVALID_INPUT', `${what}: at most ${MAX_PSBT_ADDRESSES} indexes`);
  return [...new Set(out)];
}

/**
 * The keys a PSBT command uses: the one key of btcRefOf, or with --wallet and --indexes /
 * --change-indexes every listed receive and change address of the account (a PSBT often spends
 * from several addresses of one wallet).
 */
function btcRefsOf(args: Args): BtcKeyRef[] {
  const ref = btcRefOf(args);
  const receive = indexList(args.string('indexes'), '--indexes');
  const change = indexList(args.string('change-indexes'), '--change-indexes');
  if (receive.length + change.length === 0) return [ref];
  if ('keyId' in ref) throw new UsageError('--indexes and --change-indexes go with --wallet');
  if (args.int('index') !== undefined || args.flag('change')) throw new UsageError('use --indexes/--change-indexes or --index/--change, not both');
  return [...receive.map((index) => ({ ...ref, index, change: 0 as const })), ...change.map((index) => ({ ...ref, index, change: 1 as const }))];
}

const psbtAddresses = {
  indexes: { type: 'string', description: 'with --wallet: several receive address indexes, comma-separated (e.g. 0,1,7)', placeholder: 'N,N' },
  'change-indexes': { type: 'string', description: 'with --wallet: several change address indexes, comma-separated', placeholder: 'N,N' },
} as const;

function solRefOf(args: Args): SolKeyRef {
  const namespace = nsOf(args);
  const key = exactlyOneKey(args);
  return 'id' in key ? { namespace, keyId: key.id } : { namespace, wallet: key.wallet, account: args.int('account') ?? 0 };
}

function starkRefOf(args: Args): StarkKeyRef {
  const wallet = args.string('wallet');
  if (wallet === undefined) throw new UsageError('--wallet W is required (StarkNet keys come from HD wallets only)');
  const [layer, application, ethAddress] = [args.string('layer'), args.string('application'), args.string('eth-address')];
  const given = [layer, application, ethAddress].filter((v) => v !== undefined).length;
  if (given !== 0 && given !== 3) throw new UsageError('an EIP-2645 path needs all of --layer, --application and --eth-address');
  return { namespace: nsOf(args), wallet, index: args.int('index') ?? 0, ...(given === 3 ? { eip2645: { layer: layer as string, application: application as string, ethAddress: ethAddress as string } } : {}) };
}

/** The bytes of --in FILE ("-" = stdin), or of the one inline option given. */
async function inputOf(ctx: CommandContext, inline: Readonly<Record<string, (v: string) => Uint8Array | string>>): Promise<Uint8Array | string> {
  const file = ctx.args.string('in');
  const given = Object.keys(inline).filter((k) => ctx.args.string(k) !== undefined);
  if ((file === undefined ? 0 : 1) + given.length !== 1) throw new UsageError(`give exactly one of --in FILE${Object.keys(inline).map((k) => ` or --${k}`).join('')}`);
  const name = given[0];
  if (name !== undefined) return (inline[name] as (v: string) => Uint8Array | string)(ctx.args.string(name) as string);
  return file === '-' ? ctx.readStdin() : readFileBytes(file as string, 'input file');
}

/** A file holding a PSBT as raw bytes, or as base64 or hex text. */
function psbtInput(value: Uint8Array | string): Uint8Array | string {
  if (typeof value === 'string') return value;
  if (PSBT_MAGIC.every((b, i) => value[i] === b)) return value;
  return new TextDecoder().decode(value).trim();
}

/** A file holding a Solana wire transaction as raw bytes or as base64 text. */
function solTxInput(value: Uint8Array | string): Uint8Array | string {
  if (typeof value === 'string') return value;
  const text = new TextDecoder().decode(value).trim();
  return /^[A-Za-z0-9+/]+={0,2}$/u.test(text) ? text : value;
}

async function jsonInput(ctx: CommandContext): Promise<unknown> {
  const bytes = await inputOf(ctx, {});
  const text = typeof bytes === 'string' ? bytes : new TextDecoder().decode(bytes);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new CustodyError('INVALID_INPUT', 'the request is not JSON');
  }
}

/** JSON-safe: bigints as decimal strings, bytes as hex. */
function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? hex.encode(v) : v))) as unknown;
}

export const CHAIN_COMMANDS: readonly Command[] = [
  // ---------------------------------------------------------------- Bitcoin
  {
    words: ['btc', 'address'],
    summary: 'the Bitcoin address of a secp256k1 vault key or an HD wallet account',
    usage: 'custos btc address (--id ID | --wallet W [--index N] [--account N] [--change]) [--script TYPE] [--network NET] [--ns NS]',
    options: { ...btcKey },
    async run(ctx) {
      const ref = btcRefOf(ctx.args);
      const c = await ctx.unlocked();
      const a = await c.btcAddress(ref, { script: scriptOf(ctx.args), network: networkOf(ctx.args) });
      return { json: { ...a }, text: a.path === null ? a.address : `${a.address}  (${a.path})` };
    },
  },
  {
    words: ['btc', 'sign-psbt'],
    summary: 'sign the inputs of a PSBT (BIP-174/370) that spend from the key; --finalize also extracts the transaction',
    usage: 'custos btc sign-psbt (--id ID | --wallet W [--index N] [--change] [--indexes N,N] [--change-indexes N,N]) (--in FILE | --psbt BASE64|HEX) [--script TYPE] [--network NET] [--finalize] [--allow-sighash NAME]… [--out FILE]',
    options: {
      ...btcKey,
      ...psbtAddresses,
      ...inFile,
      psbt: { type: 'string', description: 'the PSBT as base64 or hex', placeholder: 'PSBT' },
      finalize: { type: 'boolean', description: 'finalize the inputs signed here; print the network transaction when every input is final' },
      'allow-sighash': { type: 'strings', description: `accept a non-default sighash type (${Object.keys(SIGHASH).join(', ')})`, placeholder: 'NAME' },
      out: { type: 'string', description: 'also write the signed PSBT (base64) to FILE', placeholder: 'FILE' },
    },
    async run(ctx) {
      const a = ctx.args;
      const refs = btcRefsOf(a);
      const psbt = psbtInput(await inputOf(ctx, { psbt: (v) => v }));
      const allow = a.strings('allow-sighash').map((n) => oneOf(n, Object.keys(SIGHASH) as SighashName[], '--allow-sighash', 'ALL'));
      const c = await ctx.unlocked();
      const signed = await c.btcSignPsbt(refs, psbt, { network: networkOf(a), finalize: a.flag('finalize'), ...(allow.length === 0 ? {} : { allowSighash: allow }) });
      const out = a.string('out');
      if (out !== undefined) writeFileBytes(out, signed.psbtBase64 + '\n');
      const { psbt: _bytes, ...rest } = signed;
      return {
        json: plain(rest) as Record<string, unknown>,
        text: `${requestViewText(views.psbtView(signed.summary, null))}\n\n${signedResultText(views.psbtResult(signed))}${signed.transaction === undefined ? '' : `\n  psbt  ${signed.psbtBase64}`}`,
      };
    },
  },
  {
    words: ['btc', 'decode-psbt'],
    summary: 'show what a PSBT spends and pays, without signing; with --wallet, its outputs to that account are marked as change',
    usage: 'custos btc decode-psbt (--in FILE | --psbt BASE64|HEX) [--network NET] [--wallet W [--script TYPE] [--index N | --indexes N,N] [--change-indexes N,N] [--account N] | --id ID]',
    options: { ...btcKey, ...psbtAddresses, ...inFile, psbt: { type: 'string', description: 'the PSBT as base64 or hex', placeholder: 'PSBT' } },
    async run(ctx) {
      const a = ctx.args;
      const psbt = psbtInput(await inputOf(ctx, { psbt: (v) => v }));
      const network = networkOf(a);
      let ownRefs: BtcKeyRef[] = [];
      if (a.string('id') !== undefined || a.string('wallet') !== undefined) {
        const refs = btcRefsOf(a);
        const [ref] = refs;
        ownRefs = refs.length > 1 || ref === undefined || 'keyId' in ref ? refs : [{ ...ref, change: 0 }, { ...ref, change: 1 }];
      }
      const c = await ctx.unlocked();
      const summary = await c.btcDecodePsbt(psbt, { network, ownRefs });
      return { json: { summary: plain(summary) }, text: requestViewText(views.psbtView(summary, null)) };
    },
  },
  {
    words: ['btc', 'sign-message'],
    summary: 'sign a message: BIP-322 simple for segwit addresses, BIP-137 for P2PKH',
    usage: 'custos btc sign-message (--id ID | --wallet W [--index N]) (--in FILE | --message TEXT) [--script TYPE] [--network NET]',
    options: { ...btcKey, ...inFile, message: { type: 'string', description: 'the message text (UTF-8)', placeholder: 'TEXT' } },
    async run(ctx) {
      const ref = btcRefOf(ctx.args);
      const message = await inputOf(ctx, { message: (v) => v });
      const c = await ctx.unlocked();
      const sig = await c.btcSignMessage(ref, message, { script: scriptOf(ctx.args), network: networkOf(ctx.args) });
      return { json: { ...sig }, text: `address    ${sig.address}\nformat     ${sig.format}\nsignature  ${sig.signature}` };
    },
  },
  // ---------------------------------------------------------------- Solana
  {
    words: ['sol', 'address'],
    summary: 'the Solana address of an ed25519 vault key or an HD wallet account',
    usage: 'custos sol address (--id ID | --wallet W [--account N]) [--ns NS]',
    options: { ...solKey },
    async run(ctx) {
      const ref = solRefOf(ctx.args);
      const c = await ctx.unlocked();
      const a = await c.solAddress(ref);
      return { json: { ...a }, text: a.path === null ? a.address : `${a.address}  (${a.path})` };
    },
  },
  {
    words: ['sol', 'sign'],
    summary: 'sign a transaction (legacy or v0; raw or base64), or with --message an off-chain message',
    usage: 'custos sol sign (--id ID | --wallet W [--account N]) (--in FILE | --tx BASE64 | --text TEXT) [--message]',
    options: {
      ...solKey,
      ...inFile,
      tx: { type: 'string', description: 'the transaction as base64', placeholder: 'BASE64' },
      text: { type: 'string', description: 'an off-chain message text (implies --message)', placeholder: 'TEXT' },
      message: { type: 'boolean', description: 'the input is an off-chain message body, not a transaction' },
    },
    async run(ctx) {
      const a = ctx.args;
      const ref = solRefOf(a);
      if (a.flag('message') || a.string('text') !== undefined) {
        if (a.string('tx') !== undefined) throw new UsageError('--tx is a transaction, not a message');
        const body = await inputOf(ctx, { text: (v) => v });
        const c = await ctx.unlocked();
        const m = await c.solSignMessage(ref, body);
        return {
          json: { summary: plain(m.summary), signature: m.signatureBase58, message: hex.encode(m.message), envelope: m.envelopeBase64 },
          text: `${requestViewText(views.solanaMessageView(m.summary.text, null))}\n\n${signedResultText(views.solanaMessageResult(m))}`,
        };
      }
      const tx = solTxInput(await inputOf(ctx, { tx: (v) => v }));
      const c = await ctx.unlocked();
      const shown = await c.solDecode(tx);
      const signed = await c.solSignTransaction(ref, tx);
      return {
        json: { summary: plain(signed.summary), transaction: signed.transactionBase64, signature: signed.signatureBase58, signerIndex: signed.signerIndex, complete: signed.complete },
        text: `${requestViewText(views.solanaTransactionView(shown, null))}\n\n${signedResultText(views.solanaTransactionResult(signed))}`,
      };
    },
  },
  {
    words: ['sol', 'decode'],
    summary: 'show what a Solana transaction asks for (fee payer, programs, SOL transfers), without signing',
    usage: 'custos sol decode (--in FILE | --tx BASE64)',
    options: { ...inFile, tx: { type: 'string', description: 'the transaction as base64', placeholder: 'BASE64' } },
    async run(ctx) {
      const tx = solTxInput(await inputOf(ctx, { tx: (v) => v }));
      const c = await ctx.unlocked();
      const summary = await c.solDecode(tx);
      return { json: { summary: plain(summary) }, text: requestViewText(views.solanaTransactionView(summary, null)) };
    },
  },
  // ---------------------------------------------------------------- StarkNet
  {
    words: ['stark', 'address'],
    summary: 'the Stark public key and OpenZeppelin account address of an HD wallet account',
    usage: 'custos stark address --wallet W [--index N] [--layer L --application A --eth-address 0x…] [--ns NS]',
    options: { ...starkKey },
    async run(ctx) {
      const ref = starkRefOf(ctx.args);
      const c = await ctx.unlocked();
      const a = await c.starkAddress(ref);
      return { json: { ...a }, text: `${a.address}  (${a.path})\npublic key  ${a.publicKey}` };
    },
  },
  {
    words: ['stark', 'sign'],
    summary: 'sign an INVOKE v1/v3 transaction (JSON), or with --typed-data SNIP-12 revision 1 typed data',
    usage: 'custos stark sign --wallet W [--index N] [--layer L --application A --eth-address 0x…] --in FILE [--typed-data [--account ADDRESS]]',
    options: {
      ...starkKey,
      ...inFile,
      'typed-data': { type: 'boolean', description: 'the file is SNIP-12 typed data' },
      account: { type: 'string', description: 'with --typed-data: the account the message is for (default: our OpenZeppelin account)', placeholder: 'ADDRESS' },
    },
    async run(ctx) {
      const a = ctx.args;
      const ref = starkRefOf(a);
      const request = await jsonInput(ctx);
      const c = await ctx.unlocked();
      if (a.flag('typed-data')) {
        const account = a.string('account');
        const sig = await c.starkSignTypedData(ref, request as TypedData, account === undefined ? {} : { account });
        return { json: plain(sig) as Record<string, unknown>, text: `${requestViewText(views.starkTypedDataView(sig.summary, null))}\n\n${signedResultText(views.starkSignatureResult(sig.messageHash, sig.signature))}` };
      }
      if (a.string('account') !== undefined) throw new UsageError('--account goes with --typed-data');
      const signed = await c.starkSignInvoke(ref, request as InvokeTransaction);
      return { json: plain(signed) as Record<string, unknown>, text: `${requestViewText(views.starkInvokeView(signed.summary, null))}\n\n${signedResultText(views.starkSignatureResult(signed.transactionHash, signed.signature))}` };
    },
  },
];

