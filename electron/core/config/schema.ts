/**
 * @module core/config/schema
 * The shape of `custos.yaml`: one zod schema, every key optional with its production default,
 * every object strict (an unknown key — usually a typo — is an error, never silently ignored).
 * Cross-key rules (distinct ports, air-gapped means no listener, lockout bounds) live here too,
 * so nothing that passes this schema is half valid.
 *
 * Trusts nothing: the input is whatever a YAML file and the environment produced. Each message
 * is an "expected …" phrase; the loader adds where the value came from, the key path and what
 * it got. Pure zod: no Node, no file access.
 */
import { z } from 'zod';
import { policyDefinitionSchema } from '../../../shared/api/policy.js';

export const PRESET_NAMES = ['development', 'production', 'test'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/** We never listen beyond loopback (ARCHITECTURE.md, Interfaces): no other address is accepted. */
export const LOOPBACK_BINDS = ['127.0.0.1', '::1', 'localhost'] as const;

/** The same rule the key store applies to namespace names. */
export const NAMESPACE_NAME_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;

/** The loopback listeners, in the order their port conflicts are reported. */
export const SERVER_NAMES = ['hsm', 'wallet_rpc', 'eth2', 'metrics'] as const;
export type ServerName = (typeof SERVER_NAMES)[number];

/** Upper bound the vault itself enforces on Argon2id memory (4 GiB, in KiB). */
const MAX_KDF_MEMORY_KIB = 4 * 1024 * 1024;
const MAX_SECONDS_PER_DAY = 86_400;

function intIn(min: number, max?: number, unit = ''): z.ZodNumber {
  const suffix = unit === '' ? '' : ` (${unit})`;
  const expected = max === undefined ? `expected an integer ≥ ${min}${suffix}` : `expected an integer from ${min} to ${max}${suffix}`;
  const schema = z.number({ error: expected }).int({ error: expected }).min(min, { error: expected });
  return max === undefined ? schema : schema.max(max, { error: expected });
}

function bool(): z.ZodBoolean {
  return z.boolean({ error: 'expected true or false' });
}

function nonEmptyText(what: string, maxLength: number): z.ZodString {
  const expected = `expected ${what} (1 to ${maxLength} characters)`;
  return z.string({ error: expected }).min(1, { error: expected }).max(maxLength, { error: expected });
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T, what?: string): z.ZodEnum<{ [K in T[number]]: K }> {
  const list = values.join(', ');
  return z.enum(values, { error: what === undefined ? `expected one of ${list}` : `expected ${what} (${list})` });
}

/** A strict object whose own type error reads like the others. Unknown keys are reported by the loader. */
function section<T extends z.core.$ZodLooseShape>(shape: T): z.ZodObject<{ -readonly [K in keyof T]: T[K] }, z.core.$strict> {
  return z.strictObject(shape, { error: (issue) => (issue.code === 'invalid_type' ? 'expected a mapping of keys to values' : undefined) });
}

const port = (fallback: number) => intIn(1, 65535).default(fallback);
const filePath = () => nonEmptyText('a file path', 4096);

const tlsSchema = section({
  cert_file: filePath(),
  key_file: filePath(),
  /** Present = mutual TLS: clients must show a certificate issued by this CA. */
  client_ca_file: filePath().optional(),
});

const walletChainSchema = section({
  /** EIP-155 chain id. */
  chain_id: intIn(1, Number.MAX_SAFE_INTEGER),
  name: nonEmptyText('a chain name', 64),
  /** An Ethereum JSON-RPC endpoint: eth_sendTransaction broadcasts there; read methods are forwarded there. */
  upstream_url: z
    .string({ error: 'expected an http(s) URL' })
    .max(2048, { error: 'expected an http(s) URL' })
    .refine((u) => /^https?:\/\/[^\s]+$/u.test(u) && URL.canParse(u), { error: 'expected an http(s) URL' })
    .optional(),
});

const serverSchema = section({
  air_gapped: bool().default(false),
  bind: oneOf(LOOPBACK_BINDS, 'a loopback address').default('127.0.0.1'),
  hsm: section({
    enabled: bool().default(false),
    port: port(50051),
    tls: tlsSchema.optional(),
  }).prefault({}),
  wallet_rpc: section({
    enabled: bool().default(false),
    port: port(1248),
    max_body_bytes: intIn(1024, 64 * 1024 * 1024, 'bytes').default(1024 * 1024),
    batch_limit: intIn(1, 1000).default(100),
    /** The chains clients may be on; the first is where a new connection starts. */
    chains: z
      .array(walletChainSchema, { error: 'expected a list of chains' })
      .min(1, { error: 'expected at least one chain' })
      .max(64, { error: 'expected at most 64 chains' })
      .default([{ chain_id: 1, name: 'Ethereum' }]),
    /** eth_sign (EIP-1474: [address, data], signed like personal_sign) is refused unless this is true: dapps used it to get hashes signed. */
    allow_eth_sign: bool().default(false),
  }).prefault({}),
  eth2: section({
    enabled: bool().default(false),
    port: port(9000),
  }).prefault({}),
  metrics: section({
    enabled: bool().default(false),
    port: port(9090),
  }).prefault({}),
});

const devicesSchema = section({
  /** PKCS#11 modules (absolute paths) whose tokens Custos may use: SoftHSM2, OpenSC, a YubiHSM or cloud HSM module. */
  pkcs11_modules: z
    .array(filePath(), { error: 'expected a list of module paths' })
    .max(16, { error: 'expected at most 16 modules' })
    .refine((paths) => paths.every((p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/u.test(p)), { error: 'expected absolute paths (a relative module path would load whatever the working directory holds)' })
    .default([]),
  /** Follow Ledger devices over USB HID (needs access to the device: udev rules on Linux). */
  ledger: bool().default(false),
});

const storageSchema = section({
  /** Where `custos.db` lives. Relative paths are resolved by the loader. */
  data_dir: nonEmptyText('a directory path', 4096).optional(),
});

const kdfSchema = section({
  memory_kib: intIn(1024, MAX_KDF_MEMORY_KIB, 'KiB').default(65536),
  iterations: intIn(1, 64).default(3),
  parallelism: intIn(1, 16).default(1),
});

const securitySchema = section({
  kdf: kdfSchema.prefault({}),
  session_idle_timeout_s: intIn(1, MAX_SECONDS_PER_DAY, 'seconds').default(900),
  max_auth_attempts: intIn(1, 100).default(5),
  lockout_base_s: intIn(1, MAX_SECONDS_PER_DAY, 'seconds').default(30),
  lockout_max_s: intIn(1, 7 * MAX_SECONDS_PER_DAY, 'seconds').default(3600),
  /** Failed sign-ins older than this (with no lockout in force) are forgotten. */
  auth_failure_window_s: intIn(1, 7 * MAX_SECONDS_PER_DAY, 'seconds').default(900),
  /** Operations per second per principal (operator or token); absent = unlimited. */
  rate_limit_per_s: z
    .number({ error: 'expected a number of operations per second > 0' })
    .positive({ error: 'expected a number of operations per second > 0' })
    .max(1_000_000, { error: 'expected a number of operations per second up to 1000000' })
    .optional(),
  /** How many operations a principal may make at once after a quiet spell (default: one second's worth). */
  rate_limit_burst: intIn(1, 1_000_000).optional(),
  key_deletion_window_days: intIn(1, 365, 'days').default(7),
});

const auditSchema = section({
  checkpoint_every_events: intIn(1, 1_000_000).default(1000),
  checkpoint_every_seconds: intIn(1, MAX_SECONDS_PER_DAY, 'seconds').default(300),
  /** The checkpoint origin line (C2SP tlog-checkpoint): one line, so no control characters. */
  origin: nonEmptyText('an origin name on one line', 255)
    .regex(/^[^\p{Cc}]+$/u, { error: 'expected an origin name on one line (no control characters)' })
    .optional(),
});

const loggingSchema = section({
  level: oneOf(['error', 'warn', 'info', 'debug'] as const).default('info'),
  format: oneOf(['text', 'json'] as const).default('text'),
});

const namespaceSchema = section({
  description: z.string({ error: 'expected a description (up to 1024 characters)' })
    .max(1024, { error: 'expected a description (up to 1024 characters)' })
    .optional(),
  max_keys: intIn(1, 1_000_000).optional(),
  rate_limit_per_s: z
    .number({ error: 'expected a number of operations per second > 0' })
    .positive({ error: 'expected a number of operations per second > 0' })
    .max(1_000_000, { error: 'expected a number of operations per second up to 1000000' })
    .optional(),
});

const namespacesSchema = z.record(
  z.string().regex(NAMESPACE_NAME_PATTERN, { error: `expected a namespace name matching ${String(NAMESPACE_NAME_PATTERN)}` }),
  namespaceSchema,
  { error: (issue) => (issue.code === 'invalid_type' ? 'expected a mapping of namespace names to settings' : undefined) },
);

export const configSchema = section({
  /** Which preset supplied the values the file does not set. The loader fills in the effective one. */
  preset: oneOf(PRESET_NAMES, 'a preset').default('production'),
  server: serverSchema.prefault({}),
  storage: storageSchema.prefault({}),
  devices: devicesSchema.prefault({}),
  security: securitySchema.prefault({}),
  audit: auditSchema.prefault({}),
  logging: loggingSchema.prefault({}),
  namespaces: namespacesSchema.default({}),
  /**
   * Policies kept in the file (read-only in the app: change them here), evaluated with the ones
   * stored in the vault. Same shape as `custos policy add` takes (shared/api/policy.ts).
   */
  policies: z.array(policyDefinitionSchema, { error: 'expected a list of policies' }).max(256, { error: 'expected at most 256 policies' }).default([]),
}).superRefine((config, ctx) => {
  const { server, security } = config;
  const enabled = SERVER_NAMES.filter((name) => server[name].enabled);
  if (server.air_gapped) {
    // ARCHITECTURE.md: listeners are off in air-gapped mode. A file that asks for both is a
    // contradiction we refuse rather than resolve silently one way or the other.
    for (const name of enabled) {
      ctx.addIssue({
        code: 'custom',
        path: ['server', name, 'enabled'],
        message: 'expected false while server.air_gapped is true (air-gapped mode turns every listener off)',
        input: true,
      });
    }
  }
  for (const name of enabled) {
    const clashes = enabled.filter((other) => other !== name && server[other].port === server[name].port);
    if (clashes.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['server', name, 'port'],
        message: `expected a port not used by another enabled server (${clashes.map((other) => `server.${other}.port`).join(', ')})`,
        input: server[name].port,
      });
    }
  }
  const names = new Set<string>();
  config.policies.forEach((policy, i) => {
    if (names.has(policy.name)) ctx.addIssue({ code: 'custom', path: ['policies', i, 'name'], message: 'expected a policy name not used twice', input: policy.name });
    names.add(policy.name);
  });
  const seen = new Set<number>();
  server.wallet_rpc.chains.forEach((chain, i) => {
    if (seen.has(chain.chain_id)) {
      ctx.addIssue({ code: 'custom', path: ['server', 'wallet_rpc', 'chains', i, 'chain_id'], message: 'expected a chain id not listed twice', input: chain.chain_id });
    }
    seen.add(chain.chain_id);
  });
  if (security.lockout_max_s < security.lockout_base_s) {
    ctx.addIssue({
      code: 'custom',
      path: ['security', 'lockout_max_s'],
      message: `expected an integer ≥ security.lockout_base_s (${security.lockout_base_s})`,
      input: security.lockout_max_s,
    });
  }
});

/** The effective configuration: snake_case keys exactly as in the file, every default filled in. */
export type CustosConfig = z.infer<typeof configSchema>;
/** What a file (or a preset) may contain: every key optional. */
export type CustosConfigInput = z.input<typeof configSchema>;
