/** LedgerDiscovery with an injected transport source (the simulator), and on this machine's real HID. */
import { describe, expect, it } from 'vitest';
import { CustodyError } from '../../../../shared/errors.js';
import { LedgerDiscovery, deviceIdOf, type LedgerTransportSource } from './discovery.js';
import { EthereumAppSimulator } from './simulator.js';

const MNEMONIC = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

function fakeHid() {
  let emit: ((e: { type: 'add' | 'remove'; descriptor: string }) => void) | null = null;
  const devices = new Map<string, EthereumAppSimulator>();
  const source: LedgerTransportSource = {
    listen(observer) {
      emit = observer.next;
      return () => (emit = null);
    },
    async open(descriptor) {
      const d = devices.get(descriptor);
      if (d === undefined) throw new Error('no such device');
      return d;
    },
  };
  return {
    source,
    plug(path: string) {
      const device = new EthereumAppSimulator({ mnemonic: MNEMONIC, confirmDelayMs: 50 });
      devices.set(path, device);
      emit?.({ type: 'add', descriptor: path });
      return device;
    },
    unplug(path: string) {
      devices.get(path)?.unplug();
      emit?.({ type: 'remove', descriptor: path });
    },
  };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('LedgerDiscovery', () => {
  it('opens a backend on attach and fails its requests with DEVICE_UNAVAILABLE on detach', async () => {
    const hid = fakeHid();
    const discovery = new LedgerDiscovery({ source: () => hid.source });
    let changes = 0;
    discovery.subscribe(() => (changes += 1));
    expect(discovery.devices()).toEqual([]);
    hid.plug('/dev/hidraw3');
    await tick();
    const [backend] = discovery.devices();
    expect(backend?.id).toBe('ledger:/dev/hidraw3');
    expect((await backend!.getAddress("m/44'/60'/0'/0/0")).address).toBe('0x9858EfFD232B4033E47d90003D41EC34EcaEda94');
    const pending = backend!.signPersonalMessage("m/44'/60'/0'/0/0", new Uint8Array([1]));
    hid.unplug('/dev/hidraw3');
    await expect(pending).rejects.toMatchObject({ code: 'DEVICE_UNAVAILABLE' });
    await tick();
    expect(discovery.devices()).toEqual([]);
    const after = await backend!.getAddress("m/44'/60'/0'/0/0").catch((e: unknown) => e);
    expect(after).toBeInstanceOf(CustodyError);
    expect((after as CustodyError).code).toBe('DEVICE_UNAVAILABLE');
    expect(changes).toBe(2);
    await discovery.close();
  });

  it('lists nothing and does not throw where HID cannot be used', async () => {
    const events: string[] = [];
    const broken = new LedgerDiscovery({
      source: () => {
        throw new Error('cannot load node-hid');
      },
      onError: (e) => events.push(e),
    });
    expect(broken.devices()).toEqual([]);
    expect(events).toEqual(['hid-unavailable']);
    // This machine's real node-hid (CI has no Ledger and often no HID access): still no crash.
    const real = new LedgerDiscovery({ onError: (e) => events.push(e) });
    expect(() => real.devices()).not.toThrow();
    await real.close();
  });

  it('makes device ids printable and short enough for a backend id', () => {
    expect(deviceIdOf('1-2:1.0')).toBe('1-2:1.0');
    expect(deviceIdOf('a b\u0000c')).toBe('a_b_c');
    expect(deviceIdOf('x'.repeat(100))).toHaveLength(64);
  });
});
