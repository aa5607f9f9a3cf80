/**
 * @module core/audit/log
 * The tamper-evident audit log: one row per facade operation, a SHA-256 hash chain over the
 * canonical event bytes, an RFC 9162 Merkle tree over the same bytes, and checkpoints signed
 * with an Ed25519 audit key that is sealed in the vault like any other secret.
 *
 * Durability: `appendInTransaction` joins the caller's SQLite transaction (state change and its
 * event commit together); `appendDurable` group-commits events of operations that change no
 * state and resolves only after COMMIT. The chain head is read inside the write transaction, so
 * several processes can append to one log; a group transaction reads it once and carries it
 * from event to event (it holds the write lock, so nobody else can move it), inserts the
 * batch's rows together just before COMMIT, and forgets the head when the transaction ends,
 * committed or rolled back.
 *
 * Verification runs in chunks shared with a worker thread when the log is long enough
 * (verify-parallel.ts); the report is the one a single pass would give.
 *
 * Trusts the vault (for the audit key and record MACs) and nothing stored in the tables.
 */
import { createHash, randomBytes } from 'node:crypto';
import { CustodyError } from '../../../shared/errors.js';
import type { CryptoEngine } from '../crypto/types.js';
import { statementCache, type Sqlite } from '../vault/database.js';
import { GroupCommit } from '../vault/group-commit.js';
import type { Clock, Vault } from '../vault/vault.js';
import type { Statement } from 'better-sqlite3';
import { assertEventInput, canonicalJson, canonicalRowBytes, canonicalText, RAW_COLUMNS, rawRowText, rowToEvent, type AuditEvent, type AuditEventInput, type AuditRow, type RawRow } from './event.js';
import { hashEventHex, leafOfEvent } from './event-hash.js';
import { consistencyProof, inclusionProof, leafHash, MerkleAccumulator, MerkleRange } from './merkle.js';
import { checkpointBody, signCheckpoint, verifyCheckpoint, type Checkpoint } from './checkpoint.js';
import type { ConsistencyProofFile, InclusionProofFile } from './proof-file.js';
import { AUDIT_ORIGIN_PREFIX } from './proof-file.js';
import { chainMismatch, type ChunkRequest } from './verify-chunk.js';
import { verifyChunks } from './verify-parallel.js';

const GENESIS = Buffer.alloc(32);
const GENESIS_HEX = GENESIS.toString('hex');
const AUDIT_KEY = 'audit-signing';

const RAW_PAGE = 4096;
/** ~0.1 s of work per chunk: small enough to share well between two threads, large enough that the joins cost nothing. */
const VERIFY_CHUNK_EVENTS = 32_768;
/** RAW_COLUMNS has 12 columns; one row's placeholders. */
const RAW_COLUMN_COUNT = 12;
const ROW_PLACEHOLDERS = '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
/** INSERTs of 64, 16, 4 and 1 rows, largest first: a group batch goes in as few statements as these make it. */
const INSERT_ROWS: readonly (readonly [number, string])[] = [64, 16, 4, 1].map((n) => [n, `INSERT INTO audit_events (${RAW_COLUMNS}) VALUES ${Array<string>(n).fill(ROW_PLACEHOLDERS).join(', ')}`] as const);
/** At most this many appended leaves are kept for the next checkpoint (about 10 MB). */
const APPENDED_LEAVES_MAX = 65_536;

/** The last event: its sequence number and chain hash as lowercase hex (GENESIS for the empty log). */
interface Head {
  readonly seq: number;
  readonly chain: string;
}

/** Request ids are identifiers, not secrets: served from a pool (one randomBytes call per 341 ids, as node does for randomUUID). */
const REQUEST_ID_BYTES = 12;
let requestIdPool = Buffer.alloc(0);
let requestIdOffset = 0;

export interface AuditOptions {
  /**
   * The origin line of new checkpoints (C2SP tlog-checkpoint), e.g. `custos.example/payments`;
   * default `custos.audit/<first 16 hex of SHA-256 of the audit public key>`. Checkpoints already
   * signed keep the origin they were signed with (verification reads it from each note).
   */
  readonly origin?: string;
  /** Sign a checkpoint after this many new events. */
  readonly checkpointEveryEvents: number;
  /** … or when the last one is older than this (checked on append). */
  readonly checkpointEverySeconds: number;
  /** Events per verification chunk; a log of more than one chunk is verified on two threads (default 32,768). */
  readonly verifyChunkEvents?: number;
}

export const DEFAULT_AUDIT_OPTIONS: AuditOptions = { checkpointEveryEvents: 1000, checkpointEverySeconds: 300 };

export interface AuditFilter {
  readonly from?: number;
  readonly to?: number;
  readonly namespace?: string;
  readonly principal?: string;
  readonly action?: string;
  readonly result?: string;
  /** Events with seq greater than this (paging). */
  readonly afterSeq?: number;
  readonly limit?: number;
  /** Newest first. */
  readonly descending?: boolean;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly size: number;
  readonly checkedFrom: number;
  readonly checkpointsVerified: number;
  readonly firstBadSeq?: number;
  readonly reason?: string;
}

export interface AuditStatus {
  readonly size: number;
  readonly lastCheckpoint: { size: number; createdAt: number } | null;
  readonly verifiedSize: number;
  readonly tampered: { seq: number | null; reason: string } | null;
  readonly violations: number;
  readonly origin: string | null;
  readonly publicKey: string | null;
}

interface StateRow {
  verified_size: number;
  verified_chain_hash: Buffer;
  tampered_seq: number | null;
  tampered_reason: string | null;
  violations: number;
  merkle_state: string | null;
  record_mac: Buffer | null;
}

export class AuditLog {
  private readonly commits: GroupCommit;
  private readonly sql: (text: string) => Statement;
  /** Merkle tree over committed events, advanced lazily from the table. */
  private tree = new MerkleAccumulator();
  private lastCheckpointAt = 0;
  private checkpointing = false;
  private appendsSinceCheck = 0;
  private lastDueCheckAt = 0;
  /** The chain head while a group transaction runs (null outside one): read once per batch, not per event. */
  private batchHead: Head | null = null;
  /** The first seq the open group transaction appended. */
  private batchFirstSeq = 0;
  /** Column values of the open group transaction's rows, 12 per row, inserted together before it commits. */
  private batchRows: unknown[] = [];
  /**
   * Leaf hashes of the events this process appended, by seq, each with the chain hash computed
   * with it, so that checkpoints need not re-encode and rehash the rows. A leaf of a group
   * transaction that committed is this process's own durable event (`committed`); any other
   * (appendInTransaction: its transaction's fate is the caller's) is used only while the table
   * holds that chain hash at that seq, so an append that rolled back, or another process's
   * event at the same seq, is read from the row.
   */
  private readonly appendedLeaves = new Map<number, { readonly chain: string; readonly leaf: string; committed: boolean }>();

  constructor(
    private readonly db: Sqlite,
    private readonly vault: Vault,
    private readonly engine: CryptoEngine,
    private readonly clock: Clock,
    private readonly options: AuditOptions = DEFAULT_AUDIT_OPTIONS,
  ) {
    this.commits = new GroupCommit(db, { isolate: false, beforeCommit: () => this.insertBatchRows(), afterTransaction: (committed) => this.endBatch(committed) });
    this.sql = statementCache(db);
  }

  static newRequestId(): string {
    if (requestIdOffset + REQUEST_ID_BYTES > requestIdPool.length) {
      requestIdPool = randomBytes(4096 - (4096 % REQUEST_ID_BYTES));
      requestIdOffset = 0;
    }
    requestIdOffset += REQUEST_ID_BYTES;
    return requestIdPool.toString('hex', requestIdOffset - REQUEST_ID_BYTES, requestIdOffset);
  }

  // ------------------------------------------------------------------ append

  /** Append inside the caller's open write transaction. Returns the sequence number. */
  appendInTransaction(input: AuditEventInput): number {
    const row: unknown[] = [];
    const head = this.appendAfter(this.readHead(), input, row);
    this.sql(`INSERT INTO audit_events (${RAW_COLUMNS}) VALUES ${ROW_PLACEHOLDERS}`).run(row);
    return head.seq;
  }

  /** Append in the next group transaction; resolves after COMMIT (durable before the answer leaves). */
  async appendDurable(input: AuditEventInput): Promise<number> {
    const seq = await this.commits.run(() => {
      // Inside the group transaction: the head it read (or the event before this one) is still the head.
      if (this.batchHead === null) {
        this.batchHead = this.readHead();
        this.batchFirstSeq = this.batchHead.seq + 1;
      }
      this.batchHead = this.appendAfter(this.batchHead, input, this.batchRows);
      return this.batchHead.seq;
    });
    this.maybeCheckpoint();
    return seq;
  }

  /** GroupCommit's beforeCommit: the batch's rows in multi-row INSERTs (about 1 µs a row cheaper than one statement each). */
  private insertBatchRows(): void {
    const values = this.batchRows;
    this.batchRows = [];
    let rows = values.length / RAW_COLUMN_COUNT;
    let offset = 0;
    while (rows > 0) {
      const [n, text] = INSERT_ROWS.find(([count]) => count <= rows) as [number, string];
      this.sql(text).run(values.slice(offset, offset + n * RAW_COLUMN_COUNT));
      offset += n * RAW_COLUMN_COUNT;
      rows -= n;
    }
  }

  /** GroupCommit's afterTransaction: forget the head (another writer may move it now); a commit makes the batch's leaves this process's own. */
  private endBatch(committed: boolean): void {
    if (committed && this.batchHead !== null) {
      for (let seq = this.batchFirstSeq; seq <= this.batchHead.seq; seq++) {
        const known = this.appendedLeaves.get(seq);
        if (known !== undefined) known.committed = true;
      }
    }
    this.batchHead = null;
    this.batchRows = [];
  }

  /** The chain head as the open write transaction sees it. */
  private readHead(): Head {
    const head = this.sql('SELECT seq, lower(hex(chain_hash)) AS chain FROM audit_events ORDER BY seq DESC LIMIT 1').get() as Head | undefined;
    return head ?? { seq: 0, chain: GENESIS_HEX };
  }

  /** The event after `head`: its column values go onto `row` for the caller to insert. Returns the new head. */
  private appendAfter(head: Head, input: AuditEventInput, row: unknown[]): Head {
    assertEventInput(input);
    const seq = head.seq + 1;
    const time = this.clock.now();
    const client = canonicalJson(input.client);
    const details = canonicalJson(input.details);
    const { chain, leaf } = hashEventHex(head.chain, canonicalText(seq, time, input.principal, input.namespace, input.action, input.keyId, input.keyVersion, input.result, input.requestId, client, details));
    row.push(seq, time, input.principal, input.namespace, input.action, input.keyId, input.keyVersion, input.result, input.requestId, client, details, Buffer.from(chain, 'hex'));
    // Bounded: checkpoints consume these; without checkpoints (a locked vault) they would pile up.
    if (this.appendedLeaves.size >= APPENDED_LEAVES_MAX) this.appendedLeaves.clear();
    this.appendedLeaves.set(seq, { chain, leaf, committed: false });
    return { seq, chain };
  }

  size(): number {
    return (this.sql('SELECT coalesce(max(seq), 0) AS n FROM audit_events').get() as { n: number }).n;
  }

  // ------------------------------------------------------------------ checkpoints

  /** Sign a checkpoint when enough events or time have passed (needs the vault unlocked). */
  maybeCheckpoint(): void {
    if (!this.vault.isUnlocked() || this.checkpointing) return;
    // The due check costs two queries: run it every 32 appends or once a second, not per event.
    this.appendsSinceCheck++;
    const now = this.clock.now();
    if (this.appendsSinceCheck < 32 && now - this.lastDueCheckAt < 1000) return;
    this.appendsSinceCheck = 0;
    this.lastDueCheckAt = now;
    const last = this.lastCheckpoint();
    const size = this.size();
    const due = size - (last?.tree_size ?? 0) >= this.options.checkpointEveryEvents || (size > (last?.tree_size ?? 0) && this.clock.now() - (last?.created_at ?? this.lastCheckpointAt) >= this.options.checkpointEverySeconds * 1000);
    if (due) this.checkpoint();
  }

  /** Sign and store a checkpoint at the current size, unless one exists for it. Needs the vault unlocked. */
  checkpoint(): Checkpoint | undefined {
    this.checkpointing = true;
    try {
      const key = this.auditKey();
      const size = this.size();
      if (size === 0) return undefined;
      const existing = this.sql('SELECT note FROM audit_checkpoints WHERE tree_size = ?').get(size) as { note: string } | undefined;
      if (existing !== undefined) return verifyCheckpoint(existing.note, key.name, key.publicRaw, (m, s) => this.verifyAudit(key.publicSpki, m, s));
      let root: Uint8Array;
      try {
        root = this.rootAt(size);
      } catch (error) {
        // A log with a missing event has no Merkle root to sign; verification reports the gap.
        if (error instanceof CustodyError && error.code === 'TAMPERED') return undefined;
        throw error;
      }
      const body = checkpointBody(key.origin, size, root);
      const note = signCheckpoint(body, key.name, key.publicRaw, (message) => this.signAudit(message));
      const now = this.clock.now();
      this.sql('INSERT OR IGNORE INTO audit_checkpoints (tree_size, root, created_at, note) VALUES (?, ?, ?, ?)').run(size, Buffer.from(root), now, note);
      this.lastCheckpointAt = now;
      return { origin: key.origin, size, root, note };
    } finally {
      this.checkpointing = false;
    }
  }

  checkpoints(): { size: number; createdAt: number; note: string }[] {
    return (this.sql('SELECT tree_size, created_at, note FROM audit_checkpoints ORDER BY tree_size').all() as { tree_size: number; created_at: number; note: string }[]).map((r) => ({
      size: r.tree_size,
      createdAt: r.created_at,
      note: r.note,
    }));
  }

  private lastCheckpoint(): { tree_size: number; created_at: number } | undefined {
    return this.sql('SELECT tree_size, created_at FROM audit_checkpoints ORDER BY tree_size DESC LIMIT 1').get() as { tree_size: number; created_at: number } | undefined;
  }

  /** Merkle root of the first `size` events (the accumulator only moves forward; older sizes recompute). */
  rootAt(size: number): Uint8Array {
    if (this.tree.size === 0) {
      const state = this.readState();
      const saved = state === undefined ? null : savedTree(state, state.verified_size);
      if (saved !== null && saved.size <= size) this.tree = saved;
    }
    if (size < this.tree.size) {
      const t = new MerkleAccumulator();
      this.extendTree(t, size);
      return t.root();
    }
    this.extendTree(this.tree, size);
    // The tree has these leaves now; the map is in (roughly) append order.
    for (const seq of this.appendedLeaves.keys()) {
      if (seq > size) break;
      this.appendedLeaves.delete(seq);
    }
    return this.tree.root();
  }

  /** Append the leaves of events tree.size + 1 .. size to `tree`; a gap throws TAMPERED and leaves `tree` as it was. */
  private extendTree(tree: MerkleAccumulator, size: number): void {
    const range = new MerkleRange(tree.size);
    this.forEachLeaf(tree.size + 1, size, (leaf) => range.appendBinary(leaf));
    for (const t of range.subtrees()) tree.appendSubtree(t.hash, t.height);
  }

  /**
   * Visit the leaf hashes (binary strings, see sha256Binary) of events fromSeq..toSeq in order; a
   * gap throws TAMPERED. When all of them are this process's committed events, from
   * `appendedLeaves` alone; otherwise reads (seq, chain hash) a page at a time and takes each
   * leaf from `appendedLeaves` when the chain hash matches, else from the row's canonical bytes.
   */
  private forEachLeaf(fromSeq: number, toSeq: number, visit: (leaf: string) => void): void {
    if (fromSeq > toSeq) return;
    // All of them this process's own committed events (the common case for a checkpoint): nothing to read.
    let own = true;
    for (let seq = fromSeq; own && seq <= toSeq; seq++) own = this.appendedLeaves.get(seq)?.committed === true;
    if (own) {
      for (let seq = fromSeq; seq <= toSeq; seq++) visit((this.appendedLeaves.get(seq) as { leaf: string }).leaf);
      return;
    }
    const heads = this.sql(`SELECT seq, lower(hex(chain_hash)) FROM audit_events WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ${RAW_PAGE}`).raw(true);
    const leaves: (string | undefined)[] = [];
    let expected = fromSeq;
    for (;;) {
      const page = heads.all(expected - 1, toSeq) as unknown[];
      if (page.length === 0) break;
      leaves.length = 0;
      let missFrom = 0;
      let missTo = -1;
      for (const [seq, chain] of page as [seq: number, chain: string][]) {
        if (seq !== expected + leaves.length) {
          const missing = expected + leaves.length;
          throw new CustodyError('TAMPERED', `audit log: event ${missing} is missing`, { details: { record: `audit event ${missing}`, seq: missing } });
        }
        const known = this.appendedLeaves.get(seq);
        if (known !== undefined && known.chain === chain) {
          leaves.push(known.leaf);
        } else {
          leaves.push(undefined);
          if (missTo < missFrom) missFrom = seq;
          missTo = seq;
        }
      }
      // Rows whose leaf is not known: one read of the span that holds them.
      if (missTo >= missFrom) {
        for (const rows of this.rawPages(missFrom - 1, missTo)) {
          for (const row of rows) if (leaves[row[0] - expected] === undefined) leaves[row[0] - expected] = leafOfEvent(rawRowText(row));
        }
      }
      for (const leaf of leaves) {
        // Only if the span changed under us (no write transaction is held here): read as missing.
        if (leaf === undefined) throw new CustodyError('TAMPERED', `audit log: event ${expected} is missing`, { details: { record: `audit event ${expected}`, seq: expected } });
        visit(leaf);
        expected++;
      }
    }
    if (expected !== toSeq + 1) throw new CustodyError('TAMPERED', `audit log: event ${expected} is missing`, { details: { record: `audit event ${expected}`, seq: expected } });
  }

  /** Rows with seq in (afterSeq, toSeq] as arrays, a page at a time (no statement stays open between pages). */
  private *rawPages(afterSeq: number, toSeq = Number.MAX_SAFE_INTEGER): Generator<RawRow[]> {
    const statement = this.sql(`SELECT ${RAW_COLUMNS} FROM audit_events WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ${RAW_PAGE}`).raw(true);
    let cursor = afterSeq;
    for (;;) {
      const page = statement.all(cursor, toSeq) as RawRow[];
      if (page.length === 0) return;
      yield page;
      cursor = (page[page.length - 1] as RawRow)[0];
    }
  }

  /** Rows with seq in (afterSeq, toSeq], read a page at a time. */
  private *rowsAfter(afterSeq: number, toSeq = Number.MAX_SAFE_INTEGER): Generator<AuditRow> {
    let cursor = afterSeq;
    for (;;) {
      const page = this.sql('SELECT * FROM audit_events WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT 4096').all(cursor, toSeq) as AuditRow[];
      if (page.length === 0) return;
      yield* page;
      cursor = (page[page.length - 1] as AuditRow).seq;
    }
  }

  // ------------------------------------------------------------------ the audit key

  /** The Ed25519 audit signing key, created on first use. Needs the vault unlocked. */
  private auditKey(): { name: string; origin: string; publicRaw: Uint8Array; publicSpki: Uint8Array } {
    this.vault.requireUnlocked();
    let row = this.sql('SELECT * FROM system_keys WHERE name = ?').get(AUDIT_KEY) as
      | { name: string; algorithm: string; public_key: Buffer; sealed_secret: Buffer; created_at: number; record_mac: Buffer }
      | undefined;
    if (row === undefined) {
      // Generated synchronously: the audit key must exist before the first checkpoint.
      const material = this.engine.importKey('ed25519', 'raw', this.engine.random(32));
      const secret = material.secret as Uint8Array;
      const publicKey = Buffer.from(material.publicKey as Uint8Array);
      const sealed = Buffer.from(this.vault.seal(`system/${AUDIT_KEY}/ed25519`, secret));
      secret.fill(0);
      const now = this.clock.now();
      const mac = this.vault.mac(['system-key', AUDIT_KEY, 'ed25519', publicKey, now]);
      this.sql('INSERT OR IGNORE INTO system_keys (name, algorithm, public_key, sealed_secret, created_at, record_mac) VALUES (?, ?, ?, ?, ?, ?)').run(AUDIT_KEY, 'ed25519', publicKey, sealed, now, mac);
      row = this.sql('SELECT * FROM system_keys WHERE name = ?').get(AUDIT_KEY) as typeof row;
      if (row === undefined) throw new CustodyError('INTERNAL', 'the audit key could not be stored');
    }
    this.vault.assertMac(row.record_mac, ['system-key', row.name, row.algorithm, row.public_key, row.created_at], 'audit signing key record');
    const publicRaw = this.engine.exportPublicKey('ed25519', row.public_key, 'raw');
    return { name: `custos-audit-${Buffer.from(publicRaw.subarray(0, 4)).toString('hex')}`, origin: this.originFor(publicRaw), publicRaw, publicSpki: row.public_key };
  }

  private originFor(publicRaw: Uint8Array): string {
    if (this.options.origin !== undefined) return this.options.origin;
    return AUDIT_ORIGIN_PREFIX + createHash('sha256').update(publicRaw).digest('hex').slice(0, 16);
  }

  /** The audit public key as SPKI PEM (what offline verifiers need), or null before the first unlock. */
  publicKeyPem(): string | null {
    const row = this.sql('SELECT public_key FROM system_keys WHERE name = ?').get(AUDIT_KEY) as { public_key: Buffer } | undefined;
    if (row === undefined) return null;
    return new TextDecoder().decode(this.engine.exportPublicKey('ed25519', row.public_key, 'pem'));
  }

  private signAudit(message: Uint8Array): Uint8Array {
    const row = this.sql('SELECT * FROM system_keys WHERE name = ?').get(AUDIT_KEY) as { sealed_secret: Buffer; public_key: Buffer };
    const secret = this.vault.open(`system/${AUDIT_KEY}/ed25519`, row.sealed_secret, 'audit signing key');
    try {
      const handle = this.engine.loadPrivateKey({ algorithm: 'ed25519', secret, publicKey: row.public_key });
      return this.engine.sign(handle, message);
    } finally {
      secret.fill(0);
    }
  }

  private verifyAudit(spki: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    return this.engine.verify(this.engine.loadPublicKey('ed25519', spki), message, signature);
  }

  // ------------------------------------------------------------------ verification

  /**
   * Verify the chain from the last verified position (or from the start with `full`) and every
   * checkpoint in range: its signature and its root. The first mismatch puts the log in the
   * TAMPERED state (persisted, counted) and is reported with its sequence number.
   */
  verify(full = false): VerifyReport {
    const state = this.readState();
    const size = this.size();
    const from = full || state === undefined ? 0 : state.verified_size;
    const prev: Buffer = full || state === undefined ? GENESIS : state.verified_chain_hash;
    if (from > size) return this.fail(size + 1, `the log ends at ${size} but ${from} events were verified before: the tail was truncated`, from, 0);
    const key = this.auditKey();
    const checkpoints = (this.sql('SELECT tree_size, root, note FROM audit_checkpoints ORDER BY tree_size').all() as { tree_size: number; root: Buffer; note: string }[]).filter(
      (c) => full || c.tree_size > from,
    );
    const lastCp = checkpoints[checkpoints.length - 1];
    if (lastCp !== undefined && lastCp.tree_size > size) {
      return this.fail(size + 1, `a signed checkpoint covers ${lastCp.tree_size} events but the log has ${size}: events were deleted or the tail truncated`, from, 0);
    }
    // Re-verifying from the start needs a fresh tree; from the verified point the running tree is reused.
    let tree: MerkleAccumulator | null = full ? new MerkleAccumulator() : from === this.tree.size ? this.tree : (savedTree(state, from) ?? new MerkleAccumulator());
    if (tree.size !== from) {
      const fresh: MerkleAccumulator = tree;
      try {
        this.extendTree(fresh, from);
      } catch (error) {
        // An acknowledged gap before the verified point: the chain and signatures are still checked, roots cannot be.
        if (!(error instanceof CustodyError) || error.code !== 'TAMPERED') throw error;
        tree = null;
      }
    }
    // Chunks of events, verified on this thread and a worker (verify-parallel.ts), joined here in order.
    const chunkEvents = this.options.verifyChunkEvents ?? VERIFY_CHUNK_EVENTS;
    const requests: ChunkRequest[] = [];
    for (let after = from; after < size; after += chunkEvents) {
      const to = Math.min(after + chunkEvents, size);
      requests.push({ afterSeq: after, toSeq: to, start: after === from ? prev : null, checkpointSizes: checkpoints.map((c) => c.tree_size).filter((n) => n > after && n <= to), merkle: tree !== null });
    }
    const results = verifyChunks(this.db, requests, { worker: true });
    let cpIndex = 0;
    let verifiedCheckpoints = 0;
    let chain: Uint8Array = prev;
    for (const result of results) {
      // The chunk checked its first event against the chain hash stored before it; the chunk before computed that hash.
      if (result.startChain === null || !Buffer.from(chain).equals(result.startChain)) return this.fail(result.afterSeq + 1, chainMismatch(result.afterSeq + 1), from, verifiedCheckpoints);
      // Checkpoints inside the chunk, up to the event that failed (its chain is checked before its checkpoint).
      for (const snapshot of result.snapshots) {
        while (cpIndex < checkpoints.length && (checkpoints[cpIndex] as { tree_size: number }).tree_size < snapshot.size) cpIndex++;
        const at = checkpoints[cpIndex];
        if (at?.tree_size !== snapshot.size) throw new CustodyError('INTERNAL', `audit verification: no checkpoint at ${snapshot.size}`);
        let signed: Checkpoint;
        try {
          signed = verifyCheckpoint(at.note, key.name, key.publicRaw, (m, s) => this.verifyAudit(key.publicSpki, m, s));
        } catch {
          return this.fail(snapshot.size, `the checkpoint at size ${at.tree_size} has no valid signature by the audit key`, from, verifiedCheckpoints);
        }
        let root = signed.root;
        if (tree !== null) {
          const atSize = tree.clone();
          for (const t of snapshot.subtrees) atSize.appendSubtree(t.hash, t.height);
          root = atSize.root();
        }
        if (signed.size !== at.tree_size || !Buffer.from(signed.root).equals(Buffer.from(root)) || !at.root.equals(Buffer.from(root))) {
          return this.fail(this.firstDivergence(at.tree_size, signed.root), `the Merkle root at size ${at.tree_size} does not match its signed checkpoint`, from, verifiedCheckpoints);
        }
        verifiedCheckpoints++;
        cpIndex++;
      }
      if (result.failure !== null) return this.fail(result.failure.seq, result.failure.reason, from, verifiedCheckpoints);
      if (tree !== null) {
        if (tree === this.tree) tree = tree.clone(); // the running tree changes only once everything verified
        for (const t of result.subtrees) tree.appendSubtree(t.hash, t.height);
      }
      chain = result.endChain as Uint8Array;
    }
    if (tree !== null) this.tree = tree;
    this.writeState({ verified_size: size, verified_chain_hash: Buffer.from(chain), merkle_state: tree === null ? null : JSON.stringify(tree.toState()) });
    return { ok: true, size, checkedFrom: from + 1, checkpointsVerified: verifiedCheckpoints };
  }

  /** For a root mismatch the chain was rewritten consistently: the first event whose leaf differs cannot be known without the old leaves, so name the first event after the previous verified checkpoint. */
  private firstDivergence(size: number, _signedRoot: Uint8Array): number {
    const previous = this.sql('SELECT max(tree_size) AS s FROM audit_checkpoints WHERE tree_size < ?').get(size) as { s: number | null };
    return (previous.s ?? 0) + 1;
  }

  private fail(seq: number, reason: string, from: number, checkpointsVerified: number): VerifyReport {
    const state = this.readState();
    this.writeState({
      verified_size: state?.verified_size ?? 0,
      verified_chain_hash: state?.verified_chain_hash ?? GENESIS,
      tampered_seq: seq,
      tampered_reason: reason,
      violations: (state?.violations ?? 0) + 1,
    });
    return { ok: false, size: this.size(), checkedFrom: from + 1, checkpointsVerified, firstBadSeq: seq, reason };
  }

  /** Whether the log is in the TAMPERED state (signing and decryption are refused until an Admin acknowledges). */
  tamperedState(): { seq: number | null; reason: string } | null {
    const s = this.readState();
    return s?.tampered_reason === null || s?.tampered_reason === undefined ? null : { seq: s.tampered_seq, reason: s.tampered_reason };
  }

  /** An Admin's acknowledgement: clears the TAMPERED state and re-bases verification at the current end. The caller audits it. */
  acknowledge(): void {
    const size = this.size();
    const head = this.sql('SELECT chain_hash FROM audit_events WHERE seq = ?').get(size) as { chain_hash: Buffer } | undefined;
    this.tree = new MerkleAccumulator();
    this.writeState({ verified_size: size, verified_chain_hash: head?.chain_hash ?? GENESIS, tampered_seq: null, tampered_reason: null, merkle_state: null });
  }

  status(): AuditStatus {
    const state = this.readState();
    const last = this.lastCheckpoint();
    const row = this.sql('SELECT public_key FROM system_keys WHERE name = ?').get(AUDIT_KEY) as { public_key: Buffer } | undefined;
    const publicRaw = row === undefined ? null : this.engine.exportPublicKey('ed25519', row.public_key, 'raw');
    return {
      size: this.size(),
      lastCheckpoint: last === undefined ? null : { size: last.tree_size, createdAt: last.created_at },
      verifiedSize: state?.verified_size ?? 0,
      tampered: this.tamperedState(),
      violations: state?.violations ?? 0,
      origin: publicRaw === null ? null : this.originFor(publicRaw),
      publicKey: this.publicKeyPem(),
    };
  }

  private readState(): StateRow | undefined {
    const s = this.sql('SELECT * FROM audit_state WHERE id = 1').get() as StateRow | undefined;
    if (s === undefined) return undefined;
    if (this.vault.isUnlocked()) {
      // An attacker who moved verified_size forward could skip verification: the row is MACed.
      if (s.record_mac === null) throw new CustodyError('TAMPERED', 'audit state record lacks its MAC', { details: { record: 'audit state' } });
      this.vault.assertMac(s.record_mac, stateMacFields(s), 'audit state');
    }
    return s;
  }

  private writeState(change: Partial<StateRow>): void {
    const current = this.sql('SELECT * FROM audit_state WHERE id = 1').get() as StateRow | undefined;
    const next: StateRow = {
      verified_size: 0,
      verified_chain_hash: GENESIS,
      tampered_seq: null,
      tampered_reason: null,
      violations: 0,
      merkle_state: null,
      record_mac: null,
      ...current,
      ...change,
    };
    next.record_mac = this.vault.isUnlocked() ? this.vault.mac(stateMacFields(next)) : null;
    this.sql(
      `INSERT INTO audit_state (id, verified_size, verified_chain_hash, tampered_seq, tampered_reason, violations, merkle_state, record_mac)
       VALUES (1, @verified_size, @verified_chain_hash, @tampered_seq, @tampered_reason, @violations, @merkle_state, @record_mac)
       ON CONFLICT(id) DO UPDATE SET verified_size = excluded.verified_size, verified_chain_hash = excluded.verified_chain_hash,
         tampered_seq = excluded.tampered_seq, tampered_reason = excluded.tampered_reason, violations = excluded.violations,
         merkle_state = excluded.merkle_state, record_mac = excluded.record_mac`,
    ).run(next);
  }

  // ------------------------------------------------------------------ read

  query(filter: AuditFilter = {}): AuditEvent[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    const add = (sql: string, value: string | number | undefined): void => {
      if (value === undefined) return;
      where.push(sql);
      args.push(value);
    };
    add('time >= ?', filter.from);
    add('time <= ?', filter.to);
    add('namespace = ?', filter.namespace);
    add('principal = ?', filter.principal);
    add('action = ?', filter.action);
    add('result = ?', filter.result);
    add(filter.descending === true ? 'seq < ?' : 'seq > ?', filter.afterSeq);
    const limit = Math.min(Math.max(filter.limit ?? 100, 1), 10_000);
    const rows = this.db
      .prepare(`SELECT * FROM audit_events ${where.length > 0 ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq ${filter.descending === true ? 'DESC' : 'ASC'} LIMIT ${limit}`)
      .all(...args) as AuditRow[];
    return rows.map(rowToEvent);
  }

  // ------------------------------------------------------------------ proofs and export

  /** Inclusion proof of event `seq` in the tree of the latest checkpoint (or `treeSize`). */
  inclusionProof(seq: number, treeSize?: number): { proof: InclusionProofFile; checkpoint: string } {
    const cp = this.checkpointFor(treeSize ?? this.lastCheckpoint()?.tree_size);
    if (!Number.isSafeInteger(seq) || seq < 1 || seq > cp.tree_size) throw new CustodyError('NOT_FOUND', `event ${seq} is not covered by the checkpoint of size ${cp.tree_size}`);
    const leaves = this.leafHashes(cp.tree_size);
    const row = this.sql('SELECT * FROM audit_events WHERE seq = ?').get(seq) as AuditRow;
    const bytes = canonicalRowBytes(row);
    return {
      proof: {
        type: 'custos.audit.inclusion.v1',
        seq,
        leafIndex: seq - 1,
        treeSize: cp.tree_size,
        event: Buffer.from(bytes).toString('base64'),
        leafHash: Buffer.from(leafHash(bytes)).toString('hex'),
        proof: inclusionProof(seq - 1, cp.tree_size, (i) => leaves[i] as Uint8Array).map((h) => Buffer.from(h).toString('hex')),
      },
      checkpoint: cp.note,
    };
  }

  consistencyProof(size1: number, size2: number): { proof: ConsistencyProofFile; from: string; to: string } {
    const a = this.checkpointFor(size1);
    const b = this.checkpointFor(size2);
    if (size1 > size2) throw new CustodyError('INVALID_INPUT', '--from must not be larger than --to');
    const leaves = this.leafHashes(size2);
    return {
      proof: {
        type: 'custos.audit.consistency.v1',
        size1,
        size2,
        root1: a.root.toString('hex'),
        root2: b.root.toString('hex'),
        proof: consistencyProof(size1, size2, (i) => leaves[i] as Uint8Array).map((h) => Buffer.from(h).toString('hex')),
      },
      from: a.note,
      to: b.note,
    };
  }

  private checkpointFor(size: number | undefined): { tree_size: number; root: Buffer; note: string } {
    if (size === undefined) throw new CustodyError('NOT_FOUND', 'no checkpoint yet: run `custos audit checkpoint`');
    const cp = this.sql('SELECT tree_size, root, note FROM audit_checkpoints WHERE tree_size = ?').get(size) as { tree_size: number; root: Buffer; note: string } | undefined;
    if (cp === undefined) throw new CustodyError('NOT_FOUND', `no signed checkpoint at tree size ${size} (see \`custos audit checkpoints\`)`);
    return cp;
  }

  private leafHashes(size: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    this.forEachLeaf(1, size, (leaf) => out.push(Uint8Array.from(Buffer.from(leaf, 'latin1'))));
    return out;
  }

  /**
   * The log as JSON Lines: a header (origin, audit public key), one line per event (canonical
   * bytes as text and the chain hash), then every checkpoint note. `verifyExport` checks it offline.
   */
  *exportLines(): Generator<string> {
    const status = this.status();
    yield JSON.stringify({ type: 'custos.audit.export.v1', origin: status.origin, publicKey: status.publicKey, size: status.size, exportedAt: new Date(this.clock.now()).toISOString() });
    for (const row of this.rowsAfter(0)) {
      yield JSON.stringify({ type: 'event', seq: row.seq, event: new TextDecoder().decode(canonicalRowBytes(row)), chainHash: row.chain_hash.toString('hex') });
    }
    for (const cp of this.checkpoints()) yield JSON.stringify({ type: 'checkpoint', size: cp.size, note: cp.note });
  }
}

export function chainHash(previous: Uint8Array, canonical: Uint8Array): Buffer {
  return createHash('sha256').update(previous).update(canonical).digest();
}

function stateMacFields(s: StateRow): (string | number | null | Uint8Array)[] {
  return ['audit-state', s.verified_size, s.verified_chain_hash, s.tampered_seq, s.tampered_reason, s.violations, s.merkle_state];
}

/** The tree saved with the verification state, if it is the tree of exactly `size` events. */
function savedTree(state: StateRow | undefined, size: number): MerkleAccumulator | null {
  if (state?.merkle_state === null || state?.merkle_state === undefined) return null;
  try {
    const tree = MerkleAccumulator.fromState(JSON.parse(state.merkle_state) as { size: number; hashes: string[] });
    return tree.size === size ? tree : null;
  } catch {
    return null;
  }
}
