/**
 * @module shared/api/contract
 * THE renderer API: every method the UI may call and every event it may receive, each as zod
 * schemas (input, output), and every name derived from here (IPC channel, preload function,
 * WebSocket message). Electron IPC, the preload and the browser host are all typed from this one
 * map, so a method that is missing or wrongly typed anywhere does not compile, and a test checks
 * the three expose exactly the same names.
 *
 * Bytes cross as base64 strings (JSON over the browser host's WebSocket cannot carry binary, and
 * one encoding for both transports keeps them identical). Secrets that the operator types
 * (passphrases) cross as strings once, to the main process, and are never sent back; no output
 * schema carries key material except `keys.export` and `hd.exportMnemonic`, which the operator asks
 * for explicitly, and `hd.create`'s mnemonic, shown once.
 *
 * Pure zod: no Node, no DOM.
 */
import { z } from 'zod';
import { HASH_ALGORITHMS, IMPORT_FORMATS, KEY_ALGORITHMS, RSA_SCHEMES, SIGNATURE_FORMATS, SIGNATURE_HASHES } from '../algorithms.js';
import { ERROR_CODES } from '../errors.js';
import { bitcoinNetworkSchema, bitcoinScriptSchema, chainSchema, requestRecordSchema, requestStateSchema, requestViewSchema, signedResultSchema, signerAddressSchema, signerRefSchema, signingRequestSchema } from './signing.js';
import { walletAccountSchema, walletConnectionSchema, walletPromptSchema } from './wallet.js';
import { policyEvaluationSchema, policyInfoSchema, policyModuleSchema } from './policy.js';
import { airgapFileSchema, airgapStatusSchema, backupFileInfoSchema, backupProgressSchema, outboxEntrySchema } from './airgap.js';

export { bitcoinNetworkSchema, bitcoinScriptSchema } from './signing.js';

// ------------------------------------------------------------------ building blocks

const name = z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, 'expected 1-128 of A-Z a-z 0-9 . _ -');
const operatorName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'expected an operator name (1-64 of A-Z a-z 0-9 . _ -)');
/** A passphrase as typed. Length bounds only; the core checks the rest. */
const passphrase = z.string().min(1).max(1024);
/** An absolute path on the machine the core runs on (the browser host serves loopback only, so that is the operator's machine). */
const filePath = z.string().min(2).max(4096).refine((p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/u.test(p), 'expected an absolute path');
/** Standard base64 (RFC 4648 §4), up to 16 MiB decoded. */
export const base64 = z
  .string()
  .max(22_369_624)
  .regex(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/, 'expected base64');
const epochMs = z.number().int().nonnegative();
const empty = z.strictObject({});
const keyRef = z.strictObject({ namespace: name, id: name });

export const roleSchema = z.enum(['Admin', 'NamespaceAdmin', 'KeyAdmin', 'KeyUser', 'Auditor']);
export const keyAlgorithmSchema = z.enum(KEY_ALGORITHMS);
export const keyStateSchema = z.enum(['active', 'disabled', 'pending-deletion', 'destroyed']);
export const themeSchema = z.enum(['light', 'dark', 'system']);

export const errorInfoSchema = z.strictObject({ code: z.enum(ERROR_CODES), message: z.string() });

export const vaultStatusSchema = z.strictObject({
  initialized: z.boolean(),
  unlocked: z.boolean(),
  consecutiveFailures: z.number().int(),
  /** Epoch ms until which sign-in is refused; 0 when not locked out. */
  lockedUntil: epochMs,
  kdf: z.strictObject({ algorithm: z.literal('argon2id'), memoryKiB: z.number().int(), iterations: z.number().int(), parallelism: z.number().int() }).optional(),
  createdAt: epochMs.optional(),
  schemaVersion: z.number().int(),
  dataDir: z.string(),
  providers: z.record(z.string(), z.string()),
  /** Who this connection is signed in as, if anyone. */
  session: z
    .strictObject({
      principal: z.string(),
      admin: z.boolean(),
      expiresAt: epochMs.nullable(),
    })
    .nullable(),
});

const backendId = z.string().regex(/^(pkcs11|ledger):[\x20-\x7e]{1,64}$/u, 'expected pkcs11:<token label> or ledger:<device id>');
export const deviceInfoSchema = z.strictObject({
  backend: z.string(),
  kind: z.enum(['pkcs11', 'ledger']),
  label: z.string(),
  detail: z.string(),
  status: z.strictObject({ state: z.enum(['ready', 'login-required', 'unavailable', 'locked', 'wrong-app', 'busy']), detail: z.string() }),
  capabilities: z.strictObject({ generate: z.array(z.string()), sign: z.boolean(), encrypt: z.boolean(), login: z.boolean() }),
});
export const deviceKeySchema = z.strictObject({
  handle: z.string(),
  label: z.string(),
  algorithm: z.string(),
  /** SPKI DER as hex; null for a secret key. */
  publicKey: z.string().nullable(),
  address: z.string().nullable(),
  referencedBy: z.array(z.strictObject({ namespace: z.string(), id: z.string() })),
});

export const grantSchema = z.strictObject({ principal: z.string(), namespace: z.string(), role: roleSchema, createdAt: epochMs, createdBy: z.string() });

export const namespaceInfoSchema = z.strictObject({
  name: z.string(),
  createdAt: epochMs,
  keyCount: z.number().int(),
  description: z.string(),
  maxKeys: z.number().int().nullable(),
  rateLimitPerS: z.number().nullable(),
});

export const keyInfoSchema = z.strictObject({
  namespace: z.string(),
  id: z.string(),
  algorithm: keyAlgorithmSchema,
  kind: z.enum(['private', 'public', 'secret']),
  state: keyStateSchema,
  exportable: z.boolean(),
  origin: z.enum(['generated', 'imported']),
  /** Which backend holds the key ('software' until the hardware issue adds others). */
  backend: z.string(),
  primaryVersion: z.number().int(),
  minDecryptVersion: z.number().int(),
  createdAt: epochMs,
  updatedAt: epochMs,
  deletionAt: epochMs.nullable(),
  versions: z.array(z.strictObject({ version: z.number().int(), createdAt: epochMs, destroyed: z.boolean() })),
});

export const auditEventSchema = z.strictObject({
  seq: z.number().int(),
  time: epochMs,
  principal: z.string(),
  namespace: z.string().nullable(),
  action: z.string(),
  keyId: z.string().nullable(),
  keyVersion: z.number().int().nullable(),
  result: z.string(),
  requestId: z.string(),
  client: z.record(z.string(), z.string()),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
});

export const auditStatusSchema = z.strictObject({
  size: z.number().int(),
  lastCheckpoint: z.strictObject({ size: z.number().int(), createdAt: epochMs }).nullable(),
  verifiedSize: z.number().int(),
  tampered: z.strictObject({ seq: z.number().int().nullable(), reason: z.string() }).nullable(),
  violations: z.number().int(),
  origin: z.string().nullable(),
  publicKey: z.string().nullable(),
});

export const verifyReportSchema = z.strictObject({
  ok: z.boolean(),
  size: z.number().int(),
  checkedFrom: z.number().int(),
  checkpointsVerified: z.number().int(),
  firstBadSeq: z.number().int().optional(),
  reason: z.string().optional(),
});

export const settingsSchema = z.strictObject({
  /** Lock the vault after this many minutes without activity in the UI; 0 = never. */
  autoLockMinutes: z.number().int().min(0).max(1440),
  theme: themeSchema,
  /** Read-only facts. */
  dataDir: z.string(),
  version: z.string(),
});

/** A BIP-39 phrase as typed: words and spaces; the core checks wordlist and checksum (NFKD). */
const mnemonic = z.string().min(1).max(1024);
/** An optional BIP-39 passphrase (the "25th word"): empty means none. */
const bip39Passphrase = z.string().max(1024);
const hdIndex = z.number().int().min(0).max(0x7fffffff);
export const hdChainSchema = z.enum(['ethereum', 'bitcoin', 'solana']);

export const hdDerivedSchema = z.strictObject({ path: z.string(), curve: z.enum(['secp256k1', 'ed25519', 'nist256p1']), publicKey: z.string(), address: z.string().nullable() });

export const hdWalletInfoSchema = z.strictObject({
  namespace: z.string(),
  id: z.string(),
  words: z.number().int(),
  language: z.string(),
  hasPassphrase: z.boolean(),
  exportable: z.boolean(),
  state: z.enum(['active', 'disabled']),
  origin: z.enum(['generated', 'imported']),
  /** BIP-32 master key fingerprint (8 hex digits). */
  fingerprint: z.string(),
  createdAt: epochMs,
  updatedAt: epochMs,
});

const signOptions = {
  hash: z.enum(SIGNATURE_HASHES).optional(),
  scheme: z.enum(RSA_SCHEMES).optional(),
  saltLength: z.number().int().nonnegative().max(1024).optional(),
  sigFormat: z.enum(SIGNATURE_FORMATS).optional(),
  prehashed: z.boolean().optional(),
};

// ------------------------------------------------------------------ methods

function method<I extends z.ZodType, O extends z.ZodType>(input: I, output: O): { readonly input: I; readonly output: O } {
  return { input, output };
}

export const METHODS = {
  // vault and session
  'vault.status': method(empty, vaultStatusSchema),
  'vault.init': method(z.strictObject({ passphrase, operator: operatorName.optional() }), vaultStatusSchema),
  'vault.unlock': method(z.strictObject({ passphrase, operator: operatorName.optional() }), z.strictObject({ status: vaultStatusSchema, audit: verifyReportSchema })),
  'vault.lock': method(empty, vaultStatusSchema),
  'vault.changePassphrase': method(z.strictObject({ current: passphrase, next: passphrase }), z.strictObject({ changed: z.literal(true) })),

  // namespaces
  'namespaces.list': method(empty, z.array(namespaceInfoSchema)),
  'namespaces.create': method(z.strictObject({ name, description: z.string().max(1024).optional(), maxKeys: z.number().int().min(1).max(1_000_000).optional() }), namespaceInfoSchema),
  'namespaces.show': method(z.strictObject({ name }), namespaceInfoSchema.extend({ grants: z.array(grantSchema) })),

  // keys
  'keys.list': method(z.strictObject({ namespace: name.optional() }), z.array(keyInfoSchema)),
  'keys.get': method(keyRef, keyInfoSchema),
  'keys.publicKey': method(keyRef.extend({ format: z.enum(['pem', 'jwk', 'raw']), version: z.number().int().positive().optional() }), z.strictObject({ version: z.number().int(), format: z.enum(['pem', 'jwk', 'raw']), text: z.string() })),
  'keys.generate': method(keyRef.extend({ algorithm: keyAlgorithmSchema, exportable: z.boolean().optional() }), keyInfoSchema),
  'keys.import': method(keyRef.extend({ algorithm: keyAlgorithmSchema, format: z.enum(IMPORT_FORMATS), data: base64, exportable: z.boolean().optional() }), keyInfoSchema),
  'keys.rotate': method(keyRef, keyInfoSchema),
  'keys.disable': method(keyRef, keyInfoSchema),
  'keys.enable': method(keyRef, keyInfoSchema),
  'keys.scheduleDeletion': method(keyRef.extend({ windowDays: z.number().int().min(1).max(365).optional() }), keyInfoSchema),
  'keys.cancelDeletion': method(keyRef, keyInfoSchema),
  'keys.export': method(keyRef.extend({ format: z.enum(['pkcs8', 'jwk', 'raw']) }), z.strictObject({ data: base64 })),

  // HD wallets (BIP-39/32/44). A mnemonic crosses once: out of hd.create, into hd.import, out of
  // hd.exportMnemonic after the operator re-enters their own passphrase.
  'hd.list': method(z.strictObject({ namespace: name.optional() }), z.array(hdWalletInfoSchema)),
  'hd.get': method(keyRef, hdWalletInfoSchema),
  'hd.create': method(
    keyRef.extend({ words: z.union([z.literal(12), z.literal(24)]), passphrase: bip39Passphrase.optional(), exportable: z.boolean().optional() }),
    z.strictObject({ info: hdWalletInfoSchema, mnemonic: z.string() }),
  ),
  'hd.import': method(keyRef.extend({ mnemonic, passphrase: bip39Passphrase.optional(), exportable: z.boolean().optional() }), hdWalletInfoSchema),
  'hd.derive': method(
    keyRef.extend({
      chain: hdChainSchema,
      /** Address index (Ethereum, Bitcoin); Solana derives per account. */
      index: hdIndex.optional(),
      account: hdIndex.optional(),
      script: bitcoinScriptSchema.optional(),
      network: bitcoinNetworkSchema.optional(),
      change: z.union([z.literal(0), z.literal(1)]).optional(),
    }),
    hdDerivedSchema,
  ),
  /** `count` consecutive addresses from index `from` (Solana: accounts from `from`) in one call and one audit event. */
  'hd.deriveRange': method(
    keyRef.extend({
      chain: hdChainSchema,
      from: hdIndex,
      count: z.number().int().min(1).max(1000),
      account: hdIndex.optional(),
      script: bitcoinScriptSchema.optional(),
      network: bitcoinNetworkSchema.optional(),
      change: z.union([z.literal(0), z.literal(1)]).optional(),
    }),
    z.array(hdDerivedSchema),
  ),
  /** Account-level extended public key: Bitcoin (xpub/ypub/zpub by script) or Ethereum (xpub of m/44'/60'/account'/0). */
  'hd.xpub': method(
    keyRef.extend({ chain: z.enum(['ethereum', 'bitcoin']), script: bitcoinScriptSchema.optional(), network: bitcoinNetworkSchema.optional(), account: hdIndex.optional() }),
    z.strictObject({ path: z.string(), xpub: z.string() }),
  ),
  /** `passphrase` is the operator's own (re-authentication), not the BIP-39 one. */
  'hd.exportMnemonic': method(keyRef.extend({ passphrase }), z.strictObject({ mnemonic: z.string() })),
  'hd.setState': method(keyRef.extend({ state: z.enum(['active', 'disabled']) }), hdWalletInfoSchema),
  'hd.delete': method(keyRef, z.strictObject({ deleted: z.literal(true) })),

  // chain signing (shared/api/signing): every request is shown decoded before it is signed
  'signing.address': method(z.strictObject({ signer: signerRefSchema, chain: chainSchema, script: bitcoinScriptSchema.optional(), network: bitcoinNetworkSchema.optional() }), signerAddressSchema),
  /** The request decoded for a person; with a signer, its address is the signing account (and Bitcoin change is marked). */
  'signing.describe': method(z.strictObject({ request: signingRequestSchema, signer: signerRefSchema.optional() }), requestViewSchema),
  /** Sign after review: returns the view of exactly what was signed, and the result to hand back. */
  'signing.sign': method(z.strictObject({ request: signingRequestSchema, signer: signerRefSchema }), z.strictObject({ view: requestViewSchema, result: signedResultSchema })),

  // the signing-request queue: what programs sent, waiting for an operator (core/approvals)
  /** Pending requests (oldest first) and the recent history (newest first) the caller may see. */
  'requests.list': method(empty, z.strictObject({ pending: z.array(requestRecordSchema), history: z.array(requestRecordSchema) })),
  'requests.approve': method(z.strictObject({ id: z.string().max(64) }), requestRecordSchema),
  'requests.reject': method(z.strictObject({ id: z.string().max(64), reason: z.string().max(500).optional() }), requestRecordSchema),

  // wallet connections: which browser origins and paired programs may use the wallet RPC, as which accounts
  /** The chains clients may be on (server.wallet_rpc.chains; the first is the default). */
  'wallets.chains': method(empty, z.array(z.strictObject({ chainId: z.string(), name: z.string() }))),
  /** Pending connect and pairing prompts (oldest first) and recent decided ones (newest first). */
  'wallets.prompts': method(empty, z.strictObject({ pending: z.array(walletPromptSchema), history: z.array(walletPromptSchema) })),
  /** Ethereum accounts the operator may grant (secp256k1 vault keys, HD accounts). */
  'wallets.candidates': method(empty, z.array(walletAccountSchema)),
  'wallets.approve': method(
    z.strictObject({ id: z.string().max(64), accounts: z.array(signerRefSchema).min(1).max(100), chainId: z.string().regex(/^\d{1,78}$/u), autoApprove: z.boolean().optional() }),
    walletPromptSchema,
  ),
  'wallets.reject': method(z.strictObject({ id: z.string().max(64), reason: z.string().max(500).optional() }), walletPromptSchema),
  /** Live connections, newest first. */
  'wallets.connections': method(empty, z.array(walletConnectionSchema)),
  'wallets.update': method(
    z.strictObject({ id: z.string().max(64), accounts: z.array(signerRefSchema).min(1).max(100).optional(), chainId: z.string().regex(/^\d{1,78}$/u).optional(), autoApprove: z.boolean().optional() }),
    walletConnectionSchema,
  ),
  'wallets.revoke': method(z.strictObject({ id: z.string().max(64) }), z.strictObject({ revoked: z.literal(true) })),

  // policies: what is signed without asking, refused, or needs an operator (core/policy)
  /** Stored policies (in the order they run) and installed WASM modules. */
  'policies.list': method(empty, z.strictObject({ policies: z.array(policyInfoSchema), modules: z.array(policyModuleSchema) })),
  /** Create or replace by name; the core validates and names the bad field. */
  'policies.put': method(z.strictObject({ definition: z.record(z.string(), z.unknown()) }), policyInfoSchema),
  'policies.setEnabled': method(z.strictObject({ name: z.string().max(64), enabled: z.boolean() }), policyInfoSchema),
  'policies.remove': method(z.strictObject({ name: z.string().max(64) }), z.strictObject({ removed: z.literal(true) })),
  'policies.installModule': method(z.strictObject({ name: z.string().max(64), description: z.string().max(512).optional(), data: base64 }), policyModuleSchema),
  'policies.removeModule': method(z.strictObject({ sha256: z.string().max(64) }), z.strictObject({ removed: z.literal(true) })),
  /** A dry run: the decision, reasons, each policy's result and fuel; nothing stored or signed. */
  'policies.test': method(
    z.strictObject({ context: z.record(z.string(), z.unknown()), definitions: z.array(z.record(z.string(), z.unknown())).max(64).optional(), module: base64.optional(), fuel: z.number().int().min(1000).max(1_000_000_000).optional() }),
    policyEvaluationSchema,
  ),

  // backups (core/backup): files the main process reads and writes at absolute paths the operator gives
  /** A path for a new backup file beside the data directory (nothing is written). */
  'backup.suggestPath': method(z.strictObject({ incremental: z.boolean().optional() }), z.strictObject({ path: z.string() })),
  /** Admin. `incrementalFrom`: the chain so far (full first, then incrementals, in order); the new file follows its last. Progress: `backup.progress`. */
  'backup.create': method(
    z.strictObject({ path: filePath, backupPassphrase: passphrase, incrementalFrom: z.array(filePath).min(1).max(1000).optional() }),
    backupFileInfoSchema,
  ),
  /** Checks a chain (or one full backup) without restoring: order, links, checksums, passphrase. No sign-in needed. */
  'backup.verify': method(z.strictObject({ paths: z.array(filePath).min(1).max(1000), backupPassphrase: passphrase }), z.strictObject({ files: z.array(backupFileInfoSchema) })),
  /** Restores a chain into a new (absent or empty) data directory; needs an Admin's passphrase of the backed-up vault. No sign-in needed. */
  'backup.restore': method(
    z.strictObject({ paths: z.array(filePath).min(1).max(1000), backupPassphrase: passphrase, dataDir: filePath, operator: operatorName, passphrase }),
    z.strictObject({ dataDir: z.string(), sha256: z.string(), auditEvents: z.number().int(), files: z.number().int() }),
  ),

  // Shamir recovery of the master key (core/recovery)
  /** Admin operator, re-entering their passphrase. The shares cross once and are never stored. */
  'recovery.split': method(
    z.strictObject({ passphrase, shares: z.number().int().min(2).max(16), threshold: z.number().int().min(2).max(16) }),
    z.strictObject({
      splitId: z.string(),
      fingerprint: z.string(),
      threshold: z.number().int(),
      total: z.number().int(),
      shares: z.array(z.strictObject({ number: z.number().int(), words: z.string(), base32: z.string() })),
    }),
  ),
  /** On a locked vault, with no sign-in: M shares set a new passphrase for an Admin operator and sign them in. */
  'recovery.combine': method(
    z.strictObject({ shares: z.array(z.string().min(1).max(2000)).min(1).max(16), operator: operatorName.optional(), newPassphrase: passphrase }),
    z.strictObject({ operator: z.string(), created: z.boolean(), fingerprint: z.string(), status: vaultStatusSchema }),
  ),

  // hardware devices (core/backends): PKCS#11 tokens and Ledgers; keys on them are referenced as namespace/id
  /** Tokens of the configured modules and attached Ledgers, with state and capabilities. Operators. */
  'devices.list': method(empty, z.array(deviceInfoSchema)),
  /** The token's user PIN, typed by a person: used once, never stored or sent back. */
  'devices.login': method(z.strictObject({ backend: backendId, pin: z.string().min(1).max(256) }), deviceInfoSchema),
  'devices.logout': method(z.strictObject({ backend: backendId }), deviceInfoSchema),
  /** The keys on a device, and which vault key ids reference each. */
  'devices.keys': method(z.strictObject({ backend: backendId }), z.array(deviceKeySchema)),
  /** Generate on a token (sensitive, non-extractable) and reference it as namespace/id. */
  'devices.generate': method(keyRef.extend({ backend: backendId, algorithm: keyAlgorithmSchema, label: z.string().min(1).max(128).optional() }), keyInfoSchema),
  /** Reference a key already on a device: a token key by label or CKA_ID (hex) in `handle`; a Ledger account by its path in `handle`. */
  'devices.adopt': method(keyRef.extend({ backend: backendId, label: z.string().min(1).max(128).optional(), handle: z.string().min(1).max(128).optional() }), keyInfoSchema),
  /** Forget a device key's reference; the key stays on the device. */
  'devices.forget': method(keyRef, z.strictObject({ forgotten: z.literal(true) })),
  /** A Ledger account's address at `path`; with `display`, shown on the device to compare. */
  'devices.ledgerAddress': method(z.strictObject({ backend: backendId, path: z.string().min(1).max(64), display: z.boolean().optional() }), z.strictObject({ address: z.string(), path: z.string() })),
  /** Cancel the request a Ledger is waiting on (the person may also reject on the device). */
  'devices.cancel': method(z.strictObject({ backend: backendId }), z.strictObject({ cancelled: z.boolean() })),

  // air-gapped operation (core/airgap): requests and responses move as files and QR codes
  'airgap.status': method(empty, airgapStatusSchema),
  /** Air-gapped side: queue an imported request envelope (JSON text) for review; returns the queued request. */
  'airgap.importRequest': method(z.strictObject({ envelope: z.string().min(2).max(8 * 1024 * 1024) }), requestRecordSchema),
  /** Air-gapped side: the response file for a signed imported request. */
  'airgap.exportResponse': method(z.strictObject({ requestId: z.string().max(64) }), airgapFileSchema),
  /** Online side: an envelope for a pending queued request (its expiry is extended while it is away). */
  'airgap.exportRequest': method(z.strictObject({ requestId: z.string().max(64) }), airgapFileSchema),
  /** Online side: accept a response to an envelope this vault sent; a pending request is answered with it. */
  'airgap.importResponse': method(
    z.strictObject({ response: z.string().min(2).max(8 * 1024 * 1024) }),
    z.strictObject({ requestId: z.string(), requestSha256: z.string(), result: signedResultSchema, fulfilled: z.boolean() }),
  ),
  /** Online side: envelopes sent, newest first. */
  'airgap.outbox': method(empty, z.array(outboxEntrySchema)),

  // crypto for an operator's manual use
  'crypto.sign': method(keyRef.extend({ data: base64, ...signOptions }), z.strictObject({ signature: base64, keyVersion: z.number().int() })),
  'crypto.verify': method(keyRef.extend({ data: base64, signature: base64, keyVersion: z.number().int().positive().optional(), ...signOptions }), z.strictObject({ valid: z.boolean(), keyVersion: z.number().int() })),
  'crypto.encrypt': method(keyRef.extend({ data: base64, aad: base64.optional() }), z.strictObject({ ciphertext: base64, keyVersion: z.number().int() })),
  'crypto.decrypt': method(keyRef.extend({ data: base64, aad: base64.optional(), keyVersion: z.number().int().positive().optional() }), z.strictObject({ plaintext: base64, keyVersion: z.number().int() })),
  'crypto.hash': method(z.strictObject({ algorithm: z.enum(HASH_ALGORITHMS), data: base64 }), z.strictObject({ digest: base64 })),

  // audit
  'audit.status': method(empty, auditStatusSchema),
  'audit.query': method(
    z.strictObject({
      from: epochMs.optional(),
      to: epochMs.optional(),
      namespace: name.optional(),
      principal: z.string().max(200).optional(),
      action: z.string().max(200).optional(),
      result: z.string().max(100).optional(),
      afterSeq: z.number().int().nonnegative().optional(),
      limit: z.number().int().min(1).max(10_000).optional(),
      descending: z.boolean().optional(),
    }),
    z.array(auditEventSchema),
  ),
  'audit.checkpoints': method(empty, z.array(z.strictObject({ size: z.number().int(), createdAt: epochMs, note: z.string() }))),
  'audit.verify': method(z.strictObject({ full: z.boolean() }), verifyReportSchema),
  /** JSON Lines, as `custos audit export` writes them. */
  'audit.export': method(empty, z.strictObject({ lines: z.array(z.string()) })),

  // settings
  'settings.get': method(empty, settingsSchema),
  'settings.set': method(z.strictObject({ autoLockMinutes: z.number().int().min(0).max(1440).optional(), theme: themeSchema.optional() }), settingsSchema),
} as const;

export type MethodName = keyof typeof METHODS;
export type MethodInput<M extends MethodName> = z.input<(typeof METHODS)[M]['input']>;
export type MethodOutput<M extends MethodName> = z.infer<(typeof METHODS)[M]['output']>;

// ------------------------------------------------------------------ events

export const EVENTS = {
  'vault.changed': vaultStatusSchema,
  'keys.changed': z.strictObject({ namespace: z.string().nullable(), id: z.string().nullable() }),
  'audit.appended': z.strictObject({ size: z.number().int() }),
  /** The queue changed (a request arrived, was decided, expired, was signed): re-read requests.list. */
  'requests.changed': z.strictObject({ id: z.string(), state: requestStateSchema }),
  /** A connect or pairing prompt arrived or was decided, or a connection changed: re-read wallets.prompts / wallets.connections. */
  'wallets.changed': z.strictObject({ connectionId: z.string().nullable() }),
  /** A policy or module was added, changed or removed: re-read policies.list. */
  'policies.changed': z.strictObject({}),
  /** A backup, verification or restore moved to its next phase (sent to the connection that started it). */
  'backup.progress': backupProgressSchema,
  /** The air-gap outbox changed (an envelope sent or answered): re-read airgap.outbox. */
  'airgap.changed': z.strictObject({}),
  /** A device was attached or removed, or a token's login state changed: re-read devices.list. */
  'devices.changed': z.strictObject({ backend: z.string().nullable() }),
  /** A Ledger waits for the person to confirm on it (active), or stopped waiting. */
  'devices.confirm': z.strictObject({ backend: z.string(), active: z.boolean(), what: z.string() }),
} as const;

export type EventName = keyof typeof EVENTS;
export type EventPayload<E extends EventName> = z.infer<(typeof EVENTS)[E]>;

// ------------------------------------------------------------------ the wire

export type ErrorInfoWire = z.infer<typeof errorInfoSchema>;
/** What every call returns across a process boundary: never a thrown error. */
export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ErrorInfoWire };

export const METHOD_NAMES = Object.keys(METHODS) as MethodName[];
export const EVENT_NAMES = Object.keys(EVENTS) as EventName[];

/** The IPC channel of a method: one place builds every channel name. */
export function methodChannel(m: MethodName): string {
  return `custos:call:${m}`;
}

export function eventChannel(e: EventName): string {
  return `custos:event:${e}`;
}

/** `keys.scheduleDeletion` → `keysScheduleDeletion`: the preload's function name for a method. */
export function functionName(m: MethodName): string {
  const [group, action] = m.split('.') as [string, string];
  return group + action.charAt(0).toUpperCase() + action.slice(1);
}

/** `audit.appended` → `onAuditAppended`: the preload's subscription name for an event. */
export function subscriptionName(e: EventName): string {
  return 'on' + e.split('.').map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('');
}

/** The browser host's WebSocket frames. */
export const wireRequestSchema = z.strictObject({ id: z.number().int().nonnegative(), method: z.string().max(100), input: z.unknown() });
export type WireRequest = z.infer<typeof wireRequestSchema>;
export type WireMessage =
  | { readonly type: 'result'; readonly id: number; readonly result: Result<unknown> }
  | { readonly type: 'event'; readonly event: EventName; readonly payload: unknown };

// ------------------------------------------------------------------ typed surfaces

type FunctionNameOf<M extends string> = M extends `${infer G}.${infer A}` ? `${G}${Capitalize<A>}` : never;
type SubscriptionNameOf<E extends string> = E extends `${infer G}.${infer A}` ? `on${Capitalize<G>}${Capitalize<A>}` : never;

/** What the renderer sees as `window.custos`: one named function per method, one subscription per event. */
export type CustosApi = {
  readonly [M in MethodName as FunctionNameOf<M>]: (input: MethodInput<M>) => Promise<Result<MethodOutput<M>>>;
} & {
  readonly [E in EventName as SubscriptionNameOf<E>]: (listener: (payload: EventPayload<E>) => void) => () => void;
};

/** The main side: one handler per method, given the parsed input. */
export type HandlerTable<Ctx> = {
  readonly [M in MethodName]: (input: z.infer<(typeof METHODS)[M]['input']>, ctx: Ctx) => Promise<MethodOutput<M>>;
};
