/**
 * @module shared/api/airgap
 * What crosses the air gap, and what the Backup & Recovery and Air-gap screens exchange with the
 * core. Files only: a request envelope goes from the online Custos to the air-gapped one, a
 * response goes back, and neither side ever needs the other's network.
 *
 * Request envelope (`custos-airgap-request`, version 1): the signing request exactly as the
 * chains issue's decoders read it (shared/api/signing), the signer, and everything signing needs
 * without a network (an Ethereum transaction carries chain id, nonce and fees). `sha256` is the
 * SHA-256 (hex) of the envelope's canonical JSON without the `sha256` member (canonicalJson:
 * keys sorted at every level, no whitespace): it names the request on both sides.
 *
 * Response (`custos-airgap-response`, version 1): the signed result bound to the request by
 * `requestSha256`, with its own `sha256` over its canonical JSON the same way. The online side
 * accepts a response only for an envelope it recorded sending (its outbox) and, for Ethereum,
 * only when the signature recovers to the expected address.
 *
 * Pure zod: no Node, no DOM.
 */
import { z } from 'zod';
import { chainSchema, signedResultSchema, signerRefSchema, signingRequestSchema } from './signing.js';

export const AIRGAP_REQUEST_FORMAT = 'custos-airgap-request' as const;
export const AIRGAP_RESPONSE_FORMAT = 'custos-airgap-response' as const;
export const AIRGAP_VERSION = 1 as const;

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/u, 'expected 64 lowercase hex digits');
const isoTime = z.string().max(40).refine((s) => !Number.isNaN(Date.parse(s)), 'expected an ISO 8601 time');
const requestId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/u, 'expected 1-64 of A-Z a-z 0-9 _ -');

export const airgapEnvelopeSchema = z.strictObject({
  format: z.literal(AIRGAP_REQUEST_FORMAT),
  version: z.literal(AIRGAP_VERSION),
  /** The online side's id for the request (its queue id, or a fresh one for `custos request export`). */
  id: requestId,
  createdAt: isoTime,
  /** After this the air-gapped side refuses it (a nonce or a fee goes stale). */
  expiresAt: isoTime,
  /** Who asked, as the online side saw it: a label only, never trusted for anything. */
  origin: z.strictObject({ vault: z.string().regex(/^[0-9a-f]{16}$/u).nullable(), client: z.string().max(300) }),
  chain: chainSchema,
  /** The client's method (`eth_signTransaction`, `personal_sign`, `custos_signPsbt`, …). */
  method: z.string().min(1).max(64),
  request: signingRequestSchema,
  signer: signerRefSchema,
  /** The account the online side expects to sign (checked on both sides when present). */
  expectedAddress: z.string().max(200).nullable(),
  sha256: sha256Hex,
});
export type AirgapEnvelope = z.infer<typeof airgapEnvelopeSchema>;

export const airgapResponseSchema = z.strictObject({
  format: z.literal(AIRGAP_RESPONSE_FORMAT),
  version: z.literal(AIRGAP_VERSION),
  requestId,
  requestSha256: sha256Hex,
  signedAt: isoTime,
  /** The operator who approved on the air-gapped side. */
  approvedBy: z.string().max(200),
  /** The account that signed, as the air-gapped side derived it. */
  signerAddress: z.string().max(200).nullable(),
  result: signedResultSchema,
  sha256: sha256Hex,
});
export type AirgapResponse = z.infer<typeof airgapResponseSchema>;

/** QR frames for a file: one frame when it fits, else an animated BC-UR sequence (`ur:bytes/…`) shown in a loop. */
export const qrFramesSchema = z.strictObject({
  /** 'ur': BC-UR parts (scan all to decode); 'text': a single frame holding the file as is. */
  encoding: z.enum(['text', 'ur']),
  frames: z.array(z.string()).min(1).max(2000),
  /** How many distinct fragments a scanner needs (1 for a single frame). */
  fragments: z.number().int().min(1),
});
export type QrFrames = z.infer<typeof qrFramesSchema>;

/** A file the core produced for the operator to save (and show as QR). */
export const airgapFileSchema = z.strictObject({
  fileName: z.string(),
  /** The file's text (JSON). */
  text: z.string(),
  sha256: sha256Hex,
  qr: qrFramesSchema,
});

export const outboxEntrySchema = z.strictObject({
  sha256: sha256Hex,
  requestId: z.string(),
  method: z.string(),
  chain: chainSchema,
  /** The one-line summary the online side showed. */
  title: z.string(),
  createdAt: z.number().int(),
  expiresAt: z.number().int(),
  state: z.enum(['sent', 'answered']),
  answeredAt: z.number().int().nullable(),
});
export type OutboxEntry = z.infer<typeof outboxEntrySchema>;

export const airgapStatusSchema = z.strictObject({
  airGapped: z.boolean(),
  /** What turned it on: the --air-gapped flag (or CUSTOS_AIR_GAPPED), custos.yaml's server.air_gapped, or nothing. */
  source: z.enum(['flag', 'config', 'off']),
  /** Envelopes sent and not yet answered. */
  outboxPending: z.number().int(),
});

// ------------------------------------------------------------------ backups and recovery (screens)

export const backupPartSchema = z.strictObject({ name: z.string(), size: z.number().int(), sha256: sha256Hex });
export const backupManifestWireSchema = z.strictObject({
  kind: z.enum(['full', 'incremental']),
  createdAt: z.string(),
  vaultFingerprint: z.string(),
  schemaVersion: z.number().int(),
  /** SHA-256 of the backup this one follows (null for a full backup). */
  previous: sha256Hex.nullable(),
  parts: z.array(backupPartSchema),
});
export type BackupManifestWire = z.infer<typeof backupManifestWireSchema>;

export const backupFileInfoSchema = z.strictObject({ path: z.string(), bytes: z.number().int(), sha256: sha256Hex, manifest: backupManifestWireSchema });

/** Long operations report phases: `done` of `total` steps, the current one named. */
export const backupProgressSchema = z.strictObject({
  operation: z.enum(['create', 'verify', 'restore']),
  phase: z.string(),
  done: z.number().int().nonnegative(),
  total: z.number().int().positive(),
});
export type BackupProgress = z.infer<typeof backupProgressSchema>;
