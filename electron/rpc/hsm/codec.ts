/**
 * @module rpc/hsm/codec
 * The wire form of the HsmService (proto/hsm.proto, generated into ./gen) onto the facade's
 * types and back: enum values onto the names of shared/algorithms.ts, key and audit records
 * onto messages, and CustodyError codes onto Connect (gRPC) status codes with an ErrorInfo
 * detail. Pure mapping: no rule of its own, nothing is decided here.
 *
 * Trusts nothing it parses: an enum value that is out of range, or not one the field allows,
 * is INVALID_INPUT; the facade validates everything else. Never puts a secret in a message:
 * error messages are the facade's (written to be shown to callers), and anything that is not a
 * CustodyError becomes "internal error".
 */
import { Code, ConnectError } from '@connectrpc/connect';
import type { MessageInitShape } from '@bufbuild/protobuf';
import {
  HASH_ALGORITHMS,
  IMPORT_FORMATS,
  KEY_ALGORITHMS,
  PUBLIC_KEY_FORMATS,
  RSA_SCHEMES,
  SIGNATURE_FORMATS,
  SIGNATURE_HASHES,
  type HashAlgorithm,
  type ImportFormat,
  type KeyAlgorithm,
  type PublicKeyFormat,
  type RsaScheme,
  type SignatureFormat,
  type SignatureHash,
} from '../../../shared/algorithms.js';
import { CustodyError, type ErrorCode } from '../../../shared/errors.js';
import type { AuditEvent } from '../../core/audit/event.js';
import type { KeyInfo, KeyState } from '../../core/keys/key-store.js';
import { KEY_STATES } from '../../core/keys/key-store.js';
import * as pb from './gen/hsm_pb.js';

type EnumObject = Record<string, string | number>;

/** Custos name of a generated enum value: `ECDSA_P256` → `ecdsa-p256`; undefined for 0 (unspecified) and unknown values. */
export function nameOf(e: EnumObject, value: number): string | undefined {
  if (value === 0) return undefined;
  const name = e[value];
  return typeof name === 'string' ? name.toLowerCase().replaceAll('_', '-') : undefined;
}

/** Generated enum value of a Custos name: `ecdsa-p256` → KeyAlgorithm.ECDSA_P256. */
export function valueOf(e: EnumObject, name: string): number {
  const v = e[name.toUpperCase().replaceAll('-', '_')];
  if (typeof v !== 'number') throw new CustodyError('INTERNAL', `no wire value for ${name}`);
  return v;
}

/**
 * A required or optional enum field as one of `allowed` (a list from shared/algorithms.ts).
 * Unspecified (0): undefined, which the caller turns into "the default" or a refusal.
 */
function parseEnum<T extends string>(e: EnumObject, value: number, allowed: readonly T[], field: string): T | undefined {
  if (value === 0) return undefined;
  const name = nameOf(e, value);
  if (name === undefined || !(allowed as readonly string[]).includes(name)) throw new CustodyError('INVALID_INPUT', `${field}: ${value} is not an allowed value`);
  return name as T;
}

function required<T>(value: T | undefined, field: string): T {
  if (value === undefined) throw new CustodyError('INVALID_INPUT', `${field} is required`);
  return value;
}

export const parseKeyAlgorithm = (v: number, field = 'algorithm'): KeyAlgorithm => required(parseEnum(pb.KeyAlgorithm, v, KEY_ALGORITHMS, field), field);
export const parseHashAlgorithm = (v: number, field = 'algorithm'): HashAlgorithm => required(parseEnum(pb.HashAlgorithm, v, HASH_ALGORITHMS, field), field);
export const parseImportFormat = (v: number): ImportFormat => required(parseEnum(pb.ImportFormat, v, IMPORT_FORMATS, 'format'), 'format');
export const parsePublicKeyFormat = (v: number): PublicKeyFormat => parseEnum(pb.PublicKeyFormat, v, PUBLIC_KEY_FORMATS, 'format') ?? 'pem';
export const parseKeyState = (v: number): KeyState | undefined => parseEnum(pb.KeyState, v, KEY_STATES, 'state');

/** An int64 field that carries a count or epoch milliseconds: a safe integer, else INVALID_INPUT. */
export function safeNumber(value: bigint, field: string): number {
  if (value < BigInt(Number.MIN_SAFE_INTEGER) || value > BigInt(Number.MAX_SAFE_INTEGER)) throw new CustodyError('INVALID_INPUT', `${field}: out of range`);
  return Number(value);
}

/** The options of Sign and Verify: each unset field is left to the facade's default. */
export function parseSignOptions(r: { hash: number; rsaScheme: number; pssSaltLength?: number; signatureFormat: number; prehashed: boolean }): {
  hash?: SignatureHash;
  scheme?: RsaScheme;
  saltLength?: number;
  sigFormat?: SignatureFormat;
  prehashed?: boolean;
} {
  const hash = parseEnum<SignatureHash>(pb.HashAlgorithm, r.hash, SIGNATURE_HASHES, 'hash');
  const scheme = parseEnum<RsaScheme>(pb.RsaScheme, r.rsaScheme, RSA_SCHEMES, 'rsa_scheme');
  const sigFormat = parseEnum<SignatureFormat>(pb.SignatureFormat, r.signatureFormat, SIGNATURE_FORMATS, 'signature_format');
  return {
    ...(hash === undefined ? {} : { hash }),
    ...(scheme === undefined ? {} : { scheme }),
    ...(r.pssSaltLength === undefined ? {} : { saltLength: r.pssSaltLength }),
    ...(sigFormat === undefined ? {} : { sigFormat }),
    ...(r.prehashed ? { prehashed: true } : {}),
  };
}

export function keyOut(k: KeyInfo): MessageInitShape<typeof pb.KeySchema> {
  return {
    namespace: k.namespace,
    keyId: k.id,
    algorithm: valueOf(pb.KeyAlgorithm, k.algorithm),
    kind: valueOf(pb.KeyKind, k.kind),
    state: valueOf(pb.KeyState, k.state),
    exportable: k.exportable,
    origin: valueOf(pb.KeyOrigin, k.origin),
    primaryVersion: k.primaryVersion,
    minDecryptVersion: k.minDecryptVersion,
    createdAtMs: BigInt(k.createdAt),
    updatedAtMs: BigInt(k.updatedAt),
    ...(k.deletionAt === null ? {} : { deletionAtMs: BigInt(k.deletionAt) }),
    versions: k.versions.map((v) => ({ version: v.version, createdAtMs: BigInt(v.createdAt), destroyed: v.destroyed })),
    backend: k.backend ?? 'software',
  };
}

export function auditEventOut(e: AuditEvent): MessageInitShape<typeof pb.AuditEventSchema> {
  const details: Record<string, MessageInitShape<typeof pb.DetailValueSchema>> = {};
  for (const [k, v] of Object.entries(e.details)) {
    details[k] = {
      kind:
        v === null
          ? { case: 'nullValue', value: true }
          : typeof v === 'string'
            ? { case: 'stringValue', value: v }
            : typeof v === 'number'
              ? { case: 'numberValue', value: v }
              : { case: 'boolValue', value: v },
    };
  }
  return {
    seq: BigInt(e.seq),
    timeMs: BigInt(e.time),
    principal: e.principal,
    ...(e.namespace === null ? {} : { namespace: e.namespace }),
    action: e.action,
    ...(e.keyId === null ? {} : { keyId: e.keyId }),
    ...(e.keyVersion === null ? {} : { keyVersion: e.keyVersion }),
    result: e.result,
    requestId: e.requestId,
    client: { ...e.client },
    details,
  };
}

/**
 * Every Custos error code and the gRPC status it is sent as. A Record over ErrorCode: a code
 * added to shared/errors.ts does not compile until it is placed here.
 */
export const CONNECT_CODES: Readonly<Record<ErrorCode, Code>> = {
  INVALID_INPUT: Code.InvalidArgument,
  UNSUPPORTED: Code.Unimplemented,
  NOT_FOUND: Code.NotFound,
  ALREADY_EXISTS: Code.AlreadyExists,
  VAULT_LOCKED: Code.FailedPrecondition,
  VAULT_NOT_INITIALIZED: Code.FailedPrecondition,
  VAULT_ALREADY_INITIALIZED: Code.FailedPrecondition,
  PASSPHRASE_INCORRECT: Code.Unauthenticated,
  LOCKED_OUT: Code.FailedPrecondition,
  TAMPERED: Code.DataLoss,
  SELF_TEST_FAILED: Code.Internal,
  KEY_DISABLED: Code.FailedPrecondition,
  KEY_NOT_EXPORTABLE: Code.FailedPrecondition,
  KEY_PENDING_DELETION: Code.FailedPrecondition,
  KEY_DESTROYED: Code.FailedPrecondition,
  WRONG_KEY_TYPE: Code.InvalidArgument,
  VERIFICATION_FAILED: Code.InvalidArgument,
  DECRYPTION_FAILED: Code.InvalidArgument,
  PERMISSION_DENIED: Code.PermissionDenied,
  UNAUTHENTICATED: Code.Unauthenticated,
  SESSION_EXPIRED: Code.Unauthenticated,
  RATE_LIMITED: Code.ResourceExhausted,
  QUOTA_EXCEEDED: Code.ResourceExhausted,
  NOT_EMPTY: Code.FailedPrecondition,
  CONFLICT: Code.Aborted,
  EXPIRED: Code.DeadlineExceeded,
  DISCONNECTED: Code.Unavailable,
  POLICY_DENIED: Code.PermissionDenied,
  USER_REJECTED: Code.PermissionDenied,
  DEVICE_UNAVAILABLE: Code.Unavailable,
  PIN_INCORRECT: Code.Unauthenticated,
  PIN_LOCKED: Code.PermissionDenied,
  MECHANISM_UNSUPPORTED: Code.Unimplemented,
  DEVICE_LOCKED: Code.Unavailable,
  WRONG_APP: Code.FailedPrecondition,
  BLIND_SIGNING_DISABLED: Code.FailedPrecondition,
  INTERNAL: Code.Internal,
};

/** The ErrorInfo of anything thrown: a CustodyError's code, message and details; anything else is INTERNAL with no detail. */
export function errorInfoOf(error: unknown): MessageInitShape<typeof pb.ErrorInfoSchema> {
  if (error instanceof CustodyError) {
    const metadata: Record<string, string> = {};
    for (const [k, v] of Object.entries(error.details)) metadata[k] = String(v);
    return { reason: error.code, code: CONNECT_CODES[error.code], message: error.message, metadata };
  }
  if (error instanceof ConnectError) return { reason: reasonOf(error.code), code: error.code, message: error.rawMessage, metadata: {} };
  return { reason: 'INTERNAL', code: Code.Internal, message: 'internal error', metadata: {} };
}

/** The error the client sees: gRPC status, the facade's message, an ErrorInfo detail. */
export function toConnectError(error: unknown): ConnectError {
  if (error instanceof ConnectError && error.details.length > 0) return error;
  const info = errorInfoOf(error);
  return new ConnectError(info.message ?? 'internal error', info.code as Code, undefined, [{ desc: pb.ErrorInfoSchema, value: info }]);
}

/** For ConnectErrors raised by the protocol layer (deadline, cancel): the nearest Custos code. */
function reasonOf(code: Code): ErrorCode {
  switch (code) {
    case Code.Unauthenticated:
      return 'UNAUTHENTICATED';
    case Code.PermissionDenied:
      return 'PERMISSION_DENIED';
    case Code.InvalidArgument:
      return 'INVALID_INPUT';
    case Code.NotFound:
      return 'NOT_FOUND';
    case Code.ResourceExhausted:
      return 'RATE_LIMITED';
    case Code.Unavailable:
      return 'DISCONNECTED';
    default:
      return 'INTERNAL';
  }
}
