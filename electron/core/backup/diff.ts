/**
 * @module core/backup/diff
 * The database side of incremental backups: a logical diff between two copies of the vault
 * database, its byte encoding (the `diff` part), applying it, and a digest of a database's state.
 *
 * - Rows are identified by their declared primary key (every vault table has one;
 *   sqlite_sequence by `name`), never by rowid: VACUUM INTO may renumber the rowids of tables
 *   without an INTEGER PRIMARY KEY. Per table a diff holds the keys of deleted rows and the full
 *   values of inserted or changed rows; tables that did not change are left out. The audit log's
 *   new events are simply the new rows of audit_events.
 * - Changed rows are found with `EXCEPT` over the values and their `typeof()`, so an INTEGER 1
 *   that became a REAL 1.0 (equal under SQL comparison) still counts as a change.
 * - Applying runs in one transaction with foreign keys off (a row may arrive before the row it
 *   refers to): deletes first, then `INSERT OR REPLACE` of the changed rows.
 * - stateDigest is SHA-256 over a canonical dump: user_version, the schema (sqlite_master), then
 *   every table by name with its rows in primary-key order, every value type-tagged. Two
 *   databases with the same digest hold the same rows with the same values and storage classes;
 *   that is how a restore proves each incremental reproduced the state it was made from.
 *
 * Encoding (big-endian): u8 version (=1) | u32 tables | per table: text name | u16 columns |
 * text column… | u16 key columns | u16 column index… | u32 deleted | key values… | u32 upserted |
 * row values…; a value is u8 tag (0 null, 1 int64, 2 float64, 3 text u32-length UTF-8,
 * 4 blob u32-length bytes) and its payload. The decoder trusts no count or length in it.
 * Trusts the SQLite files it is handed (they come from an authenticated backup or our snapshot).
 */
import Database from 'better-sqlite3';
import { createHash, type Hash } from 'node:crypto';
import { CustodyError } from '../../../shared/errors.js';
import type { Sqlite } from '../vault/database.js';

/** A value as better-sqlite3 returns it with safe integers on. */
export type SqlValue = null | bigint | number | string | Uint8Array;

export interface TableShape {
  readonly name: string;
  readonly columns: readonly string[];
  /** Indexes into `columns` of the primary key, in key order. */
  readonly key: readonly number[];
}

export interface TableDiff extends TableShape {
  /** Primary-key values of rows that are gone. */
  readonly deleted: readonly (readonly SqlValue[])[];
  /** Whole rows (all columns) that are new or changed. */
  readonly upserted: readonly (readonly SqlValue[])[];
}

const DIFF_ENCODING_VERSION = 1;
const TAG_NULL = 0;
const TAG_INT = 1;
const TAG_REAL = 2;
const TAG_TEXT = 3;
const TAG_BLOB = 4;

function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Open a database file for the diff machinery: integers as BigInt, so 64-bit values survive exactly. */
export function openScratch(path: string, readonly = false): Sqlite {
  const db = new Database(path, { readonly, fileMustExist: true });
  db.defaultSafeIntegers(true);
  return db;
}

/**
 * The tables of `schema` that hold state, sorted by name: every user table, and sqlite_sequence
 * (AUTOINCREMENT counters). sqlite_stat* (optimizer statistics) are not state.
 * @throws INTERNAL for a table without a primary key (nothing to identify its rows by).
 */
export function tableShapes(db: Sqlite, schema = 'main'): TableShape[] {
  const names = db
    .prepare(`SELECT name FROM ${ident(schema)}.sqlite_master WHERE type = 'table' AND (name NOT LIKE 'sqlite\\_%' ESCAPE '\\' OR name = 'sqlite_sequence') ORDER BY name`)
    .pluck()
    .all() as string[];
  const info = db.prepare('SELECT name, pk FROM pragma_table_info(?, ?) ORDER BY cid');
  return names.map((name) => {
    const cols = info.all(name, schema) as { name: string; pk: number | bigint }[];
    const columns = cols.map((c) => c.name);
    let key = cols
      .map((c, i) => ({ i, pk: Number(c.pk) }))
      .filter((c) => c.pk > 0)
      .sort((a, b) => a.pk - b.pk)
      .map((c) => c.i);
    if (name === 'sqlite_sequence') key = [columns.indexOf('name')];
    if (key.length === 0 || key.includes(-1)) throw new CustodyError('INTERNAL', `table ${name} has no primary key: incremental backups cannot identify its rows`);
    return { name, columns, key };
  });
}

function sameShape(a: TableShape, b: TableShape): boolean {
  return a.name === b.name && a.columns.length === b.columns.length && a.columns.every((c, i) => c === b.columns[i]) && a.key.length === b.key.length && a.key.every((k, i) => k === b.key[i]);
}

function schemaRows(db: Sqlite, schema = 'main'): string[][] {
  return (
    db
      .prepare(`SELECT type, name, tbl_name, sql FROM ${ident(schema)}.sqlite_master WHERE name NOT LIKE 'sqlite\\_stat%' ESCAPE '\\' ORDER BY type, name`)
      .raw()
      .all() as (string | null)[][]
  ).map((r) => r.map((v) => v ?? ''));
}

// ------------------------------------------------------------------ bytes

class ByteWriter {
  private buf = Buffer.allocUnsafe(1 << 16);
  private at = 0;

  get length(): number {
    return this.at;
  }

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(next, 0, 0, this.at);
    this.buf.fill(0);
    this.buf = next;
  }

  u8(v: number): void {
    this.room(1);
    this.buf[this.at++] = v;
  }

  u16(v: number): void {
    this.room(2);
    this.buf.writeUInt16BE(v, this.at);
    this.at += 2;
  }

  u32(v: number): void {
    this.room(4);
    this.buf.writeUInt32BE(v, this.at);
    this.at += 4;
  }

  bytes(v: Uint8Array): void {
    this.u32(v.length);
    this.room(v.length);
    this.buf.set(v, this.at);
    this.at += v.length;
  }

  text(v: string): void {
    this.bytes(Buffer.from(v, 'utf8'));
  }

  value(v: SqlValue): void {
    if (v === null) this.u8(TAG_NULL);
    else if (typeof v === 'bigint') {
      this.u8(TAG_INT);
      this.room(8);
      this.buf.writeBigInt64BE(v, this.at);
      this.at += 8;
    } else if (typeof v === 'number') {
      this.u8(TAG_REAL);
      this.room(8);
      this.buf.writeDoubleBE(v, this.at);
      this.at += 8;
    } else if (typeof v === 'string') {
      this.u8(TAG_TEXT);
      this.text(v);
    } else {
      this.u8(TAG_BLOB);
      this.bytes(v);
    }
  }

  /** Hand the bytes so far to `hash` and start over (the digest streams through a small buffer). */
  flushInto(hash: Hash): void {
    hash.update(this.buf.subarray(0, this.at));
    this.buf.fill(0, 0, this.at);
    this.at = 0;
  }

  finish(): Uint8Array {
    const out = Uint8Array.from(this.buf.subarray(0, this.at));
    this.buf.fill(0);
    return out;
  }
}

class ByteReader {
  private at = 0;
  constructor(
    private readonly buf: Uint8Array,
    private readonly fail: (what: string) => CustodyError,
  ) {}

  private need(n: number, what: string): number {
    if (this.at + n > this.buf.length) throw this.fail(`${what} runs past the end of the part`);
    const start = this.at;
    this.at += n;
    return start;
  }

  /** A count of items that take at least one byte each: more than the bytes left is malformed. */
  count(what: string): number {
    const n = this.u32(what);
    if (n > this.buf.length - this.at) throw this.fail(`${what} (${n}) is more than the part holds`);
    return n;
  }

  get done(): boolean {
    return this.at === this.buf.length;
  }

  u8(what: string): number {
    return this.buf[this.need(1, what)] as number;
  }

  u16(what: string): number {
    const i = this.need(2, what);
    return ((this.buf[i] as number) << 8) | (this.buf[i + 1] as number);
  }

  u32(what: string): number {
    const i = this.need(4, what);
    return new DataView(this.buf.buffer, this.buf.byteOffset + i, 4).getUint32(0);
  }

  bytes(what: string): Uint8Array {
    const n = this.u32(what);
    const i = this.need(n, what);
    return this.buf.subarray(i, i + n);
  }

  text(what: string): string {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(this.bytes(what));
    } catch (cause) {
      if (cause instanceof CustodyError) throw cause;
      throw this.fail(`${what} is not valid UTF-8`);
    }
  }

  value(what: string): SqlValue {
    const tag = this.u8(what);
    switch (tag) {
      case TAG_NULL:
        return null;
      case TAG_INT: {
        const i = this.need(8, what);
        return new DataView(this.buf.buffer, this.buf.byteOffset + i, 8).getBigInt64(0);
      }
      case TAG_REAL: {
        const i = this.need(8, what);
        return new DataView(this.buf.buffer, this.buf.byteOffset + i, 8).getFloat64(0);
      }
      case TAG_TEXT:
        return this.text(what);
      case TAG_BLOB:
        return Buffer.from(this.bytes(what));
      default:
        throw this.fail(`${what} has an unknown value tag ${tag}`);
    }
  }
}

// ------------------------------------------------------------------ digest

/**
 * SHA-256 (hex) of the database's canonical state: user_version, schema, and every state table's
 * rows in primary-key order. Independent of page layout, rowids and free pages.
 */
export function stateDigest(db: Sqlite, schema = 'main'): string {
  const hash = createHash('sha256');
  const w = new ByteWriter();
  w.text('custos-backup-state-v1');
  w.value(BigInt(db.pragma(`${ident(schema)}.user_version`, { simple: true }) as number | bigint));
  const rows = schemaRows(db, schema);
  w.u32(rows.length);
  for (const r of rows) for (const v of r) w.text(v);
  const shapes = tableShapes(db, schema);
  w.u32(shapes.length);
  for (const t of shapes) {
    w.text(t.name);
    w.u16(t.columns.length);
    for (const c of t.columns) w.text(c);
    const select = db.prepare(`SELECT ${t.columns.map(ident).join(', ')} FROM ${ident(schema)}.${ident(t.name)} ORDER BY ${t.key.map((k) => ident(t.columns[k] as string)).join(', ')}`);
    select.safeIntegers(true);
    let count = 0;
    for (const row of select.raw().iterate() as IterableIterator<SqlValue[]>) {
      w.u8(1);
      for (const v of row) w.value(v);
      count++;
      if (w.length > 1 << 15) w.flushInto(hash);
    }
    w.u8(0);
    w.value(BigInt(count));
  }
  w.flushInto(hash);
  return hash.digest('hex');
}

// ------------------------------------------------------------------ diff

/**
 * What changed from `previous` to `current` (two database files; neither is written).
 * @throws UNSUPPORTED when their schemas differ (a migration ran: an incremental cannot carry it).
 */
export function computeDiff(previousPath: string, currentPath: string): TableDiff[] {
  const db = openScratch(previousPath, true);
  try {
    db.prepare('ATTACH DATABASE ? AS cur').run(currentPath);
    const before = db.pragma('main.user_version', { simple: true }) as bigint;
    const after = db.pragma('cur.user_version', { simple: true }) as bigint;
    const shapes = tableShapes(db, 'main');
    const now = tableShapes(db, 'cur');
    if (before !== after || JSON.stringify(schemaRows(db, 'main')) !== JSON.stringify(schemaRows(db, 'cur')) || shapes.length !== now.length || !shapes.every((s, i) => sameShape(s, now[i] as TableShape))) {
      throw new CustodyError('UNSUPPORTED', `the vault's database schema (version ${after}) is not the one the backup chain was made with (version ${before}): make a new full backup`);
    }
    const diffs: TableDiff[] = [];
    for (const t of shapes) {
      const cols = t.columns.map(ident);
      const keyCols = t.key.map((k) => cols[k] as string);
      const table = ident(t.name);
      const typed = [...cols, ...cols.map((c) => `typeof(${c})`)].join(', ');
      const deleted = db
        .prepare(`SELECT ${keyCols.join(', ')} FROM main.${table} EXCEPT SELECT ${keyCols.join(', ')} FROM cur.${table}`)
        .raw()
        .all() as SqlValue[][];
      const upserted = (db.prepare(`SELECT ${typed} FROM cur.${table} EXCEPT SELECT ${typed} FROM main.${table}`).raw().all() as SqlValue[][]).map((r) => r.slice(0, cols.length));
      if (deleted.length > 0 || upserted.length > 0) diffs.push({ ...t, deleted, upserted });
    }
    return diffs;
  } finally {
    db.close();
  }
}

export function encodeDiff(diffs: readonly TableDiff[]): Uint8Array {
  const w = new ByteWriter();
  w.u8(DIFF_ENCODING_VERSION);
  w.u32(diffs.length);
  for (const t of diffs) {
    w.text(t.name);
    w.u16(t.columns.length);
    for (const c of t.columns) w.text(c);
    w.u16(t.key.length);
    for (const k of t.key) w.u16(k);
    w.u32(t.deleted.length);
    for (const row of t.deleted) for (const v of row) w.value(v);
    w.u32(t.upserted.length);
    for (const row of t.upserted) for (const v of row) w.value(v);
  }
  return w.finish();
}

/**
 * @throws TAMPERED (via `fail`) for anything malformed: counts past the end, unknown tags,
 * key indexes out of range, trailing bytes.
 */
export function decodeDiff(bytes: Uint8Array, fail: (what: string) => CustodyError): TableDiff[] {
  const r = new ByteReader(bytes, fail);
  const version = r.u8('the diff version');
  if (version !== DIFF_ENCODING_VERSION) throw fail(`unknown diff encoding ${version}`);
  const tables = r.count('the table count');
  const diffs: TableDiff[] = [];
  for (let i = 0; i < tables; i++) {
    const name = r.text(`table ${i + 1}'s name`);
    const columns = Array.from({ length: r.u16(`table ${name}'s column count`) }, () => r.text(`a column name of ${name}`));
    const key = Array.from({ length: r.u16(`table ${name}'s key length`) }, () => r.u16(`a key column of ${name}`));
    if (columns.length === 0 || key.length === 0 || key.some((k) => k >= columns.length)) throw fail(`table ${name}: impossible columns or key`);
    const deleted = Array.from({ length: r.count(`table ${name}'s deleted count`) }, () => key.map(() => r.value(`a deleted key of ${name}`)));
    const upserted = Array.from({ length: r.count(`table ${name}'s changed count`) }, () => columns.map(() => r.value(`a changed row of ${name}`)));
    diffs.push({ name, columns, key, deleted, upserted });
  }
  if (!r.done) throw fail('unexpected bytes after the last table');
  return diffs;
}

/**
 * Apply `diffs` to the open database, in one transaction. Every table must exist with exactly the
 * diff's columns and key.
 * @throws TAMPERED (via `fail`) when a table does not match.
 */
export function applyDiff(db: Sqlite, diffs: readonly TableDiff[], fail: (what: string) => CustodyError): void {
  const shapes = new Map(tableShapes(db).map((s) => [s.name, s]));
  db.pragma('foreign_keys = OFF');
  db.transaction(() => {
    for (const t of diffs) {
      const shape = shapes.get(t.name);
      if (shape === undefined || !sameShape(shape, t)) throw fail(`table ${t.name} does not match the restored database's schema`);
      const cols = t.columns.map(ident);
      const table = ident(t.name);
      const del = db.prepare(`DELETE FROM ${table} WHERE ${t.key.map((k) => `${cols[k] as string} IS ?`).join(' AND ')}`);
      for (const row of t.deleted) del.run(...row);
      const put = db.prepare(`INSERT OR REPLACE INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`);
      for (const row of t.upserted) put.run(...row);
    }
  })();
}
