/**
 * @module core/audit/event
 * The audit event and its canonical bytes: the exact bytes the hash chain and the Merkle leaf
 * hash cover. The encoding is a JSON array in a fixed field order (JSON.stringify of strings,
 * numbers and null is deterministic); client and details are objects with sorted keys.
 * Trusts nothing: every field is validated before it is stored.
 */
import { CustodyError } from '../../../shared/errors.js';

export const AUDIT_EVENT_VERSION = 'custos.audit.v1';

export type DetailValue = string | number | boolean | null;

export interface AuditEventInput {
  readonly principal: string;
  readonly namespace: string | null;
  readonly action: string;
  readonly keyId: string | null;
  readonly keyVersion: number | null;
  /** 'ok' or an error code. */
  readonly result: string;
  readonly requestId: string;
  /** Who connected how: transport, and origin or token id where there is one. */
  readonly client: Readonly<Record<string, string>>;
  /** Facts without secrets: algorithm, SHA-256 of the data, sizes, decisions. */
  readonly details: Readonly<Record<string, DetailValue>>;
}

export interface AuditEvent extends AuditEventInput {
  readonly seq: number;
  readonly time: number;
}

/** A stored row; client and details kept as the canonical JSON text that was hashed. */
export interface AuditRow {
  seq: number;
  time: number;
  principal: string;
  namespace: string | null;
  action: string;
  key_id: string | null;
  key_version: number | null;
  result: string;
  request_id: string;
  client: string;
  details: string;
  chain_hash: Buffer;
}

/** The columns the canonical bytes cover, in their order there. */
export const CANONICAL_COLUMNS = 'seq, time, principal, namespace, action, key_id, key_version, result, request_id, client, details';

/** Every column of a stored row in table order, for reading rows as arrays (better-sqlite3 `raw`): cheaper than objects for the million rows verification reads. */
export const RAW_COLUMNS = `${CANONICAL_COLUMNS}, chain_hash`;

/** A row read with RAW_COLUMNS (or CANONICAL_COLUMNS and a form of the chain hash). Values are as stored: a damaged table may hold anything. */
export type RawRow = [seq: number, time: unknown, principal: unknown, namespace: unknown, action: unknown, keyId: unknown, keyVersion: unknown, result: unknown, requestId: unknown, client: unknown, details: unknown, chainHash: unknown];

/** The canonical text of a row read with RAW_COLUMNS. */
export function rawRowText(row: RawRow): string {
  return canonicalText(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8], row[9], row[10]);
}

/** JSON with object keys sorted, so equal objects always encode to equal bytes. */
export function canonicalJson(value: Readonly<Record<string, DetailValue>>): string {
  const keys = Object.keys(value).sort();
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    out += (i === 0 ? '' : ',') + JSON.stringify(k) + ':' + String(JSON.stringify(value[k] ?? null));
  }
  return out + '}';
}

/** The canonical bytes of a stored row (its client/details text included verbatim). */
export function canonicalRowBytes(row: Omit<AuditRow, 'chain_hash'>): Uint8Array {
  return new TextEncoder().encode(canonicalRowText(row));
}

/** The canonical text of a stored row: `canonicalRowBytes` is its UTF-8 encoding. */
export function canonicalRowText(row: Omit<AuditRow, 'chain_hash'>): string {
  return canonicalText(row.seq, row.time, row.principal, row.namespace, row.action, row.key_id, row.key_version, row.result, row.request_id, row.client, row.details);
}

const CANONICAL_PREFIX = '[' + JSON.stringify(AUDIT_EVENT_VERSION) + ',';

/** Printable ASCII but `"` and `\`: what JSON.stringify puts between quotes unchanged. */
const PLAIN_JSON_STRING = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * JSON.stringify as an array element joined with `join(',')`: what JSON cannot encode
 * (undefined) is empty. Nulls, numbers (ECMA-262 JSON.stringify: ToString of a finite number,
 * null otherwise) and strings that need no escape skip JSON.stringify, which is most of the
 * cost of the canonical text (pinned against JSON.stringify in event-hash.test.ts).
 */
function element(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'string' && PLAIN_JSON_STRING.test(value)) return '"' + value + '"';
  return JSON.stringify(value) ?? '';
}

/**
 * The canonical text from the column values in table order, as `canonicalRowText` gives it; for
 * callers that read rows as arrays (verification reads a million of them). Must stay
 * byte-for-byte `'[' + [version, seq, …, request_id].map(JSON.stringify).join(',') + ',' +
 * client + ',' + details + ']'`: every stored chain hash covers these bytes.
 */
export function canonicalText(
  seq: unknown,
  time: unknown,
  principal: unknown,
  namespace: unknown,
  action: unknown,
  keyId: unknown,
  keyVersion: unknown,
  result: unknown,
  requestId: unknown,
  client: unknown,
  details: unknown,
): string {
  return (
    CANONICAL_PREFIX +
    element(seq) + ',' +
    element(time) + ',' +
    element(principal) + ',' +
    element(namespace) + ',' +
    element(action) + ',' +
    element(keyId) + ',' +
    element(keyVersion) + ',' +
    element(result) + ',' +
    element(requestId) + ',' +
    String(client) + ',' +
    String(details) + ']'
  );
}

/** Parse canonical bytes back into an event (for exports and offline verification). */
export function parseCanonicalEvent(bytes: Uint8Array): AuditEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new CustodyError('INVALID_INPUT', 'an audit event is not valid canonical JSON', { cause });
  }
  if (!Array.isArray(parsed) || parsed.length !== 12 || parsed[0] !== AUDIT_EVENT_VERSION) {
    throw new CustodyError('INVALID_INPUT', `an audit event must be a ${AUDIT_EVENT_VERSION} array of 12 fields`);
  }
  const [, seq, time, principal, namespace, action, keyId, keyVersion, result, requestId, client, details] = parsed as unknown[];
  if (!isInt(seq) || !isInt(time) || typeof principal !== 'string' || typeof action !== 'string' || typeof result !== 'string' || typeof requestId !== 'string') {
    throw new CustodyError('INVALID_INPUT', 'an audit event has a field of the wrong type');
  }
  return {
    seq,
    time,
    principal,
    namespace: typeof namespace === 'string' ? namespace : null,
    action,
    keyId: typeof keyId === 'string' ? keyId : null,
    keyVersion: isInt(keyVersion) ? keyVersion : null,
    result,
    requestId,
    client: (client ?? {}) as Record<string, string>,
    details: (details ?? {}) as Record<string, DetailValue>,
  };
}

export function rowToEvent(row: AuditRow): AuditEvent {
  return parseCanonicalEvent(canonicalRowBytes(row));
}

const SHORT_TEXT = /^[\x20-\x7e]{1,256}$/;

/** Validate an event before it is stored: bounded printable fields, flat details, no nested objects. */
export function assertEventInput(e: AuditEventInput): void {
  for (const [name, value] of [
    ['principal', e.principal],
    ['action', e.action],
    ['result', e.result],
    ['requestId', e.requestId],
  ] as const) {
    if (!SHORT_TEXT.test(value)) throw new CustodyError('INTERNAL', `audit event field ${name} is not short printable text`);
  }
  for (const [k, v] of Object.entries(e.client)) {
    if (!SHORT_TEXT.test(k) || typeof v !== 'string' || v.length > 512) throw new CustodyError('INTERNAL', 'audit client fields must be short strings');
  }
  for (const [k, v] of Object.entries(e.details)) {
    if (!SHORT_TEXT.test(k)) throw new CustodyError('INTERNAL', 'audit detail names must be short printable text');
    if (v !== null && typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw new CustodyError('INTERNAL', `audit detail ${k} must be a scalar`);
    if (typeof v === 'string' && v.length > 1024) throw new CustodyError('INTERNAL', `audit detail ${k} is too long`);
  }
}

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v);
}
