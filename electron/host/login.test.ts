/**
 * Login tokens and sessions on their own, with a fake clock: single use, expiry, the shape of
 * what goes in the cookie, and the Cookie header parser.
 */
import { describe, expect, it } from 'vitest';
import { cookieValues, LoginTokens, MAX_SESSIONS, sessionCookie, Sessions } from './login.js';

describe('LoginTokens', () => {
  it('issues 256-bit base64url tokens that work once, before their expiry', () => {
    let now = 1_000;
    const tokens = new LoginTokens(60_000, () => now);
    const a = tokens.issue();
    const b = tokens.issue();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a, 'base64url')).toHaveLength(32);
    expect(a).not.toBe(b);
    expect(tokens.redeem(b)).toBe(true);
    expect(tokens.redeem(b)).toBe(false);
    now += 60_000;
    expect(tokens.redeem(a)).toBe(false); // expired exactly at the TTL
  });

  it('refuses null, malformed and unknown tokens without consuming the real one', () => {
    const tokens = new LoginTokens();
    const t = tokens.issue();
    for (const bad of [null, '', 'x', t.slice(1), t + 'A', (t[0] === 'A' ? 'B' : 'A') + t.slice(1), `${t.slice(0, 42)}=`]) {
      expect(tokens.redeem(bad)).toBe(false);
    }
    expect(tokens.redeem(t)).toBe(true);
  });
});

describe('Sessions', () => {
  it('knows the ids it created, and only while they last', () => {
    const sessions = new Sessions();
    const id = sessions.create();
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(sessions.isValid(id)).toBe(true);
    expect(sessions.isValid(undefined)).toBe(false);
    expect(sessions.isValid('A'.repeat(43))).toBe(false);
    sessions.clear();
    expect(sessions.isValid(id)).toBe(false);
  });

  it('drops the oldest session when full', () => {
    const sessions = new Sessions();
    const first = sessions.create();
    for (let i = 0; i < MAX_SESSIONS; i++) sessions.create();
    expect(sessions.isValid(first)).toBe(false);
  });
});

describe('cookies', () => {
  it('sets an HttpOnly SameSite=Strict session cookie on Path=/, named by port', () => {
    expect(sessionCookie(8765, 'ID')).toBe('custos_session_8765=ID; HttpOnly; SameSite=Strict; Path=/');
  });

  it('reads every value of one cookie name, and nothing of others', () => {
    expect(cookieValues(undefined, 'a')).toEqual([]);
    expect(cookieValues('a=1; b=2;a=3 ; ab=4; =5; c', 'a')).toEqual(['1', '3']);
    expect(cookieValues('xa=1', 'a')).toEqual([]);
  });
});
