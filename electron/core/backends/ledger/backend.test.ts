/**
 * LedgerBackend and hw-app-eth, unmodified, against the Ethereum-app simulator: addresses from the
 * BIP-39 test phrase (external vector), signatures verified by ethers, status words → typed errors,
 * one request at a time, timeout and abort.
 */
import { Transaction, verifyMessage, verifyTypedData, Signature, TypedDataEncoder, recoverAddress } from 'ethers';
import { describe, expect, it } from 'vitest';
import { CustodyError } from '../../../../shared/errors.js';
import { LedgerBackend, type LedgerPromptEvent } from './backend.js';
import { EthereumAppSimulator, type EthereumAppSimulatorOptions } from './simulator.js';

const MNEMONIC = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const PATH = "m/44'/60'/0'/0/0";
/** m/44'/60'/0'/0/0 of the BIP-39 test phrase (widely published vector, e.g. MetaMask/ethers docs). */
const ADDRESS = '0x9858EfFD232B4033E47d90003D41EC34EcaEda94';

function setup(options: Partial<EthereumAppSimulatorOptions> = {}, timeoutMs?: number) {
  const device = new EthereumAppSimulator({ mnemonic: MNEMONIC, ...options });
  const prompts: LedgerPromptEvent[] = [];
  const backend = new LedgerBackend({ deviceId: 'sim-1', transport: device, timeoutMs, onPrompt: (e) => prompts.push(e) });
  return { device, backend, prompts };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    expect(e).toBeInstanceOf(CustodyError);
    return (e as CustodyError).code;
  }
}

// EIP-712 example "Mail" (eips.ethereum.org/EIPS/eip-712, Example.js), extended with an array of
// nested structs so the struct-implementation array flow (P2 0F) is exercised.
const MAIL = {
  domain: { name: 'Ether Mail', version: '1', chainId: 1, verifyingContract: '0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC' },
  types: {
    EIP712Domain: [
      { name: 'name', type: 'string' },
      { name: 'version', type: 'string' },
      { name: 'chainId', type: 'uint256' },
      { name: 'verifyingContract', type: 'address' },
    ],
    Person: [
      { name: 'name', type: 'string' },
      { name: 'wallet', type: 'address' },
    ],
    Mail: [
      { name: 'from', type: 'Person' },
      { name: 'to', type: 'Person' },
      { name: 'cc', type: 'Person[]' },
      { name: 'contents', type: 'string' },
      { name: 'nonce', type: 'int64' },
      { name: 'tag', type: 'bytes4' },
    ],
  },
  primaryType: 'Mail',
  message: {
    from: { name: 'Cow', wallet: '0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826' },
    to: { name: 'Bob', wallet: '0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB' },
    cc: [
      { name: 'Alice', wallet: '0xaAaAaAaaAaAaAaaAaAAAAAAAAaaaAaAaAaaAaaAa' },
      { name: 'Dave', wallet: '0xdddddddddddddddddddddddddddddddddddddddd' },
    ],
    contents: 'Hello, Bob!',
    nonce: -5,
    tag: '0xdeadbeef',
  },
};
const { EIP712Domain: _domainType, ...MAIL_TYPES } = MAIL.types;

describe('LedgerBackend over the Ethereum app simulator', () => {
  it('derives the BIP-39 test vector address, shown on the device when asked', async () => {
    const { backend, device, prompts } = setup();
    const seen: string[] = [];
    device.confirm = (p) => {
      seen.push(`${p.kind} ${p.path} ${p.fields.address}`);
      return true;
    };
    const { address, publicKey } = await backend.getAddress(PATH, { display: true });
    expect(address).toBe(ADDRESS);
    expect(publicKey).toEqual(device.publicKeyAt(PATH));
    expect(seen).toEqual([`address ${PATH} ${ADDRESS}`]);
    expect(prompts.map((p) => p.type)).toEqual(['confirm', 'done']);
    expect(await backend.appInfo()).toEqual({ name: 'Ethereum', version: '1.13.0' });
    const keys = await backend.listKeys();
    expect(keys.map((k) => [k.handle, k.address])).toEqual([[PATH, ADDRESS]]);
    expect(backend.id).toBe('ledger:sim-1');
    expect(backend.status()).toEqual({ state: 'ready', detail: 'Ethereum app 1.13.0' });
  });

  it.each([
    ['EIP-1559 chain 1', { type: 2, chainId: 1n, maxFeePerGas: 30n * 10n ** 9n, maxPriorityFeePerGas: 10n ** 9n }],
    ['legacy EIP-155 chain 1', { type: 0, chainId: 1n, gasPrice: 20n * 10n ** 9n }],
    ['legacy EIP-155 chain 11155111', { type: 0, chainId: 11155111n, gasPrice: 20n * 10n ** 9n }],
    ['EIP-1559 with 600 bytes of data (chunks)', { type: 2, chainId: 137n, maxFeePerGas: 10n ** 9n, maxPriorityFeePerGas: 1n, data: `0x${'ab'.repeat(600)}` }],
    ['legacy with 600 bytes of data (chunks)', { type: 0, chainId: 11155111n, gasPrice: 10n ** 9n, data: `0x${'cd'.repeat(600)}` }],
  ])('signs a %s transaction that ethers attributes to the account', async (_name, fields) => {
    const { backend } = setup();
    const tx = Transaction.from({ to: '0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB', value: 10n ** 16n, nonce: 7, gasLimit: 100_000n, ...fields });
    const { v, r, s } = await backend.signTransaction(PATH, tx.unsignedSerialized);
    const vNum = BigInt(`0x${v}`);
    if (tx.type === 0) expect(vNum === tx.chainId * 2n + 35n || vNum === tx.chainId * 2n + 36n).toBe(true);
    else expect(vNum === 0n || vNum === 1n).toBe(true);
    const yParity = tx.type === 0 ? Number((vNum - 35n) % 2n) : Number(vNum);
    tx.signature = Signature.from({ r: `0x${r}`, s: `0x${s}`, yParity: yParity as 0 | 1 });
    expect(Transaction.from(tx.serialized).from).toBe(ADDRESS);
  });

  it('signs personal_sign messages (multi-chunk too) that ethers.verifyMessage attributes to the account', async () => {
    const { backend } = setup();
    for (const message of [new TextEncoder().encode('Hello Custos'), new Uint8Array(400).map((_, i) => i % 251)]) {
      const { v, r, s } = await backend.signPersonalMessage(PATH, message);
      expect(verifyMessage(message, Signature.from({ r: `0x${r}`, s: `0x${s}`, v }))).toBe(ADDRESS);
    }
  });

  it('signs EIP-712 with the full method (nested struct, array of structs, int64, bytes4)', async () => {
    const { backend, device } = setup();
    const kinds: string[] = [];
    device.confirm = (p) => {
      kinds.push(p.kind);
      return true;
    };
    const out = await backend.signTypedData(PATH, MAIL, { allowBlind: false });
    expect(out.blind).toBe(false);
    expect(kinds).toEqual(['eip712']);
    const sig = Signature.from({ r: `0x${out.r}`, s: `0x${out.s}`, v: out.v });
    expect(verifyTypedData(MAIL.domain, MAIL_TYPES, MAIL.message, sig)).toBe(ADDRESS);
    expect(device.exchanges.some((e) => e.command.startsWith('e01c000f01'))).toBe(true);
  });

  it('falls back to the hashed (blind) method only when the device lacks full EIP-712 and a policy allows it', async () => {
    const { backend, device } = setup({ fullEip712: false, appVersion: '1.9.0' });
    expect(await codeOf(backend.signTypedData(PATH, MAIL, { allowBlind: false }))).toBe('BLIND_SIGNING_DISABLED');
    expect(device.exchanges.some((e) => e.command.startsWith('e00c0000'))).toBe(false);
    const out = await backend.signTypedData(PATH, MAIL, { allowBlind: true });
    expect(out.blind).toBe(true);
    const digest = TypedDataEncoder.hash(MAIL.domain, MAIL_TYPES, MAIL.message);
    expect(recoverAddress(digest, Signature.from({ r: `0x${out.r}`, s: `0x${out.s}`, v: out.v }))).toBe(ADDRESS);
    device.blindSigning = false;
    const refused = backend.signTypedData(PATH, MAIL, { allowBlind: true });
    await expect(refused).rejects.toMatchObject({ code: 'BLIND_SIGNING_DISABLED', details: { statusWord: '0x6a80', reason: 'device-setting' } });
  });

  it('turns status words into typed errors', async () => {
    const msg = new TextEncoder().encode('x');
    expect(await codeOf(setup({ locked: true }).backend.getAddress(PATH))).toBe('DEVICE_LOCKED');
    expect(await codeOf(setup({ appName: 'BOLOS' }).backend.getAddress(PATH))).toBe('WRONG_APP');
    expect(await codeOf(setup({ appName: 'Bitcoin' }).backend.signPersonalMessage(PATH, msg))).toBe('WRONG_APP');
    for (const status of [0x6e00, 0x6d00, 0x6511]) {
      // The app's name is right but its commands are refused (the app closed between B0 01 and E0).
      const { backend } = setup({ closedAppStatus: status });
      await expect(backend.signPersonalMessage(PATH, msg)).rejects.toMatchObject({ code: 'WRONG_APP', details: { statusWord: `0x${status.toString(16)}` } });
      expect(backend.status().state).toBe('wrong-app');
    }
    expect(await codeOf(setup({ confirm: () => false }).backend.signPersonalMessage(PATH, msg))).toBe('USER_REJECTED');
    expect(await codeOf(setup({ confirm: () => false }).backend.getAddress(PATH, { display: true }))).toBe('USER_REJECTED');
    const blind = setup({ blindSigning: false }).backend;
    const contractCall = Transaction.from({ type: 2, chainId: 1n, to: '0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB', nonce: 0, gasLimit: 90_000n, maxFeePerGas: 1n, maxPriorityFeePerGas: 1n, data: '0xa9059cbb' });
    expect(await codeOf(blind.signTransaction(PATH, contractCall.unsignedSerialized))).toBe('BLIND_SIGNING_DISABLED');
    const locked = setup({ locked: true });
    await codeOf(locked.backend.getAddress(PATH));
    expect(locked.backend.status().state).toBe('locked');
  });

  it('reports a device unplugged mid-request as DEVICE_UNAVAILABLE, and every later request too', async () => {
    const { backend, device } = setup({ confirmDelayMs: 50 });
    const pending = backend.signPersonalMessage(PATH, new Uint8Array([1]));
    setTimeout(() => device.unplug(), 10);
    expect(await codeOf(pending)).toBe('DEVICE_UNAVAILABLE');
    expect(await codeOf(backend.getAddress(PATH))).toBe('DEVICE_UNAVAILABLE');
    expect(backend.status().state).toBe('unavailable');
  });

  it('serializes concurrent requests: the second starts only after the first ends', async () => {
    const { backend, device } = setup({ confirmDelayMs: 30 });
    const order: string[] = [];
    device.confirm = (p) => {
      order.push(p.kind);
      return true;
    };
    const tx = Transaction.from({ type: 2, chainId: 1n, to: ADDRESS, nonce: 1, gasLimit: 21_000n, maxFeePerGas: 1n, maxPriorityFeePerGas: 1n, data: `0x${'00'.repeat(700)}` });
    const [a, b, c] = await Promise.all([
      backend.signTransaction(PATH, tx.unsignedSerialized),
      backend.signPersonalMessage(PATH, new Uint8Array(300).fill(7)),
      backend.signTypedData(PATH, MAIL, { allowBlind: false }),
    ]);
    expect(a.r).toHaveLength(64);
    expect(b.v === 27 || b.v === 28).toBe(true);
    expect(c.blind).toBe(false);
    expect(order).toEqual(['transaction', 'personal-message', 'eip712']);
    expect(device.maxConcurrentExchanges).toBe(1);
    // No interleaving: the APDUs of each operation form one contiguous run.
    const runs = device.exchanges.map((e) => e.command.slice(0, 4)).filter((ins) => ins !== 'b001' && ins !== 'e002');
    const collapsed = runs.filter((ins, i) => i === 0 || ins !== runs[i - 1] || false);
    const byOp = collapsed.map((ins) => (ins === 'e01a' || ins === 'e01c' || ins === 'e00c' ? 'eip712' : ins));
    expect(byOp.filter((x, i) => i === 0 || x !== byOp[i - 1])).toEqual(['e004', 'e008', 'eip712']);
  });

  it('times out with EXPIRED and holds the device until the stale request ends', async () => {
    let decide: (ok: boolean) => void = () => undefined;
    const { backend, device } = setup({}, 100);
    device.confirm = () => new Promise<boolean>((resolve) => (decide = resolve));
    expect(await codeOf(backend.signPersonalMessage(PATH, new Uint8Array([1])))).toBe('EXPIRED');
    expect(backend.status().state).toBe('busy');
    const next = backend.getAddress(PATH);
    await new Promise((r) => setTimeout(r, 20));
    expect(device.maxConcurrentExchanges).toBe(1);
    decide(false); // the person finally rejects the old request on the device
    expect((await next).address).toBe(ADDRESS);
    expect(backend.status().state).toBe('ready');
  });

  it('aborts with DISCONNECTED, or with the CustodyError given as the abort reason', async () => {
    const { backend } = setup({ confirmDelayMs: 200 });
    const controller = new AbortController();
    const pending = backend.signPersonalMessage(PATH, new Uint8Array([1]), { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    expect(await codeOf(pending)).toBe('DISCONNECTED');
    const gui = new AbortController();
    gui.abort(new CustodyError('USER_REJECTED', 'cancelled in Custos'));
    expect(await codeOf(backend.signPersonalMessage(PATH, new Uint8Array([1]), { signal: gui.signal }))).toBe('USER_REJECTED');
  });

  it('refuses malformed input before touching the device', async () => {
    const { backend, device } = setup();
    expect(await codeOf(backend.getAddress('44/60/x'))).toBe('INVALID_INPUT');
    expect(await codeOf(backend.signTransaction(PATH, 'zz'))).toBe('INVALID_INPUT');
    expect(await codeOf(backend.signTypedData(PATH, { domain: {}, types: {}, primaryType: 'X', message: {} }, { allowBlind: true }))).toBe('INVALID_INPUT');
    expect(device.exchanges).toHaveLength(0);
  });
});
