/**
 * Shamir recovery through the facade, on real vaults in temp dirs: any 3 of 5 shares give an
 * Admin a new passphrase on a locked vault (and the keys sign again), 2 never do and change
 * nothing, damaged shares and shares of another vault or split are refused by name, splitting
 * needs an Admin who re-enters their passphrase, and no share or key byte reaches the audit log.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openCustodian, type Custodian } from '../custodian.js';
import { databasePath } from '../vault/database.js';
import { FAST_KDF, PASSPHRASE, tempDir } from '../../../test/helpers.js';
import { codeOfAsync } from '../../../test/support.js';
import { CustodyError } from '../../../shared/errors.js';
import { combineShares, parseShare } from './shares.js';

const enc = (s: string) => new TextEncoder().encode(s);

function subsets<T>(items: readonly T[], k: number): T[][] {
  if (k === 0) return [[]];
  return items.flatMap((item, i) => subsets(items.slice(i + 1), k - 1).map((rest) => [item, ...rest]));
}

async function messageOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CustodyError) return `${error.code}: ${error.message}`;
    throw error;
  }
  return 'ok';
}

async function vaultWithKey(): Promise<{ dataDir: string; c: Custodian }> {
  const dataDir = tempDir();
  const c = await openCustodian({ dataDir, kdf: FAST_KDF });
  await c.init(PASSPHRASE);
  await c.generateKey('default', 'k1', 'ed25519');
  return { dataDir, c };
}

async function signsAndVerifies(c: Custodian): Promise<boolean> {
  const data = enc('after recovery');
  const { signature } = await c.sign({ namespace: 'default', keyId: 'k1', data });
  return (await c.verify({ namespace: 'default', keyId: 'k1', data, signature })).valid;
}

/** Every byte the data directory holds (database, WAL), as latin1 text to search. */
function dataDirText(dataDir: string): string {
  return readdirSync(dataDir)
    .map((f) => readFileSync(join(dataDir, f)).toString('latin1'))
    .join('\n');
}

describe('Shamir recovery of the master key', () => {
  it('any 3 of 5 shares set a working new passphrase; 2 never do and change nothing', async () => {
    const { dataDir, c } = await vaultWithKey();
    const split = await c.recoverySplit({ shares: 5, threshold: 3, passphrase: PASSPHRASE });
    expect(split).toMatchObject({ threshold: 3, total: 5 });
    expect(split.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    const texts = split.shares.map((s, i) => (i % 2 === 0 ? s.base32 : s.words));
    const [event] = await c.auditQuery({ action: 'recovery.split' });
    expect(event?.details).toEqual({ shares: 5, threshold: 3, splitId: split.splitId, fingerprint: split.fingerprint });
    await c.lock();

    let passphrase = PASSPHRASE;
    let round = 0;
    for (const subset of subsets(texts, 3)) {
      round += 1;
      const next = enc(`recovered passphrase ${round}`);
      const done = await c.recoveryCombine({ shares: subset, newPassphrase: next });
      expect(done).toMatchObject({ operator: 'admin', created: false, fingerprint: split.fingerprint });
      expect(done.report.ok).toBe(true);
      expect(await signsAndVerifies(c)).toBe(true);
      await c.lock();
      expect(await codeOfAsync(c.unlock(passphrase))).toBe('PASSPHRASE_INCORRECT');
      await c.unlock(next);
      await c.lock();
      passphrase = next;
    }
    expect(round).toBe(10);

    for (const subset of subsets(texts, 2)) {
      expect(await messageOf(c.recoveryCombine({ shares: subset, newPassphrase: enc('never becomes the passphrase') }))).toBe('INVALID_INPUT: 3 shares are needed (any 3 of 5); 2 given');
      expect(c.status().unlocked).toBe(false);
    }
    await c.unlock(passphrase); // unchanged by the refusals
    const events = await c.auditQuery({ action: 'recovery.combine' });
    expect(events.filter((e) => e.result === 'ok')).toHaveLength(10);
    expect(events.filter((e) => e.result === 'INVALID_INPUT')).toHaveLength(10);
    expect(events.find((e) => e.result === 'ok')?.details).toMatchObject({ operator: 'admin', shares: 3, threshold: 3, total: 5, fingerprint: split.fingerprint, created: false });

    // No share, in either form, and no byte of the key, anywhere in the data directory.
    const master = await combineShares(texts.slice(0, 3).map((t, i) => parseShare(t, i + 1)));
    const stored = dataDirText(dataDir);
    for (const s of split.shares) {
      expect(stored).not.toContain(s.base32.slice(14, 40));
      expect(stored).not.toContain(s.words.split(' ').slice(0, 6).join(' '));
    }
    expect(stored).not.toContain(Buffer.from(master.secret).toString('latin1'));
    expect(stored).not.toContain(Buffer.from(master.secret).toString('hex'));
    const exported: string[] = [];
    await c.auditExport((line) => exported.push(line));
    expect(exported.join('\n')).not.toContain(Buffer.from(master.secret).toString('base64'));
    await c.close();
  });

  it('refuses a damaged share by its place, and shares of another vault or another split', async () => {
    const { c } = await vaultWithKey();
    const one = await c.recoverySplit({ shares: 5, threshold: 3, passphrase: PASSPHRASE });
    const two = await c.recoverySplit({ shares: 5, threshold: 3, passphrase: PASSPHRASE });
    expect(two.fingerprint).toBe(one.fingerprint);
    expect(two.splitId).not.toBe(one.splitId);
    const other = await vaultWithKey();
    const foreign = await other.c.recoverySplit({ shares: 3, threshold: 2, passphrase: PASSPHRASE });
    await other.c.close();
    await c.lock();

    const b32 = one.shares.map((s) => s.base32);
    const damaged = b32[1] as string;
    const at = damaged.length - 5;
    const flipped = damaged.slice(0, at) + (damaged[at] === 'Q' ? 'R' : 'Q') + damaged.slice(at + 1);
    const newPassphrase = enc('a brand new passphrase');
    expect(await messageOf(c.recoveryCombine({ shares: [b32[0] as string, flipped, b32[2] as string], newPassphrase }))).toBe(
      'INVALID_INPUT: share 2: checksum does not match (a character or word is wrong)',
    );
    expect(await messageOf(c.recoveryCombine({ shares: [b32[0] as string, b32[1] as string, two.shares[2]?.base32 as string], newPassphrase }))).toMatch(/^INVALID_INPUT: share 3: is from a different split/);
    const foreignTexts = foreign.shares.map((s) => s.words).slice(0, 2);
    expect(await messageOf(c.recoveryCombine({ shares: foreignTexts, newPassphrase }))).toBe(`INVALID_INPUT: these shares rebuild the master key of another vault (fingerprint ${foreign.fingerprint}), not this one`);
    expect(c.status().unlocked).toBe(false);
    await c.unlock(PASSPHRASE);
    await c.close();
  });

  it('splitting needs an Admin operator who re-enters their passphrase; recovery only restores an Admin', async () => {
    const { dataDir, c } = await vaultWithKey();
    await c.addOperator('bob', enc('bob passphrase 1'));
    const bob = await c.login('bob', enc('bob passphrase 1'));
    expect(await codeOfAsync(bob.recoverySplit({ shares: 3, threshold: 2, passphrase: enc('bob passphrase 1') }))).toBe('PERMISSION_DENIED');
    expect(await codeOfAsync(c.recoverySplit({ shares: 3, threshold: 2, passphrase: enc('not the passphrase') }))).toBe('PASSPHRASE_INCORRECT');
    expect(await codeOfAsync(c.recoverySplit({ shares: 3, threshold: 1, passphrase: PASSPHRASE }))).toBe('INVALID_INPUT');
    const split = await c.recoverySplit({ shares: 3, threshold: 2, passphrase: PASSPHRASE });
    const texts = split.shares.map((s) => s.base32).slice(0, 2);
    expect(await codeOfAsync(c.recoveryCombine({ shares: texts, newPassphrase: enc('while unlocked') }))).toBe('INVALID_INPUT');
    await c.lock();

    // bob is no Admin: refused, and nothing changed (bob's passphrase still works).
    expect(await messageOf(c.recoveryCombine({ shares: texts, operator: 'bob', newPassphrase: enc('bob has a new one') }))).toMatch(/^PERMISSION_DENIED: bob is not an Admin/);
    expect(c.status().unlocked).toBe(false);
    expect(await codeOfAsync(c.recoveryCombine({ shares: texts, operator: 'nobody', newPassphrase: enc('no such operator') }))).toBe('PERMISSION_DENIED');
    await c.close();

    // The Admin's key slot is gone from the file (its grant is not): recovery re-creates it.
    const db = new Database(databasePath(dataDir));
    db.prepare("DELETE FROM operators WHERE name = 'admin'").run();
    db.close();
    const again = await openCustodian({ dataDir, kdf: FAST_KDF });
    expect(await codeOfAsync(again.unlock(PASSPHRASE))).toBe('PASSPHRASE_INCORRECT');
    const done = await again.recoveryCombine({ shares: texts, newPassphrase: enc('admin is back again') });
    expect(done).toMatchObject({ operator: 'admin', created: true });
    expect(await signsAndVerifies(again)).toBe(true);
    await again.lock();
    await again.unlock(enc('admin is back again'));
    const bobAgain = await again.login('bob', enc('bob passphrase 1'));
    expect(bobAgain.whoami().principal).toBe('bob');
    await again.close();
  });
});
