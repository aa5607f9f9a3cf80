/**
 * @module core/vault/migrations
 * The schema, as an append-only list of migrations. Index i upgrades `user_version` i → i+1.
 * Never edit a published migration: add a new one.
 */

import { POLICY_MIGRATION } from '../policy/migration.sql.js';

export const MIGRATIONS: readonly string[] = [
  // 1: vault header, lockout counter, namespaces, keys and key versions.
  `
  CREATE TABLE vault_header (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    format INTEGER NOT NULL,
    kdf_params TEXT NOT NULL,          -- JSON: {"algorithm":"argon2id","memoryKiB":..,"iterations":..,"parallelism":..}
    kdf_salt BLOB NOT NULL,
    passphrase_verifier BLOB NOT NULL, -- second half of the Argon2id output: tells a wrong passphrase from a damaged wrapped key
    header_checksum BLOB NOT NULL,     -- SHA-256 over the fields above: a flipped byte is TAMPERED, not "wrong passphrase"
    wrapped_master_key BLOB NOT NULL,  -- AES-256-GCM(kek, master key), nonce ‖ ct ‖ tag
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE lockout (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    consecutive_failures INTEGER NOT NULL,
    locked_until INTEGER NOT NULL
  );
  CREATE TABLE namespaces (
    name TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
    record_mac BLOB NOT NULL
  );
  CREATE TABLE keys (
    namespace TEXT NOT NULL REFERENCES namespaces(name),
    id TEXT NOT NULL,
    algorithm TEXT NOT NULL,
    kind TEXT NOT NULL,                -- 'private' | 'public' | 'secret'
    state TEXT NOT NULL,               -- 'active' | 'disabled' | 'pending-deletion' | 'destroyed'
    state_before_deletion TEXT,
    exportable INTEGER NOT NULL,
    primary_version INTEGER NOT NULL,
    min_decrypt_version INTEGER NOT NULL,
    origin TEXT NOT NULL,              -- 'generated' | 'imported'
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deletion_at INTEGER,
    record_mac BLOB NOT NULL,
    PRIMARY KEY (namespace, id)
  );
  CREATE INDEX keys_deletion ON keys (deletion_at) WHERE deletion_at IS NOT NULL;
  CREATE TABLE key_versions (
    namespace TEXT NOT NULL,
    key_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    public_key BLOB,                   -- SPKI DER, for asymmetric keys
    sealed_secret BLOB,                -- AES-256-GCM(master, secret, aad = namespace/id/version); NULL once destroyed
    created_at INTEGER NOT NULL,
    destroyed_at INTEGER,
    record_mac BLOB NOT NULL,
    PRIMARY KEY (namespace, key_id, version),
    FOREIGN KEY (namespace, key_id) REFERENCES keys(namespace, id)
  );
  `,
  // 2: the audit log — events (hash-chained, Merkle leaves), signed checkpoints, verification
  // state, and system keys (the audit signing key) sealed like every other secret.
  `
  CREATE TABLE audit_events (
    seq INTEGER PRIMARY KEY,           -- 1, 2, 3, … without gaps
    time INTEGER NOT NULL,
    principal TEXT NOT NULL,
    namespace TEXT,
    action TEXT NOT NULL,
    key_id TEXT,
    key_version INTEGER,
    result TEXT NOT NULL,              -- 'ok' or an error code
    request_id TEXT NOT NULL,
    client TEXT NOT NULL,              -- canonical JSON
    details TEXT NOT NULL,             -- canonical JSON, never a secret
    chain_hash BLOB NOT NULL           -- SHA-256(previous chain hash ‖ canonical event bytes)
  );
  CREATE INDEX audit_events_time ON audit_events (time);
  CREATE INDEX audit_events_ns_action ON audit_events (namespace, action);
  CREATE TABLE audit_checkpoints (
    tree_size INTEGER PRIMARY KEY,
    root BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    note TEXT NOT NULL                 -- C2SP signed note
  );
  CREATE TABLE audit_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    verified_size INTEGER NOT NULL,
    verified_chain_hash BLOB NOT NULL,
    tampered_seq INTEGER,
    tampered_reason TEXT,
    violations INTEGER NOT NULL,
    merkle_state TEXT,                 -- the Merkle tree's compact range at verified_size (JSON), so verification resumes without rehashing
    record_mac BLOB
  );
  CREATE TABLE system_keys (
    name TEXT PRIMARY KEY,
    algorithm TEXT NOT NULL,
    public_key BLOB NOT NULL,
    sealed_secret BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    record_mac BLOB NOT NULL
  );
  `,
  // 3: access control. Operators each hold a key slot (their own Argon2id-wrapped copy of the
  // master key); API tokens are stored as SHA-256 of their 256-bit secret; role grants and per-key
  // ACL entries; namespace settings; per-principal authentication failures. Every row that grants
  // anything carries a record MAC under the master key, so a row written into the file by hand
  // grants nothing. A vault from before this migration keeps its single passphrase in
  // vault_header until its first unlock, which turns it into the operator "admin" (Admin).
  `
  CREATE TABLE operators (
    name TEXT PRIMARY KEY,
    kdf_params TEXT NOT NULL,
    kdf_salt BLOB NOT NULL,
    passphrase_verifier BLOB NOT NULL,
    wrapped_master_key BLOB NOT NULL,  -- AES-256-GCM(kek, master key, aad = slot name)
    slot_checksum BLOB NOT NULL,       -- SHA-256 over name, KDF parameters, salt, verifier: a flipped byte is TAMPERED, not "wrong passphrase"
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    record_mac BLOB NOT NULL
  );
  CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,               -- the public part of the token ("tok_…")
    label TEXT NOT NULL,
    secret_hash BLOB NOT NULL,         -- SHA-256 of the 256-bit secret
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    expires_at INTEGER,
    revoked_at INTEGER,
    revoked_by TEXT,
    record_mac BLOB NOT NULL
  );
  CREATE TABLE grants (
    principal TEXT NOT NULL,           -- an operator name or "token:<id>"
    namespace TEXT NOT NULL,           -- a namespace, or "*" for all of them
    role TEXT NOT NULL,                -- Admin (only with "*"), NamespaceAdmin, KeyAdmin, KeyUser, Auditor
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    record_mac BLOB NOT NULL,
    PRIMARY KEY (principal, namespace, role)
  );
  CREATE TABLE key_acl (
    namespace TEXT NOT NULL,
    key_id TEXT NOT NULL,
    principal TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    record_mac BLOB NOT NULL,
    PRIMARY KEY (namespace, key_id, principal)
  );
  CREATE TABLE namespace_settings (
    name TEXT PRIMARY KEY,
    description TEXT NOT NULL,
    max_keys INTEGER,
    updated_at INTEGER NOT NULL,
    record_mac BLOB NOT NULL
  );
  CREATE TABLE auth_failures (
    principal TEXT PRIMARY KEY,        -- an operator name or "token:<id>"; never what an unknown caller typed
    failures INTEGER NOT NULL,
    window_start INTEGER NOT NULL,
    locked_until INTEGER NOT NULL
  );
  `,
  // 4: HD wallets (BIP-39 mnemonics and their BIP-32/SLIP-10 seeds), sealed like every secret, in
  // namespaces beside the keys. Derived keys are not stored: they are derived when used.
  `
  CREATE TABLE hd_wallets (
    namespace TEXT NOT NULL REFERENCES namespaces(name),
    id TEXT NOT NULL,
    words INTEGER NOT NULL,            -- 12, 15, 18, 21 or 24
    language TEXT NOT NULL,            -- the BIP-39 wordlist the mnemonic uses
    has_passphrase INTEGER NOT NULL,   -- a BIP-39 passphrase went into the seed (it is not stored apart from the seed)
    exportable INTEGER NOT NULL,       -- the mnemonic may be shown again (after re-authentication)
    state TEXT NOT NULL,               -- 'active' | 'disabled'
    origin TEXT NOT NULL,              -- 'generated' | 'imported'
    fingerprint TEXT NOT NULL,         -- BIP-32 master key fingerprint (hex), public
    sealed_mnemonic BLOB NOT NULL,     -- AES-256-GCM(master, NFKD mnemonic, aad = hd/namespace/id/mnemonic)
    sealed_seed BLOB NOT NULL,         -- AES-256-GCM(master, 64-byte BIP-39 seed, aad = hd/namespace/id/seed)
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    record_mac BLOB NOT NULL,
    PRIMARY KEY (namespace, id)
  );
  `,
  // 5: wallet connections: which browser origin or paired program may use the wallet RPC, as which
  // accounts (JSON [{address, signer}]) and on which chain. A paired program's token secret is
  // stored as SHA-256 only; an origin holds at most one connection.
  `
  CREATE TABLE wallet_connections (
    id TEXT PRIMARY KEY,               -- 'wc_' + 12 hex; a paired token names it
    kind TEXT NOT NULL,                -- 'origin' | 'paired'
    origin TEXT UNIQUE,                -- the browser origin (kind 'origin'), else NULL
    name TEXT NOT NULL,                -- the origin, or the name a paired program gave
    secret_hash BLOB,                  -- paired: SHA-256 of the token's secret; NULL for origins
    accounts TEXT NOT NULL,
    chain_id TEXT NOT NULL,            -- decimal EIP-155 chain id
    auto_approve INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    record_mac BLOB NOT NULL
  );
  `,
  // 6: policies — installed WASM modules and policy definitions (core/policy/migration.sql.ts),
  // and the spending ledger the policies' 24-hour limits read: what each key's signed requests
  // moved, per chain and token (native value: token ''), MAC'd like every row that decides.
  POLICY_MIGRATION +
    `
  CREATE TABLE policy_spend (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    namespace TEXT NOT NULL,
    key_id TEXT NOT NULL,              -- the vault key id, or 'hd:<wallet>'
    address TEXT NOT NULL,             -- the signing account (an HD wallet has many)
    chain_id TEXT NOT NULL,
    token TEXT NOT NULL,               -- '' for the chain's native coin, else the ERC-20 contract (lowercase)
    amount TEXT NOT NULL,              -- decimal base units
    at INTEGER NOT NULL,               -- epoch ms, when the request was approved
    request_id TEXT NOT NULL,
    record_mac BLOB NOT NULL
  );
  CREATE INDEX policy_spend_key ON policy_spend (namespace, key_id, address, at);
  `,
  // 7: the set of policies as a whole gets a record MAC (one row), so that a policy deleted from
  // the file — which would lift a restriction silently — makes the read TAMPERED.
  `
  CREATE TABLE policy_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    record_mac BLOB NOT NULL
  );
  `,
  // 8: the air-gap outbox: request envelopes this vault sent to an air-gapped signer, so that a
  // response is accepted only for a request that was sent from here (core/airgap/outbox).
  `
  CREATE TABLE airgap_outbox (
    sha256 TEXT PRIMARY KEY,           -- the envelope's content hash (shared/api/airgap)
    request_id TEXT NOT NULL,
    queue_id TEXT,                     -- the pending queue request it was made from, else NULL
    chain TEXT NOT NULL,
    method TEXT NOT NULL,
    title TEXT NOT NULL,               -- the summary shown here when it was sent
    envelope TEXT NOT NULL,            -- the envelope as sent (canonical JSON)
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    answered_at INTEGER,
    response_sha256 TEXT,
    record_mac BLOB NOT NULL
  );
  CREATE INDEX airgap_outbox_created ON airgap_outbox (created_at);
  `,
  // 9: keys that live on a device (a PKCS#11 token, a Ledger): the vault keeps a reference — which
  // backend, which handle on it, its public key — so the key is named, authorized, audited and
  // used like a vault key, while the key itself never leaves the device (core/backends).
  `
  CREATE TABLE device_keys (
    namespace TEXT NOT NULL REFERENCES namespaces(name),
    id TEXT NOT NULL,
    backend TEXT NOT NULL,             -- 'pkcs11:<token label>' | 'ledger:<device id>'
    handle TEXT NOT NULL,              -- PKCS#11 CKA_ID (hex); Ledger: the BIP-32 path
    label TEXT NOT NULL,               -- PKCS#11 CKA_LABEL; Ledger: the path
    algorithm TEXT NOT NULL,
    public_key BLOB,                   -- SPKI DER (asymmetric keys)
    address TEXT,                      -- the Ethereum address of a secp256k1 key
    state TEXT NOT NULL,               -- 'active' | 'disabled'
    origin TEXT NOT NULL,              -- 'generated' (by Custos on the device) | 'adopted'
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    record_mac BLOB NOT NULL,
    PRIMARY KEY (namespace, id)
  );
  CREATE UNIQUE INDEX device_keys_handle ON device_keys (backend, handle, namespace);
  `,
];
