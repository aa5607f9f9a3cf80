/**
 * @module core/policy/migration.sql
 * The policy tables, as the next migration of core/vault/migrations.ts (appended there, never
 * edited once published). Kept here until then so the policy store's tests can apply it.
 */

export const POLICY_MIGRATION = `
  -- Installed WASM policy modules. The module is not secret: it is MAC'd, not sealed. The MAC
  -- covers the SHA-256 of both the bytes as uploaded (the primary key, what operators compare)
  -- and the metered bytes the runtime runs, so neither can be swapped in the file.
  CREATE TABLE policy_modules (
    sha256 TEXT PRIMARY KEY,           -- hex SHA-256 of module
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    module BLOB NOT NULL,              -- as uploaded
    metered BLOB NOT NULL,             -- fuel/depth/memory-instrumented (core/policy/wasm/instrument.ts)
    memory_pages INTEGER NOT NULL,     -- the caps baked into metered
    call_depth INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    record_mac BLOB NOT NULL
  );
  -- Policies: a rule set or a WASM module, with scope and priority; definition is the validated
  -- JSON (core/policy/engine.ts policyDefinitionSchema).
  CREATE TABLE policies (
    name TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('rules', 'wasm')),
    definition TEXT NOT NULL,
    module_sha256 TEXT REFERENCES policy_modules(sha256),
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by TEXT NOT NULL,
    record_mac BLOB NOT NULL,
    CHECK ((kind = 'wasm') = (module_sha256 IS NOT NULL))
  );
  CREATE INDEX policies_module ON policies (module_sha256) WHERE module_sha256 IS NOT NULL;
`;
