/**
 * @module cli/policy-files
 * The files `custos policy …` reads: policy definitions (YAML or JSON: one definition, or a list
 * of them), a policy context (JSON) and WASM modules. Nothing here decides what a definition may
 * say: each is checked with the core's own `parsePolicyDefinition` (the same field-named
 * INVALID_INPUT the facade, the GUI and custos.yaml give), prefixed with where it was written; the
 * facade checks again when it stores or runs it.
 *
 * Treats every file as untrusted text: YAML is read as the config loader reads custos.yaml
 * (YAML 1.2, unique keys, no merge keys, warnings fail, alias expansion bounded).
 */
import { basename, extname } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { hexAsText } from '../core/config/load.js';
import { CustodyError } from '../../shared/errors.js';
import { parsePolicyDefinition, type PolicyDefinition } from '../core/policy/index.js';
import { UsageError } from './args.js';
import { readFileBytes } from './io.js';

/** The first four bytes of every WebAssembly binary (`\0asm`, WebAssembly Core §5.5.16). */
const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d] as const;

export function isWasm(bytes: Uint8Array): boolean {
  return WASM_MAGIC.every((b, i) => bytes[i] === b);
}

/** A definition as written in the file (passed on to the facade) and as the core reads it. */
export interface DefinitionEntry {
  readonly raw: unknown;
  readonly definition: PolicyDefinition;
}


/** YAML (or JSON, which YAML 1.2 reads too) text to a plain value, failing closed on anything odd. */
function parseYamlText(text: string, file: string): unknown {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, version: '1.2', merge: false, customTags: hexAsText });
  const first = doc.errors[0] ?? doc.warnings[0];
  if (first !== undefined) {
    const { line, col } = lines.linePos(first.pos[0]);
    throw new CustodyError('INVALID_INPUT', `${file}:${line}:${col}: not valid YAML: ${first.message.split('\n')[0] ?? first.message}`);
  }
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (cause) {
    throw new CustodyError('INVALID_INPUT', `${file}: not valid YAML: ${cause instanceof Error ? cause.message : 'unreadable document'}`, { cause });
  }
}

function parseJsonText(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new CustodyError('INVALID_INPUT', `${file}: not valid JSON: ${cause instanceof Error ? cause.message : 'unreadable'}`, { cause });
  }
}

function utf8(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch (cause) {
    throw new CustodyError('INVALID_INPUT', `${file}: not UTF-8 text`, { cause });
  }
}

/**
 * Policy definitions from the text of a `.json` file (JSON) or any other (YAML): a mapping is one
 * definition, a sequence is several (applied in order), and so is a mapping with only
 * `policies:` (custos.yaml's section, copied out).
 * @throws INVALID_INPUT naming the file, the entry (for a list) and the field.
 */
export function parseDefinitions(bytes: Uint8Array, file: string): DefinitionEntry[] {
  const text = utf8(bytes, file);
  const value = extname(file).toLowerCase() === '.json' ? parseJsonText(text, file) : parseYamlText(text, file);
  // custos.yaml's section (`policies: [...]`) reads as its list: no definition has a `policies` key.
  const section = isPoliciesSection(value) ? value.policies : undefined;
  const list = section ?? (Array.isArray(value) ? (value as unknown[]) : [value]);
  if (value === null || value === undefined || list.length === 0) throw new CustodyError('INVALID_INPUT', `${file}: no policy definition in it`);
  const names = new Set<string>();
  return list.map((raw, i) => {
    const where = section !== undefined ? `${file}: policies[${i}]` : Array.isArray(value) ? `${file}[${i}]` : file;
    let definition: PolicyDefinition;
    try {
      definition = parsePolicyDefinition(raw);
    } catch (error) {
      if (error instanceof CustodyError) throw new CustodyError(error.code, `${where}: ${error.message}`, { cause: error });
      throw error;
    }
    if (names.has(definition.name)) throw new CustodyError('INVALID_INPUT', `${where}: policy.name: ${definition.name} is defined twice in this file`);
    names.add(definition.name);
    return { raw, definition };
  });
}

function isPoliciesSection(value: unknown): value is { policies: unknown[] } {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 1 && Array.isArray((value as { policies?: unknown }).policies);
}

/** Definitions from a file on disk. */
export function readDefinitions(file: string): DefinitionEntry[] {
  return parseDefinitions(readFileBytes(file, 'policy definition'), file);
}

/** A policy context: one JSON document (the facade checks its fields). */
export function parseContext(bytes: Uint8Array, file: string): Record<string, unknown> {
  const value = parseJsonText(utf8(bytes, file), file);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new CustodyError('INVALID_INPUT', `${file}: a policy context is a JSON object`);
  return value as Record<string, unknown>;
}

/** A WebAssembly module from disk (the facade validates it; this only catches the wrong file). */
export function readModule(file: string): Uint8Array {
  const bytes = readFileBytes(file, 'policy module');
  if (!isWasm(bytes)) throw new CustodyError('INVALID_INPUT', `${file} is not a WebAssembly binary (no \\0asm header): compile it first, e.g. npm run build:policies`);
  return bytes;
}

/** A policy name from a file name: `dist/policies/spending-limit.wasm` → `spending-limit`. */
export function nameFromFile(file: string): string {
  const name = basename(file, extname(file));
  if (!/^[A-Za-z0-9._-]{1,64}$/u.test(name)) throw new UsageError(`the file name ${JSON.stringify(name.slice(0, 80))} is not a policy name (1-64 of A-Z a-z 0-9 . _ -): give --name NAME`);
  return name;
}
