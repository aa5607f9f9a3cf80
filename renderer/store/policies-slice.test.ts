/**
 * The policies slice against a fake API: the list comes in run order (priority, then global →
 * namespace → key, then name), `policies.changed` re-reads once per burst and only once the
 * screen has read, a change re-reads, a deleted selection is let go, and sign-out clears it all.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PolicyInfo } from '../../shared/api/policy.js';
import { createAppStore } from './store.js';
import { memoryPrefs } from './prefs.js';
import { fakeApi, settle, status } from './test-support.js';
import { REFRESH_COALESCE_MS } from './coalesce.js';

const info = (name: string, priority: number, scope: PolicyInfo['definition']['scope'] = { kind: 'global' }): PolicyInfo => ({
  definition: { name, kind: 'rules', scope, priority, enabled: true, rules: [{ type: 'valueLimit', perTransaction: '1', action: 'deny' }] },
  createdAt: 1,
  createdBy: 'admin',
  updatedAt: 1,
  updatedBy: 'admin',
});

function setup() {
  let stored = [info('b', 100, { kind: 'namespace', namespace: 'default' }), info('z', 5), info('a', 100, { kind: 'key', namespace: 'default', keyId: 'k' }), info('c', 100)];
  const fake = fakeApi({
    'vault.status': () => status(true),
    'vault.lock': () => status(false),
    'namespaces.list': () => [],
    'keys.list': () => [],
    'audit.status': () => ({ size: 0, head: null, verifiedThrough: null, tampered: false }),
    'requests.list': () => ({ pending: [], history: [] }),
    'policies.list': () => ({ policies: stored, modules: [] }),
    'policies.remove': (input: { name: string }) => {
      stored = stored.filter((p) => p.definition.name !== input.name);
      return { removed: true };
    },
  });
  const store = createAppStore({ api: fake.api, prefs: memoryPrefs(), now: () => Date.now() });
  return { store, s: () => store.getState(), ...fake };
}

describe('policies slice', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('lists in run order and follows policies.changed once read, one re-read per burst', async () => {
    const { s, count } = setup();
    await s().refreshVault();
    await settle(10);
    s().onPoliciesChanged({});
    await settle(REFRESH_COALESCE_MS * 2);
    expect(count('policies.list')).toBe(0); // nobody looked yet
    await s().loadPolicies();
    expect(s().policies?.map((p) => p.definition.name)).toEqual(['z', 'c', 'b', 'a']);
    for (let i = 0; i < 5; i++) s().onPoliciesChanged({});
    await settle(REFRESH_COALESCE_MS * 2);
    expect(count('policies.list')).toBe(2);
  });

  it('re-reads after a removal, lets the removed selection go, and clears on sign-out', async () => {
    const { s } = setup();
    await s().refreshVault();
    await s().loadPolicies();
    s().selectPolicy({ name: 'c' });
    s().setPoliciesView('bench');
    expect((await s().removePolicy('c')).ok).toBe(true);
    await settle();
    expect(s().policySelection).toBeNull();
    expect(s().policies?.map((p) => p.definition.name)).toEqual(['z', 'b', 'a']);
    await s().lockVault('user');
    await settle();
    expect(s().policies).toBeUndefined();
    expect(s().policiesView).toBe('policies');
  });
});
