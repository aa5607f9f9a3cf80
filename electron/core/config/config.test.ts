/**
 * Tests of the configuration module with real files in a temporary directory: defaults, presets,
 * layering (preset < file < environment), every section's validation with the key path in the
 * message, YAML syntax errors, environment overrides, redaction and the mapping onto the core.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CustodyError } from '../../../shared/errors.js';
import { DEFAULT_DELETION_WINDOW_MS } from '../keys/key-store.js';
import { assertKdfSettings, DEFAULT_KDF, DEFAULT_LOCKOUT } from '../vault/vault.js';
import { DEFAULT_SESSION_IDLE_MS } from '../custodian.js';
import {
  CONFIG_FILE_NAME,
  coreSettingsFrom,
  effectiveConfigYaml,
  isSecretKey,
  loadConfig,
  type CustosConfig,
  type LoadedConfig,
} from './index.js';

const dirs: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'custos-config-'));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A data directory holding `custos.yaml` with this text. */
function dataDirWith(yaml: string): { dir: string; file: string } {
  const dir = tempDir();
  const file = join(dir, CONFIG_FILE_NAME);
  writeFileSync(file, yaml);
  return { dir, file };
}

function load(yaml: string, env: Record<string, string> = {}): LoadedConfig {
  return loadConfig({ dataDir: dataDirWith(yaml).dir, env });
}

/** The CustodyError `fn` throws; anything else (or nothing) fails the test. */
function errorOf(fn: () => unknown): CustodyError {
  try {
    fn();
  } catch (error) {
    if (error instanceof CustodyError) return error;
    throw error;
  }
  throw new Error('expected a CustodyError, but nothing was thrown');
}

/** The INVALID_INPUT message for this file text (and environment). */
function messageFor(yaml: string, env: Record<string, string> = {}): string {
  const error = errorOf(() => load(yaml, env));
  expect(error.code).toBe('INVALID_INPUT');
  return error.message;
}

const DEFAULTS: Omit<CustosConfig, 'storage'> = {
  preset: 'production',
  server: {
    air_gapped: false,
    bind: '127.0.0.1',
    hsm: { enabled: false, port: 50051 },
    wallet_rpc: { enabled: false, port: 1248, max_body_bytes: 1048576, batch_limit: 100, chains: [{ chain_id: 1, name: 'Ethereum' }], allow_eth_sign: false },
    eth2: { enabled: false, port: 9000 },
    metrics: { enabled: false, port: 9090 },
  },
  devices: { pkcs11_modules: [], ledger: false },
  security: {
    kdf: { memory_kib: 65536, iterations: 3, parallelism: 1 },
    session_idle_timeout_s: 900,
    max_auth_attempts: 5,
    lockout_base_s: 30,
    lockout_max_s: 3600,
    auth_failure_window_s: 900,
    key_deletion_window_days: 7,
  },
  audit: { checkpoint_every_events: 1000, checkpoint_every_seconds: 300 },
  logging: { level: 'info', format: 'text' },
  namespaces: {},
  policies: [],
};

describe('defaults and presets', () => {
  it('no file: production defaults, data_dir = the data directory', () => {
    const dir = tempDir();
    const loaded = loadConfig({ dataDir: dir, env: {} });
    expect(loaded.config).toEqual({ ...DEFAULTS, storage: { data_dir: dir } });
    expect(loaded.source).toEqual({ preset: 'production', env: [] });
    expect(loadConfig({}).config.storage.data_dir).toBeUndefined();
  });

  it('an empty file or one with only comments is all defaults', () => {
    expect(load('').config.security).toEqual(DEFAULTS.security);
    expect(load('# nothing here yet\n').config.server).toEqual(DEFAULTS.server);
  });

  it('production is the defaults; development logs at debug; test has a fast KDF and short timeouts', () => {
    const dir = tempDir();
    const production = loadConfig({ dataDir: dir, preset: 'production' }).config;
    const development = loadConfig({ dataDir: dir, preset: 'development' }).config;
    const test = loadConfig({ dataDir: dir, preset: 'test' }).config;
    expect(production).toEqual({ ...DEFAULTS, storage: { data_dir: dir } });
    expect(development).toEqual({ ...DEFAULTS, preset: 'development', logging: { level: 'debug', format: 'text' }, storage: { data_dir: dir } });
    expect(test.preset).toBe('test');
    expect(test.security.kdf).toEqual({ memory_kib: 1024, iterations: 1, parallelism: 1 });
    expect(test.security.session_idle_timeout_s).toBeLessThan(DEFAULTS.security.session_idle_timeout_s);
    expect(test.security.lockout_base_s).toBeLessThan(DEFAULTS.security.lockout_base_s);
    expect(test.security.lockout_max_s).toBeLessThan(DEFAULTS.security.lockout_max_s);
    expect(test.server).toEqual(DEFAULTS.server);
  });

  it('the preset may come from the file; it must agree with the argument when both are given', () => {
    const { dir, file } = dataDirWith('preset: development\n');
    const loaded = loadConfig({ dataDir: dir });
    expect(loaded.source.preset).toBe('development');
    expect(loaded.config.logging.level).toBe('debug');
    expect(loadConfig({ dataDir: dir, preset: 'development' }).config.preset).toBe('development');
    const conflict = errorOf(() => loadConfig({ dataDir: dir, preset: 'test' }));
    expect(conflict.message).toContain(`${file}:1:1: preset: expected the preset asked for by the caller (test), got "development"`);
    expect(messageFor('preset: staging\n')).toContain('preset: expected a preset (development, production, test), got "staging"');
  });

  it('file values override the preset, key by key', () => {
    const loaded = load('preset: test\nsecurity:\n  kdf:\n    iterations: 2\n  lockout_max_s: 60\n');
    expect(loaded.config.security.kdf).toEqual({ memory_kib: 1024, iterations: 2, parallelism: 1 });
    expect(loaded.config.security.lockout_max_s).toBe(60);
    expect(loaded.config.security.lockout_base_s).toBe(1); // still the preset's
  });
});

describe('files', () => {
  it('an explicit file must exist; the data-directory custos.yaml is optional', () => {
    const dir = tempDir();
    const missing = join(dir, 'nope.yaml');
    const error = errorOf(() => loadConfig({ file: missing }));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toContain(`${missing}: the file does not exist`);
    expect(loadConfig({ dataDir: dir }).source.file).toBeUndefined();
  });

  it('a custos.yaml that cannot be read is an error, never "no file"', () => {
    const dir = tempDir();
    mkdirSync(join(dir, CONFIG_FILE_NAME));
    const error = errorOf(() => loadConfig({ dataDir: dir }));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toContain(`${join(dir, CONFIG_FILE_NAME)}: it is a directory`);
  });

  it('an explicit file elsewhere: data_dir is the dataDir argument, else the file directory; relative paths are relative to the file', () => {
    const configDir = tempDir();
    const file = join(configDir, 'custom.yaml');
    writeFileSync(file, 'server:\n  hsm:\n    tls: {cert_file: tls/cert.pem, key_file: /etc/custos/key.pem}\n');
    const alone = loadConfig({ file });
    expect(alone.source.file).toBe(file);
    expect(alone.config.storage.data_dir).toBe(configDir);
    expect(alone.config.server.hsm.tls).toEqual({ cert_file: join(configDir, 'tls/cert.pem'), key_file: '/etc/custos/key.pem' });
    const dataDir = tempDir();
    expect(loadConfig({ file, dataDir }).config.storage.data_dir).toBe(dataDir);

    writeFileSync(file, 'storage:\n  data_dir: vault\n');
    expect(loadConfig({ file, dataDir }).config.storage.data_dir).toBe(join(configDir, 'vault'));
  });

  it('a YAML syntax error names the file, line and column', () => {
    const { dir, file } = dataDirWith('server:\n  bind: 127.0.0.1\n  hsm: [1,\n  port: 2\n');
    const error = errorOf(() => loadConfig({ dataDir: dir }));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toContain(`${file}:4:3: not valid YAML (line 4, column 3): Flow sequence in block collection`);
    expect(error.details).toMatchObject({ file, line: 4, column: 3 });
    expect(messageFor('a: 1\na: 2\n')).toContain(`${CONFIG_FILE_NAME}:2:1: not valid YAML (line 2, column 1): Map keys must be unique`);
    // An unknown tag would otherwise be read as a plain string: refused.
    expect(messageFor('audit:\n  origin: !custom x\n')).toContain(':2:11: not valid YAML');
    expect(messageFor('- a\n- b\n')).toContain('expected a mapping of sections at the top level, got a list');
  });

  it('a key named __proto__ is an unknown key, not a prototype', () => {
    expect(messageFor('__proto__:\n  polluted: true\n')).toContain('__proto__: unknown key');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('the returned configuration is frozen', () => {
    const { config } = load('');
    expect(Object.isFrozen(config.security.kdf)).toBe(true);
    expect(() => {
      (config.security.kdf as { memory_kib: number }).memory_kib = 1;
    }).toThrow(TypeError);
  });
});

describe('validation names the file, line, key path and expectation', () => {
  it('server: ports, bind, air-gapped mode, TLS, unknown keys', () => {
    expect(messageFor('server:\n  hsm:\n    port: 0\n')).toContain(`${CONFIG_FILE_NAME}:3:5: server.hsm.port: expected an integer from 1 to 65535, got 0`);
    expect(messageFor('server:\n  eth2: {port: 70000}\n')).toContain('server.eth2.port: expected an integer from 1 to 65535, got 70000');
    expect(messageFor('server:\n  metrics: {port: "9090"}\n')).toContain('server.metrics.port: expected an integer from 1 to 65535, got "9090"');
    expect(messageFor('server:\n  wallet_rpc: {max_body_bytes: 10}\n')).toContain('server.wallet_rpc.max_body_bytes: expected an integer from 1024 to 67108864 (bytes), got 10');
    expect(messageFor('server:\n  wallet_rpc:\n    chains: []\n')).toContain('server.wallet_rpc.chains: expected at least one chain');
    expect(messageFor('server:\n  wallet_rpc:\n    chains: [{chain_id: 0, name: x}]\n')).toContain(':3:15: server.wallet_rpc.chains[0].chain_id: expected an integer from 1 to 9007199254740991, got 0');
    expect(messageFor('server:\n  wallet_rpc:\n    chains: [{chain_id: 5, name: a, upstream_url: "ftp://x"}]\n')).toContain('server.wallet_rpc.chains[0].upstream_url: expected an http(s) URL');
    expect(messageFor('server:\n  wallet_rpc:\n    chains: [{chain_id: 5, name: a}, {chain_id: 5, name: b}]\n')).toContain('server.wallet_rpc.chains[1].chain_id: expected a chain id not listed twice, got 5');

    const clash = messageFor('server:\n  hsm: {enabled: true}\n  metrics: {enabled: true, port: 50051}\n');
    expect(clash).toContain(':3:28: server.metrics.port: expected a port not used by another enabled server (server.hsm.port), got 50051');
    expect(clash).toContain('server.hsm.port: expected a port not used by another enabled server (server.metrics.port), got 50051 (the default)');
    // Disabled servers do not listen, so their ports may coincide.
    expect(load('server:\n  metrics: {port: 50051}\n').config.server.metrics.port).toBe(50051);

    for (const address of ['0.0.0.0', '192.168.1.10', '::', 'example.com']) {
      expect(messageFor(`server:\n  bind: "${address}"\n`)).toContain(
        `server.bind: expected a loopback address (127.0.0.1, ::1, localhost), got ${JSON.stringify(address)}`,
      );
    }
    expect(load('server:\n  bind: "::1"\n').config.server.bind).toBe('::1');
    expect(load('server:\n  bind: localhost\n').config.server.bind).toBe('localhost');

    expect(messageFor('server:\n  air_gapped: true\n  wallet_rpc:\n    enabled: true\n')).toContain(
      ':4:5: server.wallet_rpc.enabled: expected false while server.air_gapped is true',
    );
    expect(load('server:\n  air_gapped: true\n').config.server.air_gapped).toBe(true);

    expect(messageFor('server:\n  hsm:\n    tls: {cert_file: a.pem}\n')).toContain('server.hsm.tls.key_file: expected a file path (1 to 4096 characters), got nothing');
    expect(messageFor('server:\n  hsm:\n    prot: 50052\n')).toContain(':3:5: server.hsm.prot: unknown key (expected one of enabled, port, tls)');
    expect(messageFor('server:\n  air_gapped: "yes"\n')).toContain('server.air_gapped: expected true or false, got "yes"');
    expect(messageFor('server: 5\n')).toContain('server: expected a mapping of keys to values, got 5');
  });

  it('policies: the same checks as the app, the field named; names used once', () => {
    const ok = load('policies:\n  - name: cap\n    kind: rules\n    scope: { kind: global }\n    rules:\n      - { type: valueLimit, perTransaction: "1000000000000000000" }\n');
    expect(ok.config.policies).toMatchObject([{ name: 'cap', kind: 'rules', priority: 100, enabled: true, rules: [{ type: 'valueLimit', action: 'deny' }] }]);
    expect(messageFor('policies:\n  - name: cap\n    kind: rules\n    scope: { kind: global }\n    rules:\n      - { type: valueLimit, perTransaction: "1.5" }\n')).toContain(":6:29: policies[0].rules[0].perTransaction: expected a decimal amount in base units (wei, token units), got \"1.5\"");
    // An unquoted address stays the text it is (YAML would read 0x… as a hex integer).
    const unquoted = load('policies:\n  - { name: r, kind: rules, scope: { kind: global }, rules: [{ type: recipients, mode: allow, addresses: [0x00000000000000000000000000000000000000A1] }] }\n');
    expect(unquoted.config.policies[0]).toMatchObject({ rules: [{ addresses: ['0x00000000000000000000000000000000000000A1'] }] });
    expect(messageFor('server:\n  hsm: {port: 0x1F90}\n')).toContain('server.hsm.port: expected an integer from 1 to 65535, got "0x1F90"');
    expect(messageFor('policies:\n  - { name: a, kind: rules, scope: { kind: global }, rules: [{ type: chains, mode: allow, chainIds: [1] }] }\n  - { name: a, kind: rules, scope: { kind: global }, rules: [{ type: chains, mode: allow, chainIds: [1] }] }\n')).toContain('policies[1].name: expected a policy name not used twice');
  });

  it('storage', () => {
    expect(messageFor('storage:\n  data_dir: 5\n')).toContain('storage.data_dir: expected a directory path (1 to 4096 characters), got 5');
    expect(messageFor('storage:\n  path: /x\n')).toContain('storage.path: unknown key (expected one of data_dir)');
  });

  it('security', () => {
    expect(messageFor('security:\n  kdf:\n    memory_kib: 512\n')).toContain(
      `${CONFIG_FILE_NAME}:3:5: security.kdf.memory_kib: expected an integer from 1024 to 4194304 (KiB), got 512`,
    );
    expect(messageFor('security:\n  kdf: {iterations: 65}\n')).toContain('security.kdf.iterations: expected an integer from 1 to 64, got 65');
    expect(messageFor('security:\n  kdf: {parallelism: 0}\n')).toContain('security.kdf.parallelism: expected an integer from 1 to 16, got 0');
    expect(messageFor('security:\n  kdf: {iterations: 2.5}\n')).toContain('security.kdf.iterations: expected an integer from 1 to 64, got 2.5');
    expect(messageFor('security:\n  key_deletion_window_days: 0\n')).toContain('security.key_deletion_window_days: expected an integer from 1 to 365 (days), got 0');
    expect(messageFor('security:\n  max_auth_attempts: five\n')).toContain('security.max_auth_attempts: expected an integer from 1 to 100, got "five"');
    expect(messageFor('security:\n  lockout_base_s: 7200\n')).toContain(
      'security.lockout_max_s: expected an integer ≥ security.lockout_base_s (7200), got 3600 (the default)',
    );
    expect(messageFor('security:\n  kdf:\n    memory: 1024\n')).toContain('security.kdf.memory: unknown key (expected one of memory_kib, iterations, parallelism)');
  });

  it('audit', () => {
    expect(messageFor('audit:\n  checkpoint_every_events: 0\n')).toContain('audit.checkpoint_every_events: expected an integer from 1 to 1000000, got 0');
    expect(messageFor('audit:\n  origin: "two\\nlines"\n')).toContain('audit.origin: expected an origin name on one line (no control characters)');
    expect(messageFor('audit:\n  every: 5\n')).toContain('audit.every: unknown key');
    expect(load('audit:\n  origin: custos.example/log\n').config.audit.origin).toBe('custos.example/log');
  });

  it('logging', () => {
    expect(messageFor('logging:\n  level: trace\n')).toContain('logging.level: expected one of error, warn, info, debug, got "trace"');
    expect(messageFor('logging:\n  format: xml\n')).toContain('logging.format: expected one of text, json, got "xml"');
  });

  it('namespaces', () => {
    const ok = load('namespaces:\n  payments:\n    description: card payments\n    max_keys: 10\n    rate_limit_per_s: 0.5\n  team.a-1: {}\n');
    expect(ok.config.namespaces).toEqual({ payments: { description: 'card payments', max_keys: 10, rate_limit_per_s: 0.5 }, 'team.a-1': {} });
    expect(messageFor('namespaces:\n  "bad name": {}\n')).toContain(
      `${CONFIG_FILE_NAME}:2:3: namespaces["bad name"]: expected a namespace name matching /^[A-Za-z0-9._-]{1,128}$/, got "bad name"`,
    );
    expect(messageFor('namespaces:\n  payments: {max_keys: 0}\n')).toContain('namespaces.payments.max_keys: expected an integer from 1 to 1000000, got 0');
    expect(messageFor('namespaces:\n  payments: {rate_limit_per_s: -1}\n')).toContain('namespaces.payments.rate_limit_per_s: expected a number of operations per second > 0, got -1');
    expect(messageFor('namespaces:\n  payments: {owner: bob}\n')).toContain('namespaces.payments.owner: unknown key (expected one of description, max_keys, rate_limit_per_s)');
  });

  it('a top-level typo, and every problem reported at once', () => {
    expect(messageFor('securty:\n  max_auth_attempts: 3\n')).toContain(':1:1: securty: unknown key (expected one of preset, server, storage, devices, security, audit, logging, namespaces, policies)');
    const message = messageFor('server:\n  bind: 0.0.0.0\nsecurity:\n  kdf: {memory_kib: 512}\nlogging: {level: loud}\n');
    expect(message).toMatch(/^invalid configuration \(3 problems\):/);
    expect(message).toContain('server.bind');
    expect(message).toContain('security.kdf.memory_kib');
    expect(message).toContain('logging.level');
    const error = errorOf(() => load('logging: {level: loud}\n'));
    expect(error.details).toMatchObject({ key: 'logging.level' });
  });
});

describe('environment overrides', () => {
  it('override the file, coerced by the expected type; other CUSTOS_ variables are ignored', () => {
    const loaded = load('server:\n  hsm:\n    port: 50052\nsecurity:\n  kdf:\n    memory_kib: 131072\n', {
      CUSTOS_SERVER__HSM__PORT: '50053',
      CUSTOS_SECURITY__KDF__MEMORY_KIB: '262144',
      CUSTOS_SERVER__AIR_GAPPED: 'true',
      CUSTOS_AUDIT__ORIGIN: 'custos/test',
      CUSTOS_logging__level: 'warn',
      CUSTOS_PASSPHRASE: 'correct horse battery staple',
      CUSTOS_DATA_DIR: '/elsewhere',
      CUSTOS_FORCE_NOBLE: '1',
      OTHER__SERVER__BIND: 'x',
    });
    expect(loaded.config.server.hsm.port).toBe(50053);
    expect(loaded.config.security.kdf.memory_kib).toBe(262144);
    expect(loaded.config.server.air_gapped).toBe(true);
    expect(loaded.config.audit.origin).toBe('custos/test');
    expect(loaded.config.logging.level).toBe('warn');
    expect(loaded.source.env).toEqual([
      'CUSTOS_AUDIT__ORIGIN',
      'CUSTOS_SECURITY__KDF__MEMORY_KIB',
      'CUSTOS_SERVER__AIR_GAPPED',
      'CUSTOS_SERVER__HSM__PORT',
      'CUSTOS_logging__level',
    ]);
  });

  it('env beats file beats preset', () => {
    const loaded = load('preset: test\nsecurity:\n  kdf: {iterations: 2}\n', { CUSTOS_SECURITY__KDF__ITERATIONS: '4' });
    expect(loaded.config.security.kdf).toEqual({ memory_kib: 1024, iterations: 4, parallelism: 1 });
  });

  it('an unknown key, a section, a malformed name or a duplicate names the variable', () => {
    expect(messageFor('', { CUSTOS_SECURITY__KDF__MEMORY: '1' })).toContain(
      'environment variable CUSTOS_SECURITY__KDF__MEMORY: security.kdf.memory: unknown key (expected one of memory_kib, iterations, parallelism)',
    );
    expect(messageFor('', { CUSTOS_SERVR__BIND: '::1' })).toContain('environment variable CUSTOS_SERVR__BIND: servr: unknown key');
    expect(messageFor('', { CUSTOS_SERVER__BIND__HOST: '::1' })).toContain('environment variable CUSTOS_SERVER__BIND__HOST: server.bind.host: unknown key');
    expect(messageFor('', { CUSTOS_SERVER__HSM: 'on' })).toContain('environment variable CUSTOS_SERVER__HSM: server.hsm: expected a key, not a section');
    expect(messageFor('', { CUSTOS_SERVER____PORT: '1' })).toContain('environment variable CUSTOS_SERVER____PORT: expected a name of the form');
    expect(messageFor('', { CUSTOS_SERVER__HSM__PORT: '1', CUSTOS_server__hsm__port: '2' })).toContain('but CUSTOS_SERVER__HSM__PORT sets it too');
  });

  it('a value of the wrong type names the variable and the key', () => {
    expect(messageFor('', { CUSTOS_SERVER__HSM__PORT: 'abc' })).toContain(
      'environment variable CUSTOS_SERVER__HSM__PORT: server.hsm.port: expected an integer from 1 to 65535, got "abc"',
    );
    expect(messageFor('', { CUSTOS_SERVER__AIR_GAPPED: 'yes' })).toContain('environment variable CUSTOS_SERVER__AIR_GAPPED: server.air_gapped: expected true or false, got "yes"');
    expect(messageFor('', { CUSTOS_SECURITY__KDF__MEMORY_KIB: '512' })).toContain('environment variable CUSTOS_SECURITY__KDF__MEMORY_KIB: security.kdf.memory_kib: expected an integer from 1024');
    expect(messageFor('', { CUSTOS_SERVER__BIND: '0.0.0.0' })).toContain('environment variable CUSTOS_SERVER__BIND: server.bind: expected a loopback address');
    expect(messageFor('server:\n  hsm: {enabled: true}\n', { CUSTOS_SERVER__METRICS__ENABLED: 'true', CUSTOS_SERVER__METRICS__PORT: '50051' })).toContain(
      'environment variable CUSTOS_SERVER__METRICS__PORT: server.metrics.port: expected a port not used by another enabled server (server.hsm.port)',
    );
  });

  it('namespaces declared in the file can be changed (name matched regardless of case), never created', () => {
    const loaded = load('namespaces:\n  Payments.EU: {max_keys: 5}\n', { 'CUSTOS_NAMESPACES__PAYMENTS.EU__MAX_KEYS': '50' });
    expect(loaded.config.namespaces).toEqual({ 'Payments.EU': { max_keys: 50 } });
    expect(messageFor('', { CUSTOS_NAMESPACES__BILLING__MAX_KEYS: '5' })).toContain(
      'environment variable CUSTOS_NAMESPACES__BILLING__MAX_KEYS: namespaces.BILLING: expected the name of an entry the configuration file declares',
    );
  });
});

describe('effectiveConfigYaml', () => {
  it('prints the effective configuration with a header naming file, preset and variables (never their values)', () => {
    const { dir, file } = dataDirWith('preset: development\nserver:\n  hsm: {enabled: true}\n');
    const loaded = loadConfig({ dataDir: dir, env: { CUSTOS_SERVER__HSM__PORT: '50099' } });
    const text = effectiveConfigYaml(loaded);
    expect(text).toContain(`# file: ${file}\n`);
    expect(text).toContain('# preset: development\n');
    expect(text).toContain('# environment overrides: CUSTOS_SERVER__HSM__PORT\n');
    expect(text).toContain('    port: 50099\n');
    expect(text).toContain('  level: debug\n');

    // What it prints loads back to the same configuration.
    const copy = join(tempDir(), 'copy.yaml');
    writeFileSync(copy, text);
    expect(loadConfig({ file: copy }).config).toEqual(loaded.config);

    expect(effectiveConfigYaml(loadConfig({}))).toContain('# file: none');
  });

  it('redacts keys named like a password, passphrase, secret, token or PIN, and only those', () => {
    const loaded = load('namespaces:\n  shipping: {description: parcels}\n  tokens: {max_keys: 3}\n');
    // No secret keys exist in the schema today; add some the way a future section might.
    const config = Object.assign(structuredClone(loaded.config), {
      remote: { api_token: 'tok-123', user_pin: '1234', userPin: '5678', db_password: 'hunter2', passphrase_file: '/run/pass', client_secret: 's3', shipping: 'kept', spinner: 'kept' },
    });
    const text = effectiveConfigYaml({ ...loaded, config });
    for (const secret of ['tok-123', '1234', '5678', 'hunter2', '/run/pass', 's3']) expect(text).not.toContain(secret);
    expect(text).toContain('api_token: <redacted>');
    expect(text).toContain('user_pin: <redacted>');
    expect(text).toContain('shipping: kept');
    expect(text).toContain('spinner: kept');
    // Namespace names are data, not keys: a namespace called "tokens" is printed, not blanked.
    expect(text).toContain('  tokens:\n    max_keys: 3\n');
    expect(text).toContain('description: parcels');
    expect(['pin', 'PIN', 'hsm_pin', 'pinFile', 'token', 'secret_key', 'Passphrase'].every(isSecretKey)).toBe(true);
    expect(['shipping', 'spinner', 'mapping', 'port', 'origin'].some(isSecretKey)).toBe(false);
  });
});

describe('coreSettingsFrom', () => {
  it('maps the defaults onto the core defaults', () => {
    const settings = coreSettingsFrom(load('').config);
    expect(settings).toEqual({ kdf: DEFAULT_KDF, lockout: DEFAULT_LOCKOUT, deletionWindowMs: DEFAULT_DELETION_WINDOW_MS, access: { sessionIdleMs: DEFAULT_SESSION_IDLE_MS, namespaces: {} } });
  });

  it('maps seconds and days to milliseconds; the test preset is a KDF the vault accepts', () => {
    const { config } = load(
      'preset: test\nsecurity:\n  max_auth_attempts: 3\n  lockout_base_s: 2\n  lockout_max_s: 20\n  auth_failure_window_s: 60\n  key_deletion_window_days: 2\n  session_idle_timeout_s: 120\n  rate_limit_per_s: 50\n  rate_limit_burst: 10\nnamespaces:\n  payments:\n    max_keys: 3\n    rate_limit_per_s: 2.5\n    description: parcels\n',
    );
    const settings = coreSettingsFrom(config);
    expect(settings).toEqual({
      kdf: { algorithm: 'argon2id', memoryKiB: 1024, iterations: 1, parallelism: 1 },
      lockout: { freeAttempts: 3, baseDelayMs: 2000, maxDelayMs: 20_000, windowMs: 60_000 },
      deletionWindowMs: 2 * 24 * 3600 * 1000,
      access: { sessionIdleMs: 120_000, principalRatePerS: 50, principalBurst: 10, namespaces: { payments: { maxKeys: 3, rateLimitPerS: 2.5, description: 'parcels' } } },
    });
    expect(() => assertKdfSettings(settings.kdf)).not.toThrow();
  });
});
