/**
 * Pure helpers of the renderer: middle truncation, countdowns, base64/PEM, and the strength
 * meter's mapping from zxcvbn's score to what the wizard accepts.
 */
import { describe, expect, it } from 'vitest';
import { middleTruncate } from './truncate.js';
import { formatCountdown, formatKiB, formatRelative } from './format.js';
import { base64ToBytes, bytesToBase64, dearmourPem, keyFileToBase64 } from './bytes.js';
import { MIN_PASSPHRASE_LENGTH, strengthView } from '../../features/vault/strength.js';

describe('middleTruncate', () => {
  it('keeps short text and cuts the middle of long text', () => {
    expect(middleTruncate('short', 10)).toBe('short');
    expect(middleTruncate('0x9858EfFD232B4033E47d90003D41EC34EcaEda94', 11)).toBe('0x985…Eda94');
    expect(middleTruncate('abcdefghij', 9)).toHaveLength(9);
    expect(middleTruncate('abcdef', 2)).toBe('ab');
  });
  it('never splits a surrogate pair', () => {
    const s = '🔑'.repeat(10);
    expect([...middleTruncate(s, 5)].every((c) => c === '🔑' || c === '…')).toBe(true);
  });
});

describe('format', () => {
  it('formats countdowns', () => {
    expect(formatCountdown(750_000)).toBe('12:30');
    expect(formatCountdown(3_723_000)).toBe('1:02:03');
    expect(formatCountdown(-5)).toBe('0:00');
    expect(formatCountdown(1)).toBe('0:01');
  });
  it('formats relative times and sizes', () => {
    expect(formatRelative(1000, 2000)).toBe('just now');
    expect(formatRelative(0, 5 * 60_000)).toBe('5 min ago');
    expect(formatRelative(10 * 60_000, 0)).toBe('in 10 min');
    expect(formatKiB(65536)).toBe('64 MiB');
  });
});

describe('bytes', () => {
  it('round-trips base64 and de-armours PEM', () => {
    const bytes = new Uint8Array(70_000).map((_, i) => i & 0xff);
    expect(base64ToBytes(bytesToBase64(bytes))).toEqual(bytes);
    const pem = `-----BEGIN PUBLIC KEY-----\n${bytesToBase64(new Uint8Array([1, 2, 3, 4]))}\n-----END PUBLIC KEY-----\n`;
    expect(dearmourPem(pem)).toEqual({ label: 'PUBLIC KEY', der: new Uint8Array([1, 2, 3, 4]) });
    expect(keyFileToBase64(new TextEncoder().encode(pem))).toEqual({ data: 'AQIDBA==', pemLabel: 'PUBLIC KEY' });
    expect(keyFileToBase64(new Uint8Array([9, 9]))).toEqual({ data: 'CQk=' });
  });
});

describe('strengthView', () => {
  it('accepts only long passphrases that zxcvbn scores 3 or more', () => {
    expect(strengthView('', undefined)).toMatchObject({ segments: 0, acceptable: false });
    expect(strengthView('short', { score: 4 })).toMatchObject({ acceptable: false, hint: expect.stringContaining(String(MIN_PASSPHRASE_LENGTH)) });
    expect(strengthView('a'.repeat(20), { score: 1, warning: 'Repeats' })).toMatchObject({ acceptable: false, tone: 'danger', hint: 'Repeats' });
    expect(strengthView('correct horse battery staple', { score: 4 })).toMatchObject({ acceptable: true, tone: 'success', segments: 4, label: 'Very strong' });
    expect(strengthView('correct horse battery staple', undefined)).toMatchObject({ acceptable: false }); // estimator still loading
  });
});
