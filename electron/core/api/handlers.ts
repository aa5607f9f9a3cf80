/**
 * @module core/api/handlers
 * THE handler table of the renderer API: one function per method of shared/api, each mapping
 * the parsed input onto one facade call and the result onto the output schema. Electron IPC
 * (electron/ipc) and the browser host (electron/host) bind this same table; neither adds logic.
 *
 * Each connection (a window, a browser tab) has its own facade instance: it starts signed out and
 * `vault.init` / `vault.unlock` sign it in. Trusts its inputs to have been parsed by the binder.
 */
import { CustodyError } from '../../../shared/errors.js';
import type { z } from 'zod';
import type { EventName, EventPayload, HandlerTable, METHODS, MethodOutput } from '../../../shared/api/contract.js';
import type { CoreEvent, Custodian, HdDeriveRangeRequest, HdDeriveRequest } from '../custodian.js';
import type { HdWalletInfo } from '../keys/hd-wallets.js';
import type { KeyInfo } from '../keys/key-store.js';
import { describeRequest, signRequest, signerAddress } from '../signing/requests.js';
import { policyResultWire, type StoredPolicy } from '../policy/index.js';
import type { UiSettingsStore } from './ui-settings.js';
import type { RequestRecord } from '../approvals/queue.js';
import { hasPermission } from '../access/roles.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { verifyBackupChain, type BackupManifest } from '../backup/index.js';
import { restoreBackup } from '../backup/restore.js';
import type { AirgapFile } from '../custodian.js';
import type { DeviceInfo } from '../backends/manager.js';

/** One renderer connection: its own signed-in (or not) facade instance. */
export interface Connection {
  readonly custodian: Custodian;
}

export interface HandlerDeps {
  readonly settings: UiSettingsStore;
  /** The app version shown in Settings → About. */
  readonly version: string;
}

const DAY_MS = 24 * 3600 * 1000;

export function createHandlers(deps: HandlerDeps): HandlerTable<Connection> {
  return {
    'vault.status': async (_input, { custodian }) => vaultStatus(custodian),
    'vault.init': async (input, { custodian }) => {
      await withSecret(input.passphrase, (p) => custodian.init(p, undefined, input.operator));
      return vaultStatus(custodian);
    },
    'vault.unlock': async (input, { custodian }) => {
      const audit = await withSecret(input.passphrase, (p) => custodian.unlock(p, input.operator));
      return { status: vaultStatus(custodian), audit: { ...audit } };
    },
    'vault.lock': async (_input, { custodian }) => {
      await custodian.lock();
      return vaultStatus(custodian);
    },
    'vault.changePassphrase': async (input, { custodian }) => {
      await withSecret(input.current, (current) => withSecret(input.next, (next) => custodian.changePassphrase(current, next)));
      return { changed: true as const };
    },

    'namespaces.list': async (_input, { custodian }) => (await custodian.listNamespaces()).map((n) => ({ ...n })),
    'namespaces.create': async (input, { custodian }) => {
      await custodian.createNamespace(input.name, {
        ...(input.description === undefined ? {} : { description: input.description }),
        ...(input.maxKeys === undefined ? {} : { maxKeys: input.maxKeys }),
      });
      const { grants: _grants, ...info } = await custodian.showNamespace(input.name);
      return info;
    },
    'namespaces.show': async (input, { custodian }) => {
      const n = await custodian.showNamespace(input.name);
      return { ...n, grants: n.grants.map((g) => ({ ...g })) };
    },

    'keys.list': async (input, { custodian }) => (await custodian.listKeys(input.namespace === undefined ? {} : { namespace: input.namespace })).map(keyOut),
    'keys.get': async (input, { custodian }) => keyOut(await custodian.getKey(input.namespace, input.id)),
    'keys.publicKey': async (input, { custodian }) => {
      const r = await custodian.publicKey(input.namespace, input.id, input.format, input.version);
      const text = input.format === 'raw' ? Buffer.from(r.publicKey).toString('hex') : Buffer.from(r.publicKey).toString('utf8');
      return { version: r.version, format: input.format, text };
    },
    'keys.generate': async (input, { custodian }) => keyOut(await custodian.generateKey(input.namespace, input.id, input.algorithm, { exportable: input.exportable === true })),
    'keys.import': async (input, { custodian }) => {
      const data = fromBase64(input.data);
      try {
        return keyOut(await custodian.importKey(input.namespace, input.id, input.algorithm, input.format, data, { exportable: input.exportable === true }));
      } finally {
        data.fill(0);
      }
    },
    'keys.rotate': async (input, { custodian }) => keyOut(await custodian.rotateKey(input.namespace, input.id)),
    'keys.disable': async (input, { custodian }) => keyOut(await custodian.disableKey(input.namespace, input.id)),
    'keys.enable': async (input, { custodian }) => keyOut(await custodian.enableKey(input.namespace, input.id)),
    'keys.scheduleDeletion': async (input, { custodian }) =>
      keyOut(await custodian.scheduleKeyDeletion(input.namespace, input.id, input.windowDays === undefined ? undefined : input.windowDays * DAY_MS)),
    'keys.cancelDeletion': async (input, { custodian }) => keyOut(await custodian.cancelKeyDeletion(input.namespace, input.id)),
    'keys.export': async (input, { custodian }) => {
      const bytes = await custodian.exportKey(input.namespace, input.id, input.format);
      try {
        return { data: toBase64(bytes) };
      } finally {
        bytes.fill(0);
      }
    },

    'hd.list': async (input, { custodian }) => (await custodian.hdList(input.namespace)).map(hdOut),
    'hd.get': async (input, { custodian }) => hdOut(await custodian.hdGet(input.namespace, input.id)),
    'hd.create': async (input, { custodian }) => {
      const r = await custodian.hdCreate(input.namespace, input.id, { words: input.words, ...definedOnly({ passphrase: input.passphrase, exportable: input.exportable }) });
      return { info: hdOut(r.info), mnemonic: r.mnemonic };
    },
    'hd.import': async (input, { custodian }) => hdOut(await custodian.hdImport(input.namespace, input.id, input.mnemonic, definedOnly({ passphrase: input.passphrase, exportable: input.exportable }))),
    'hd.derive': async (input, { custodian }) => ({ ...(await custodian.hdDerive(input.namespace, input.id, deriveRequest(input))) }),
    'hd.deriveRange': async (input, { custodian }) => (await custodian.hdDeriveRange(input.namespace, input.id, deriveRangeRequest(input))).map((d) => ({ ...d })),
    'hd.xpub': async (input, { custodian }) => {
      const account = input.account === undefined ? {} : { account: input.account };
      const request =
        input.chain === 'ethereum'
          ? { chain: 'ethereum' as const, ...account }
          : { script: input.script ?? ('p2wpkh' as const), network: input.network ?? ('mainnet' as const), ...account };
      return { ...(await custodian.hdXpub(input.namespace, input.id, request)) };
    },
    'hd.exportMnemonic': async (input, { custodian }) => ({ mnemonic: await withSecret(input.passphrase, (p) => custodian.hdExportMnemonic(input.namespace, input.id, p)) }),
    'hd.setState': async (input, { custodian }) => hdOut(await custodian.hdSetState(input.namespace, input.id, input.state)),
    'hd.delete': async (input, { custodian }) => {
      await custodian.hdDelete(input.namespace, input.id);
      return { deleted: true as const };
    },

    'signing.address': async (input, { custodian }) => ({ ...(await signerAddress(custodian, input.signer, input.chain, definedOnly({ script: input.script, network: input.network }))) }),
    'signing.describe': async (input, { custodian }) => describeRequest(custodian, input.request, input.signer),
    'signing.sign': async (input, { custodian }) => signRequest(custodian, input.signer, input.request),

    'requests.list': async (_input, { custodian }) => {
      const { pending, history } = custodian.listRequests();
      return { pending: pending.map(recordOut), history: history.map(recordOut) };
    },
    'requests.approve': async (input, { custodian }) => recordOut(await custodian.approveRequest(input.id)),
    'requests.reject': async (input, { custodian }) => recordOut(await custodian.rejectRequest(input.id, input.reason)),

    'wallets.chains': async (_input, { custodian }) => {
      operatorOnly(custodian);
      return custodian.walletChains().map((c) => ({ chainId: c.chainId, name: c.name }));
    },
    'wallets.prompts': async (_input, { custodian }) => custodian.walletPrompts(),
    'wallets.candidates': async (_input, { custodian }) => custodian.walletCandidates(),
    'wallets.approve': async (input, { custodian }) => custodian.approveWalletPrompt(input.id, { accounts: input.accounts, chainId: input.chainId, ...definedOnly({ autoApprove: input.autoApprove }) }),
    'wallets.reject': async (input, { custodian }) => custodian.rejectWalletPrompt(input.id, input.reason),
    'wallets.connections': async (_input, { custodian }) => custodian.walletConnections(),
    'wallets.update': async (input, { custodian }) => custodian.updateWalletConnection(input.id, definedOnly({ accounts: input.accounts, chainId: input.chainId, autoApprove: input.autoApprove })),
    'policies.list': async (_input, { custodian }) => {
      const { policies, modules } = await custodian.listPolicies();
      return { policies: policies.map((p) => ({ ...policyOut(p), source: p.source })), modules: modules.map((m) => ({ ...m })) };
    },
    'policies.put': async (input, { custodian }) => policyOut(await custodian.putPolicy(input.definition)),
    'policies.setEnabled': async (input, { custodian }) => policyOut(await custodian.setPolicyEnabled(input.name, input.enabled)),
    'policies.remove': async (input, { custodian }) => {
      await custodian.removePolicy(input.name);
      return { removed: true as const };
    },
    'policies.installModule': async (input, { custodian }) => ({ ...(await custodian.installPolicyModule(fromBase64(input.data), definedOnly({ name: input.name, description: input.description }))) }),
    'policies.removeModule': async (input, { custodian }) => {
      await custodian.removePolicyModule(input.sha256);
      return { removed: true as const };
    },
    'policies.test': async (input, { custodian }) => {
      const e = await custodian.testPolicy({ context: input.context, ...definedOnly({ definitions: input.definitions, fuel: input.fuel }), ...(input.module === undefined ? {} : { module: fromBase64(input.module) }) });
      return { decision: e.decision, reasons: [...e.reasons], results: e.results.map(policyResultWire), fuel: e.fuel, durationMs: e.durationMs };
    },
    'wallets.revoke': async (input, { custodian }) => {
      await custodian.revokeWalletConnection(input.id);
      return { revoked: true as const };
    },

    'crypto.sign': async (input, { custodian }) => {
      const { namespace, id, data, ...options } = input;
      const r = await custodian.sign({ namespace, keyId: id, data: fromBase64(data), ...definedOnly(options) });
      return { signature: toBase64(r.signature), keyVersion: r.keyVersion };
    },
    'crypto.verify': async (input, { custodian }) => {
      const { namespace, id, data, signature, keyVersion, ...options } = input;
      const r = await custodian.verify({ namespace, keyId: id, data: fromBase64(data), signature: fromBase64(signature), ...(keyVersion === undefined ? {} : { keyVersion }), ...definedOnly(options) });
      return { valid: r.valid, keyVersion: r.keyVersion };
    },
    'crypto.encrypt': async (input, { custodian }) => {
      const r = await custodian.encrypt({ namespace: input.namespace, keyId: input.id, data: fromBase64(input.data), ...(input.aad === undefined ? {} : { aad: fromBase64(input.aad) }) });
      return { ciphertext: toBase64(r.ciphertext), keyVersion: r.keyVersion };
    },
    'crypto.decrypt': async (input, { custodian }) => {
      const r = await custodian.decrypt({
        namespace: input.namespace,
        keyId: input.id,
        data: fromBase64(input.data),
        ...(input.aad === undefined ? {} : { aad: fromBase64(input.aad) }),
        ...(input.keyVersion === undefined ? {} : { keyVersion: input.keyVersion }),
      });
      try {
        return { plaintext: toBase64(r.plaintext), keyVersion: r.keyVersion };
      } finally {
        r.plaintext.fill(0);
      }
    },
    'crypto.hash': async (input, { custodian }) => ({ digest: toBase64(await custodian.hash(input.algorithm, fromBase64(input.data))) }),

    'audit.status': async (_input, { custodian }) => {
      const s = custodian.auditStatus();
      return { ...s, lastCheckpoint: s.lastCheckpoint === null ? null : { ...s.lastCheckpoint }, tampered: s.tampered === null ? null : { ...s.tampered } };
    },
    'audit.query': async (input, { custodian }) => (await custodian.auditQuery(definedOnly(input))).map((e) => ({ ...e, client: { ...e.client }, details: { ...e.details } })),
    'audit.checkpoints': async (_input, { custodian }) => (await custodian.auditCheckpoints()).map((c) => ({ size: c.size, createdAt: c.createdAt, note: c.note })),
    'audit.verify': async (input, { custodian }) => ({ ...(await custodian.auditVerify(input.full)) }),
    'audit.export': async (_input, { custodian }) => {
      const lines: string[] = [];
      await custodian.auditExport((line) => lines.push(line));
      return { lines };
    },

    'settings.get': async (_input, { custodian }) => settingsOut(deps, custodian),
    'backup.suggestPath': async (input, { custodian }) => {
      const stamp = new Date().toISOString().replace(/[-:]/gu, '').replace('T', '-').slice(0, 15);
      return { path: join(dirname(custodian.dataDir), `custos-${stamp}${input.incremental === true ? '-incremental' : ''}.custosbk`) };
    },
    'backup.create': async (input, { custodian }) => {
      const previous = input.incrementalFrom?.map((path) => readBackupFile(path));
      const created = await withSecret(input.backupPassphrase, (passphrase) =>
        custodian.backupCreate({ backupPassphrase: passphrase, ...(previous === undefined ? {} : { previous }), onProgress: (progress) => custodian.emitProgress(progress) }),
      );
      writeNewFile(input.path, created.file);
      return { path: input.path, bytes: created.file.length, sha256: created.sha256, manifest: manifestOut(created.manifest) };
    },
    'backup.verify': async (input, { custodian }) => {
      const files = input.paths.map((path) => readBackupFile(path));
      const verified = await withSecret(input.backupPassphrase, (passphrase) => verifyBackupChain(files, passphrase, { onProgress: (progress) => custodian.emitProgress(progress) }));
      return { files: verified.map((v, i) => ({ path: input.paths[i] as string, bytes: v.bytes, sha256: v.sha256, manifest: manifestOut(v.manifest) })) };
    },
    'backup.restore': async (input, { custodian }) => {
      const files = input.paths.map((path) => readBackupFile(path));
      const r = await withSecret(input.backupPassphrase, (backupPassphrase) =>
        withSecret(input.passphrase, (passphrase) =>
          restoreBackup({ files, backupPassphrase, dataDir: input.dataDir, operator: input.operator, passphrase, onProgress: (progress) => custodian.emitProgress(progress) }),
        ),
      );
      return { dataDir: r.dataDir, sha256: r.sha256, auditEvents: r.report.size, files: r.files };
    },

    'recovery.split': async (input, { custodian }) => {
      const r = await withSecret(input.passphrase, (passphrase) => custodian.recoverySplit({ shares: input.shares, threshold: input.threshold, passphrase }));
      return { splitId: r.splitId, fingerprint: r.fingerprint, threshold: r.threshold, total: r.total, shares: r.shares.map((x) => ({ number: x.number, words: x.words, base32: x.base32 })) };
    },
    'recovery.combine': async (input, { custodian }) => {
      const r = await withSecret(input.newPassphrase, (newPassphrase) => custodian.recoveryCombine({ shares: input.shares, ...(input.operator === undefined ? {} : { operator: input.operator }), newPassphrase }));
      return { operator: r.operator, created: r.created, fingerprint: r.fingerprint, status: vaultStatus(custodian) };
    },

    'devices.list': async (_input, { custodian }) => (await custodian.deviceList()).map(deviceOut),
    'devices.login': async (input, { custodian }) => deviceOut(await withSecret(input.pin, (pin) => custodian.deviceLogin(input.backend, pin))),
    'devices.logout': async (input, { custodian }) => deviceOut(await custodian.deviceLogout(input.backend)),
    'devices.keys': async (input, { custodian }) =>
      (await custodian.deviceKeys(input.backend)).map((k) => ({
        handle: k.handle,
        label: k.label,
        algorithm: k.algorithm,
        publicKey: k.publicKey === null ? null : Buffer.from(k.publicKey).toString('hex'),
        address: k.address,
        referencedBy: k.referencedBy.map((r) => ({ ...r })),
      })),
    'devices.generate': async (input, { custodian }) =>
      keyOut(await custodian.deviceGenerate({ backend: input.backend, namespace: input.namespace, id: input.id, algorithm: input.algorithm, ...(input.label === undefined ? {} : { label: input.label }) })),
    'devices.adopt': async (input, { custodian }) =>
      keyOut(await custodian.deviceAdopt({ backend: input.backend, namespace: input.namespace, id: input.id, ...(input.label === undefined ? {} : { label: input.label }), ...(input.handle === undefined ? {} : { handle: input.handle }) })),
    'devices.forget': async (input, { custodian }) => {
      await custodian.deviceForget(input.namespace, input.id);
      return { forgotten: true as const };
    },
    'devices.ledgerAddress': async (input, { custodian }) => custodian.ledgerAddress(input.backend, input.path, { display: input.display === true }),
    'devices.cancel': async (input, { custodian }) => ({ cancelled: await custodian.deviceCancel(input.backend) }),

    'airgap.status': async (_input, { custodian }) => custodian.airgapStatus(),
    'airgap.importRequest': async (input, { custodian }) => recordOut(await custodian.airgapImportRequest(input.envelope)),
    'airgap.exportResponse': async (input, { custodian }) => fileOut(await custodian.airgapExportResponse(input.requestId)),
    'airgap.exportRequest': async (input, { custodian }) => fileOut(await custodian.airgapExportRequest(input.requestId)),
    'airgap.importResponse': async (input, { custodian }) => {
      const r = await custodian.airgapImportResponse(input.response);
      return { requestId: r.requestId, requestSha256: r.requestSha256, result: r.result, fulfilled: r.fulfilled };
    },
    'airgap.outbox': async (_input, { custodian }) => (await custodian.airgapOutbox()).map((e) => ({ ...e })),

    'settings.set': async (input, { custodian }) => {
      // Preferences of the app, not of the vault: any signed-in operator may change them.
      if (custodian.whoami().kind !== 'operator') throw new CustodyError('UNAUTHENTICATED', 'sign in first');
      deps.settings.write(definedOnly(input));
      return settingsOut(deps, custodian);
    },
  };
}

/**
 * Map a core event onto the renderer event of one connection (the vault status an event carries
 * is that connection's own: who it is signed in as), or null when this connection may not hear
 * it: key and namespace names go only to callers holding a role there, the audit size only to
 * those signed in. Everyone hears that the vault changed (to show the unlock screen).
 */
export function eventFor(event: CoreEvent, connection: Connection): { name: EventName; payload: EventPayload<EventName> } | null {
  switch (event.type) {
    case 'vault.changed':
      return { name: 'vault.changed', payload: vaultStatus(connection.custodian) };
    case 'keys.changed': {
      const who = connection.custodian.whoami();
      if (who.kind === 'none') return null;
      const sees = who.admin || who.grants.some((g) => g.namespace === '*' || g.namespace === event.namespace);
      return sees ? { name: 'keys.changed', payload: { namespace: event.namespace, id: event.id } } : null;
    }
    case 'audit.appended':
      if (connection.custodian.whoami().kind === 'none') return null;
      return { name: 'audit.appended', payload: { size: safeAuditSize(connection.custodian) } };
    case 'requests.changed': {
      // Only to those who could approve it: key use in the signer's namespace.
      const who = connection.custodian.whoami();
      if (who.kind === 'none' || !hasPermission(who.grants, 'key.use', event.namespace)) return null;
      return { name: 'requests.changed', payload: { id: event.id, state: event.state } };
    }
    case 'policies.changed':
      if (connection.custodian.whoami().kind !== 'operator') return null;
      return { name: 'policies.changed', payload: {} };
    case 'backup.progress':
      // Only the connection that started the operation (its own facade instance).
      return event.owner === connection.custodian ? { name: 'backup.progress', payload: { ...event.progress } } : null;
    case 'devices.changed':
      if (connection.custodian.whoami().kind !== 'operator') return null;
      return { name: 'devices.changed', payload: { backend: event.backend } };
    case 'devices.confirm':
      if (connection.custodian.whoami().kind !== 'operator') return null;
      return { name: 'devices.confirm', payload: { backend: event.backend, active: event.active, what: event.what } };
    case 'airgap.changed':
      if (connection.custodian.whoami().kind !== 'operator') return null;
      return { name: 'airgap.changed', payload: {} };
    case 'wallets.changed': {
      // Prompts and connections are for operators (any operator may see and decide them).
      if (connection.custodian.whoami().kind !== 'operator') return null;
      return { name: 'wallets.changed', payload: { connectionId: event.connectionId } };
    }
    default: {
      const never: never = event;
      throw new CustodyError('INTERNAL', `unknown core event ${String(never)}`);
    }
  }
}

function safeAuditSize(c: Custodian): number {
  try {
    return c.auditStatus().size;
  } catch {
    return 0; // not signed in (or locked): the size is not this connection's to know
  }
}

export function vaultStatus(c: Custodian): MethodOutput<'vault.status'> {
  const s = c.status();
  const who = c.whoami();
  return {
    initialized: s.initialized,
    unlocked: s.unlocked,
    consecutiveFailures: s.consecutiveFailures,
    lockedUntil: s.lockedUntil,
    ...(s.kdf === undefined ? {} : { kdf: { ...s.kdf } }),
    ...(s.createdAt === undefined ? {} : { createdAt: s.createdAt }),
    schemaVersion: s.schemaVersion,
    dataDir: s.dataDir,
    providers: { ...s.providers },
    session: who.kind === 'none' || !s.unlocked ? null : { principal: who.principal, admin: who.admin, expiresAt: who.sessionExpiresAt ?? null },
  };
}

function settingsOut(deps: HandlerDeps, c: Custodian): MethodOutput<'settings.get'> {
  return { ...deps.settings.read(), dataDir: c.dataDir, version: deps.version };
}

function keyOut(k: KeyInfo): MethodOutput<'keys.get'> {
  return { ...k, backend: k.backend ?? 'software', versions: k.versions.map((v) => ({ ...v })) };
}

function recordOut(r: RequestRecord): MethodOutput<'requests.approve'> {
  return {
    ...r,
    client: { ...r.client },
    policy: { decision: r.policy.decision, reasons: [...r.policy.reasons], ...(r.policy.results === undefined ? {} : { results: r.policy.results.map((x) => ({ ...x, logs: x.logs.map((l) => ({ ...l })) })) }) },
    quorum: r.quorum === null ? null : { required: r.quorum.required, approvers: [...r.quorum.approvers], policy: r.quorum.policy },
    approvals: r.approvals.map((a) => ({ ...a })),
    error: r.error === null ? null : { ...r.error },
  };
}

function hdOut(w: HdWalletInfo): MethodOutput<'hd.get'> {
  return { ...w };
}

/**
 * The contract's flat derive input onto the facade's per-chain request. Defaults: index 0,
 * account 0, Bitcoin P2WPKH (BIP-84) on mainnet, receive chain.
 */
function deriveRequest(input: z.infer<(typeof METHODS)['hd.derive']['input']>): HdDeriveRequest {
  const index = input.index ?? 0;
  const account = input.account === undefined ? {} : { account: input.account };
  switch (input.chain) {
    case 'ethereum':
      return { chain: 'ethereum', index, ...account };
    case 'bitcoin':
      return { chain: 'bitcoin', script: input.script ?? 'p2wpkh', network: input.network ?? 'mainnet', index, ...account, ...(input.change === undefined ? {} : { change: input.change }) };
    case 'solana':
      return { chain: 'solana', account: input.account ?? 0 };
    default: {
      const never: never = input.chain;
      throw new CustodyError('INVALID_INPUT', `unknown chain ${String(never)}`);
    }
  }
}

/** The contract's flat range input onto the facade's per-chain range request (defaults as deriveRequest). */
function deriveRangeRequest(input: z.infer<(typeof METHODS)['hd.deriveRange']['input']>): HdDeriveRangeRequest {
  const { from, count } = input;
  const account = input.account === undefined ? {} : { account: input.account };
  switch (input.chain) {
    case 'ethereum':
      return { chain: 'ethereum', from, count, ...account };
    case 'bitcoin':
      return { chain: 'bitcoin', script: input.script ?? 'p2wpkh', network: input.network ?? 'mainnet', from, count, ...account, ...(input.change === undefined ? {} : { change: input.change }) };
    case 'solana':
      return { chain: 'solana', from, count };
    default: {
      const never: never = input.chain;
      throw new CustodyError('INVALID_INPUT', `unknown chain ${String(never)}`);
    }
  }
}

function manifestOut(m: BackupManifest): MethodOutput<'backup.create'>['manifest'] {
  return { kind: m.kind, createdAt: m.createdAt, vaultFingerprint: m.vaultFingerprint, schemaVersion: m.schemaVersion, previous: m.previous, parts: m.parts.map((p) => ({ name: p.name, size: p.size, sha256: p.sha256 })) };
}

function deviceOut(d: DeviceInfo): MethodOutput<'devices.list'>[number] {
  return { backend: d.backend, kind: d.kind, label: d.label, detail: d.detail, status: { ...d.status }, capabilities: { generate: [...d.capabilities.generate], sign: d.capabilities.sign, encrypt: d.capabilities.encrypt, login: d.capabilities.login } };
}

function fileOut(f: AirgapFile): MethodOutput<'airgap.exportRequest'> {
  return { fileName: f.fileName, text: f.text, sha256: f.sha256, qr: { encoding: f.qr.encoding, frames: [...f.qr.frames], fragments: f.qr.fragments } };
}

/** A backup file the operator named; missing or unreadable is NOT_FOUND / INVALID_INPUT with the path. */
function readBackupFile(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (cause) {
    const code = (cause as { code?: unknown }).code;
    throw new CustodyError(code === 'ENOENT' ? 'NOT_FOUND' : 'INVALID_INPUT', code === 'ENOENT' ? `no file at ${path}` : `cannot read ${path}`, { cause });
  }
}

/** Never overwrites: an earlier backup may be the one a later incremental chains to. */
function writeNewFile(path: string, bytes: Uint8Array): void {
  try {
    writeFileSync(path, bytes, { mode: 0o600, flag: 'wx' });
  } catch (cause) {
    const code = (cause as { code?: unknown }).code;
    throw new CustodyError(code === 'EEXIST' ? 'ALREADY_EXISTS' : 'INVALID_INPUT', code === 'EEXIST' ? `${path} exists: a backup never overwrites a file` : `cannot write ${path} (does the folder exist?)`, { cause });
  }
}

async function withSecret<T>(text: string, run: (bytes: Uint8Array) => Promise<T>): Promise<T> {
  const bytes = new TextEncoder().encode(text);
  try {
    return await run(bytes);
  } finally {
    bytes.fill(0);
  }
}

export function fromBase64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64'));
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

/** Drop keys whose value is undefined (zod leaves them out; exactOptionalPropertyTypes wants them absent). */
function definedOnly<T extends Record<string, unknown>>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as { [K in keyof T]: Exclude<T[K], undefined> };
}

/** Reads that do not go through an operator-only facade method still answer operators only. */
function operatorOnly(custodian: Custodian): void {
  if (custodian.whoami().kind !== 'operator') throw new CustodyError('UNAUTHENTICATED', 'sign in first');
}

function policyOut(p: StoredPolicy): MethodOutput<'policies.put'> {
  return { definition: p.definition, createdAt: p.createdAt, createdBy: p.createdBy, updatedAt: p.updatedAt, updatedBy: p.updatedBy };
}
