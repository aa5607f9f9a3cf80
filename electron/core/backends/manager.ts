/**
 * @module core/backends/manager
 * The devices this Custos can reach: the PKCS#11 tokens of the configured modules, and the
 * Ledgers discovery sees. It opens a token's backend on first use and keeps it (with its session
 * and login) until the core closes; a token that was removed stays known as unavailable, so its
 * keys read as unavailable rather than unknown. Ledgers come and go with discovery.
 *
 * The manager knows nothing of namespaces, roles or audit: the facade asks it for a backend by id
 * and does the rest. Factories are injected (production: backends/pkcs11 and backends/ledger;
 * tests: a SoftHSM token, the APDU simulator), so nothing touches a device at construction.
 */
import { CustodyError } from '../../../shared/errors.js';
import type { BackendCapabilities, BackendStatus, EthereumDevice, SignerBackend, TokenBackend } from './types.js';

/** A token as its module lists it, before anyone opens it. */
export interface TokenSummary {
  readonly label: string;
  readonly module: string;
  readonly slot: string;
  readonly manufacturer: string;
  readonly model: string;
  readonly serial: string;
}

export interface LedgerSource {
  /** The Ledgers attached now. */
  devices(): readonly EthereumDevice[];
  /** Attach/detach notifications; returns an unsubscribe. */
  subscribe(listener: () => void): () => void;
  close(): Promise<void>;
}

export interface DeviceFactories {
  listTokens(modulePath: string): Promise<TokenSummary[]>;
  openToken(modulePath: string, label: string): Promise<TokenBackend>;
  /** Started on first use when Ledger support is on; null: off. */
  ledgers: (() => LedgerSource) | null;
}

export interface DeviceInfo {
  readonly backend: string;
  readonly kind: 'pkcs11' | 'ledger';
  readonly label: string;
  /** Module path and slot (PKCS#11), or the device's product name (Ledger). */
  readonly detail: string;
  readonly status: BackendStatus;
  readonly capabilities: BackendCapabilities;
}

const NO_CAPABILITIES: BackendCapabilities = { generate: [], sign: false, encrypt: false, login: false };

export class DeviceManager {
  private readonly tokens = new Map<string, { module: string; backend: Promise<TokenBackend> }>();
  /** Tokens whose backend has opened: what synchronous signers (the chain code's) can use. */
  private readonly opened = new Map<string, TokenBackend>();
  private ledgerSource: LedgerSource | null = null;
  private readonly listeners = new Set<(backend: string | null) => void>();
  private unsubscribeLedgers: (() => void) | null = null;

  constructor(
    private readonly modules: readonly string[],
    private readonly factories: DeviceFactories,
  ) {}

  get configured(): boolean {
    return this.modules.length > 0 || this.factories.ledgers !== null;
  }

  /** Every token of every configured module, and every attached Ledger, with its state. */
  async list(): Promise<DeviceInfo[]> {
    const out: DeviceInfo[] = [];
    const seen = new Set<string>();
    for (const module of this.modules) {
      let summaries: TokenSummary[];
      try {
        summaries = await this.factories.listTokens(module);
      } catch (error) {
        const message = error instanceof CustodyError ? error.message : 'the module cannot be loaded';
        out.push({ backend: `pkcs11-module:${module}`, kind: 'pkcs11', label: module, detail: module, status: { state: 'unavailable', detail: message }, capabilities: NO_CAPABILITIES });
        continue;
      }
      for (const t of summaries) {
        const id = `pkcs11:${t.label}`;
        if (seen.has(id)) continue;
        seen.add(id);
        const open = this.tokens.get(id);
        const backend = open === undefined ? null : await open.backend.catch(() => null);
        out.push({
          backend: id,
          kind: 'pkcs11',
          label: t.label,
          detail: `${t.manufacturer} ${t.model} · serial ${t.serial} · slot ${t.slot} · ${module}`.replace(/\s+/gu, ' ').trim(),
          status: backend === null ? { state: 'login-required', detail: 'not opened yet: log in with the token PIN' } : backend.status(),
          capabilities: backend === null ? { ...NO_CAPABILITIES, login: true } : backend.capabilities(),
        });
      }
    }
    // Opened tokens that no module lists now were removed: their keys are unavailable, not gone.
    for (const [id, t] of this.tokens) {
      if (seen.has(id)) continue;
      const backend = await t.backend.catch(() => null);
      out.push({ backend: id, kind: 'pkcs11', label: id.slice('pkcs11:'.length), detail: t.module, status: backend?.status() ?? { state: 'unavailable', detail: 'removed' }, capabilities: backend?.capabilities() ?? NO_CAPABILITIES });
    }
    for (const d of this.ledgers()) out.push({ backend: d.id, kind: 'ledger', label: d.id.slice('ledger:'.length), detail: 'Ledger', status: d.status(), capabilities: d.capabilities() });
    return out;
  }

  /** The token's backend, opened on first use (from the first configured module that lists it). */
  async token(backendId: string): Promise<TokenBackend> {
    if (!backendId.startsWith('pkcs11:')) throw new CustodyError('INVALID_INPUT', `${backendId} is not a PKCS#11 token (pkcs11:<label>)`);
    const label = backendId.slice('pkcs11:'.length);
    const open = this.tokens.get(backendId);
    if (open !== undefined) return open.backend;
    if (this.modules.length === 0) throw new CustodyError('DEVICE_UNAVAILABLE', 'no PKCS#11 module is configured (devices.pkcs11 in custos.yaml)');
    for (const module of this.modules) {
      const summaries = await this.factories.listTokens(module).catch(() => [] as TokenSummary[]);
      if (!summaries.some((t) => t.label === label)) continue;
      const backend = this.factories.openToken(module, label);
      this.tokens.set(backendId, { module, backend });
      backend.then(
        (b) => this.opened.set(backendId, b),
        () => this.tokens.delete(backendId),
      );
      return backend;
    }
    throw new CustodyError('DEVICE_UNAVAILABLE', `no token labelled "${label}" in ${this.modules.length === 1 ? 'the configured module' : `any of the ${this.modules.length} configured modules`} (inserted?)`);
  }

  /** A token already opened (after a login): synchronous, for the chain code's digest signers. */
  openedToken(backendId: string): TokenBackend {
    const token = this.opened.get(backendId);
    if (token === undefined) throw new CustodyError('DEVICE_UNAVAILABLE', `${backendId} is not open: log in to the token first (custos pkcs11 login, or Devices in the app)`);
    return token;
  }

  /**
   * The attached Ledger with this id. Discovery reports devices as it opens them, so on a fresh
   * start (a CLI run) this waits up to `waitMs` for the device to appear.
   */
  async ledger(backendId: string, waitMs = 2000): Promise<EthereumDevice> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const device = this.ledgers().find((d) => d.id === backendId);
      if (device !== undefined) return device;
      if (Date.now() >= deadline) throw new CustodyError('DEVICE_UNAVAILABLE', `${backendId} is not attached (plug it in, unlock it and open the Ethereum app)`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async backend(backendId: string): Promise<SignerBackend> {
    if (backendId.startsWith('pkcs11:')) return this.token(backendId);
    if (backendId.startsWith('ledger:')) return this.ledger(backendId);
    throw new CustodyError('INVALID_INPUT', `unknown device backend ${backendId}`);
  }

  /** Attach/detach of a Ledger, or a token's state changing (null: anything). */
  subscribe(listener: (backend: string | null) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  notify(backend: string | null): void {
    for (const l of [...this.listeners]) {
      try {
        l(backend);
      } catch {
        // a listener's failure is its own
      }
    }
  }

  async close(): Promise<void> {
    this.unsubscribeLedgers?.();
    const tokens = [...this.tokens.values()];
    this.tokens.clear();
    this.opened.clear();
    await Promise.allSettled(tokens.map(async (t) => (await t.backend).close()));
    await this.ledgerSource?.close();
    this.ledgerSource = null;
  }

  private ledgers(): readonly EthereumDevice[] {
    if (this.factories.ledgers === null) return [];
    if (this.ledgerSource === null) {
      this.ledgerSource = this.factories.ledgers();
      this.unsubscribeLedgers = this.ledgerSource.subscribe(() => this.notify(null));
    }
    return this.ledgerSource.devices();
  }
}
