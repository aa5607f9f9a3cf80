/**
 * @module core/policy/ledger
 * The spending ledger: what each key's signed requests moved, per chain and token, so that the
 * policies' rolling 24-hour limits (valueLimit.per24h, tokenLimit.per24h, and WASM policies
 * reading `history`) see what was already spent.
 *
 * A request's amounts are recorded when it is approved, before it is signed, and forgotten if
 * signing then fails: a crash between the two over-counts (a limit errs on the side of refusing),
 * never under-counts. Rows carry a record MAC: an edited amount makes the read TAMPERED. Deleting
 * rows from the file is not detectable here (it lowers the sums); the audit log keeps every
 * signature.
 *
 * Trusts the vault (MACs) and its caller (the facade records only what it is about to sign).
 */
import { CustodyError } from '../../../shared/errors.js';
import { statementCache, type Sqlite } from '../vault/database.js';
import type { Vault } from '../vault/vault.js';
import { HISTORY_WINDOW_SECONDS, type HistoryContext } from './context.js';

interface Row {
  namespace: string;
  key_id: string;
  address: string;
  chain_id: string;
  token: string;
  amount: string;
  at: number;
  request_id: string;
  record_mac: Buffer;
}

export interface SpendOwner {
  readonly namespace: string;
  /** The vault key id, or `hd:<wallet>`. */
  readonly keyId: string;
  /** The signing account ('' when the request names none). */
  readonly address: string;
}

const DECIMAL = /^\d{1,78}$/u;

export class SpendLedger {
  private readonly sql: ReturnType<typeof statementCache>;

  constructor(
    db: Sqlite,
    private readonly vault: Vault,
  ) {
    this.sql = statementCache(db);
  }

  /** Record what a request moves. Caller holds the transaction. */
  record(owner: SpendOwner, spending: { native: HistoryContext['native']; tokens: HistoryContext['tokens'] }, requestId: string, at: number): void {
    const rows = [...spending.native.map((n) => ({ chain_id: n.chain_id, token: '', amount: n.spent })), ...spending.tokens.map((t) => ({ chain_id: t.chain_id, token: t.token.toLowerCase(), amount: t.spent }))];
    for (const r of rows) {
      if (!DECIMAL.test(r.amount) || !DECIMAL.test(r.chain_id)) throw new CustodyError('INVALID_INPUT', 'a spent amount is a decimal number');
      const row = { namespace: owner.namespace, key_id: owner.keyId, address: owner.address.toLowerCase(), ...r, at, request_id: requestId };
      this.sql('INSERT INTO policy_spend (namespace, key_id, address, chain_id, token, amount, at, request_id, record_mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
        row.namespace,
        row.key_id,
        row.address,
        row.chain_id,
        row.token,
        row.amount,
        row.at,
        row.request_id,
        this.vault.mac(fields(row)),
      );
    }
  }

  /** A request that was recorded but not signed after all. */
  forget(requestId: string): void {
    this.sql('DELETE FROM policy_spend WHERE request_id = ?').run(requestId);
  }

  /** What `owner` spent in the 24 hours before `now`, summed per chain and per token. */
  history(owner: SpendOwner, now: number): Omit<HistoryContext, 'window_seconds'> {
    const since = now - HISTORY_WINDOW_SECONDS * 1000;
    const rows = this.sql('SELECT * FROM policy_spend WHERE namespace = ? AND key_id = ? AND address = ? AND at > ? ORDER BY seq').all(owner.namespace, owner.keyId, owner.address.toLowerCase(), since) as Row[];
    const native = new Map<string, bigint>();
    const tokens = new Map<string, { chain_id: string; token: string; spent: bigint }>();
    for (const r of rows) {
      this.vault.assertMac(r.record_mac, fields(r), `spending record of ${r.namespace}/${r.key_id}`);
      const amount = BigInt(r.amount);
      if (r.token === '') native.set(r.chain_id, (native.get(r.chain_id) ?? 0n) + amount);
      else {
        const k = `${r.chain_id}\u0000${r.token}`;
        const t = tokens.get(k) ?? { chain_id: r.chain_id, token: r.token, spent: 0n };
        t.spent += amount;
        tokens.set(k, t);
      }
    }
    return {
      native: [...native].map(([chain_id, spent]) => ({ chain_id, spent: spent.toString() })),
      tokens: [...tokens.values()].map((t) => ({ chain_id: t.chain_id, token: t.token, spent: t.spent.toString() })),
    };
  }
}

function fields(r: Omit<Row, 'record_mac'>): (string | number)[] {
  return ['policy-spend', r.namespace, r.key_id, r.address, r.chain_id, r.token, r.amount, r.at, r.request_id];
}
