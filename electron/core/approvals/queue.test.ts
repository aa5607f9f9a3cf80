/**
 * The signing-request queue as a state machine, on a fake clock: decisions happen once, requests
 * expire on their own without holding up others, auto-approval settles at once, limits refuse
 * floods, the history is bounded, and listeners see every change.
 */
import { describe, expect, it } from 'vitest';
import type { RequestView } from '../../../shared/api/signing.js';
import { CustodyError } from '../../../shared/errors.js';
import { ApprovalQueue, type QueueOptions, type SubmitInput } from './queue.js';

/** A clock and timers the test advances by hand. */
function fakeTime() {
  let now = 1_000_000;
  const timers: { at: number; run: () => void; live: boolean }[] = [];
  return {
    now: () => now,
    setTimer(run: () => void, ms: number) {
      const t = { at: now + ms, run, live: true };
      timers.push(t);
      return { cancel: () => (t.live = false) };
    },
    advance(ms: number) {
      now += ms;
      for (const t of timers.filter((x) => x.live && x.at <= now).sort((a, b) => a.at - b.at)) {
        t.live = false;
        t.run();
      }
    },
    live: () => timers.filter((t) => t.live).length,
  };
}

const view: RequestView = { chain: 'ethereum', type: 'eth.message', title: 'Sign a message (personal_sign)', network: null, signer: null, flags: [], sections: [], digest: null };

function input(client = 'https://app.example', extra: Partial<SubmitInput> = {}): SubmitInput {
  return {
    client: { transport: 'wallet-rpc', id: client, label: client },
    method: 'personal_sign',
    request: { type: 'eth.message', message: 'hello', encoding: 'utf8' },
    signer: { kind: 'hd', namespace: 'default', wallet: 'w' },
    view,
    policy: { decision: 'require-approval', reasons: ['no policy: every request needs approval'] },
    ...extra,
  };
}

function queue(options: QueueOptions = {}) {
  const time = fakeTime();
  const q = new ApprovalQueue({ now: time.now, setTimer: time.setTimer, ...options });
  return { q, time };
}

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
    return undefined;
  } catch (e) {
    return e instanceof CustodyError ? e.code : 'not a CustodyError';
  }
};

describe('ApprovalQueue', () => {
  it('parks a request until an operator approves it; the decision is final', async () => {
    const { q } = queue();
    const { record, decided } = q.submit(input());
    expect(record).toMatchObject({ state: 'pending', decidedBy: null, expiresAt: record.createdAt + 5 * 60_000 });
    expect(record.id).toMatch(/^req_[a-z2-7]{26}$/);
    expect(q.pendingCount()).toBe(1);
    expect(q.approve(record.id, 'alice')).toMatchObject({ state: 'approved', decidedBy: 'alice' });
    await expect(decided).resolves.toBe('approved');
    expect(codeOf(() => q.approve(record.id, 'bob'))).toBe('CONFLICT');
    expect(codeOf(() => q.reject(record.id, 'bob'))).toBe('CONFLICT');
    expect(q.markSigned(record.id, { primary: { label: 'Signature', value: '0x01' }, fields: [] })).toMatchObject({ state: 'signed', decidedBy: 'alice' });
    expect(codeOf(() => q.markFailed(record.id, { code: 'INTERNAL', message: 'x' }))).toBe('CONFLICT');
    expect(q.pendingCount()).toBe(0);
  });

  it('a rejection carries its reason; signing a rejected request is refused', async () => {
    const { q } = queue();
    const { record, decided } = q.submit(input());
    expect(q.reject(record.id, 'alice', '  not ours  ')).toMatchObject({ state: 'rejected', reason: 'not ours' });
    await expect(decided).resolves.toBe('rejected');
    expect(codeOf(() => q.markSigned(record.id, { primary: { label: 'x', value: 'y' }, fields: [] }))).toBe('CONFLICT');
  });

  it('each request expires on its own clock; one stuck request never blocks another', async () => {
    const { q, time } = queue({ ttlMs: 60_000 });
    const first = q.submit(input('a'));
    time.advance(30_000);
    const second = q.submit(input('b'));
    const third = q.submit(input('c', { ttlMs: 5_000 }));
    time.advance(5_000);
    await expect(third.decided).resolves.toBe('expired');
    expect(q.get(third.record.id)).toMatchObject({ state: 'expired', decidedBy: 'system' });
    q.approve(second.record.id, 'alice'); // decided while the first still waits
    time.advance(25_000);
    await expect(first.decided).resolves.toBe('expired');
    expect(codeOf(() => q.approve(first.record.id, 'alice'))).toBe('CONFLICT');
    await expect(second.decided).resolves.toBe('approved');
    expect(time.live()).toBe(0); // decided requests leave no timer behind
  });

  it('auto-approve settles at once, by the client, without a timer', async () => {
    const { q, time } = queue();
    const { record, decided } = q.submit(input('https://trusted.example', { autoApprove: true }));
    expect(record).toMatchObject({ state: 'approved', decidedBy: 'auto:https://trusted.example' });
    await expect(decided).resolves.toBe('approved');
    expect(time.live()).toBe(0);
  });

  it('refuses floods: per client and overall; a bad ttl is INVALID_INPUT', () => {
    const { q } = queue({ maxPending: 3, maxPendingPerClient: 2 });
    q.submit(input('a'));
    q.submit(input('a'));
    expect(codeOf(() => q.submit(input('a')))).toBe('RATE_LIMITED');
    q.submit(input('b'));
    expect(codeOf(() => q.submit(input('c')))).toBe('RATE_LIMITED');
    expect(codeOf(() => q.submit(input('d', { ttlMs: 10 })))).toBe('RATE_LIMITED'); // full before the ttl is looked at
    expect(codeOf(() => new ApprovalQueue({ ttlMs: 0 }))).toBe('INVALID_INPUT');
  });

  it('keeps a bounded history, newest first; unknown ids are NOT_FOUND', () => {
    const { q, time } = queue({ historySize: 2 });
    const ids = [1, 2, 3].map((i) => {
      const { record } = q.submit(input(`c${i}`));
      time.advance(10);
      q.reject(record.id, 'alice');
      return record.id;
    });
    expect(q.list().map((r) => r.id)).toEqual([ids[2], ids[1]]);
    expect(codeOf(() => q.get(ids[0] as string))).toBe('NOT_FOUND');
    expect(codeOf(() => q.approve('req_nope', 'alice'))).toBe('NOT_FOUND');
  });

  it('tells listeners about every change; a throwing listener does not break the queue', () => {
    const { q } = queue();
    const seen: string[] = [];
    q.subscribe(() => {
      throw new Error('listener bug');
    });
    const off = q.subscribe((c) => seen.push(`${c.kind}:${c.record.state}`));
    const { record } = q.submit(input());
    q.approve(record.id, 'alice');
    q.markFailed(record.id, { code: 'KEY_DISABLED', message: 'the key was disabled' });
    off();
    q.submit(input());
    expect(seen).toEqual(['added:pending', 'updated:approved', 'updated:failed']);
  });

  it('locking or closing rejects what is pending, so every waiting caller returns', async () => {
    const { q, time } = queue();
    const a = q.submit(input('a'));
    const b = q.submit(input('b'));
    q.approve(b.record.id, 'alice');
    expect(q.rejectAllPending('system', 'the vault was locked')).toBe(1);
    await expect(a.decided).resolves.toBe('rejected');
    expect(q.get(a.record.id).reason).toBe('the vault was locked');
    const c = q.submit(input('c'));
    q.close();
    await expect(c.decided).resolves.toBe('rejected');
    expect(time.live()).toBe(0);
  });
});
