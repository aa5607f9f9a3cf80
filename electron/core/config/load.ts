/**
 * @module core/config/load
 * Reads the one configuration file (`custos.yaml` in the data directory, or an explicit path),
 * lays it over a preset, applies `CUSTOS_<SECTION>__<KEY>` environment overrides, validates the
 * result once against ./schema.ts, and maps it onto the core's settings. Also prints the
 * effective configuration with secret-looking keys redacted (`custos config show`).
 *
 * Layers, later wins: schema defaults (= production) < preset < file < environment.
 *
 * Trusts the operator who wrote the file and the environment, and nothing about their shape:
 * every problem is a CustodyError('INVALID_INPUT') naming where the value came from (file:line:col
 * or the variable), the key path, what was expected and what was found, and no partly valid
 * configuration is ever returned. An unreadable custos.yaml is an error, never "no file".
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { isAlias, isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, stringify, type Document, type Tags } from 'yaml';
import { z } from 'zod';
import { CustodyError } from '../../../shared/errors.js';
import type { KdfSettings, LockoutSettings } from '../vault/vault.js';
import type { AccessSettings, NamespaceLimits } from '../access/settings.js';
import { configSchema, PRESET_NAMES, type CustosConfig, type CustosConfigInput, type PresetName } from './schema.js';

export const CONFIG_FILE_NAME = 'custos.yaml';
/** Only variables with this prefix and a `__` are config overrides (CUSTOS_PASSPHRASE etc. are not). */
export const ENV_PREFIX = 'CUSTOS_';
const ENV_SEPARATOR = '__';
/** A configuration file is a few kilobytes; anything far larger is a mistake, not a config. */
const MAX_FILE_BYTES = 1024 * 1024;
const REDACTED = '<redacted>';

/**
 * What each preset changes relative to the schema defaults. Explicit file values and
 * environment overrides still win over these.
 */
export const PRESETS: Readonly<Record<PresetName, CustosConfigInput>> = {
  production: {},
  development: { logging: { level: 'debug' } },
  test: {
    security: {
      kdf: { memory_kib: 1024, iterations: 1, parallelism: 1 },
      session_idle_timeout_s: 60,
      lockout_base_s: 1,
      lockout_max_s: 10,
      key_deletion_window_days: 1,
    },
    audit: { checkpoint_every_seconds: 5 },
  },
};

export interface LoadConfigOptions {
  /** Where to look for `custos.yaml` (optional there), and the default `storage.data_dir`. */
  readonly dataDir?: string;
  /** An explicit configuration file; it must exist. */
  readonly file?: string;
  /** Must agree with the file's `preset:` key when both are given. Default: production. */
  readonly preset?: PresetName;
  /** The environment to read overrides from (pass `process.env`; tests pass their own). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface LoadedConfig {
  config: CustosConfig;
  source: {
    file?: string;
    preset: PresetName;
    /** Names of the environment variables applied, sorted. */
    env: string[];
  };
}

type Segment = string;
type Path = readonly Segment[];
type RawRecord = Record<string, unknown>;

interface LoadedFile {
  readonly path: string;
  readonly raw: RawRecord;
  readonly doc: Document;
  readonly lines: LineCounter;
}

/** One thing wrong, before it is rendered as a line of the error message. */
interface Problem {
  readonly path: Path;
  readonly expected: string;
  /** Where the value came from; computed from the layers when absent. */
  readonly where?: string;
  /** Rendered after ", got "; omitted when undefined. */
  readonly got?: string;
}

/**
 * Load, merge and validate. Throws CustodyError('INVALID_INPUT') listing every problem found.
 * @throws CustodyError INVALID_INPUT
 */
export function loadConfig(options: LoadConfigOptions): LoadedConfig {
  if (options.preset !== undefined && !isPresetName(options.preset)) {
    fail([{ path: ['preset'], where: 'the preset argument', expected: `expected a preset (${PRESET_NAMES.join(', ')})`, got: describeValue(options.preset) }]);
  }
  const dataDir = options.dataDir === undefined ? undefined : resolve(options.dataDir);
  const filePath = options.file !== undefined ? resolve(options.file) : dataDir !== undefined ? join(dataDir, CONFIG_FILE_NAME) : undefined;
  const file = filePath === undefined ? undefined : readConfigFile(filePath, options.file !== undefined);

  const preset = choosePreset(options.preset, file);
  const presetRaw = cloneRaw(PRESETS[preset]) as RawRecord;
  const merged = mergeRaw(presetRaw, file?.raw ?? {}) as RawRecord;
  merged['preset'] = preset;

  const layers: Layers = { preset, presetRaw, file, env: new Map(), merged };
  const applied = applyEnvOverrides(options.env ?? {}, layers);

  const parsed = configSchema.safeParse(merged, { reportInput: true });
  if (!parsed.success) fail(parsed.error.issues.flatMap((issue) => problemsFromIssue(issue, layers)), layers);

  // Relative paths are relative to the config file's directory, else the data directory; the
  // process's working directory only when there is neither.
  const base = file !== undefined ? dirname(file.path) : (dataDir ?? process.cwd());
  const config = parsed.data;
  const storageDir = config.storage.data_dir ?? dataDir ?? (file === undefined ? undefined : dirname(file.path));
  if (storageDir !== undefined) config.storage.data_dir = resolve(base, storageDir);
  const tls = config.server.hsm.tls;
  if (tls !== undefined) {
    tls.cert_file = resolve(base, tls.cert_file);
    tls.key_file = resolve(base, tls.key_file);
    if (tls.client_ca_file !== undefined) tls.client_ca_file = resolve(base, tls.client_ca_file);
  }

  return {
    config: deepFreeze(config),
    source: { ...(file === undefined ? {} : { file: file.path }), preset, env: applied },
  };
}

/**
 * The effective configuration as YAML, as `custos config show` prints it: a header comment naming
 * the file, preset and environment overrides (names only, never values), then every key with
 * its value. Keys that name a secret (password, passphrase, secret, token, PIN) print as
 * `<redacted>`. The output (without redactions) loads back to the same configuration.
 */
export function effectiveConfigYaml(loaded: LoadedConfig): string {
  const { file, preset, env } = loaded.source;
  const header = [
    '# Custos effective configuration',
    `# file: ${file === undefined ? `none (no ${CONFIG_FILE_NAME}; preset and defaults only)` : printable(file)}`,
    `# preset: ${preset}`,
    `# environment overrides: ${env.length === 0 ? 'none' : env.map(printable).join(', ')}`,
    `# keys named like a password, passphrase, secret, token or PIN are shown as ${REDACTED}`,
  ];
  return `${header.join('\n')}\n${stringify(redact(loaded.config, []), { lineWidth: 0 })}`;
}

/** The core's own settings types from the configuration (seconds and days become milliseconds). */
export function coreSettingsFrom(config: CustosConfig): { kdf: KdfSettings; lockout: LockoutSettings; deletionWindowMs: number; access: AccessSettings } {
  const { security } = config;
  const namespaces: Record<string, NamespaceLimits> = {};
  for (const [name, ns] of Object.entries(config.namespaces)) {
    namespaces[name] = {
      ...(ns.description === undefined ? {} : { description: ns.description }),
      ...(ns.max_keys === undefined ? {} : { maxKeys: ns.max_keys }),
      ...(ns.rate_limit_per_s === undefined ? {} : { rateLimitPerS: ns.rate_limit_per_s }),
    };
  }
  return {
    kdf: {
      algorithm: 'argon2id',
      memoryKiB: security.kdf.memory_kib,
      iterations: security.kdf.iterations,
      parallelism: security.kdf.parallelism,
    },
    lockout: {
      freeAttempts: security.max_auth_attempts,
      baseDelayMs: security.lockout_base_s * 1000,
      maxDelayMs: security.lockout_max_s * 1000,
      windowMs: security.auth_failure_window_s * 1000,
    },
    deletionWindowMs: security.key_deletion_window_days * 24 * 3600 * 1000,
    access: {
      sessionIdleMs: security.session_idle_timeout_s * 1000,
      ...(security.rate_limit_per_s === undefined ? {} : { principalRatePerS: security.rate_limit_per_s }),
      ...(security.rate_limit_burst === undefined ? {} : { principalBurst: security.rate_limit_burst }),
      namespaces,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The file

function readConfigFile(path: string, required: boolean): LoadedFile | undefined {
  let text: string;
  try {
    const bytes = readFileSync(path);
    if (bytes.length > MAX_FILE_BYTES) {
      throw new CustodyError('INVALID_INPUT', `invalid configuration: ${path}: expected a file under ${MAX_FILE_BYTES} bytes, got ${bytes.length}`);
    }
    text = bytes.toString('utf8');
  } catch (error) {
    if (error instanceof CustodyError) throw error;
    const code = errnoCode(error);
    if (code === 'ENOENT' && !required) return undefined;
    const why = code === 'ENOENT' ? 'the file does not exist' : code === 'EISDIR' ? 'it is a directory, not a file' : `it cannot be read (${code ?? 'unknown error'})`;
    throw new CustodyError('INVALID_INPUT', `invalid configuration: ${path}: ${why}`, { cause: error, details: { file: path } });
  }

  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, version: '1.2', merge: false, customTags: hexAsText });
  // Warnings too (e.g. an unknown !tag silently read as a string): fail closed.
  const first = doc.errors[0] ?? doc.warnings[0];
  if (first !== undefined) {
    const { line, col } = lines.linePos(first.pos[0]);
    const message = first.message.split('\n')[0] ?? first.message;
    throw new CustodyError('INVALID_INPUT', `invalid configuration: ${path}:${line}:${col}: not valid YAML (line ${line}, column ${col}): ${message}`, {
      details: { file: path, line, column: col },
    });
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // The yaml package refuses alias expansions beyond maxAliasCount ("billion laughs").
    throw new CustodyError('INVALID_INPUT', `invalid configuration: ${path}: not valid YAML: ${error instanceof Error ? error.message : 'unreadable document'}`, {
      cause: error,
      details: { file: path },
    });
  }
  if (value === null || value === undefined) value = {}; // an empty file (or only comments) is all defaults
  if (!isRecord(value)) {
    throw new CustodyError('INVALID_INPUT', `invalid configuration: ${path}:1:1: expected a mapping of sections at the top level, got ${describeValue(value)}`, {
      details: { file: path },
    });
  }
  return { path, raw: value, doc, lines };
}

function choosePreset(argument: PresetName | undefined, file: LoadedFile | undefined): PresetName {
  if (file === undefined || !Object.hasOwn(file.raw, 'preset')) return argument ?? 'production';
  const fromFile = file.raw['preset'];
  if (!isPresetName(fromFile)) {
    fail([{ path: ['preset'], where: fileWhere(file, ['preset']), expected: `expected a preset (${PRESET_NAMES.join(', ')})`, got: describeValue(fromFile) }]);
  }
  if (argument !== undefined && argument !== fromFile) {
    // Refuse rather than pick one: a production file run with the test preset would get a weak KDF.
    fail([{ path: ['preset'], where: fileWhere(file, ['preset']), expected: `expected the preset asked for by the caller (${argument})`, got: describeValue(fromFile) }]);
  }
  return fromFile;
}

function isPresetName(value: unknown): value is PresetName {
  return typeof value === 'string' && (PRESET_NAMES as readonly string[]).includes(value);
}

// ---------------------------------------------------------------------------------------------
// Environment overrides

interface Layers {
  readonly preset: PresetName;
  readonly presetRaw: RawRecord;
  readonly file: LoadedFile | undefined;
  /** Path key → the variable that set (or created) that path. */
  readonly env: Map<string, string>;
  /** preset < file < environment, before validation; environment overrides write into it. */
  readonly merged: RawRecord;
}

/**
 * Apply every `CUSTOS_<SECTION>__<KEY>[__<KEY>…]` variable to `layers.merged`. Values are coerced by
 * the type the schema expects at that key; a value that does not coerce is left as a string for
 * the schema to refuse with its own "expected …" message.
 */
function applyEnvOverrides(env: Readonly<Record<string, string | undefined>>, layers: Layers): string[] {
  const names = Object.keys(env)
    .filter((name) => name.startsWith(ENV_PREFIX) && name.includes(ENV_SEPARATOR) && env[name] !== undefined)
    .sort();
  const problems: Problem[] = [];
  const targets = new Map<string, string>();
  const planned: { name: string; path: Path; value: unknown }[] = [];

  for (const name of names) {
    const where = `environment variable ${name}`;
    const segments = name.slice(ENV_PREFIX.length).split(ENV_SEPARATOR);
    if (segments.length < 2 || segments.some((segment) => segment === '')) {
      problems.push({ path: [], where, expected: `expected a name of the form ${ENV_PREFIX}<SECTION>${ENV_SEPARATOR}<KEY>` });
      continue;
    }
    const resolved = resolveEnvPath(name, segments, layers.merged);
    if ('problem' in resolved) {
      problems.push({ ...resolved.problem, where });
      continue;
    }
    const key = pathKey(resolved.path);
    const earlier = targets.get(key);
    if (earlier !== undefined) {
      problems.push({ path: resolved.path, where, expected: `expected one variable per key, but ${earlier} sets it too` });
      continue;
    }
    targets.set(key, name);
    planned.push({ name, path: resolved.path, value: coerce(env[name] ?? '', resolved.leaf) });
  }
  if (problems.length > 0) fail(problems, layers);

  for (const { name, path, value } of planned) {
    let node: RawRecord = layers.merged;
    for (let i = 0; i < path.length - 1; i++) {
      const segment = path[i] as string;
      const prefix = path.slice(0, i + 1);
      if (!Object.hasOwn(node, segment)) {
        node[segment] = {};
        layers.env.set(pathKey(prefix), name);
      }
      const child = node[segment];
      if (!isRecord(child)) {
        problems.push({ path: prefix, expected: `expected a mapping of keys to values (so that ${name} can set a key in it)`, got: describeValue(child) });
        break;
      }
      node = child;
    }
    if (problems.length === 0) {
      node[path[path.length - 1] as string] = value;
      layers.env.set(pathKey(path), name);
    }
  }
  if (problems.length > 0) fail(problems, layers);
  return planned.map((entry) => entry.name);
}

type LeafKind = 'number' | 'boolean' | 'string';

/**
 * Map upper-case variable segments onto the schema's snake_case keys. Namespace names are data,
 * not keys, and case matters in them; an override may only address a namespace that the file
 * (or preset) declares, matched without regard to case, so it can never invent one.
 */
function resolveEnvPath(name: string, segments: readonly string[], merged: RawRecord): { path: Path; leaf: LeafKind } | { problem: Problem } {
  let schema: z.core.$ZodType = configSchema;
  const path: Segment[] = [];
  for (const segment of segments) {
    const current = unwrap(schema);
    if (current instanceof z.ZodObject) {
      const key = segment.toLowerCase();
      const shape: Readonly<Record<string, z.core.$ZodType>> = current.shape;
      const child = Object.hasOwn(shape, key) ? shape[key] : undefined;
      if (child === undefined) {
        return { problem: { path: [...path, key], expected: `unknown key (expected one of ${Object.keys(shape).join(', ')})` } };
      }
      path.push(key);
      schema = child;
    } else if (current instanceof z.ZodRecord) {
      const existing = getPath(merged, path);
      const names = isRecord(existing) ? Object.keys(existing).filter((name) => name.toLowerCase() === segment.toLowerCase()) : [];
      if (names.length !== 1) {
        const expected =
          names.length === 0
            ? 'expected the name of an entry the configuration file declares (the environment can change entries, not add them)'
            : `expected a name that matches one entry regardless of case, but it matches ${names.join(', ')}`;
        return { problem: { path: [...path, segment], expected } };
      }
      path.push(names[0] as string);
      schema = current.valueType;
    } else {
      return { problem: { path: [...path, segment.toLowerCase()], expected: `unknown key (${displayPath(path)} is a value, not a section)` } };
    }
  }
  const leaf = unwrap(schema);
  if (leaf instanceof z.ZodObject || leaf instanceof z.ZodRecord) {
    return { problem: { path, expected: `expected a key, not a section (set one of its keys instead: ${name}${ENV_SEPARATOR}<KEY>)` } };
  }
  return { path, leaf: leaf instanceof z.ZodNumber ? 'number' : leaf instanceof z.ZodBoolean ? 'boolean' : 'string' };
}

function coerce(text: string, kind: LeafKind): unknown {
  switch (kind) {
    case 'number':
      return /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/.test(text.trim()) ? Number(text) : text;
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : text;
    case 'string':
      return text;
  }
}

function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let current = schema;
  while (current instanceof z.ZodDefault || current instanceof z.ZodPrefault || current instanceof z.ZodOptional) current = current.unwrap();
  return current;
}

/** The schema at a path (records step into their value type), or undefined past a leaf. */
function schemaAt(path: Path): z.core.$ZodType | undefined {
  let schema: z.core.$ZodType = configSchema;
  for (const segment of path) {
    const current = unwrap(schema);
    if (current instanceof z.ZodObject) {
      const shape: Readonly<Record<string, z.core.$ZodType>> = current.shape;
      const child = Object.hasOwn(shape, segment) ? shape[segment] : undefined;
      if (child === undefined) return undefined;
      schema = child;
    } else if (current instanceof z.ZodRecord) {
      schema = current.valueType;
    } else {
      return undefined;
    }
  }
  return unwrap(schema);
}

// ---------------------------------------------------------------------------------------------
// Problems and messages

function problemsFromIssue(issue: z.core.$ZodIssue, layers: Layers): Problem[] {
  const path = issue.path.map(String);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const parent = schemaAt(path);
      const allowed = parent instanceof z.ZodObject ? Object.keys(parent.shape) : [];
      return issue.keys.map((key) => ({ path: [...path, key], expected: `unknown key (expected one of ${allowed.join(', ')})` }));
    }
    case 'invalid_key': {
      const name = path[path.length - 1] ?? '';
      return [{ path, expected: issue.issues[0]?.message ?? 'expected a valid name', got: describeValue(name) }];
    }
    default: {
      const explicit = hasPath(layers.merged, path);
      const value = explicit ? getPath(layers.merged, path) : issue.input;
      const got = isSecretPath(path)
        ? REDACTED
        : explicit
          ? describeValue(value)
          : value === undefined
            ? 'nothing'
            : `${describeValue(value)} (the default)`;
      return [{ path, expected: issue.message, got }];
    }
  }
}

function fail(problems: readonly Problem[], layers?: Layers): never {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const problem of problems) {
    const where = problem.where ?? (layers === undefined ? 'configuration' : whereFrom(problem.path, layers));
    const key = problem.path.length === 0 ? '' : `${displayPath(problem.path)}: `;
    const line = `${where}: ${key}${problem.expected}${problem.got === undefined ? '' : `, got ${problem.got}`}`;
    if (!seen.has(line)) {
      seen.add(line);
      lines.push(line);
    }
  }
  const first = problems[0];
  const details: Record<string, string> = {};
  if (first !== undefined && first.path.length > 0) details['key'] = displayPath(first.path);
  if (layers?.file !== undefined) details['file'] = layers.file.path;
  const message = lines.length === 1 ? `invalid configuration: ${lines[0]}` : `invalid configuration (${lines.length} problems):\n  ${lines.join('\n  ')}`;
  throw new CustodyError('INVALID_INPUT', message, { details });
}

/** The most specific layer that set the path or one of its ancestors. */
function whereFrom(path: Path, layers: Layers): string {
  for (let length = path.length; length > 0; length--) {
    const prefix = path.slice(0, length);
    const variable = layers.env.get(pathKey(prefix));
    if (variable !== undefined) return `environment variable ${variable}`;
    if (layers.file !== undefined && hasPath(layers.file.raw, prefix)) return fileWhere(layers.file, prefix);
    if (hasPath(layers.presetRaw, prefix)) return `preset ${layers.preset}`;
  }
  return layers.file?.path ?? `defaults (preset ${layers.preset})`;
}

/** `file:line:col` of the key at `path`, or of its nearest ancestor present in the file. */
function fileWhere(file: LoadedFile, path: Path): string {
  let node: unknown = file.doc.contents;
  let offset = isNode(node) && node.range ? node.range[0] : undefined;
  for (const segment of path) {
    if (isAlias(node)) node = node.resolve(file.doc);
    if (isSeq(node) && /^\d+$/u.test(segment)) {
      const item: unknown = node.items[Number(segment)];
      if (!isNode(item)) break;
      if (item.range) offset = item.range[0];
      node = item;
      continue;
    }
    if (!isMap(node)) break;
    const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === segment);
    if (pair === undefined) break;
    if (isNode(pair.key) && pair.key.range) offset = pair.key.range[0];
    node = pair.value;
  }
  if (offset === undefined) return file.path;
  const { line, col } = file.lines.linePos(offset);
  return `${file.path}:${line}:${col}`;
}

/** `security.kdf.memory_kib`; segments that are not plain identifiers are quoted: `namespaces["team.a"]`. */
function displayPath(path: Path): string {
  let out = '';
  for (const segment of path) {
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else if (/^\d+$/u.test(segment)) out += `[${segment}]`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/**
 * YAML's core schema reads `0x…` as a hexadecimal integer. In Custos's files every `0x…` is an
 * address, a selector or hex data (policies), so it is read as the text it is: an unquoted
 * address keeps its digits, and a number written in hex is refused as not an integer.
 */
export const hexAsText = (tags: Tags): Tags => tags.filter((t) => !(typeof t === 'object' && t.tag === 'tag:yaml.org,2002:int' && t.format === 'HEX'));

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null (an empty value)';
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return typeof value;
}

function printable(text: string): string {
  return /\p{Cc}/u.test(text) ? JSON.stringify(text) : text;
}

// ---------------------------------------------------------------------------------------------
// Redaction

/**
 * Key names that hold secrets. The long words match anywhere in the key; "pin" only as a word
 * (`pin`, `user_pin`, `userPin`, `pin_file`) so that keys such as `shipping` are not blanked.
 */
export function isSecretKey(key: string): boolean {
  return /password|passphrase|secret|token/i.test(key) || /(?:^|[^a-z])pin/i.test(key) || /[a-z0-9]Pin/.test(key);
}

/** Whether any key along the path names a secret. Entry names of a map (namespace names) are data, not keys. */
function isSecretPath(path: Path): boolean {
  return path.some((segment, index) => !(schemaAt(path.slice(0, index)) instanceof z.ZodRecord) && isSecretKey(segment));
}

function redact(value: unknown, path: Path): unknown {
  if (!isRecord(value)) return value;
  const entriesAreNames = schemaAt(path) instanceof z.ZodRecord;
  return Object.fromEntries(
    Object.entries(value).map(([key, child]) => [key, !entriesAreNames && isSecretKey(key) ? REDACTED : redact(child, [...path, key])]),
  );
}

// ---------------------------------------------------------------------------------------------
// Plain-data helpers. Objects are rebuilt with Object.fromEntries so that a YAML key named
// `__proto__` stays an own (and then unknown, hence refused) key instead of a prototype.

function isRecord(value: unknown): value is RawRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function cloneRaw(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(cloneRaw);
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, cloneRaw(child)]));
  return value;
}

/** Deep merge of plain data: mappings merge key by key, anything else in `over` replaces. */
function mergeRaw(under: unknown, over: unknown): unknown {
  if (!isRecord(under) || !isRecord(over)) return cloneRaw(over);
  const keys = [...new Set([...Object.keys(under), ...Object.keys(over)])];
  return Object.fromEntries(
    keys.map((key) => [key, Object.hasOwn(over, key) ? (Object.hasOwn(under, key) ? mergeRaw(under[key], over[key]) : cloneRaw(over[key])) : cloneRaw(under[key])]),
  );
}

function hasPath(root: unknown, path: Path): boolean {
  let node = root;
  for (const segment of path) {
    if (Array.isArray(node) && /^\d+$/u.test(segment) && Number(segment) < node.length) {
      node = node[Number(segment)] as unknown;
      continue;
    }
    if (!isRecord(node) || !Object.hasOwn(node, segment)) return false;
    node = node[segment];
  }
  return true;
}

function getPath(root: unknown, path: Path): unknown {
  let node = root;
  for (const segment of path) {
    if (Array.isArray(node) && /^\d+$/u.test(segment) && Number(segment) < node.length) {
      node = node[Number(segment)] as unknown;
      continue;
    }
    if (!isRecord(node) || !Object.hasOwn(node, segment)) return undefined;
    node = node[segment];
  }
  return node;
}

function pathKey(path: Path): string {
  return JSON.stringify(path);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

function errnoCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}
