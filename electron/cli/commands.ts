/**
 * @module cli/commands
 * The `custos` command table. Each command maps its options onto one facade call and its
 * result back to text or JSON; no crypto or storage logic lives here. Trusts the facade, which
 * also decides who may do what. Operators, grants, tokens, key ACLs and namespaces are in
 * access-commands.ts.
 */
import { CustodyError, type ErrorInfo } from '../../shared/errors.js';
import {
  HASH_ALGORITHMS,
  IMPORT_FORMATS,
  KDF_ALGORITHMS,
  KEY_ALGORITHMS,
  PUBLIC_KEY_FORMATS,
  RSA_SCHEMES,
  SIGNATURE_FORMATS,
  SIGNATURE_HASHES,
  SIGNING_KEY_ALGORITHMS,
  type KeyAlgorithm,
  type SigningKeyAlgorithm,
} from '../../shared/algorithms.js';
import type { Custodian } from '../core/custodian.js';
import type { KdfParams } from '../core/crypto/types.js';
import { DEFAULT_NAMESPACE, KEY_STATES, type KeyInfo } from '../core/keys/key-store.js';
import { coreSettingsFrom, effectiveConfigYaml, type LoadedConfig } from '../core/config/index.js';
import { parse as parseYaml } from 'yaml';
import { createPublicKey, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { parseCanonicalEvent, type AuditEvent } from '../core/audit/event.js';
import { verifyCheckpoint, type Checkpoint } from '../core/audit/checkpoint.js';
import { verifyExport } from '../core/audit/export-verify.js';
import { checkConsistencyFile, checkInclusionFile, parseProofFile } from '../core/audit/proof-file.js';
import { UsageError, type Args, type OptionSpecs } from './args.js';
import { pemToDerIfArmoured, parseHex, readFileBytes, toHex, writeFileBytes } from './io.js';
import { ACCESS_COMMANDS, KEY_ACL_COMMAND } from './access-commands.js';
import { HD_COMMANDS } from './hd-commands.js';
import { ETH_COMMANDS } from './eth-commands.js';
import { CHAIN_COMMANDS } from './chain-commands.js';
import { SERVE_COMMAND } from './serve-command.js';
import { POLICY_COMMANDS } from './policy-commands.js';
import { RECOVERY_COMMANDS } from './recovery-commands.js';
import { BACKUP_COMMANDS } from './backup-commands.js';
import { AIRGAP_COMMANDS } from './airgap-commands.js';
import { DEVICE_COMMANDS } from './device-commands.js';

export interface CommandResult {
  /** What `--json` prints (and what a batch line carries after `"ok": true`). */
  readonly json: Record<string, unknown>;
  /** What a person sees without `--json`. */
  readonly text: string;
  /** Non-zero for a computed "no" (an invalid signature): exit 1, with `failure` on stderr. */
  readonly exitCode?: number;
  readonly failure?: ErrorInfo;
}

export interface CommandContext {
  readonly args: Args;
  /** The operator this invocation signs in as (--operator, else CUSTOS_OPERATOR, else "admin"). */
  readonly operator: string;
  /** The facade with the vault opened, nobody signed in (what status, init and passwd use). */
  open(): Promise<Custodian>;
  /** The effective configuration. */
  config(): LoadedConfig;
  /** The facade signed in as `operator`, unlocking the vault (asks for the passphrase once). */
  unlocked(): Promise<Custodian>;
  /** A passphrase: `kind` 'current' reads CUSTOS_PASSPHRASE / --passphrase-file, 'new' reads CUSTOS_NEW_PASSPHRASE / --new-passphrase-file, 'backup' reads CUSTOS_BACKUP_PASSPHRASE / --backup-passphrase-file; `prompt` for a terminal. */
  passphrase(kind: 'current' | 'new' | 'backup', confirm: boolean, prompt?: string): Promise<Uint8Array>;
  readStdin(): Promise<Uint8Array>;
  readonly inBatch: boolean;
}

export interface Command {
  /** Words that select the command, e.g. ['key', 'generate']. */
  readonly words: readonly string[];
  readonly summary: string;
  readonly usage: string;
  readonly options: OptionSpecs;
  readonly maxPositionals?: number;
  run(ctx: CommandContext): Promise<CommandResult>;
}

// ------------------------------------------------------------------ shared option sets

const ns = { ns: { type: 'string', description: `namespace (default "${DEFAULT_NAMESPACE}")`, placeholder: 'NS' } } as const;
const id = { id: { type: 'string', description: 'key id: 1-128 of [A-Za-z0-9._-]', placeholder: 'ID' } } as const;
const dataIn = {
  in: { type: 'string', description: 'read the data from FILE ("-" for stdin)', placeholder: 'FILE' },
  'data-hex': { type: 'string', description: 'the data as hex', placeholder: 'HEX' },
} as const;
const out = { out: { type: 'string', description: 'write the raw result bytes to FILE instead of printing hex', placeholder: 'FILE' } } as const;
const signOpts = {
  hash: { type: 'string', description: `message hash for ECDSA/RSA: ${SIGNATURE_HASHES.join(', ')}`, placeholder: 'H' },
  scheme: { type: 'string', description: `RSA scheme: ${RSA_SCHEMES.join(', ')} (default pkcs1v15)`, placeholder: 'S' },
  'salt-length': { type: 'int', description: 'RSA-PSS salt length in bytes (default: the hash length)', placeholder: 'N' },
  'sig-format': { type: 'string', description: `ECDSA signature encoding: ${SIGNATURE_FORMATS.join(', ')} (default der)`, placeholder: 'F' },
  prehashed: { type: 'boolean', description: 'the data is already the digest of --hash' },
} as const;
const keyVersion = { 'key-version': { type: 'int', description: 'use this key version instead of the primary one', placeholder: 'N' } } as const;

function nsOf(args: Args): string {
  return args.string('ns') ?? DEFAULT_NAMESPACE;
}

async function readData(ctx: CommandContext): Promise<Uint8Array> {
  const which = ctx.args.oneOf('in', 'data-hex');
  if (which === 'data-hex') return parseHex(ctx.args.requireString('data-hex'), '--data-hex');
  const path = ctx.args.requireString('in');
  if (path === '-') {
    if (ctx.inBatch) throw new UsageError('--in - (stdin) is not available inside batch');
    return ctx.readStdin();
  }
  return readFileBytes(path, 'input');
}

function signParams(args: Args) {
  const hash = args.choice('hash', SIGNATURE_HASHES);
  const scheme = args.choice('scheme', RSA_SCHEMES);
  const sigFormat = args.choice('sig-format', SIGNATURE_FORMATS);
  const saltLength = args.int('salt-length');
  return {
    ...(hash === undefined ? {} : { hash }),
    ...(scheme === undefined ? {} : { scheme }),
    ...(sigFormat === undefined ? {} : { sigFormat }),
    ...(saltLength === undefined ? {} : { saltLength }),
    ...(args.flag('prehashed') ? { prehashed: true } : {}),
  };
}

/** Prints bytes as hex, or writes them to --out. */
function bytesResult(args: Args, field: string, bytes: Uint8Array, extra: Record<string, unknown> = {}, secret = false): CommandResult {
  const path = args.string('out');
  if (path !== undefined) {
    writeFileBytes(path, bytes, secret);
    return { json: { out: path, bytes: bytes.length, ...extra }, text: `wrote ${bytes.length} bytes to ${path}` };
  }
  const hex = toHex(bytes);
  return { json: { [field]: hex, ...extra }, text: hex };
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

function keyJson(k: KeyInfo): Record<string, unknown> {
  return {
    namespace: k.namespace,
    id: k.id,
    algorithm: k.algorithm,
    kind: k.kind,
    state: k.state,
    exportable: k.exportable,
    origin: k.origin,
    primaryVersion: k.primaryVersion,
    minDecryptVersion: k.minDecryptVersion,
    createdAt: iso(k.createdAt),
    updatedAt: iso(k.updatedAt),
    deletionAt: iso(k.deletionAt),
    versions: k.versions.map((v) => ({ version: v.version, createdAt: iso(v.createdAt), destroyed: v.destroyed })),
  };
}

function keyText(k: KeyInfo): string {
  const lines = [
    `key        ${k.namespace}/${k.id}`,
    `algorithm  ${k.algorithm} (${k.kind}${k.exportable ? ', exportable' : ''}, ${k.origin})`,
    `state      ${k.state}${k.deletionAt === null ? '' : ` — material erased at ${iso(k.deletionAt)}`}`,
    `version    ${k.primaryVersion} (primary)${k.minDecryptVersion > 1 ? `, decrypts from version ${k.minDecryptVersion}` : ''}`,
    `created    ${iso(k.createdAt)}`,
  ];
  return lines.join('\n');
}

function keyCommand(
  words: string[],
  summary: string,
  action: (c: Custodian, ns: string, id: string, args: Args, ctx: CommandContext) => KeyInfo | Promise<KeyInfo>,
  extra: OptionSpecs = {},
): Command {
  return {
    words,
    summary,
    usage: `custos ${words.join(' ')} --id ID [--ns NS]${Object.keys(extra).map((n) => ` [--${n}${extra[n]?.type === 'boolean' ? '' : ' ' + (extra[n]?.placeholder ?? 'V')}]`).join('')}`,
    options: { ...id, ...ns, ...extra },
    async run(ctx) {
      const c = await ctx.unlocked();
      const k = await action(c, nsOf(ctx.args), ctx.args.requireString('id'), ctx.args, ctx);
      return { json: keyJson(k), text: keyText(k) };
    },
  };
}

// ------------------------------------------------------------------ the table

export const COMMANDS: readonly Command[] = [
  {
    words: ['init'],
    summary: 'create a new vault; --operator (default "admin") becomes its first Admin',
    usage: 'custos init [--operator NAME] [--kdf-memory-kib N] [--kdf-iterations N] [--kdf-parallelism N]',
    options: {
      'kdf-memory-kib': { type: 'int', description: 'Argon2id memory in KiB (default security.kdf.memory_kib = 65536; at least 1024)', placeholder: 'N' },
      'kdf-iterations': { type: 'int', description: 'Argon2id passes (default security.kdf.iterations = 3)', placeholder: 'N' },
      'kdf-parallelism': { type: 'int', description: 'Argon2id lanes (default security.kdf.parallelism = 1)', placeholder: 'N' },
    },
    async run(ctx) {
      const c = await ctx.open();
      if (c.status().initialized) throw new CustodyError('VAULT_ALREADY_INITIALIZED', `${c.dataDir} already holds a vault`);
      const passphrase = await ctx.passphrase('current', true, `New passphrase of operator ${ctx.operator}: `);
      const a = ctx.args;
      const configured = coreSettingsFrom(ctx.config().config).kdf;
      try {
        await c.init(
          passphrase,
          {
            algorithm: 'argon2id',
            memoryKiB: a.int('kdf-memory-kib') ?? configured.memoryKiB,
            iterations: a.int('kdf-iterations') ?? configured.iterations,
            parallelism: a.int('kdf-parallelism') ?? configured.parallelism,
          },
          ctx.operator,
        );
      } finally {
        passphrase.fill(0);
      }
      const s = c.status();
      return {
        json: { initialized: true, dataDir: c.dataDir, operator: ctx.operator, kdf: s.kdf },
        text: `vault created in ${c.dataDir} (namespace "${DEFAULT_NAMESPACE}" ready; operator ${ctx.operator} is its Admin)`,
      };
    },
  },
  {
    words: ['status'],
    summary: 'show whether a vault exists, its parameters and the lockout state of --operator (no passphrase needed)',
    usage: 'custos status [--operator NAME]',
    options: {},
    async run(ctx) {
      const c = await ctx.open();
      const s = c.status(ctx.operator);
      const json = {
        dataDir: s.dataDir,
        initialized: s.initialized,
        schemaVersion: s.schemaVersion,
        operator: ctx.operator,
        consecutiveFailures: s.consecutiveFailures,
        lockedOutUntil: s.lockedUntil === 0 ? null : iso(s.lockedUntil),
        kdf: s.kdf ?? null,
        createdAt: s.createdAt === undefined ? null : iso(s.createdAt),
        providers: s.providers,
      };
      const text = s.initialized
        ? [
            `data dir   ${s.dataDir}`,
            `vault      initialized ${iso(s.createdAt ?? 0)} (schema ${s.schemaVersion})`,
            `kdf        argon2id m=${s.kdf?.memoryKiB} KiB t=${s.kdf?.iterations} p=${s.kdf?.parallelism}`,
            `failures   ${s.consecutiveFailures} consecutive for operator ${ctx.operator}${s.lockedUntil === 0 ? '' : `, locked out until ${iso(s.lockedUntil)}`}`,
          ].join('\n')
        : `data dir   ${s.dataDir}\nvault      not initialized (run \`custos init\`)`;
      return { json, text };
    },
  },
  {
    words: ['passwd'],
    summary: "change an operator's own passphrase (re-wraps their key slot only)",
    usage: 'custos passwd [--operator NAME] [--new-passphrase-file FILE]   (new passphrase also from CUSTOS_NEW_PASSPHRASE)',
    options: { 'new-passphrase-file': { type: 'string', description: 'read the new passphrase from FILE', placeholder: 'FILE' } },
    async run(ctx) {
      const c = await ctx.open();
      const current = await ctx.passphrase('current', false, `Current passphrase of operator ${ctx.operator}: `);
      try {
        const next = await ctx.passphrase('new', true, `New passphrase of operator ${ctx.operator}: `);
        try {
          await c.changePassphrase(current, next, ctx.operator);
        } finally {
          next.fill(0);
        }
      } finally {
        current.fill(0);
      }
      return { json: { changed: true, operator: ctx.operator }, text: `passphrase of operator ${ctx.operator} changed` };
    },
  },
  {
    words: ['config', 'validate'],
    summary: 'check the configuration (file, preset, CUSTOS_<SECTION>__<KEY> overrides); exit 1 naming the key if it is wrong',
    usage: 'custos config validate [--config FILE] [--preset NAME]',
    options: {},
    async run(ctx) {
      const { source } = ctx.config();
      return {
        json: { valid: true, file: source.file ?? null, preset: source.preset, envOverrides: source.env },
        text: `configuration valid (file: ${source.file ?? 'none'}, preset: ${source.preset}${source.env.length > 0 ? `, overrides: ${source.env.join(', ')}` : ''})`,
      };
    },
  },
  {
    words: ['config', 'show'],
    summary: 'print the effective configuration as YAML (no secrets)',
    usage: 'custos config show [--config FILE] [--preset NAME]',
    options: {},
    async run(ctx) {
      const loaded = ctx.config();
      const text = effectiveConfigYaml(loaded);
      // The JSON form is the same redacted document, parsed back.
      return { json: { config: parseYaml(text) as unknown, source: { file: loaded.source.file ?? null, preset: loaded.source.preset, env: loaded.source.env } }, text: text.trimEnd() };
    },
  },
  ...ACCESS_COMMANDS,
  ...HD_COMMANDS,
  ...CHAIN_COMMANDS,
  ...ETH_COMMANDS,
  ...POLICY_COMMANDS,
  ...RECOVERY_COMMANDS,
  ...BACKUP_COMMANDS,
  ...AIRGAP_COMMANDS,
  ...DEVICE_COMMANDS,
  {
    words: ['key', 'generate'],
    summary: 'generate a key in the vault',
    usage: `custos key generate --id ID [--ns NS] --alg ALG [--exportable]   ALG: ${KEY_ALGORITHMS.join(', ')}`,
    options: {
      ...id,
      ...ns,
      alg: { type: 'string', description: `algorithm: ${KEY_ALGORITHMS.join(', ')}`, placeholder: 'ALG' },
      exportable: { type: 'boolean', description: 'allow `key export` of the private material later' },
    },
    async run(ctx) {
      const alg = requireKeyAlg(ctx.args);
      const c = await ctx.unlocked();
      const k = await c.generateKey(nsOf(ctx.args), ctx.args.requireString('id'), alg, { exportable: ctx.args.flag('exportable') });
      return { json: keyJson(k), text: keyText(k) };
    },
  },
  {
    words: ['key', 'import'],
    summary: 'import a key (PKCS#8, SPKI as verify-only, JWK, raw)',
    usage: 'custos key import --id ID [--ns NS] --alg ALG --format pkcs8|spki|jwk|raw (--in FILE | --material-hex HEX) [--exportable]',
    options: {
      ...id,
      ...ns,
      alg: { type: 'string', description: 'algorithm of the key', placeholder: 'ALG' },
      format: { type: 'string', description: `${IMPORT_FORMATS.join(', ')} (PEM or DER for pkcs8/spki)`, placeholder: 'F' },
      in: { type: 'string', description: 'read the key from FILE', placeholder: 'FILE' },
      'material-hex': { type: 'string', description: 'the key bytes as hex', placeholder: 'HEX' },
      exportable: { type: 'boolean', description: 'allow `key export` later' },
    },
    async run(ctx) {
      const alg = requireKeyAlg(ctx.args);
      const format = ctx.args.choice('format', IMPORT_FORMATS);
      if (format === undefined) throw new UsageError('--format is required');
      const which = ctx.args.oneOf('in', 'material-hex');
      const data = which === 'in' ? readFileBytes(ctx.args.requireString('in'), 'key') : parseHex(ctx.args.requireString('material-hex'), '--material-hex');
      const c = await ctx.unlocked();
      try {
        const k = await c.importKey(nsOf(ctx.args), ctx.args.requireString('id'), alg, format, data, { exportable: ctx.args.flag('exportable') });
        return { json: keyJson(k), text: keyText(k) };
      } finally {
        data.fill(0);
      }
    },
  },
  {
    words: ['key', 'list'],
    summary: 'list keys',
    usage: `custos key list [--ns NS] [--alg ALG] [--state ${KEY_STATES.join('|')}]`,
    options: {
      ...ns,
      alg: { type: 'string', description: 'only this algorithm', placeholder: 'ALG' },
      state: { type: 'string', description: `only this state: ${KEY_STATES.join(', ')}`, placeholder: 'STATE' },
    },
    async run(ctx) {
      const alg = algorithmOption(ctx.args, KEY_ALGORITHMS);
      const state = ctx.args.choice('state', KEY_STATES);
      const nsFilter = ctx.args.string('ns');
      const c = await ctx.unlocked();
      const keys = await c.listKeys({ ...(nsFilter === undefined ? {} : { namespace: nsFilter }), ...(alg === undefined ? {} : { algorithm: alg }), ...(state === undefined ? {} : { state }) });
      const header = `${'NAMESPACE'.padEnd(16)} ${'ID'.padEnd(28)} ${'ALGORITHM'.padEnd(16)} ${'STATE'.padEnd(17)} ${'VERSION'.padEnd(7)} BACKEND`;
      return {
        json: { keys: keys.map(keyJson) },
        text: [header, ...keys.map((k) => `${k.namespace.padEnd(16)} ${k.id.padEnd(28)} ${k.algorithm.padEnd(16)} ${k.state.padEnd(17)} ${String(k.primaryVersion).padEnd(7)} ${k.backend ?? 'software'}`)].join('\n'),
      };
    },
  },
  {
    words: ['key', 'show'],
    summary: 'show a key and its public key',
    usage: 'custos key show --id ID [--ns NS] [--format pem|der|jwk|raw] [--key-version N] [--out FILE]',
    options: { ...id, ...ns, ...keyVersion, ...out, format: { type: 'string', description: `public key format: ${PUBLIC_KEY_FORMATS.join(', ')} (default pem)`, placeholder: 'F' } },
    async run(ctx) {
      const format = ctx.args.choice('format', PUBLIC_KEY_FORMATS) ?? 'pem';
      const c = await ctx.unlocked();
      const namespace = nsOf(ctx.args);
      const keyId = ctx.args.requireString('id');
      const info = await c.getKey(namespace, keyId);
      if (info.kind === 'secret') return { json: keyJson(info), text: keyText(info) };
      const v = ctx.args.int('key-version');
      const pub = await c.publicKey(namespace, keyId, format, v);
      const path = ctx.args.string('out');
      if (path !== undefined) writeFileBytes(path, pub.publicKey);
      const rendered = format === 'pem' || format === 'jwk' ? Buffer.from(pub.publicKey).toString('utf8') : toHex(pub.publicKey);
      const publicKeyJson = format === 'jwk' ? (JSON.parse(rendered) as unknown) : rendered;
      return {
        json: { ...keyJson(info), publicKey: { version: pub.version, format, value: publicKeyJson } },
        text: `${keyText(info)}\n${path === undefined ? rendered.trimEnd() : `public key written to ${path}`}`,
      };
    },
  },
  keyCommand(['key', 'rotate'], 'rotate a key: a new version becomes primary', (c, n, i) => c.rotateKey(n, i)),
  keyCommand(['key', 'disable'], 'disable a key (refuses every operation until enabled)', (c, n, i) => c.disableKey(n, i)),
  keyCommand(['key', 'enable'], 'enable a disabled key', (c, n, i) => c.enableKey(n, i)),
  keyCommand(
    ['key', 'delete'],
    'schedule deletion: the material is erased after the window (default 7 days)',
    (c, n, i, args, ctx) => {
      const days = args.int('window-days');
      return c.scheduleKeyDeletion(n, i, days === undefined ? coreSettingsFrom(ctx.config().config).deletionWindowMs : days * 24 * 3600 * 1000);
    },
    { 'window-days': { type: 'int', description: 'days before the material is erased (default security.key_deletion_window_days = 7, at least 1)', placeholder: 'N' } },
  ),
  keyCommand(['key', 'cancel-delete'], 'cancel a scheduled deletion', (c, n, i) => c.cancelKeyDeletion(n, i)),
  keyCommand(
    ['key', 'min-decrypt-version'],
    'refuse decryption with versions older than N',
    (c, n, i, args) => {
      const v = args.int('version');
      if (v === undefined) throw new UsageError('--version is required');
      return c.setMinDecryptVersion(n, i, v);
    },
    { version: { type: 'int', description: 'the oldest version that may still decrypt', placeholder: 'N' } },
  ),
  {
    words: ['key', 'export'],
    summary: 'export the private material of a key created --exportable',
    usage: 'custos key export --id ID [--ns NS] [--format pkcs8|jwk|raw] [--out FILE]',
    options: { ...id, ...ns, ...out, format: { type: 'string', description: 'pkcs8 (PEM; default for key pairs), jwk, raw (hex; default for AES keys)', placeholder: 'F' } },
    async run(ctx) {
      const requested = ctx.args.choice('format', ['pkcs8', 'jwk', 'raw'] as const);
      const c = await ctx.unlocked();
      const namespace = nsOf(ctx.args);
      const keyId = ctx.args.requireString('id');
      // Symmetric keys have no PKCS#8 form: their default is raw.
      const format = requested ?? ((await c.getKey(namespace, keyId)).kind === 'secret' ? 'raw' : 'pkcs8');
      const bytes = await c.exportKey(namespace, keyId, format);
      const rendered = format === 'pkcs8' ? derToPem(bytes, 'PRIVATE KEY') : format === 'jwk' ? Buffer.from(bytes).toString('utf8') : toHex(bytes);
      bytes.fill(0);
      const path = ctx.args.string('out');
      if (path !== undefined) {
        writeFileBytes(path, rendered, true);
        return { json: { namespace, id: keyId, format, out: path }, text: `private key written to ${path}` };
      }
      return { json: { namespace, id: keyId, format, value: format === 'jwk' ? (JSON.parse(rendered) as unknown) : rendered }, text: rendered.trimEnd() };
    },
  },
  KEY_ACL_COMMAND,
  {
    words: ['sign'],
    summary: 'sign data with a vault key',
    usage: 'custos sign --id ID [--ns NS] (--in FILE | --data-hex HEX) [--hash H] [--scheme pkcs1v15|pss] [--salt-length N] [--sig-format der|raw] [--prehashed] [--out FILE]',
    options: { ...id, ...ns, ...dataIn, ...signOpts, ...out },
    async run(ctx) {
      const data = await readData(ctx);
      const params = signParams(ctx.args);
      const c = await ctx.unlocked();
      const r = await c.sign({ namespace: nsOf(ctx.args), keyId: ctx.args.requireString('id'), data, ...params });
      return bytesResult(ctx.args, 'signature', r.signature, { keyVersion: r.keyVersion, algorithm: r.algorithm });
    },
  },
  {
    words: ['verify'],
    summary: 'verify a signature with a vault key or a given public key (exit 0 valid, 1 invalid)',
    usage:
      'custos verify (--id ID [--ns NS] [--key-version N] | --alg ALG (--public-key FILE | --public-key-hex HEX)) (--in FILE | --data-hex HEX) (--sig FILE | --sig-hex HEX) [sign options]',
    options: {
      ...id,
      ...ns,
      ...keyVersion,
      alg: { type: 'string', description: `with a given public key: ${SIGNING_KEY_ALGORITHMS.join(', ')}`, placeholder: 'ALG' },
      'public-key': { type: 'string', description: 'public key file: SPKI PEM or DER', placeholder: 'FILE' },
      'public-key-hex': { type: 'string', description: 'SPKI DER, raw 32-byte Ed25519 key, or SEC1 EC point, as hex', placeholder: 'HEX' },
      ...dataIn,
      sig: { type: 'string', description: 'signature file (raw bytes)', placeholder: 'FILE' },
      'sig-hex': { type: 'string', description: 'signature as hex', placeholder: 'HEX' },
      ...signOpts,
    },
    async run(ctx) {
      const args = ctx.args;
      const data = await readData(ctx);
      const sigWhich = args.oneOf('sig', 'sig-hex');
      const signature = sigWhich === 'sig' ? readFileBytes(args.requireString('sig'), 'signature') : parseHex(args.requireString('sig-hex'), '--sig-hex');
      const params = signParams(args);
      const mode = args.oneOf('id', 'alg');
      let valid: boolean;
      let extra: Record<string, unknown> = {};
      if (mode === 'id') {
        if (args.has('public-key') || args.has('public-key-hex')) throw new UsageError('--public-key goes with --alg, not --id');
        const c = await ctx.unlocked();
        const v = args.int('key-version');
        const r = await c.verify({ namespace: nsOf(args), keyId: args.requireString('id'), data, signature, ...params, ...(v === undefined ? {} : { keyVersion: v }) });
        valid = r.valid;
        extra = { keyVersion: r.keyVersion };
      } else {
        const alg = algorithmOption(args, SIGNING_KEY_ALGORITHMS) as SigningKeyAlgorithm;
        const pkWhich = args.oneOf('public-key', 'public-key-hex');
        const publicKey =
          pkWhich === 'public-key' ? pemToDerIfArmoured(readFileBytes(args.requireString('public-key'), 'public key')) : parseHex(args.requireString('public-key-hex'), '--public-key-hex');
        const c = await ctx.unlocked();
        valid = (await c.verifyWithPublicKey({ algorithm: alg, publicKey, data, signature, ...params })).valid;
      }
      if (valid) return { json: { valid, ...extra }, text: 'signature valid' };
      // Malformed and wrong signatures alike are a "no" (Wycheproof treats both as invalid).
      return { json: { valid, ...extra }, text: 'signature INVALID', exitCode: 1, failure: { code: 'VERIFICATION_FAILED', message: 'the signature does not verify' } };
    },
  },
  {
    words: ['encrypt'],
    summary: 'encrypt with an AES key (nonce ‖ ct ‖ tag) or an RSA key (OAEP SHA-256)',
    usage: 'custos encrypt --id ID [--ns NS] (--in FILE | --data-hex HEX) [--aad-hex HEX] [--out FILE]',
    options: { ...id, ...ns, ...dataIn, ...out, 'aad-hex': { type: 'string', description: 'additional authenticated data (AES-GCM)', placeholder: 'HEX' } },
    async run(ctx) {
      const data = await readData(ctx);
      const aadHex = ctx.args.string('aad-hex');
      const c = await ctx.unlocked();
      const r = await c.encrypt({ namespace: nsOf(ctx.args), keyId: ctx.args.requireString('id'), data, ...(aadHex === undefined ? {} : { aad: parseHex(aadHex, '--aad-hex') }) });
      return bytesResult(ctx.args, 'ciphertext', r.ciphertext, { keyVersion: r.keyVersion });
    },
  },
  {
    words: ['decrypt'],
    summary: 'decrypt with an AES or RSA key',
    usage: 'custos decrypt --id ID [--ns NS] (--in FILE | --data-hex HEX) [--aad-hex HEX] [--key-version N] [--out FILE]',
    options: { ...id, ...ns, ...dataIn, ...out, ...keyVersion, 'aad-hex': { type: 'string', description: 'additional authenticated data (AES-GCM)', placeholder: 'HEX' } },
    async run(ctx) {
      const data = await readData(ctx);
      const aadHex = ctx.args.string('aad-hex');
      const v = ctx.args.int('key-version');
      const c = await ctx.unlocked();
      const r = await c.decrypt({
        namespace: nsOf(ctx.args),
        keyId: ctx.args.requireString('id'),
        data,
        ...(aadHex === undefined ? {} : { aad: parseHex(aadHex, '--aad-hex') }),
        ...(v === undefined ? {} : { keyVersion: v }),
      });
      return bytesResult(ctx.args, 'plaintext', r.plaintext, { keyVersion: r.keyVersion }, true);
    },
  },
  {
    words: ['hash'],
    summary: `hash data: ${HASH_ALGORITHMS.join(', ')}`,
    usage: 'custos hash --alg A (--in FILE | --data-hex HEX)',
    options: { alg: { type: 'string', description: HASH_ALGORITHMS.join(', '), placeholder: 'A' }, ...dataIn, ...out },
    async run(ctx) {
      const alg = algorithmOption(ctx.args, HASH_ALGORITHMS);
      if (alg === undefined) throw new UsageError('--alg is required');
      const data = await readData(ctx);
      const c = await ctx.unlocked();
      return bytesResult(ctx.args, 'digest', await c.hash(alg, data), { algorithm: alg });
    },
  },
  {
    words: ['kdf'],
    summary: `derive key material: ${KDF_ALGORITHMS.join(', ')}`,
    usage:
      'custos kdf --alg pbkdf2-sha256|pbkdf2-sha512 (--password TEXT | --password-hex HEX) --salt-hex HEX --iterations N --length N\n' +
      '       custos kdf --alg hkdf-sha256|hkdf-sha512 --ikm-hex HEX [--salt-hex HEX] [--info-hex HEX] --length N\n' +
      '       custos kdf --alg argon2id (--password TEXT | --password-hex HEX) --salt-hex HEX [--memory-kib N] [--iterations N] [--parallelism N] --length N',
    options: {
      alg: { type: 'string', description: KDF_ALGORITHMS.join(', '), placeholder: 'A' },
      password: { type: 'string', description: 'password as UTF-8 text', placeholder: 'TEXT' },
      'password-hex': { type: 'string', description: 'password bytes as hex', placeholder: 'HEX' },
      'salt-hex': { type: 'string', description: 'salt as hex', placeholder: 'HEX' },
      'ikm-hex': { type: 'string', description: 'HKDF input keying material as hex', placeholder: 'HEX' },
      'info-hex': { type: 'string', description: 'HKDF info as hex', placeholder: 'HEX' },
      iterations: { type: 'int', description: 'PBKDF2 iterations / Argon2id passes (default 3)', placeholder: 'N' },
      'memory-kib': { type: 'int', description: 'Argon2id memory in KiB (default 65536)', placeholder: 'N' },
      parallelism: { type: 'int', description: 'Argon2id lanes (default 1)', placeholder: 'N' },
      length: { type: 'int', description: 'output length in bytes', placeholder: 'N' },
      ...out,
    },
    async run(ctx) {
      const a = ctx.args;
      const alg = algorithmOption(a, KDF_ALGORITHMS);
      if (alg === undefined) throw new UsageError('--alg is required');
      const length = a.int('length');
      if (length === undefined) throw new UsageError('--length is required');
      const password = (): Uint8Array => (a.oneOf('password', 'password-hex') === 'password' ? new TextEncoder().encode(a.requireString('password')) : parseHex(a.requireString('password-hex'), '--password-hex'));
      let params: KdfParams;
      if (alg === 'pbkdf2-sha256' || alg === 'pbkdf2-sha512') {
        const iterations = a.int('iterations');
        if (iterations === undefined) throw new UsageError('--iterations is required for PBKDF2');
        params = { algorithm: alg, password: password(), salt: parseHex(a.requireString('salt-hex'), '--salt-hex'), iterations, length };
      } else if (alg === 'hkdf-sha256' || alg === 'hkdf-sha512') {
        params = {
          algorithm: alg,
          ikm: parseHex(a.requireString('ikm-hex'), '--ikm-hex'),
          salt: parseHex(a.string('salt-hex') ?? '', '--salt-hex'),
          info: parseHex(a.string('info-hex') ?? '', '--info-hex'),
          length,
        };
      } else {
        params = {
          algorithm: 'argon2id',
          password: password(),
          salt: parseHex(a.requireString('salt-hex'), '--salt-hex'),
          memoryKiB: a.int('memory-kib') ?? 65536,
          iterations: a.int('iterations') ?? 3,
          parallelism: a.int('parallelism') ?? 1,
          length,
        };
      }
      const c = await ctx.unlocked();
      return bytesResult(a, 'key', await c.kdf(params), { algorithm: alg }, true);
    },
  },
  {
    words: ['random'],
    summary: 'N random bytes from the system CSPRNG',
    usage: 'custos random N [--out FILE]',
    options: { ...out },
    maxPositionals: 1,
    async run(ctx) {
      const n = ctx.args.positionals[0];
      if (n === undefined || !/^\d+$/.test(n)) throw new UsageError('give the number of bytes: custos random N');
      const c = await ctx.unlocked();
      return bytesResult(ctx.args, 'random', await c.random(Number(n)), {}, true);
    },
  },
  {
    words: ['audit', 'status'],
    summary: 'audit log size, last checkpoint, verification state and the audit public key',
    usage: 'custos audit status',
    options: {},
    async run(ctx) {
      const c = await ctx.unlocked();
      const s = c.auditStatus();
      const text = [
        `events       ${s.size}`,
        `checkpoint   ${s.lastCheckpoint === null ? 'none yet' : `size ${s.lastCheckpoint.size} at ${iso(s.lastCheckpoint.createdAt)}`}`,
        `verified     up to event ${s.verifiedSize}`,
        `state        ${s.tampered === null ? 'intact' : `TAMPERED at event ${s.tampered.seq ?? '?'}: ${s.tampered.reason}`} (violations: ${s.violations})`,
        `origin       ${s.origin ?? 'none yet (unlock once)'}`,
      ].join('\n');
      return { json: { ...s }, text };
    },
  },
  {
    words: ['audit', 'list'],
    summary: 'list audit events (filters and paging)',
    usage: 'custos audit list [--from ISO] [--to ISO] [--ns NS] [--principal P] [--action A] [--result R] [--after SEQ] [--limit N]',
    options: {
      from: { type: 'string', description: 'events at or after this time (ISO 8601)', placeholder: 'ISO' },
      to: { type: 'string', description: 'events at or before this time (ISO 8601)', placeholder: 'ISO' },
      ns: { type: 'string', description: 'only this namespace', placeholder: 'NS' },
      principal: { type: 'string', description: 'only this principal', placeholder: 'P' },
      action: { type: 'string', description: 'only this action, e.g. crypto.sign', placeholder: 'A' },
      result: { type: 'string', description: 'only this result: ok or an error code', placeholder: 'R' },
      after: { type: 'int', description: 'events after this sequence number (paging)', placeholder: 'SEQ' },
      limit: { type: 'int', description: 'at most N events (default 100, at most 10000)', placeholder: 'N' },
    },
    async run(ctx) {
      const c = await ctx.unlocked();
      const events = await c.auditQuery(auditFilter(ctx.args, false));
      return { json: { events }, text: events.map(eventLine).join('\n') };
    },
  },
  {
    words: ['audit', 'tail'],
    summary: 'the newest audit events',
    usage: 'custos audit tail [--ns NS] [--limit N]',
    options: {
      ns: { type: 'string', description: 'only this namespace (an Auditor of one namespace must name it)', placeholder: 'NS' },
      limit: { type: 'int', description: 'how many (default 20)', placeholder: 'N' },
    },
    async run(ctx) {
      const c = await ctx.unlocked();
      const namespace = ctx.args.string('ns');
      const events = (await c.auditQuery({ descending: true, limit: ctx.args.int('limit') ?? 20, ...(namespace === undefined ? {} : { namespace }) })).reverse();
      return { json: { events }, text: events.map(eventLine).join('\n') };
    },
  },
  {
    words: ['audit', 'verify'],
    summary: 'verify the audit log (from the last verified point, or --full), or an export offline (--file, --public-key)',
    usage: 'custos audit verify [--full] | custos audit verify --file FILE --public-key KEY.pem',
    options: {
      full: { type: 'boolean', description: 'verify every event from the first' },
      file: { type: 'string', description: 'an export written by `custos audit export` (no vault needed)', placeholder: 'FILE' },
      'public-key': { type: 'string', description: 'the audit public key (SPKI PEM) the export must be signed by', placeholder: 'FILE' },
    },
    async run(ctx) {
      const file = ctx.args.string('file');
      if (file !== undefined) {
        const pem = Buffer.from(readFileBytes(ctx.args.requireString('public-key'), 'public key')).toString('utf8');
        const lines = Buffer.from(readFileBytes(file, 'export')).toString('utf8').split('\n');
        const r = verifyExport(lines, pem);
        return verifyResult(r.ok, { ...r }, r.ok ? `export verified: ${r.events} events, ${r.checkpointsVerified} signed checkpoints` : `export INVALID at event ${r.firstBadSeq}: ${r.reason}`);
      }
      const c = await ctx.unlocked();
      const r = await c.auditVerify(ctx.args.flag('full'));
      return verifyResult(r.ok, { ...r }, r.ok ? `audit log verified: events ${r.checkedFrom}..${r.size}, ${r.checkpointsVerified} signed checkpoints` : `audit log TAMPERED at event ${r.firstBadSeq}: ${r.reason}`);
    },
  },
  {
    words: ['audit', 'checkpoint'],
    summary: 'sign a checkpoint at the current size now',
    usage: 'custos audit checkpoint',
    options: {},
    async run(ctx) {
      const c = await ctx.unlocked();
      const cp = await c.auditCheckpoint();
      return { json: { checkpoint: cp }, text: cp === null ? 'no checkpoint (empty or damaged log)' : cp.note.trimEnd() };
    },
  },
  {
    words: ['audit', 'checkpoints'],
    summary: 'list signed checkpoints',
    usage: 'custos audit checkpoints',
    options: {},
    async run(ctx) {
      const c = await ctx.unlocked();
      const cps = await c.auditCheckpoints();
      return { json: { checkpoints: cps.map((cp) => ({ ...cp, createdAt: iso(cp.createdAt) })) }, text: cps.map((cp) => `${String(cp.size).padStart(8)}  ${iso(cp.createdAt)}`).join('\n') };
    },
  },
  {
    words: ['audit', 'prove'],
    summary: 'inclusion proof of an event against a signed checkpoint (JSON; checkpoint with --checkpoint-out)',
    usage: 'custos audit prove --seq N [--tree-size SIZE] [--out FILE] [--checkpoint-out FILE]',
    options: {
      seq: { type: 'int', description: 'the event', placeholder: 'N' },
      'tree-size': { type: 'int', description: 'the checkpoint to prove against (default: the latest)', placeholder: 'SIZE' },
      out: { type: 'string', description: 'write the proof JSON to FILE', placeholder: 'FILE' },
      'checkpoint-out': { type: 'string', description: 'write the signed checkpoint to FILE', placeholder: 'FILE' },
    },
    async run(ctx) {
      const seq = ctx.args.int('seq');
      if (seq === undefined) throw new UsageError('--seq is required');
      const c = await ctx.unlocked();
      const size = ctx.args.int('tree-size');
      const r = await c.auditInclusionProof(seq, size);
      return proofOutput(ctx.args, r.proof, r.checkpoint);
    },
  },
  {
    words: ['audit', 'consistency'],
    summary: 'consistency proof between two signed checkpoints',
    usage: 'custos audit consistency --from SIZE --to SIZE [--out FILE]',
    options: {
      from: { type: 'int', description: 'the older checkpoint size', placeholder: 'SIZE' },
      to: { type: 'int', description: 'the newer checkpoint size', placeholder: 'SIZE' },
      out: { type: 'string', description: 'write the proof JSON to FILE', placeholder: 'FILE' },
    },
    async run(ctx) {
      const from = ctx.args.int('from');
      const to = ctx.args.int('to');
      if (from === undefined || to === undefined) throw new UsageError('--from and --to are required');
      const c = await ctx.unlocked();
      const r = await c.auditConsistencyProof(from, to);
      return proofOutput(ctx.args, r.proof, undefined);
    },
  },
  {
    words: ['audit', 'check-proof'],
    summary: 'check a proof offline against signed checkpoints and the audit public key (no vault needed)',
    usage: 'custos audit check-proof PROOF.json --checkpoint CP.txt [--checkpoint-to CP2.txt] --public-key KEY.pem',
    options: {
      checkpoint: { type: 'string', description: 'the signed checkpoint (for consistency: the older one)', placeholder: 'FILE' },
      'checkpoint-to': { type: 'string', description: 'for a consistency proof: the newer checkpoint', placeholder: 'FILE' },
      'public-key': { type: 'string', description: 'the audit public key (SPKI PEM)', placeholder: 'FILE' },
    },
    maxPositionals: 1,
    async run(ctx) {
      const path = ctx.args.positionals[0];
      if (path === undefined) throw new UsageError('name the proof file');
      const proof = parseProofFile(Buffer.from(readFileBytes(path, 'proof')).toString('utf8'));
      const pem = Buffer.from(readFileBytes(ctx.args.requireString('public-key'), 'public key')).toString('utf8');
      const read = (name: string): Checkpoint => verifyCheckpointWithPem(Buffer.from(readFileBytes(ctx.args.requireString(name), 'checkpoint')).toString('utf8'), pem);
      let result = proof.type === 'custos.audit.inclusion.v1' ? checkInclusionFile(proof, read('checkpoint')) : checkConsistencyFile(proof, read('checkpoint'), read('checkpoint-to'));
      // The proof binds the event bytes; the sequence number the file claims must be the one inside them.
      if (result.ok && proof.type === 'custos.audit.inclusion.v1' && parseCanonicalEvent(Buffer.from(proof.event, 'base64')).seq !== proof.seq) {
        result = { ok: false, reason: `the event inside the proof is not event ${proof.seq}` };
      }
      return verifyResult(result.ok, result.ok ? { valid: true } : { valid: false, reason: result.reason }, result.ok ? 'proof valid' : `proof INVALID: ${result.reason}`);
    },
  },
  {
    words: ['audit', 'export'],
    summary: 'write the audit log as JSON Lines with its signed checkpoints',
    usage: 'custos audit export --out FILE',
    options: { out: { type: 'string', description: 'the export file', placeholder: 'FILE' } },
    async run(ctx) {
      const out = ctx.args.requireString('out');
      const c = await ctx.unlocked();
      const lines: string[] = [];
      const n = await c.auditExport((l) => lines.push(l));
      writeFileBytes(out, lines.join('\n') + '\n');
      const pem = c.auditStatus().publicKey;
      return { json: { out, lines: n, publicKey: pem }, text: `wrote ${n} lines to ${out}` };
    },
  },
  {
    words: ['audit', 'acknowledge'],
    summary: 'clear the TAMPERED state after investigating (audited)',
    usage: 'custos audit acknowledge',
    options: {},
    async run(ctx) {
      const c = await ctx.unlocked();
      await c.auditAcknowledge();
      return { json: { acknowledged: true }, text: 'acknowledged: signing and decryption are allowed again' };
    },
  },
  SERVE_COMMAND,
];

function requireKeyAlg(args: Args): KeyAlgorithm {
  const alg = algorithmOption(args, KEY_ALGORITHMS);
  if (alg === undefined) throw new UsageError('--alg is required');
  return alg;
}

/** An unknown algorithm name is bad input (a typed INVALID_INPUT, exit 1), not a usage error. */
function algorithmOption<T extends string>(args: Args, choices: readonly T[]): T | undefined {
  const alg = args.string('alg');
  if (alg === undefined) return undefined;
  if (!(choices as readonly string[]).includes(alg)) {
    throw new CustodyError('INVALID_INPUT', `unknown algorithm ${JSON.stringify(alg.slice(0, 40))}: use one of ${choices.join(', ')}`);
  }
  return alg as T;
}

function derToPem(der: Uint8Array, label: string): string {
  const b64 = Buffer.from(der).toString('base64');
  return `-----BEGIN ${label}-----\n${b64.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END ${label}-----\n`;
}

function auditFilter(args: Args, descending: boolean) {
  const time = (name: string): number | undefined => {
    const v = args.string(name);
    if (v === undefined) return undefined;
    const t = Date.parse(v);
    if (Number.isNaN(t)) throw new CustodyError('INVALID_INPUT', `--${name} is not an ISO 8601 time`);
    return t;
  };
  const f: Record<string, string | number | boolean> = {};
  const set = (k: string, v: string | number | undefined): void => {
    if (v !== undefined) f[k] = v;
  };
  set('from', time('from'));
  set('to', time('to'));
  set('namespace', args.string('ns'));
  set('principal', args.string('principal'));
  set('action', args.string('action'));
  set('result', args.string('result'));
  set('afterSeq', args.int('after'));
  set('limit', args.int('limit'));
  if (descending) f.descending = true;
  return f;
}

function eventLine(e: AuditEvent): string {
  const target = e.namespace === null ? '' : ` ${e.namespace}${e.keyId === null ? '' : `/${e.keyId}`}${e.keyVersion === null ? '' : `@v${e.keyVersion}`}`;
  return `${String(e.seq).padStart(7)}  ${new Date(e.time).toISOString()}  ${e.principal.padEnd(10)} ${e.action.padEnd(24)} ${e.result.padEnd(18)}${target}`;
}

function verifyResult(ok: boolean, json: Record<string, unknown>, text: string): CommandResult {
  if (ok) return { json, text };
  return { json, text, exitCode: 1, failure: { code: 'TAMPERED', message: text } };
}

function proofOutput(args: Args, proof: object, checkpoint: string | undefined): CommandResult {
  const text = JSON.stringify(proof, null, 2);
  const out = args.string('out');
  if (out !== undefined) writeFileBytes(out, text + '\n');
  const cpOut = args.string('checkpoint-out');
  if (cpOut !== undefined && checkpoint !== undefined) writeFileBytes(cpOut, checkpoint);
  return { json: { proof, ...(checkpoint === undefined ? {} : { checkpoint }) }, text: out === undefined ? text : `proof written to ${out}${cpOut === undefined ? '' : `, checkpoint to ${cpOut}`}` };
}

/** Verify a checkpoint note against an audit public key PEM (the key name is derived from the key). */
function verifyCheckpointWithPem(note: string, pem: string): Checkpoint {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (cause) {
    throw new CustodyError('INVALID_INPUT', 'the public key is not a PEM public key', { cause });
  }
  const raw = Uint8Array.from(Buffer.from(String(key.export({ format: 'jwk' }).x), 'base64url'));
  const name = `custos-audit-${Buffer.from(raw.subarray(0, 4)).toString('hex')}`;
  return verifyCheckpoint(note, name, raw, (m, sig) => {
    try {
      return nodeVerify(null, m, key, sig);
    } catch {
      return false;
    }
  });
}
