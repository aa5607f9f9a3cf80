/**
 * @module core/backends/ledger/discovery
 * Follows Ledgers as they are plugged and unplugged (hw-transport-node-hid `listen`) and keeps
 * one LedgerBackend per device. Nothing runs at import: `start()` loads node-hid lazily, and a
 * machine without HID or USB access (CI, a locked-down host) gets an empty list, not a crash.
 * The transport source is injectable so tests plug the simulator.
 *
 * Device ids come from the HID path (`/dev/hidraw3`, `1-2:1.0`): a Ledger's HID serial is the
 * same on every unit, so the path is the only distinct handle before an app answers. It changes
 * when the device moves to another port.
 */
import { createRequire } from 'node:module';
import { LedgerBackend, type LedgerBackendOptions } from './backend.js';
import type { Transport } from './ledgerhq.js';

/** What discovery needs from a transport module (hw-transport-node-hid's statics, or a test's). */
export interface LedgerTransportSource {
  /** Attach/detach events; `descriptor` is the HID path. Returns an unsubscribe. */
  listen(observer: { next: (event: { type: 'add' | 'remove'; descriptor: string }) => void; error: (e: unknown) => void }): () => void;
  open(descriptor: string): Promise<Transport>;
}

export interface LedgerDiscoveryOptions {
  /** Default: hw-transport-node-hid, loaded on `start()`. */
  readonly source?: () => LedgerTransportSource;
  readonly backend?: Omit<LedgerBackendOptions, 'deviceId' | 'transport'>;
  /** Told when the HID layer fails (no access, no libusb): discovery then lists nothing. */
  readonly onError?: (event: 'hid-unavailable' | 'open-failed') => void;
}

/** Matches the facade's LedgerSource (core/backends/manager): devices, subscribe, close. */
export class LedgerDiscovery {
  private readonly devices_ = new Map<string, LedgerBackend>();
  private readonly listeners = new Set<() => void>();
  private unsubscribe: (() => void) | null = null;
  private started = false;
  private stopped = false;

  constructor(private readonly options: LedgerDiscoveryOptions = {}) {}

  /** Begin following attach/detach (idempotent). Never throws for lack of HID access. */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    let source: LedgerTransportSource;
    try {
      source = (this.options.source ?? nodeHidSource)();
      this.unsubscribe = source.listen({
        next: (event) => {
          if (event.type === 'add') void this.attach(source, event.descriptor);
          else void this.detach(event.descriptor);
        },
        error: () => this.options.onError?.('hid-unavailable'),
      });
    } catch {
      this.options.onError?.('hid-unavailable');
    }
  }

  devices(): readonly LedgerBackend[] {
    this.start();
    return [...this.devices_.values()];
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = null;
    const all = [...this.devices_.values()];
    this.devices_.clear();
    await Promise.all(all.map((d) => d.close()));
    this.notify();
  }

  private async attach(source: LedgerTransportSource, descriptor: string): Promise<void> {
    const deviceId = deviceIdOf(descriptor);
    if (this.devices_.has(deviceId)) return;
    let transport: Transport;
    try {
      transport = await source.open(descriptor);
    } catch {
      this.options.onError?.('open-failed');
      return;
    }
    if (this.stopped) {
      await transport.close().catch(() => undefined);
      return;
    }
    this.devices_.set(deviceId, new LedgerBackend({ ...this.options.backend, deviceId, transport }));
    this.notify();
  }

  private async detach(descriptor: string): Promise<void> {
    const deviceId = deviceIdOf(descriptor);
    const backend = this.devices_.get(deviceId);
    if (backend === undefined) return;
    this.devices_.delete(deviceId);
    await backend.close();
    this.notify();
  }

  private notify(): void {
    for (const l of this.listeners) l();
  }
}

/** Printable ASCII, at most 64 characters (the facade's backend id rule). */
export function deviceIdOf(descriptor: string): string {
  const clean = String(descriptor).replace(/[^\x21-\x7e]/g, '_');
  return clean.length <= 64 ? clean : clean.slice(-64);
}

/** hw-transport-node-hid, loaded here and only here (native: node-hid, usb). */
function nodeHidSource(): LedgerTransportSource {
  const require = createRequire(import.meta.url);
  const hid = (require('@ledgerhq/hw-transport-node-hid') as { default: NodeHidStatics }).default;
  return {
    listen(observer) {
      const sub = hid.listen({
        next: (e) => {
          if (typeof e.descriptor === 'string') observer.next({ type: e.type, descriptor: e.descriptor });
        },
        error: observer.error,
        complete: () => undefined,
      });
      return () => sub.unsubscribe();
    },
    open: (descriptor) => hid.open(descriptor),
  };
}

interface NodeHidStatics {
  listen(observer: { next: (e: { type: 'add' | 'remove'; descriptor: unknown }) => void; error: (e: unknown) => void; complete: () => void }): { unsubscribe: () => void };
  open(descriptor: string): Promise<Transport>;
}
