/**
 * @module cli/device-commands
 * Hardware devices from the command line (core/backends): `custos device list|forget`,
 * `custos pkcs11 login|keys|generate|adopt` and `custos ledger address|adopt|sign-tx|sign-message`.
 * Devices come from custos.yaml (`devices.pkcs11_modules`, `devices.ledger`).
 *
 * A token PIN comes from `--pin-file FILE` (first line) or CUSTOS_PKCS11_PIN, never from the
 * command line; it logs in for this one run and is not stored. A key on a device becomes a vault
 * key id (`generate`, `adopt`) and is then used by every command that takes `--id` — `custos sign`,
 * `custos eth sign-tx`, … — exactly like a vault key; the ledger sign commands are those, for a
 * Ledger key, with the "confirm on your Ledger" wait said out loud. Trusts the facade.
 */
import { CustodyError } from '../../shared/errors.js';
import { KEY_ALGORITHMS, type KeyAlgorithm } from '../../shared/algorithms.js';
import type { Custodian } from '../core/custodian.js';
import { DEFAULT_NAMESPACE } from '../core/keys/key-store.js';
import { UsageError } from './args.js';
import type { Command, CommandContext } from './commands.js';
import { readFileBytes } from './io.js';
import { requestViewText, signedResultText } from './request-text.js';
import { table as textTable } from './text-table.js';
import * as views from '../core/signing/views.js';

const ns = { ns: { type: 'string', description: `namespace (default "${DEFAULT_NAMESPACE}")`, placeholder: 'NS' } } as const;
const tokenOptions = {
  token: { type: 'string', description: 'the token label (as `custos device list` shows it)', placeholder: 'LABEL' },
  'pin-file': { type: 'string', description: 'read the token PIN from the first line of FILE (else CUSTOS_PKCS11_PIN)', placeholder: 'FILE' },
} as const;
const ledgerDevice = { device: { type: 'string', description: 'the Ledger (as `custos device list` shows it; default: the only one attached)', placeholder: 'ID' } } as const;
const DEFAULT_PATH = "m/44'/60'/0'/0/0";

function tokenBackend(ctx: CommandContext): string {
  const label = ctx.args.string('token');
  if (label === undefined) throw new UsageError('--token LABEL is required (custos device list shows the tokens)');
  return `pkcs11:${label}`;
}

/** Logs in with --pin-file when given; otherwise the core asks CUSTOS_PKCS11_PIN when the token needs it. */
async function pinLogin(ctx: CommandContext, c: Custodian, backend: string): Promise<void> {
  const file = ctx.args.string('pin-file');
  if (file === undefined) return;
  const line = new TextDecoder().decode(readFileBytes(file, 'PIN')).split(/\r?\n/u)[0] ?? '';
  if (line === '') throw new CustodyError('INVALID_INPUT', `the PIN file ${file} is empty`);
  const pin = new TextEncoder().encode(line);
  try {
    await c.deviceLogin(backend, pin);
  } finally {
    pin.fill(0);
  }
}

async function ledgerBackend(ctx: CommandContext, c: Custodian): Promise<string> {
  const given = ctx.args.string('device');
  if (given !== undefined) return given.startsWith('ledger:') ? given : `ledger:${given}`;
  // Discovery reports devices as they are opened: give it a moment on a fresh start.
  for (let i = 0; i < 50; i++) {
    const ledgers = (await c.deviceList()).filter((d) => d.kind === 'ledger');
    if (ledgers.length === 1) return (ledgers[0] as { backend: string }).backend;
    if (ledgers.length > 1) throw new UsageError(`${ledgers.length} Ledgers are attached: choose one with --device (${ledgers.map((d) => d.backend).join(', ')})`);
    await new Promise((r) => setTimeout(r, 40));
  }
  throw new CustodyError('DEVICE_UNAVAILABLE', 'no Ledger is attached (plug it in, unlock it, open the Ethereum app; devices.ledger must be true in custos.yaml)');
}

function keyLine(k: { namespace: string; id: string; algorithm: string; backend?: string }): string {
  return `${k.namespace}/${k.id}  ${k.algorithm}  on ${k.backend ?? 'software'}`;
}

export const DEVICE_COMMANDS: readonly Command[] = [
  {
    words: ['device', 'list'],
    summary: 'the PKCS#11 tokens of the configured modules and the attached Ledgers, with their state',
    usage: 'custos device list',
    options: {},
    maxPositionals: 0,
    async run(ctx) {
      const c = await ctx.unlocked();
      const devices = await c.deviceList();
      if (devices.length === 0) {
        return { json: { devices: [] }, text: 'no devices: configure devices.pkcs11_modules or devices.ledger in custos.yaml (see README, Hardware devices)' };
      }
      return {
        json: { devices },
        text: textTable(
          ['device', 'state', 'detail'],
          devices.map((d) => [d.backend, d.status.state, `${d.status.detail}${d.detail === '' ? '' : ` · ${d.detail}`}`]),
        ),
      };
    },
  },
  {
    words: ['device', 'forget'],
    summary: 'forget a device key\'s reference in the vault; the key stays on the device (KeyAdmin)',
    usage: 'custos device forget --id ID [--ns NS]',
    options: { ...ns, id: { type: 'string', description: 'the vault key id of the device key', placeholder: 'ID' } },
    maxPositionals: 0,
    async run(ctx) {
      const id = ctx.args.requireString('id');
      const namespace = ctx.args.string('ns') ?? DEFAULT_NAMESPACE;
      const c = await ctx.unlocked();
      await c.deviceForget(namespace, id);
      return { json: { forgotten: true, namespace, id }, text: `forgot ${namespace}/${id} (the key is still on its device)` };
    },
  },
  {
    words: ['pkcs11', 'login'],
    summary: 'check a token PIN: log in to the token and show its state (the PIN is used for this run only, never stored)',
    usage: 'custos pkcs11 login --token LABEL [--pin-file FILE]   (PIN also from CUSTOS_PKCS11_PIN)',
    options: { ...tokenOptions },
    maxPositionals: 0,
    async run(ctx) {
      const backend = tokenBackend(ctx);
      const c = await ctx.unlocked();
      if (ctx.args.string('pin-file') !== undefined) await pinLogin(ctx, c, backend);
      // Else CUSTOS_PKCS11_PIN: the core logs in when the token needs it, and listing its keys does.
      else await c.deviceKeys(backend);
      const info = (await c.deviceList()).find((d) => d.backend === backend);
      return { json: { backend, state: info?.status.state ?? 'unavailable' }, text: `${backend}: ${info?.status.state ?? 'unavailable'}${info === undefined ? '' : ` (${info.status.detail})`}` };
    },
  },
  {
    words: ['pkcs11', 'keys'],
    summary: 'the keys on a token, and which vault key ids reference them',
    usage: 'custos pkcs11 keys --token LABEL [--pin-file FILE]',
    options: { ...tokenOptions },
    maxPositionals: 0,
    async run(ctx) {
      const backend = tokenBackend(ctx);
      const c = await ctx.unlocked();
      await pinLogin(ctx, c, backend);
      const keys = await c.deviceKeys(backend);
      const json = keys.map((k) => ({ handle: k.handle, label: k.label, algorithm: k.algorithm, address: k.address, referencedBy: k.referencedBy }));
      if (keys.length === 0) return { json: { keys: [] }, text: `no keys on ${backend}: custos pkcs11 generate --token … --id ID --alg ecdsa-p256` };
      return {
        json: { keys: json },
        text: textTable(
          ['id (CKA_ID)', 'label', 'algorithm', 'in the vault as'],
          keys.map((k) => [k.handle, k.label, k.algorithm, k.referencedBy.length === 0 ? '-' : k.referencedBy.map((r) => `${r.namespace}/${r.id}`).join(', ')]),
        ),
      };
    },
  },
  {
    words: ['pkcs11', 'generate'],
    summary: 'generate a key on a token (sensitive, non-extractable) and name it ID in the vault (KeyAdmin)',
    usage: 'custos pkcs11 generate --token LABEL --id ID --alg ALG [--ns NS] [--label L] [--pin-file FILE]',
    options: {
      ...tokenOptions,
      ...ns,
      id: { type: 'string', description: 'the vault key id', placeholder: 'ID' },
      alg: { type: 'string', description: 'ecdsa-p256, ecdsa-p384, ecdsa-secp256k1, ed25519, rsa-2048…, aes-256-gcm (what the token can: custos device list)', placeholder: 'ALG' },
      label: { type: 'string', description: 'CKA_LABEL on the token (default NS/ID)', placeholder: 'L' },
    },
    maxPositionals: 0,
    async run(ctx) {
      const backend = tokenBackend(ctx);
      const alg = ctx.args.requireString('alg');
      if (!(KEY_ALGORITHMS as readonly string[]).includes(alg)) throw new UsageError(`--alg is one of ${KEY_ALGORITHMS.join(', ')}`);
      const c = await ctx.unlocked();
      await pinLogin(ctx, c, backend);
      const label = ctx.args.string('label');
      const info = await c.deviceGenerate({ backend, namespace: ctx.args.string('ns') ?? DEFAULT_NAMESPACE, id: ctx.args.requireString('id'), algorithm: alg as KeyAlgorithm, ...(label === undefined ? {} : { label }) });
      return { json: { key: info }, text: `generated ${keyLine(info)} (sensitive, non-extractable)` };
    },
  },
  {
    words: ['pkcs11', 'adopt'],
    summary: 'name a key already on a token (by its label or CKA_ID) as ID in the vault (KeyAdmin)',
    usage: 'custos pkcs11 adopt --token LABEL --id ID (--label L | --handle HEX) [--ns NS] [--pin-file FILE]',
    options: {
      ...tokenOptions,
      ...ns,
      id: { type: 'string', description: 'the vault key id', placeholder: 'ID' },
      label: { type: 'string', description: 'the key\'s CKA_LABEL', placeholder: 'L' },
      handle: { type: 'string', description: 'the key\'s CKA_ID in hex', placeholder: 'HEX' },
    },
    maxPositionals: 0,
    async run(ctx) {
      const backend = tokenBackend(ctx);
      const label = ctx.args.string('label');
      const handle = ctx.args.string('handle');
      if (label === undefined && handle === undefined) throw new UsageError('name the key on the token with --label L or --handle HEX');
      const c = await ctx.unlocked();
      await pinLogin(ctx, c, backend);
      const info = await c.deviceAdopt({ backend, namespace: ctx.args.string('ns') ?? DEFAULT_NAMESPACE, id: ctx.args.requireString('id'), ...(label === undefined ? {} : { label }), ...(handle === undefined ? {} : { handle }) });
      return { json: { key: info }, text: `adopted ${keyLine(info)}` };
    },
  },
  {
    words: ['ledger', 'address'],
    summary: 'the Ethereum address of a Ledger account (--display: shown on the device to compare)',
    usage: `custos ledger address [--device ID] [--path P] [--display]   (path default ${DEFAULT_PATH})`,
    options: { ...ledgerDevice, path: { type: 'string', description: `BIP-32 path (default ${DEFAULT_PATH})`, placeholder: 'P' }, display: { type: 'boolean', description: 'show it on the device too, to compare' } },
    maxPositionals: 0,
    async run(ctx) {
      const c = await ctx.unlocked();
      const backend = await ledgerBackend(ctx, c);
      const display = ctx.args.flag('display');
      const r = await c.ledgerAddress(backend, ctx.args.string('path') ?? DEFAULT_PATH, { display });
      return { json: { backend, ...r }, text: `${r.address}  ${r.path}  on ${backend}${display ? ' (the same address was shown on the device)' : ''}` };
    },
  },
  {
    words: ['ledger', 'adopt'],
    summary: 'name a Ledger account (by path) as ID in the vault, so it signs through Custos like a vault key (KeyAdmin)',
    usage: `custos ledger adopt --id ID [--device ID] [--path P] [--ns NS]`,
    options: { ...ledgerDevice, ...ns, id: { type: 'string', description: 'the vault key id', placeholder: 'ID' }, path: { type: 'string', description: `BIP-32 path (default ${DEFAULT_PATH})`, placeholder: 'P' } },
    maxPositionals: 0,
    async run(ctx) {
      const c = await ctx.unlocked();
      const backend = await ledgerBackend(ctx, c);
      const info = await c.deviceAdopt({ backend, namespace: ctx.args.string('ns') ?? DEFAULT_NAMESPACE, id: ctx.args.requireString('id'), handle: ctx.args.string('path') ?? DEFAULT_PATH });
      const { address } = await c.ethAddress({ namespace: info.namespace, keyId: info.id });
      return { json: { key: info, address }, text: `adopted ${keyLine(info)}: ${address}` };
    },
  },
  {
    words: ['ledger', 'sign-tx'],
    summary: 'sign an Ethereum transaction with a Ledger key: decoded here, shown and confirmed on the device',
    usage: 'custos ledger sign-tx --id ID --in FILE [--ns NS] [--chain-id N]   (JSON fields or unsigned 0x hex; "-" for stdin)',
    options: { ...ns, id: { type: 'string', description: 'the vault key id of the Ledger account', placeholder: 'ID' }, in: { type: 'string', description: 'the transaction (FILE, "-" for stdin)', placeholder: 'FILE' }, 'chain-id': { type: 'string', description: 'the chain you expect it to be for', placeholder: 'N' } },
    maxPositionals: 0,
    async run(ctx) {
      const file = ctx.args.requireString('in');
      const text = new TextDecoder().decode(file === '-' ? await ctx.readStdin() : readFileBytes(file, 'transaction')).trim();
      const tx: unknown = /^0x[0-9a-fA-F]*$/u.test(text) ? text : parseJson(text);
      const chainId = ctx.args.string('chain-id');
      const ref = { namespace: ctx.args.string('ns') ?? DEFAULT_NAMESPACE, keyId: ctx.args.requireString('id') };
      const c = await ctx.unlocked();
      const shown = await c.ethDescribe({ kind: 'transaction', input: tx });
      // The device shows it too; the person compares both before confirming there.
      const signed = await c.ethSignTransaction(ref, tx, chainId === undefined ? {} : { expectedChainId: chainId });
      return {
        json: { view: shown, rawTransaction: signed.rawTransaction, hash: signed.hash, from: signed.from },
        text: `${requestViewText(views.ethereumView(shown, signed.from))}\n\n${signedResultText(views.ethTransactionResult(signed))}`,
      };
    },
  },
  {
    words: ['ledger', 'sign-message'],
    summary: 'personal_sign (EIP-191) a message with a Ledger key, confirmed on the device',
    usage: 'custos ledger sign-message --id ID (--message TEXT | --in FILE) [--ns NS]',
    options: { ...ns, id: { type: 'string', description: 'the vault key id of the Ledger account', placeholder: 'ID' }, message: { type: 'string', description: 'the message as UTF-8 text', placeholder: 'TEXT' }, in: { type: 'string', description: 'the message bytes from FILE ("-" for stdin)', placeholder: 'FILE' } },
    maxPositionals: 0,
    async run(ctx) {
      const message = ctx.args.string('message');
      const file = ctx.args.string('in');
      if ((message === undefined) === (file === undefined)) throw new UsageError('give exactly one of --message TEXT or --in FILE');
      const bytes = message !== undefined ? new TextEncoder().encode(message) : file === '-' ? await ctx.readStdin() : readFileBytes(file as string, 'message');
      const ref = { namespace: ctx.args.string('ns') ?? DEFAULT_NAMESPACE, keyId: ctx.args.requireString('id') };
      const c = await ctx.unlocked();
      const shown = await c.ethDescribe({ kind: 'message', message: bytes });
      const sig = await c.ethSignMessage(ref, bytes);
      return { json: { view: shown, ...sig }, text: `${requestViewText(views.ethereumView(shown, sig.address))}\n\n${signedResultText(views.ethSignatureResult(sig))}` };
    },
  },
];

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new CustodyError('INVALID_INPUT', 'the transaction is neither JSON nor 0x-prefixed hex');
  }
}
