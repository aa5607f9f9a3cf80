/**
 * @module core/airgap/outbox
 * The envelopes this vault sent to an air-gapped signer, in the vault's database. A response is
 * accepted only when its `requestSha256` names a row here, so a response to a request nobody here
 * made — or one whose request was altered on the way — is refused. Each row carries a record MAC
 * under the master key (checked on every read): a row written into the file by hand makes the read
 * TAMPERED rather than opening a door. A row is answered once; the envelope text is kept so the
 * online side can check a response against exactly what it sent (the request and the signer).
 *
 * Trusts the vault (MACs) and its caller's authorization: nothing here checks roles.
 */
import { CustodyError } from '../../../shared/errors.js';
import { airgapEnvelopeSchema, type AirgapEnvelope, type OutboxEntry } from '../../../shared/api/airgap.js';
import { statementCache, type Sqlite } from '../vault/database.js';
import type { Vault } from '../vault/vault.js';
import { canonicalJson } from './envelope.js';

interface Row {
  sha256: string;
  request_id: string;
  queue_id: string | null;
  chain: string;
  method: string;
  title: string;
  envelope: string;
  created_at: number;
  expires_at: number;
  created_by: string;
  answered_at: number | null;
  response_sha256: string | null;
  record_mac: Buffer;
}

export interface OutboxRecord extends OutboxEntry {
  readonly envelope: AirgapEnvelope;
  /** The queue request it was made from, if any (answered with the response when still pending). */
  readonly queueId: string | null;
  readonly createdBy: string;
  readonly responseSha256: string | null;
}

/** Answered or expired rows older than this are dropped when a new envelope is recorded. */
const KEEP_MS = 90 * 24 * 3600_000;

export class OutboxStore {
  private readonly sql: ReturnType<typeof statementCache>;

  constructor(
    db: Sqlite,
    private readonly vault: Vault,
  ) {
    this.sql = statementCache(db);
  }

  /** Caller holds the transaction. Recording the same envelope twice is a no-op. */
  record(input: { envelope: AirgapEnvelope; queueId: string | null; title: string; createdBy: string; now: number }): OutboxRecord {
    const existing = this.get(input.envelope.sha256);
    if (existing !== null) return existing;
    this.sql('DELETE FROM airgap_outbox WHERE expires_at < ? AND created_at < ?').run(input.now - KEEP_MS, input.now - KEEP_MS);
    const e = input.envelope;
    const row: Row = {
      sha256: e.sha256,
      request_id: e.id,
      queue_id: input.queueId,
      chain: e.chain,
      method: e.method,
      title: input.title.slice(0, 300),
      envelope: canonicalJson(e),
      created_at: Date.parse(e.createdAt),
      expires_at: Date.parse(e.expiresAt),
      created_by: input.createdBy,
      answered_at: null,
      response_sha256: null,
      record_mac: Buffer.alloc(0),
    };
    row.record_mac = this.vault.mac(fields(row));
    this.sql(
      'INSERT INTO airgap_outbox (sha256, request_id, queue_id, chain, method, title, envelope, created_at, expires_at, created_by, answered_at, response_sha256, record_mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(row.sha256, row.request_id, row.queue_id, row.chain, row.method, row.title, row.envelope, row.created_at, row.expires_at, row.created_by, row.answered_at, row.response_sha256, row.record_mac);
    return this.verified(row);
  }

  get(sha256: string): OutboxRecord | null {
    const row = this.sql('SELECT * FROM airgap_outbox WHERE sha256 = ?').get(sha256) as Row | undefined;
    return row === undefined ? null : this.verified(row);
  }

  /** Newest first. */
  list(limit = 500): OutboxRecord[] {
    return (this.sql('SELECT * FROM airgap_outbox ORDER BY created_at DESC, sha256 LIMIT ?').all(limit) as Row[]).map((r) => this.verified(r));
  }

  pendingCount(now: number): number {
    return (this.sql('SELECT COUNT(*) AS n FROM airgap_outbox WHERE answered_at IS NULL AND expires_at > ?').get(now) as { n: number }).n;
  }

  /** Caller holds the transaction. */
  markAnswered(sha256: string, responseSha256: string, now: number): OutboxRecord {
    const row = this.sql('SELECT * FROM airgap_outbox WHERE sha256 = ?').get(sha256) as Row | undefined;
    if (row === undefined) throw new CustodyError('NOT_FOUND', 'no such envelope in the outbox');
    this.verified(row);
    const next: Row = { ...row, answered_at: now, response_sha256: responseSha256 };
    next.record_mac = this.vault.mac(fields(next));
    this.sql('UPDATE airgap_outbox SET answered_at = ?, response_sha256 = ?, record_mac = ? WHERE sha256 = ?').run(next.answered_at, next.response_sha256, next.record_mac, sha256);
    return this.verified(next);
  }

  private verified(r: Row): OutboxRecord {
    this.vault.assertMac(r.record_mac, fields(r), `air-gap outbox entry ${r.sha256.slice(0, 12)}`);
    let envelope: AirgapEnvelope;
    try {
      envelope = airgapEnvelopeSchema.parse(JSON.parse(r.envelope));
    } catch {
      throw new CustodyError('TAMPERED', `air-gap outbox entry ${r.sha256.slice(0, 12)} is malformed`, { details: { record: 'air-gap outbox' } });
    }
    return {
      sha256: r.sha256,
      requestId: r.request_id,
      method: r.method,
      chain: envelope.chain,
      title: r.title,
      createdAt: r.created_at,
      expiresAt: r.expires_at,
      state: r.answered_at === null ? 'sent' : 'answered',
      answeredAt: r.answered_at,
      envelope,
      queueId: r.queue_id,
      createdBy: r.created_by,
      responseSha256: r.response_sha256,
    };
  }
}

function fields(r: Row): (string | number | null | Uint8Array)[] {
  return ['airgap-outbox', r.sha256, r.request_id, r.queue_id, r.chain, r.method, r.title, r.envelope, r.created_at, r.expires_at, r.created_by, r.answered_at, r.response_sha256];
}
