/**
 * A vault written before operators existed (schema 2, one passphrase in the header) opens with
 * this code: the migration adds the access tables, and the first unlock turns the one
 * passphrase into the operator "admin", an Admin. Keys sign exactly as before; the audit log
 * written then still verifies.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { FAST_KDF, tempDir } from '../../../test/helpers.js';
import { codeOfAsync, hex } from '../../../test/support.js';
import { openCustodian } from '../custodian.js';
import { databasePath, SCHEMA_VERSION } from './database.js';

const FIXTURE = join(import.meta.dirname, '../../../test/fixtures/vault-schema2/custos.db');
const PASS = new TextEncoder().encode('legacy vault passphrase');
const SIGNATURE_BEFORE = '04058f752e1ae6107222a7d167ffae98cb00c04db75106ad89bf4a696968a7526c5d8eb02c68b7a799a622dfb870de20920b54edb2f829a0a2c066dd1e136709';

describe('a schema-2 vault', () => {
  it('migrates; its passphrase becomes the Admin "admin"; keys and the audit log carry over', async () => {
    const dataDir = tempDir();
    copyFileSync(FIXTURE, databasePath(dataDir));
    const c = await openCustodian({ dataDir, kdf: FAST_KDF });
    expect(c.status().schemaVersion).toBe(SCHEMA_VERSION);
    expect(await codeOfAsync(c.unlock(PASS, 'someone'))).toBe('PASSPHRASE_INCORRECT');
    expect(await codeOfAsync(c.unlock(new TextEncoder().encode('wrong legacy passphrase'), 'admin'))).toBe('PASSPHRASE_INCORRECT');
    const report = await c.unlock(PASS);
    expect(report.ok).toBe(true);
    expect(c.whoami()).toMatchObject({ principal: 'admin', admin: true });
    const signed = await c.sign({ namespace: 'default', keyId: 'legacy-sig', data: new TextEncoder().encode('hello') });
    expect(hex(signed.signature)).toBe(SIGNATURE_BEFORE); // Ed25519 is deterministic: the same key
    expect((await c.auditVerify(true)).ok).toBe(true);
    expect((await c.auditQuery({ action: 'operator.migrate', limit: 5 })).length).toBe(1);
    await c.close();

    // The header no longer holds a passphrase slot: only the operator's slot opens the vault.
    const db = new Database(databasePath(dataDir), { readonly: true });
    const header = db.prepare('SELECT format, length(wrapped_master_key) AS n FROM vault_header').get() as { format: number; n: number };
    db.close();
    expect(header).toEqual({ format: 2, n: 0 });
    const again = await openCustodian({ dataDir, kdf: FAST_KDF });
    await again.unlock(PASS, 'admin');
    expect((await again.listOperators()).map((o) => o.name)).toEqual(['admin']);
    expect((await again.auditVerify(true)).ok).toBe(true);
    await again.close();
  });
});
