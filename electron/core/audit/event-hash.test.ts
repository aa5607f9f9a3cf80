/**
 * The audit event's canonical bytes and its two hashes, on the fast paths (canonicalText,
 * hashEvent, leafOfEvent, sha256) against the definitions they replace: the canonical encoding
 * as first written (inlined below; every stored chain hash covers its bytes), one pinned
 * known-answer event written by that code, and createHash over TextEncoder bytes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hex } from '../../../test/support.js';
import { AUDIT_EVENT_VERSION, canonicalJson, canonicalRowBytes, canonicalRowText, canonicalText, type AuditRow, type DetailValue } from './event.js';
import { hashEvent, hashEventHex, leafOfEvent } from './event-hash.js';
import { chainHash } from './log.js';
import { leafHash } from './merkle.js';
import { sha256, sha256Binary, sha256Hex } from './sha256.js';

type Row = Omit<AuditRow, 'chain_hash'>;

/** The canonical encoding as the first release wrote it (vaults in the field hold its hashes). */
function firstReleaseBytes(row: Row): Uint8Array {
  const head = [AUDIT_EVENT_VERSION, row.seq, row.time, row.principal, row.namespace, row.action, row.key_id, row.key_version, row.result, row.request_id];
  return new TextEncoder().encode('[' + head.map((v) => JSON.stringify(v)).join(',') + ',' + row.client + ',' + row.details + ']');
}

/** canonicalJson as the first release wrote it: client and details are stored (and hashed) in this form. */
function firstReleaseJson(value: Readonly<Record<string, DetailValue>>): string {
  const keys = Object.keys(value).sort();
  return '{' + keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(value[k] ?? null)}`).join(',') + '}';
}

/** Written by the first release: canonical bytes, and the chain hash after SHA-256("previous"). */
const KNOWN = {
  row: {
    seq: 42,
    time: 1795874872989,
    principal: 'operator',
    namespace: 'ns-ü',
    action: 'crypto.sign',
    key_id: 'k\u2028"1"',
    key_version: 3,
    result: 'ok',
    request_id: '0123456789abcdef01234567',
    client: '{"origin":"http://ü.example/","transport":"http"}',
    details: '{"algorithm":"ed25519","big":1e+21,"ok":true,"s":"tab\\there 😀","z":null}',
  },
  bytes:
    '5b22637573746f732e61756469742e7631222c34322c313739353837343837323938392c226f70657261746f72222c226e732dc3bc222c2263727970746f2e7369676e222c226be280a85c22315c22222c332c226f6b222c22303132333435363738396162636465663031323334353637222c7b226f726967696e223a22687474703a2f2fc3bc2e6578616d706c652f222c227472616e73706f7274223a2268747470227d2c7b22616c676f726974686d223a2265643235353139222c22626967223a31652b32312c226f6b223a747275652c2273223a227461625c746865726520f09f9880222c227a223a6e756c6c7d5d',
  chain: 'ef30995bf2b6fba6b18ee8d47cc0b47a743414402e89e92c44a920deb73edac9',
  leaf: '0810d92fb6baf45d542c485f2a85ec05533bd2f2d2943020f0df93dffd8cb343',
};
const PREVIOUS = createHash('sha256').update('previous').digest();

/** Strings that stress JSON escaping and UTF-8: quotes, controls, line separators, astral and lone surrogates. */
const AWKWARD = ['', 'plain', '"quoted" \\ back', 'tab\there\nnew\u0001\u001f\u007f', '\u2028\u2029', 'ü é 中文 😀', 'lone \ud800 high', 'lone \udc00 low', '\udc00\ud800', 'x'.repeat(5000)];

function rows(): Row[] {
  const out: Row[] = [KNOWN.row];
  for (const [i, s] of AWKWARD.entries()) {
    out.push({ seq: i + 1, time: 1_700_000_000_000 + i, principal: s, namespace: i % 2 === 0 ? null : s, action: 'a.b', key_id: i % 3 === 0 ? null : s, key_version: i % 2 === 0 ? null : i, result: 'ok', request_id: s, client: `{"transport":${JSON.stringify(s)}}`, details: `{"n":-0,"x":1.5,"s":${JSON.stringify(s)}}` });
  }
  // Values a damaged table can hand back: numbers where text was, reals, a blob.
  out.push({ seq: 1.5, time: -0, principal: 7 as unknown as string, namespace: '', action: '', key_id: '', key_version: 1e21, result: '', request_id: '', client: 'null', details: Buffer.from('{}') as unknown as string });
  out.push({ seq: NaN, time: Infinity, principal: true as unknown as string, namespace: Buffer.from('ns') as unknown as string, action: '/', key_id: '~ !#[]', key_version: -Infinity, result: "'", request_id: '\u007f', client: '{}', details: '{}' });
  out.push({ seq: Number.MAX_SAFE_INTEGER, time: 1e-7, principal: undefined as unknown as string, namespace: null, action: 'a"b', key_id: 'a\\b', key_version: 2 ** 53 + 2, result: 'ok', request_id: ' ', client: '{}', details: '{}' });
  return out;
}

describe('canonical bytes', () => {
  it('reproduce an event written by the first release byte for byte', () => {
    expect(hex(canonicalRowBytes(KNOWN.row))).toBe(KNOWN.bytes);
    expect(hex(firstReleaseBytes(KNOWN.row))).toBe(KNOWN.bytes);
    const { chain, leaf } = hashEvent(PREVIOUS, canonicalRowText(KNOWN.row));
    expect(hex(chain)).toBe(KNOWN.chain);
    expect(hex(leaf)).toBe(KNOWN.leaf);
    expect(hex(leafHash(Buffer.from(KNOWN.bytes, 'hex')))).toBe(KNOWN.leaf);
  });

  it('canonicalText and canonicalRowBytes equal the first-release encoding for awkward and damaged values', () => {
    for (const row of rows()) {
      const expected = hex(firstReleaseBytes(row));
      expect(hex(canonicalRowBytes(row))).toBe(expected);
      expect(hex(new TextEncoder().encode(canonicalText(row.seq, row.time, row.principal, row.namespace, row.action, row.key_id, row.key_version, row.result, row.request_id, row.client, row.details)))).toBe(expected);
    }
  });
});

describe('canonical client and details', () => {
  it('canonicalJson equals the first-release encoding: sorted keys, every scalar, awkward strings, values JSON cannot hold', () => {
    const objects: Record<string, unknown>[] = [{}, { transport: 'cli' }, { z: 1, a: 2, M: 3, ä: 4, '': 5, '10': 6, '9': 7 }, { n: null, t: true, f: false, i: -0, r: 1.5, big: 1e21, nan: NaN, inf: -Infinity }, { u: undefined, fn: () => 1 }];
    for (const [i, s] of AWKWARD.entries()) objects.push({ [s]: s, [`k${i}`]: i });
    for (const o of objects) expect(canonicalJson(o as Record<string, DetailValue>)).toBe(firstReleaseJson(o as Record<string, DetailValue>));
  });
});

describe('event hashes', () => {
  it('hashEvent and leafOfEvent equal createHash over the TextEncoder bytes, for every row and previous hash', () => {
    for (const row of rows()) {
      const text = canonicalRowText(row);
      const bytes = new TextEncoder().encode(text);
      for (const previous of [PREVIOUS, new Uint8Array(32), randomBytes(32)]) {
        const { chain, leaf } = hashEvent(previous, text);
        expect(hex(chain)).toBe(hex(chainHash(previous, bytes)));
        expect(hex(leaf)).toBe(hex(leafHash(bytes)));
        const forms = hashEventHex(hex(previous), text);
        expect(forms.chain).toBe(hex(chain));
        expect(Buffer.from(forms.leaf, 'latin1').toString('hex')).toBe(hex(leaf));
      }
      expect(Buffer.from(leafOfEvent(text), 'latin1').toString('hex')).toBe(hex(leafHash(bytes)));
    }
  });

  it('a previous chain hash of another length (a damaged table) is hashed as it is', () => {
    const text = canonicalRowText(KNOWN.row);
    const bytes = new TextEncoder().encode(text);
    for (const previous of [new Uint8Array(0), randomBytes(31), randomBytes(33)]) {
      const { chain, leaf } = hashEvent(previous, text);
      expect(hex(chain)).toBe(hex(chainHash(previous, bytes)));
      expect(hex(leaf)).toBe(hex(leafHash(bytes)));
      const forms = hashEventHex(hex(previous), text);
      expect(forms.chain).toBe(hex(chain));
      expect(Buffer.from(forms.leaf, 'latin1').toString('hex')).toBe(hex(leaf));
    }
  });

  it('results do not alias the shared buffer: earlier hashes survive later calls', () => {
    const first = hashEvent(PREVIOUS, 'first');
    const copy = [hex(first.chain), hex(first.leaf)];
    for (let i = 0; i < 1000; i++) hashEvent(randomBytes(32), `event ${i}`);
    leafOfEvent('y'.repeat(10_000));
    expect([hex(first.chain), hex(first.leaf)]).toEqual(copy);
  });

  it('sha256, sha256Hex and sha256Binary equal createHash for lengths 0 to 300', () => {
    for (let n = 0; n <= 300; n++) {
      const data = randomBytes(n);
      const expected = createHash('sha256').update(data).digest('hex');
      expect(hex(sha256(data))).toBe(expected);
      expect(sha256Hex(data)).toBe(expected);
      expect(Buffer.from(sha256Binary(data), 'latin1').toString('hex')).toBe(expected);
    }
  });
});
