/**
 * The WebSocket client against a fake socket: the surface it builds matches the contract's names,
 * frames go out as wireRequestSchema and come back matched by id, events reach their subscribers
 * (malformed ones do not), a drop fails in-flight calls with the disconnect code, calls made while
 * disconnected wait for the next open, and reconnects back off.
 */
import { describe, expect, it } from 'vitest';
import { EVENT_NAMES, METHOD_NAMES, functionName, subscriptionName, wireRequestSchema } from '../../shared/api/contract.js';
import { DISCONNECTED_CODE, backoffDelay, createWsClient, parseFrame, type SocketLike } from './ws-client.js';

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: string[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  send(data: string) {
    this.sent.push(data);
  }
  close() {
    this.drop();
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  drop() {
    this.readyState = 3;
    this.onclose?.({ code: 1006, reason: '' });
  }
  reply(id: number, result: unknown) {
    this.onmessage?.({ data: JSON.stringify({ type: 'result', id, result }) });
  }
  lastRequest(): { id: number; method: string; input: unknown } {
    return wireRequestSchema.parse(JSON.parse(this.sent[this.sent.length - 1] ?? 'null'));
  }
}

function harness() {
  const sockets: FakeSocket[] = [];
  const timers: { fn: () => void; at: number; id: number }[] = [];
  let t = 0;
  let nextTimer = 1;
  const client = createWsClient({
    url: 'ws://127.0.0.1:1/api',
    socket: () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
    now: () => t,
    random: () => 0.5,
    setTimer: (fn, ms) => {
      const id = nextTimer++;
      timers.push({ fn, at: t + ms, id });
      return id;
    },
    clearTimer: (h) => {
      const i = timers.findIndex((x) => x.id === h);
      if (i >= 0) timers.splice(i, 1);
    },
  });
  const advance = (ms: number) => {
    t += ms;
    for (;;) {
      const due = timers.filter((x) => x.at <= t).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      timers.splice(timers.indexOf(due), 1);
      due.fn();
    }
  };
  return { client, sockets, advance, socket: () => sockets[sockets.length - 1] as FakeSocket };
}

describe('renderer WebSocket client', () => {
  it('exposes exactly one function per method and one subscription per event', () => {
    const { client } = harness();
    const expected = [...METHOD_NAMES.map(functionName), ...EVENT_NAMES.map(subscriptionName)].sort();
    expect(Object.keys(client.api).sort()).toEqual(expected);
  });

  it('sends contract frames and resolves each call by its id', async () => {
    const { client, socket } = harness();
    socket().open();
    const a = client.api.keysList({ namespace: 'default' });
    const first = socket().lastRequest();
    const b = client.api.vaultStatus({});
    const second = socket().lastRequest();
    expect(first).toMatchObject({ method: 'keys.list', input: { namespace: 'default' } });
    expect(second.method).toBe('vault.status');
    expect(second.id).not.toBe(first.id);
    socket().reply(second.id, { ok: false, error: { code: 'VAULT_LOCKED', message: 'locked' } });
    socket().reply(first.id, { ok: true, value: [] });
    expect(await a).toEqual({ ok: true, value: [] });
    expect(await b).toEqual({ ok: false, error: { code: 'VAULT_LOCKED', message: 'locked' } });
  });

  it('delivers well-formed events to their subscribers only', () => {
    const { client, socket } = harness();
    socket().open();
    const got: unknown[] = [];
    const off = client.api.onKeysChanged((p) => got.push(p));
    client.api.onAuditAppended(() => got.push('wrong listener'));
    const s = socket();
    s.onmessage?.({ data: JSON.stringify({ type: 'event', event: 'keys.changed', payload: { namespace: 'ops', id: 'k' } }) });
    s.onmessage?.({ data: JSON.stringify({ type: 'event', event: 'keys.changed', payload: { namespace: 5 } }) }); // bad payload
    s.onmessage?.({ data: JSON.stringify({ type: 'event', event: 'nope', payload: {} }) });
    s.onmessage?.({ data: 'not json' });
    off();
    s.onmessage?.({ data: JSON.stringify({ type: 'event', event: 'keys.changed', payload: { namespace: null, id: null } }) });
    expect(got).toEqual([{ namespace: 'ops', id: 'k' }]);
  });

  it('fails in-flight calls on a drop, queues calls while disconnected, and reconnects with backoff', async () => {
    const { client, sockets, socket, advance } = harness();
    socket().open();
    const inFlight = client.api.vaultStatus({});
    socket().drop();
    expect(await inFlight).toMatchObject({ ok: false, error: { code: DISCONNECTED_CODE } });
    expect(client.connection()).toMatchObject({ status: 'closed', attempt: 0 });

    const queued = client.api.settingsGet({});
    advance(250); // first retry after the initial backoff
    expect(sockets).toHaveLength(2);
    socket().drop(); // refused again: the next wait doubles
    expect(client.connection()).toMatchObject({ status: 'closed', attempt: 1 });
    advance(499);
    expect(sockets).toHaveLength(2);
    advance(1);
    expect(sockets).toHaveLength(3);
    const states: string[] = [];
    client.onConnection((s) => states.push(s.status));
    socket().open();
    expect(states).toEqual(['open']);
    const req = socket().lastRequest();
    expect(req.method).toBe('settings.get');
    socket().reply(req.id, { ok: true, value: { autoLockMinutes: 5, theme: 'dark', dataDir: '/d', version: '1' } });
    expect(await queued).toMatchObject({ ok: true });
    client.stop();
  });

  it('fails a queued call after the queue timeout', async () => {
    const { client, advance } = harness();
    const call = client.api.vaultStatus({});
    advance(15_000);
    expect(await call).toMatchObject({ ok: false, error: { code: DISCONNECTED_CODE, message: expect.stringContaining('not connected') } });
    client.stop();
  });

  it('parses only contract frames', () => {
    expect(parseFrame(JSON.stringify({ type: 'result', id: 1, result: { ok: true, value: 1 } }))).toMatchObject({ id: 1 });
    expect(parseFrame(JSON.stringify({ type: 'result', id: 1, result: { ok: false } }))).toBeUndefined();
    expect(parseFrame(JSON.stringify({ type: 'result', id: '1', result: { ok: true, value: 1 } }))).toBeUndefined();
    expect(parseFrame(new Uint8Array(2))).toBeUndefined();
  });

  it('backs off exponentially with a cap and jitter', () => {
    expect(backoffDelay(1, 250, 10_000, () => 0.5)).toBe(250);
    expect(backoffDelay(3, 250, 10_000, () => 0.5)).toBe(1000);
    expect(backoffDelay(20, 250, 10_000, () => 0.5)).toBe(10_000);
    expect(backoffDelay(1, 1000, 10_000, () => 0)).toBe(750);
    expect(backoffDelay(1, 1000, 10_000, () => 1)).toBe(1250);
  });
});
