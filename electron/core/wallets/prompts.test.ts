/**
 * The prompt state machine alone, with a manual clock and timers: expiry, joining, withdrawal,
 * the pairing secret and its token (collected once, forgotten at expiry), limits and history.
 */
import { describe, expect, it } from 'vitest';
import { codeOf } from '../../../test/support.js';
import { WalletPrompts, type PromptOutcome } from './prompts.js';

function manual() {
  let now = 1_000;
  const timers: { at: number; run: () => void; cancelled: boolean }[] = [];
  return {
    now: () => now,
    setTimer: (run: () => void, ms: number) => {
      const t = { at: now + ms, run, cancelled: false };
      timers.push(t);
      return { cancel: () => (t.cancelled = true) };
    },
    advance(ms: number) {
      now += ms;
      for (const t of timers) {
        if (!t.cancelled && t.at <= now) {
          t.cancelled = true;
          t.run();
        }
      }
    },
  };
}

describe('wallet prompts', () => {
  it('a connect prompt expires on its own timer; an origin asking twice joins one prompt', async () => {
    const clock = manual();
    const prompts = new WalletPrompts({ ttlMs: 60_000, now: clock.now, setTimer: clock.setTimer });
    const a = prompts.connect('https://a.example', '1');
    const again = prompts.connect('https://a.example', null);
    const b = prompts.connect('https://b.example', null);
    expect(again.prompt.id).toBe(a.prompt.id);
    expect(prompts.pendingCount()).toBe(2);
    clock.advance(59_999);
    expect(prompts.pendingCount()).toBe(2);
    clock.advance(1);
    expect(await a.outcome).toEqual({ state: 'expired' });
    expect(await b.outcome).toEqual({ state: 'expired' });
    expect(prompts.list().history.map((p) => [p.state, p.decidedBy, p.reason])).toEqual([
      ['expired', 'system', 'nobody decided in time'],
      ['expired', 'system', 'nobody decided in time'],
    ]);
  });

  it('the prompt is withdrawn only when the last waiting client goes away', async () => {
    const prompts = new WalletPrompts();
    const first = prompts.connect('https://a.example', null);
    const second = prompts.connect('https://a.example', null);
    first.release();
    first.release(); // twice counts once
    expect(prompts.get(first.prompt.id).state).toBe('pending');
    second.release();
    const outcome: PromptOutcome = await first.outcome;
    expect(outcome).toMatchObject({ state: 'rejected', reason: 'the site withdrew the request (it went away)' });
  });

  it('decided once; approval carries the connection; reasons are trimmed and bounded', () => {
    const prompts = new WalletPrompts();
    const { prompt } = prompts.connect('https://a.example', null);
    expect(prompts.approve(prompt.id, 'alice', 'wc_0123456789ab')).toMatchObject({ state: 'approved', decidedBy: 'alice', connectionId: 'wc_0123456789ab' });
    expect(codeOf(() => prompts.reject(prompt.id, 'bob'))).toBe('CONFLICT');
    const other = prompts.connect('https://b.example', null).prompt;
    expect(prompts.reject(other.id, 'bob', `  ${'x'.repeat(600)} `).reason).toHaveLength(500);
    expect(codeOf(() => prompts.get('wp_nope'))).toBe('NOT_FOUND');
  });

  it('pairing: a secret only the program holds, a readable code, a token collected once and forgotten at expiry', async () => {
    const clock = manual();
    const prompts = new WalletPrompts({ ttlMs: 1000, now: clock.now, setTimer: clock.setTimer });
    const { prompt, pairingSecret } = prompts.pair('bot', null);
    expect(prompt.code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/u);
    expect(pairingSecret).toMatch(/^[A-Za-z0-9_-]{43}$/u);
    expect(JSON.stringify(prompts.list())).not.toContain(pairingSecret);
    expect(codeOf(() => prompts.byPairingSecret('x'.repeat(43)))).toBe('NOT_FOUND');
    const waiting = prompts.byPairingSecret(pairingSecret);
    prompts.holdToken(prompt.id, 'cwc_token');
    prompts.approve(prompt.id, 'alice', 'wc_1');
    expect(await waiting.outcome).toEqual({ state: 'approved', connectionId: 'wc_1' });
    expect(prompts.collectToken(prompt.id)).toBe('cwc_token');
    expect(codeOf(() => prompts.collectToken(prompt.id))).toBe('NOT_FOUND');
    expect(codeOf(() => prompts.byPairingSecret(pairingSecret))).toBe('NOT_FOUND');

    // Approved but never collected: gone when the prompt's time ends.
    const late = prompts.pair('late bot', null);
    prompts.holdToken(late.prompt.id, 'cwc_late');
    prompts.approve(late.prompt.id, 'alice', 'wc_2');
    clock.advance(1000);
    expect(codeOf(() => prompts.collectToken(late.prompt.id))).toBe('NOT_FOUND');
  });

  it('limits pending prompts and bounds the history; locking rejects what is pending', async () => {
    const prompts = new WalletPrompts({ maxPending: 2, historySize: 2 });
    const one = prompts.connect('https://1.example', null);
    prompts.connect('https://2.example', null);
    expect(codeOf(() => prompts.connect('https://3.example', null))).toBe('RATE_LIMITED');
    expect(codeOf(() => prompts.pair('bot', null))).toBe('RATE_LIMITED');
    prompts.rejectAllPending('the vault was locked');
    expect(await one.outcome).toEqual({ state: 'rejected', reason: 'the vault was locked' });
    for (let i = 0; i < 3; i++) prompts.reject(prompts.connect(`https://x${i}.example`, null).prompt.id, 'op');
    expect(prompts.list().history).toHaveLength(2);
  });
});
