/**
 * @module core/airgap/envelope
 * The two files that cross the air gap (formats in shared/api/airgap.ts): building them, and
 * reading them back with every check a file from another machine deserves.
 *
 * Both carry `sha256`: SHA-256 of their canonical JSON (canonicalJson: object keys sorted at every
 * level, no whitespace, arrays in order) without the `sha256` member. Canonical, so a file that
 * was pretty-printed, re-indented or had its keys reordered by an editor or a QR round trip still
 * has the same hash; any change of a value changes it. The hash is not a signature: it names a
 * request on both sides and catches damage. What makes the gap safe is that the air-gapped side
 * decodes and shows the request itself (never trusting a summary from the online side), and the
 * online side accepts a response only for an envelope it recorded sending (core/airgap/outbox)
 * and, for Ethereum, only when the signature recovers to the expected signer over the digest it
 * computes itself.
 *
 * Trusts shared/api's schemas for shape; checks consistency (chain vs request type, expiry, hash)
 * here. Pure apart from hashing.
 */
import { createHash } from 'node:crypto';
import { CustodyError } from '../../../shared/errors.js';
import {
  AIRGAP_REQUEST_FORMAT,
  AIRGAP_RESPONSE_FORMAT,
  AIRGAP_VERSION,
  airgapEnvelopeSchema,
  airgapResponseSchema,
  type AirgapEnvelope,
  type AirgapResponse,
} from '../../../shared/api/airgap.js';
import { chainOfRequest, type SignedResult, type SignerRef, type SigningRequest } from '../../../shared/api/signing.js';

/** Files larger than this are refused before parsing (a PSBT with many inputs is ~100 KiB). */
export const MAX_FILE_BYTES = 8 * 1024 * 1024;
/** How long an envelope stays signable when its creator names no expiry: nonces and fees go stale. */
export const DEFAULT_ENVELOPE_TTL_MS = 24 * 3600_000;
export const MAX_ENVELOPE_TTL_MS = 30 * 24 * 3600_000;

/** JSON with object keys sorted at every level and no whitespace; undefined members dropped, as JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value);
    if (text === undefined) throw new CustodyError('INVALID_INPUT', 'a value that JSON cannot hold');
    return text;
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.keys(value)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
  return `{${entries.join(',')}}`;
}

/** SHA-256 (hex) of the canonical JSON of `value` without its `sha256` member. */
export function contentHash(value: Record<string, unknown>): string {
  const { sha256: _ignored, ...rest } = value;
  return createHash('sha256').update(canonicalJson(rest), 'utf8').digest('hex');
}

/** SHA-256 (hex) of a file's bytes as they are (for audit events: which file was read). */
export function fileHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export interface EnvelopeInput {
  readonly id: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly origin: { readonly vault: string | null; readonly client: string };
  readonly method: string;
  readonly request: SigningRequest;
  readonly signer: SignerRef;
  readonly expectedAddress: string | null;
}

export function buildEnvelope(input: EnvelopeInput): AirgapEnvelope {
  if (!(input.expiresAt > input.createdAt) || input.expiresAt - input.createdAt > MAX_ENVELOPE_TTL_MS) {
    throw new CustodyError('INVALID_INPUT', `an envelope expires after it is made and within ${MAX_ENVELOPE_TTL_MS / (24 * 3600_000)} days`);
  }
  const body = {
    format: AIRGAP_REQUEST_FORMAT,
    version: AIRGAP_VERSION,
    id: input.id,
    createdAt: new Date(input.createdAt).toISOString(),
    expiresAt: new Date(input.expiresAt).toISOString(),
    origin: { vault: input.origin.vault, client: input.origin.client.slice(0, 300) },
    chain: chainOfRequest(input.request.type),
    method: input.method,
    request: input.request,
    signer: input.signer,
    expectedAddress: input.expectedAddress,
  };
  const envelope = { ...body, sha256: contentHash(body) };
  // Through the same schema the reader uses, so nothing is written that would not be read back.
  const parsed = airgapEnvelopeSchema.safeParse(envelope);
  if (!parsed.success) throw new CustodyError('INVALID_INPUT', `cannot make an envelope of this request: ${issueText(parsed.error.issues)}`);
  return parsed.data;
}

export interface ResponseInput {
  readonly envelope: AirgapEnvelope;
  readonly signedAt: number;
  readonly approvedBy: string;
  readonly signerAddress: string | null;
  readonly result: SignedResult;
}

export function buildResponse(input: ResponseInput): AirgapResponse {
  const body = {
    format: AIRGAP_RESPONSE_FORMAT,
    version: AIRGAP_VERSION,
    requestId: input.envelope.id,
    requestSha256: input.envelope.sha256,
    signedAt: new Date(input.signedAt).toISOString(),
    approvedBy: input.approvedBy.slice(0, 200),
    signerAddress: input.signerAddress,
    result: input.result,
  };
  return { ...body, sha256: contentHash(body) };
}

/** The file as written: pretty JSON (people open these), with a final newline. */
export function fileText(value: AirgapEnvelope | AirgapResponse): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

export function envelopeFileName(envelope: AirgapEnvelope): string {
  return `custos-request-${envelope.id}-${envelope.sha256.slice(0, 8)}.json`;
}

export function responseFileName(response: AirgapResponse): string {
  return `custos-response-${response.requestId}-${response.requestSha256.slice(0, 8)}.json`;
}

/**
 * Read an envelope: size, JSON, format and version, schema, chain against request type, hash,
 * expiry — in that order, each refusal saying which. `now` decides expiry.
 * @throws INVALID_INPUT (not an envelope / malformed), UNSUPPORTED (newer version), TAMPERED (hash), EXPIRED.
 */
export function parseEnvelope(text: string, now: number): AirgapEnvelope {
  const raw = parseJsonFile(text, 'request envelope');
  const kind = (raw as { format?: unknown }).format;
  if (kind === AIRGAP_RESPONSE_FORMAT) throw new CustodyError('INVALID_INPUT', 'this is a response file, not a request envelope: import it on the online side (`custos response import`)');
  if (kind !== AIRGAP_REQUEST_FORMAT) throw new CustodyError('INVALID_INPUT', `not a Custos request envelope (format ${JSON.stringify(kind ?? null)}, expected "${AIRGAP_REQUEST_FORMAT}")`);
  assertVersion(raw, 'request envelope');
  const parsed = airgapEnvelopeSchema.safeParse(raw);
  if (!parsed.success) throw new CustodyError('INVALID_INPUT', `the request envelope is malformed: ${issueText(parsed.error.issues)}`);
  const envelope = parsed.data;
  if (chainOfRequest(envelope.request.type) !== envelope.chain) {
    throw new CustodyError('INVALID_INPUT', `the request envelope says chain ${envelope.chain}, but its request is ${envelope.request.type}`);
  }
  const computed = contentHash(envelope);
  if (computed !== envelope.sha256) {
    throw new CustodyError('TAMPERED', `the request envelope's content does not match its sha256 (file says ${envelope.sha256.slice(0, 12)}…, content is ${computed.slice(0, 12)}…): it was changed or damaged on the way`, {
      details: { record: 'air-gap request envelope' },
    });
  }
  const expiresAt = Date.parse(envelope.expiresAt);
  if (expiresAt <= now) throw new CustodyError('EXPIRED', `the request envelope expired at ${envelope.expiresAt}: ask the online side for a fresh one (nonces and fees go stale)`);
  if (Date.parse(envelope.createdAt) >= expiresAt) throw new CustodyError('INVALID_INPUT', 'the request envelope expires before it was created');
  return envelope;
}

/**
 * Read a response: size, JSON, format and version, schema, hash. Whether it answers a request this
 * side sent is the outbox's question, not this function's.
 * @throws INVALID_INPUT, UNSUPPORTED, TAMPERED.
 */
export function parseResponse(text: string): AirgapResponse {
  const raw = parseJsonFile(text, 'response');
  const kind = (raw as { format?: unknown }).format;
  if (kind === AIRGAP_REQUEST_FORMAT) throw new CustodyError('INVALID_INPUT', 'this is a request envelope, not a response: import it on the air-gapped side (`custos request import`)');
  if (kind !== AIRGAP_RESPONSE_FORMAT) throw new CustodyError('INVALID_INPUT', `not a Custos response file (format ${JSON.stringify(kind ?? null)}, expected "${AIRGAP_RESPONSE_FORMAT}")`);
  assertVersion(raw, 'response');
  const parsed = airgapResponseSchema.safeParse(raw);
  if (!parsed.success) throw new CustodyError('INVALID_INPUT', `the response file is malformed: ${issueText(parsed.error.issues)}`);
  const computed = contentHash(parsed.data);
  if (computed !== parsed.data.sha256) {
    throw new CustodyError('TAMPERED', `the response's content does not match its sha256 (file says ${parsed.data.sha256.slice(0, 12)}…, content is ${computed.slice(0, 12)}…): it was changed or damaged on the way`, {
      details: { record: 'air-gap response' },
    });
  }
  return parsed.data;
}

function parseJsonFile(text: string, what: string): object {
  if (typeof text !== 'string' || text.length === 0) throw new CustodyError('INVALID_INPUT', `the ${what} file is empty`);
  if (Buffer.byteLength(text, 'utf8') > MAX_FILE_BYTES) throw new CustodyError('INVALID_INPUT', `the ${what} file is larger than ${MAX_FILE_BYTES / (1024 * 1024)} MiB`);
  let raw: unknown;
  try {
    raw = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (cause) {
    throw new CustodyError('INVALID_INPUT', `the ${what} file is not JSON (truncated or not a Custos file)`, { cause });
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new CustodyError('INVALID_INPUT', `the ${what} file is not a JSON object`);
  return raw;
}

function assertVersion(raw: object, what: string): void {
  const version = (raw as { version?: unknown }).version;
  if (typeof version === 'number' && Number.isInteger(version) && version > AIRGAP_VERSION) {
    throw new CustodyError('UNSUPPORTED', `${what} version ${version} is newer than this build reads (version ${AIRGAP_VERSION}): update Custos on this side`);
  }
}

function issueText(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 3)
    .map((i) => `${i.path.map(String).join('.') || '(top)'}: ${i.message}`)
    .join('; ');
}
