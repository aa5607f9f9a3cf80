/**
 * @module core/chains/bitcoin/amount
 * Satoshi amounts shown as BTC: exact decimal strings from bigint (1 BTC = 10^8 sat), never
 * through floating point. Pure.
 */
const SATS_PER_BTC = 100_000_000n;

/** `123456789n` → `"1.23456789"`; trailing zeros kept to eight places so columns line up. */
export function formatBtc(sats: bigint): string {
  const negative = sats < 0n;
  const abs = negative ? -sats : sats;
  const whole = abs / SATS_PER_BTC;
  const frac = (abs % SATS_PER_BTC).toString().padStart(8, '0');
  return `${negative ? '-' : ''}${whole}.${frac}`;
}
