/**
 * The one mapping from a loaded configuration onto the options the core is opened with (used by
 * the desktop app, and meant for every process that opens a data directory).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CONFIG_FILE_NAME, coreOptionsFrom, coreSettingsFrom, loadConfig } from './index.js';
import { parseAirGappedEnv } from './core-options.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'custos-core-options-'));
  dirs.push(dir);
  return dir;
}

describe('coreOptionsFrom', () => {
  it('maps the security and audit sections, and keeps the data directory the configuration resolved', () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, CONFIG_FILE_NAME),
      'audit:\n  checkpoint_every_events: 77\n  checkpoint_every_seconds: 9\n  origin: custos.example/ops\nserver:\n  wallet_rpc:\n    chains:\n      - { chain_id: 11155111, name: Sepolia, upstream_url: "http://127.0.0.1:8545" }\n      - { chain_id: 1, name: Ethereum }\n',
    );
    const { config } = loadConfig({ dataDir: dir, preset: 'test', env: {} });
    const options = coreOptionsFrom(config, { dataDir: '/elsewhere', env: {} });
    const { kdf, lockout, access, deletionWindowMs } = coreSettingsFrom(config);
    expect(deletionWindowMs).toBe(24 * 3600 * 1000); // the test preset's key_deletion_window_days (1)
    expect(options).toEqual({
      dataDir: dir,
      kdf,
      lockout,
      access,
      deletionWindowMs,
      audit: { checkpointEveryEvents: 77, checkpointEverySeconds: 9, origin: 'custos.example/ops' },
      crypto: { forceNoble: false },
      walletChains: [
        { chainId: '11155111', name: 'Sepolia' },
        { chainId: '1', name: 'Ethereum' },
      ],
      configPolicies: [],
    });
  });

  it('falls back to the given data directory, and reads CUSTOS_FORCE_NOBLE=1 only', () => {
    const { config } = loadConfig({ env: {} });
    expect(coreOptionsFrom(config, { dataDir: '/data', env: { CUSTOS_FORCE_NOBLE: '1' } })).toMatchObject({ dataDir: '/data', crypto: { forceNoble: true } });
    expect(coreOptionsFrom(config, { dataDir: '/data', env: { CUSTOS_FORCE_NOBLE: 'yes' } }).crypto).toEqual({ forceNoble: false });
  });

  it('sets airGapped from custos.yaml (config) or the flag (flag); the flag never turns it off, and config wins the naming', () => {
    const off = loadConfig({ env: {} }).config;
    const on = loadConfig({ env: { CUSTOS_SERVER__AIR_GAPPED: 'true' } }).config;
    expect(coreOptionsFrom(off, { dataDir: '/d', env: {} })).not.toHaveProperty('airGapped');
    expect(coreOptionsFrom(off, { dataDir: '/d', env: {}, airGappedFlag: false })).not.toHaveProperty('airGapped');
    expect(coreOptionsFrom(off, { dataDir: '/d', env: {}, airGappedFlag: true }).airGapped).toBe('flag');
    expect(coreOptionsFrom(on, { dataDir: '/d', env: {} }).airGapped).toBe('config');
    expect(coreOptionsFrom(on, { dataDir: '/d', env: {}, airGappedFlag: false }).airGapped).toBe('config');
    expect(coreOptionsFrom(on, { dataDir: '/d', env: {}, airGappedFlag: true }).airGapped).toBe('config');
  });
});

describe('parseAirGappedEnv', () => {
  it('is off when unset or empty, on for 1, true, yes, and refuses anything else (0 and false too: it cannot turn the mode off)', () => {
    expect(parseAirGappedEnv(undefined)).toBe(false);
    expect(parseAirGappedEnv('')).toBe(false);
    for (const v of ['1', 'true', 'yes', 'TRUE', 'Yes']) expect(parseAirGappedEnv(v), v).toBe(true);
    for (const v of ['0', 'false', 'no', 'on', '2', ' 1']) expect(() => parseAirGappedEnv(v), v).toThrow(/CUSTOS_AIR_GAPPED must be 1, true or yes/);
  });
});
