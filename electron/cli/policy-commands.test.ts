/**
 * `custos policy …` against real vaults: the spending-limit example compiled with the
 * AssemblyScript compiler (as `npm run build:policies` does) decides allow / require-approval /
 * deny on 0.1 / 5 / 100 ETH contexts built from real requests, through `policy test` and as an
 * installed policy; rule sets come from YAML and JSON files; a bad rule is refused naming the
 * field and stores nothing; who may change what is the facade's (a KeyUser cannot add a global
 * policy; a NamespaceAdmin can add one for their namespace).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compilePolicy, EXAMPLES_DIR } from '../../scripts/build-policies.js';
import { custos } from '../../test/cli.js';
import { tempDir } from '../../test/helpers.js';
import { contextJson } from '../core/policy/context.js';
import { contextOf, ethTransfer } from '../core/policy/test-context.js';
import { ALLOW } from '../core/policy/wasm/test-modules.js';

const cli = (dir: string, argv: string[], stdin = '', env: Record<string, string> = {}) => custos(dir, argv, stdin, env);

let spending: Uint8Array;
beforeAll(async () => {
  spending = await compilePolicy(join(EXAMPLES_DIR, 'spending-limit.ts'));
}, 120_000);

interface Evaluation {
  decision: string;
  reasons: string[];
  fuel: number;
  results: { name: string; kind: string; decision: string; reason: string; fuel: number | null; logs: { level: number; message: string }[] }[];
}

/** A vault with the example module and a context file per amount. */
async function vault(): Promise<string> {
  const dir = tempDir();
  expect((await cli(dir, ['init', '--kdf-memory-kib', '1024', '--kdf-iterations', '1'])).code).toBe(0);
  writeFileSync(join(dir, 'spending-limit.wasm'), spending);
  for (const eth of ['0.1', '5', '100']) writeFileSync(join(dir, `ctx-${eth}.json`), contextJson(contextOf(ethTransfer(eth))));
  return dir;
}

const RULES_YAML = `# A rule set as the README shows it
name: limits
kind: rules
scope: { kind: global }
priority: 10
rules:
  - { type: chains, mode: allow, chainIds: [1, "10"] }
  - { type: approvalThreshold, value: "1000000000000000000" }
  - { type: valueLimit, perTransaction: "50000000000000000000" }
`;

describe('custos policy test (a dry run)', () => {
  it('the spending-limit example: allow at 0.1 ETH, approval at 5 ETH, deny at 100 ETH; exit 0 unless --fail-on', async () => {
    const dir = await vault();
    const wasm = join(dir, 'spending-limit.wasm');
    const expected = { '0.1': ['allow', 'under 1 ETH'], '5': ['require-approval', '1 to 10 ETH needs an operator'], '100': ['deny', 'more than 10 ETH'] } as const;
    for (const [eth, [decision, reason]] of Object.entries(expected)) {
      const r = await cli(dir, ['--json', 'policy', 'test', wasm, '--context', join(dir, `ctx-${eth}.json`)]);
      expect(r.code, r.err).toBe(0);
      const e = r.json() as unknown as Evaluation;
      expect(e.decision).toBe(decision);
      expect(e.results).toHaveLength(1);
      expect(e.results[0]).toMatchObject({ name: 'spending-limit', kind: 'wasm', decision, reason });
      expect(e.results[0]?.fuel).toBeGreaterThan(1000);
      expect(e.fuel).toBe(e.results[0]?.fuel);
      expect(e.reasons).toEqual([`spending-limit: ${reason}`]);
    }
    const text = await cli(dir, ['policy', 'test', wasm, '--context', join(dir, 'ctx-5.json')]);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/^decision {2}require-approval$/m);
    expect(text.out).toContain('1 to 10 ETH needs an operator');
    expect(text.out).toMatch(/^fuel {6}\d+ in total/m);
    // The same module on the same context uses the same fuel every time.
    const fuel = async () => ((await cli(dir, ['--json', 'policy', 'test', wasm, '--context', join(dir, 'ctx-5.json')])).json() as unknown as Evaluation).fuel;
    expect(await fuel()).toBe(await fuel());

    // --fail-on turns a decision into exit 1 with POLICY_DENIED on stderr; the evaluation is still printed.
    const denied = await cli(dir, ['--json', 'policy', 'test', wasm, '--context', join(dir, 'ctx-100.json'), '--fail-on', 'deny']);
    expect(denied.code).toBe(1);
    expect(denied.err).toContain('POLICY_DENIED');
    expect(denied.json()).toMatchObject({ decision: 'deny' });
    expect((await cli(dir, ['policy', 'test', wasm, '--context', join(dir, 'ctx-5.json'), '--fail-on', 'deny'])).code).toBe(0);
    expect((await cli(dir, ['policy', 'test', wasm, '--context', join(dir, 'ctx-5.json'), '--fail-on', 'approval'])).code).toBe(1);
    expect((await cli(dir, ['policy', 'test', wasm, '--context', join(dir, 'ctx-0.1.json'), '--fail-on', 'approval'])).code).toBe(0);

    // The context from stdin; a fuel budget too small runs out and denies, naming the budget.
    const piped = await cli(dir, ['--json', 'policy', 'test', wasm, '--context', '-', '--fuel', '1000'], contextJson(contextOf(ethTransfer('0.1'))));
    expect(piped.code, piped.err).toBe(0);
    expect(piped.json()).toMatchObject({ decision: 'deny', results: [{ reason: expect.stringContaining('out of fuel (budget 1000)') }] });
  });

  it('prints what a module logs; a rules file and the installed policies run too; a policy that does not cover the signer is named', async () => {
    const dir = await vault();
    writeFileSync(join(dir, 'allow.wasm'), ALLOW);
    const logged = await cli(dir, ['policy', 'test', join(dir, 'allow.wasm'), '--context', join(dir, 'ctx-0.1.json')]);
    expect(logged.code, logged.err).toBe(0);
    expect(logged.out).toContain('allowed by test');
    expect(logged.out).toContain('log info: allowed');

    writeFileSync(join(dir, 'limits.yaml'), RULES_YAML);
    const rules = await cli(dir, ['--json', 'policy', 'test', join(dir, 'limits.yaml'), '--context', join(dir, 'ctx-5.json')]);
    expect(rules.code, rules.err).toBe(0);
    expect(rules.json()).toMatchObject({ decision: 'require-approval', results: [{ name: 'limits', kind: 'rules', fuel: null }] });
    expect((await cli(dir, ['--json', 'policy', 'test', join(dir, 'limits.yaml'), '--context', join(dir, 'ctx-100.json')])).json()).toMatchObject({ decision: 'deny' });

    writeFileSync(join(dir, 'elsewhere.json'), JSON.stringify([{ name: 'treasury-only', kind: 'rules', scope: { kind: 'namespace', namespace: 'treasury' }, rules: [{ type: 'chains', mode: 'allow', chainIds: [10] }] }]));
    const skipped = await cli(dir, ['policy', 'test', join(dir, 'elsewhere.json'), '--context', join(dir, 'ctx-5.json')]);
    expect(skipped.code, skipped.err).toBe(0);
    expect(skipped.out).toContain('treasury-only: not run (namespace treasury does not cover default/hot-1)');

    // Nothing was stored by any of this.
    expect((await cli(dir, ['--json', 'policy', 'list'])).json()).toMatchObject({ policies: [], modules: [] });
    const none = await cli(dir, ['--json', 'policy', 'test', '--installed', '--context', join(dir, 'ctx-100.json')]);
    expect(none.code, none.err).toBe(0);
    expect(none.json()).toMatchObject({ results: [] });
  });

  it('usage and input errors', async () => {
    const dir = await vault();
    const wasm = join(dir, 'spending-limit.wasm');
    const ctx = join(dir, 'ctx-5.json');
    expect((await cli(dir, ['policy', 'test', '--context', ctx])).code).toBe(2); // neither FILE nor --installed
    expect((await cli(dir, ['policy', 'test', wasm, '--installed', '--context', ctx])).code).toBe(2);
    expect((await cli(dir, ['policy', 'test', wasm])).code).toBe(2); // --context is required
    expect((await cli(dir, ['policy', 'test', wasm, '--context', ctx, '--fail-on', 'maybe'])).code).toBe(2);
    writeFileSync(join(dir, 'limits.yaml'), RULES_YAML);
    expect((await cli(dir, ['policy', 'test', join(dir, 'limits.yaml'), '--context', ctx, '--fuel', '5000'])).code).toBe(2);
    writeFileSync(join(dir, 'text.wasm'), 'name: x');
    expect((await cli(dir, ['policy', 'test', join(dir, 'text.wasm'), '--context', ctx])).err).toMatch(/INVALID_INPUT: .*not a WebAssembly binary/);
    writeFileSync(join(dir, 'broken.json'), '{"version":1,');
    const broken = await cli(dir, ['policy', 'test', wasm, '--context', join(dir, 'broken.json')]);
    expect(broken.code).toBe(1);
    expect(broken.err).toMatch(/INVALID_INPUT: .*broken\.json: not valid JSON/);
    writeFileSync(join(dir, 'bad-context.json'), JSON.stringify({ ...JSON.parse(contextJson(contextOf(ethTransfer('5')))), chain: 'dogecoin' }));
    const badContext = await cli(dir, ['policy', 'test', wasm, '--context', join(dir, 'bad-context.json')]);
    expect(badContext.code).toBe(1);
    expect(badContext.err).toContain('INVALID_INPUT');
    expect(badContext.err).toContain('chain');
  });
});

describe('custos policy install, add, list, show, enable, disable, remove, modules, remove-module', () => {
  it('a WASM policy from install to removal, with its module', async () => {
    const dir = await vault();
    const wasm = join(dir, 'spending-limit.wasm');
    const installed = await cli(dir, ['--json', 'policy', 'install', wasm, '--priority', '20', '--description', 'ETH per transaction']);
    expect(installed.code, installed.err).toBe(0);
    const out = installed.json() as { module: { sha256: string; size: number; meteredSize: number; name: string }; moduleInstalled: boolean; policy: { definition: Record<string, unknown> } };
    expect(out.module).toMatchObject({ name: 'spending-limit', size: spending.length });
    expect(out.module.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(out.module.meteredSize).toBeGreaterThan(spending.length);
    expect(out.moduleInstalled).toBe(true);
    expect(out.policy.definition).toMatchObject({ name: 'spending-limit', kind: 'wasm', scope: { kind: 'global' }, priority: 20, enabled: true, module: out.module.sha256 });
    const sha = out.module.sha256;

    // Installed, it decides the same through the stored policies.
    for (const [eth, decision] of [['0.1', 'allow'], ['5', 'require-approval'], ['100', 'deny']] as const) {
      const r = await cli(dir, ['--json', 'policy', 'test', '--installed', '--context', join(dir, `ctx-${eth}.json`)]);
      expect(r.code, r.err).toBe(0);
      expect(r.json()).toMatchObject({ decision, results: [{ name: 'spending-limit', kind: 'wasm', decision, module: sha }] });
    }

    // The same bytes again, as a second policy scoped to one key: the module is reused, not installed twice.
    const again = await cli(dir, ['policy', 'install', wasm, '--name', 'hot-1-spending', '--key', 'hot-1', '--fuel', '2000000', '--disabled']);
    expect(again.code, again.err).toBe(0);
    expect(again.out).toContain('(already installed)');
    expect(again.out).toContain('policy hot-1-spending: wasm, key default/hot-1, priority 100, disabled');

    const list = await cli(dir, ['policy', 'list']);
    expect(list.code, list.err).toBe(0);
    expect(list.out).toMatch(/^spending-limit +wasm +global +20 +yes +vault +module [0-9a-f]{12}… \(spending-limit\)$/m);
    expect(list.out).toMatch(/^hot-1-spending +wasm +key default\/hot-1 +100 +no /m);
    expect(list.out).toContain(`${sha}  spending-limit`);
    const listed = (await cli(dir, ['--json', 'policy', 'list'])).json() as { policies: { definition: { name: string } }[]; modules: { sha256: string }[] };
    expect(listed.policies.map((p) => p.definition.name)).toEqual(['spending-limit', 'hot-1-spending']); // run order: priority 20 first
    expect(listed.modules.map((m) => m.sha256)).toEqual([sha]);
    expect((await cli(dir, ['policy', 'modules'])).out).toMatch(new RegExp(`^${sha} +spending-limit +${spending.length} +\\d+ +spending-limit, hot-1-spending$`, 'm'));

    expect((await cli(dir, ['--json', 'policy', 'show', 'hot-1-spending'])).json()).toMatchObject({ definition: { fuel: 2_000_000, enabled: false, scope: { kind: 'key', namespace: 'default', keyId: 'hot-1' } } });
    expect((await cli(dir, ['--json', 'policy', 'enable', 'hot-1-spending'])).json()).toMatchObject({ definition: { enabled: true } });
    const both = (await cli(dir, ['--json', 'policy', 'test', '--installed', '--context', join(dir, 'ctx-5.json')])).json() as unknown as Evaluation;
    expect(both.results.map((r) => r.name)).toEqual(['spending-limit', 'hot-1-spending']);
    expect((await cli(dir, ['policy', 'disable', 'spending-limit'])).out).toBe('policy spending-limit disabled\n');
    expect(((await cli(dir, ['--json', 'policy', 'test', '--installed', '--context', join(dir, 'ctx-5.json')])).json() as unknown as Evaluation).results.map((r) => r.name)).toEqual(['hot-1-spending']);

    // A module in use cannot be removed; once its policies are gone it can.
    const inUse = await cli(dir, ['policy', 'remove-module', sha]);
    expect(inUse.code).toBe(1);
    expect(inUse.err).toContain('NOT_EMPTY');
    for (const name of ['spending-limit', 'hot-1-spending']) expect((await cli(dir, ['policy', 'remove', name])).code).toBe(0);
    expect((await cli(dir, ['policy', 'remove', 'spending-limit'])).err).toContain('NOT_FOUND');
    expect((await cli(dir, ['policy', 'show', 'spending-limit'])).err).toContain('NOT_FOUND');
    expect((await cli(dir, ['--json', 'policy', 'remove-module', sha])).json()).toEqual({ sha256: sha, removed: true });
    expect((await cli(dir, ['policy', 'modules'])).out).toContain('no WASM modules installed');

    // Not WebAssembly at all; a bad --fuel installs nothing.
    writeFileSync(join(dir, 'notes.wasm'), 'not a module');
    expect((await cli(dir, ['policy', 'install', join(dir, 'notes.wasm')])).err).toMatch(/INVALID_INPUT: .*not a WebAssembly binary/);
    const badFuel = await cli(dir, ['policy', 'install', wasm, '--fuel', '5']);
    expect(badFuel.code).toBe(1);
    expect(badFuel.err).toContain('policy.fuel');
    expect((await cli(dir, ['--json', 'policy', 'list'])).json()).toMatchObject({ policies: [], modules: [] });
    expect((await cli(dir, ['policy', 'install', wasm, '--priority', 'high'])).code).toBe(2);
  });

  it('rule sets from YAML and JSON; show prints YAML that add reads back; a bad rule is refused naming the field and stores nothing', async () => {
    const dir = await vault();
    writeFileSync(join(dir, 'limits.yaml'), RULES_YAML);
    const added = await cli(dir, ['policy', 'add', join(dir, 'limits.yaml')]);
    expect(added.code, added.err).toBe(0);
    expect(added.out).toBe('policy limits: rules, global, priority 10, enabled, 3 rules — created\n');
    writeFileSync(join(dir, 'ops.json'), JSON.stringify({ name: 'no-approvals', kind: 'rules', scope: { kind: 'namespace', namespace: 'default' }, rules: [{ type: 'selectors', mode: 'deny', selectors: ['0x095ea7b3'] }] }));
    expect((await cli(dir, ['policy', 'add', join(dir, 'ops.json')])).code).toBe(0);

    const shown = await cli(dir, ['policy', 'show', 'limits']);
    expect(shown.code, shown.err).toBe(0);
    expect(shown.out).toMatch(/^# created \S+ by admin/);
    expect(shown.out).toContain('type: approvalThreshold');
    writeFileSync(join(dir, 'limits-again.yaml'), shown.out.replace('priority: 10', 'priority: 5'));
    const replaced = await cli(dir, ['--json', 'policy', 'add', join(dir, 'limits-again.yaml')]);
    expect(replaced.code, replaced.err).toBe(0);
    const before = (await cli(dir, ['--json', 'policy', 'show', 'limits'])).json() as { definition: Record<string, unknown>; createdAt: string };
    expect(before.definition).toMatchObject({ priority: 5, rules: [{ type: 'chains', chainIds: ['1', '10'] }, { type: 'approvalThreshold' }, { type: 'valueLimit' }] });

    // Addresses and selectors need no quotes in YAML: 0x… is read as text, not as a hexadecimal number.
    writeFileSync(join(dir, 'unquoted.yaml'), 'name: friends\nkind: rules\nscope: { kind: global }\nrules:\n  - { type: recipients, mode: allow, addresses: [0x1111111111111111111111111111111111111111] }\n  - { type: selectors, mode: allow, selectors: [0xA9059CBB] }\n');
    expect((await cli(dir, ['policy', 'add', join(dir, 'unquoted.yaml')])).code).toBe(0);
    expect((await cli(dir, ['--json', 'policy', 'show', 'friends'])).json()).toMatchObject({ definition: { rules: [{ addresses: ['0x1111111111111111111111111111111111111111'] }, { selectors: ['0xa9059cbb'] }] } });
    expect((await cli(dir, ['policy', 'remove', 'friends'])).code).toBe(0);

    const list = (await cli(dir, ['--json', 'policy', 'list'])).json() as { policies: { definition: { name: string } }[] };
    expect(list.policies.map((p) => p.definition.name)).toEqual(['limits', 'no-approvals']);
    expect((await cli(dir, ['policy', 'list'])).out).toMatch(/^limits +rules +global +5 +yes +vault +3 rules$/m);

    // A bad rule: the core's field-named error, with the file and the entry; the good entry before it is not stored either.
    writeFileSync(
      join(dir, 'bad.yaml'),
      `- { name: fine, kind: rules, scope: { kind: global }, rules: [{ type: chains, mode: allow, chainIds: [1] }] }
- name: broken
  kind: rules
  scope: { kind: global }
  rules:
    - { type: chains, mode: allow, chainIds: [1] }
    - { type: valueLimit, perTransaction: "1 ETH" }
`,
    );
    const bad = await cli(dir, ['--json', 'policy', 'add', join(dir, 'bad.yaml')]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('INVALID_INPUT');
    expect(bad.err).toContain('bad.yaml[1]: policy.rules[1].perTransaction: expected a decimal amount in base units (wei, token units)');
    expect(bad.json()).toMatchObject({ error: { code: 'INVALID_INPUT' } });
    writeFileSync(join(dir, 'typo.yaml'), 'name: typo\nkind: rules\nscope: { kind: global }\nrules: [{ type: chains, mode: allow, chainIds: [1], acton: deny }]\n');
    expect((await cli(dir, ['policy', 'add', join(dir, 'typo.yaml')])).err).toMatch(/typo\.yaml: policy\.rules\[0\].*acton/);
    writeFileSync(join(dir, 'section.yaml'), `policies:\n  - ${JSON.stringify({ name: 'x', kind: 'rules', scope: { kind: 'global' }, rules: [{ type: 'chains', mode: 'allow', chainIds: ['x'] }] })}\n`);
    expect((await cli(dir, ['policy', 'add', join(dir, 'section.yaml')])).err).toContain('section.yaml: policies[0]: policy.rules[0].chainIds[0]');
    writeFileSync(join(dir, 'dup.yaml'), 'a: 1\na: 2\n');
    expect((await cli(dir, ['policy', 'add', join(dir, 'dup.yaml')])).err).toMatch(/dup\.yaml:2:1: not valid YAML/);
    const names = ((await cli(dir, ['--json', 'policy', 'list'])).json() as { policies: { definition: { name: string } }[] }).policies.map((p) => p.definition.name);
    expect(names).toEqual(['limits', 'no-approvals']);
    expect((await cli(dir, ['policy', 'add'])).code).toBe(2);
  });

  it("custos.yaml's policies are listed and run with the vault's, and are read-only here", async () => {
    const dir = await vault();
    const section = 'policies:\n  - name: from-file\n    kind: rules\n    scope: { kind: global }\n    priority: 1\n    rules: [{ type: chains, mode: allow, chainIds: ["10"] }]\n';
    writeFileSync(join(dir, 'custos.yaml'), section);
    writeFileSync(join(dir, 'limits.yaml'), RULES_YAML);
    expect((await cli(dir, ['policy', 'add', join(dir, 'limits.yaml')])).code).toBe(0);

    const list = await cli(dir, ['policy', 'list']);
    expect(list.code, list.err).toBe(0);
    expect(list.out).toMatch(/^from-file +rules +global +1 +yes +custos\.yaml +1 rule$/m);
    expect(list.out).toMatch(/^limits +rules +global +10 +yes +vault +3 rules$/m);
    expect((await cli(dir, ['--json', 'policy', 'show', 'from-file'])).json()).toMatchObject({ source: 'config', createdAt: null, definition: { name: 'from-file' } });
    expect((await cli(dir, ['policy', 'show', 'from-file'])).out).toMatch(/^# from custos\.yaml/);

    const run = await cli(dir, ['--json', 'policy', 'test', '--installed', '--context', join(dir, 'ctx-0.1.json')]);
    expect(run.code, run.err).toBe(0);
    expect(run.json()).toMatchObject({ decision: 'deny', results: [{ name: 'from-file', decision: 'deny' }, { name: 'limits', decision: 'allow' }] });

    for (const argv of [['policy', 'disable', 'from-file'], ['policy', 'remove', 'from-file']]) expect((await cli(dir, argv)).err).toContain('CONFLICT');
    // The section copied out of custos.yaml reads as a definition file (and names the same policy, so it is refused).
    writeFileSync(join(dir, 'copied.yaml'), section);
    expect((await cli(dir, ['policy', 'add', join(dir, 'copied.yaml')])).err).toContain('CONFLICT');
  });

  it('who may: a KeyUser lists and dry-runs but cannot add a global policy or install a module; a NamespaceAdmin manages their namespace only', async () => {
    const dir = await vault();
    expect((await cli(dir, ['ns', 'create', 'ops'])).code).toBe(0);
    for (const [who, pass] of [['bob', 'bob passphrase one'], ['carol', 'carol passphrase one']] as const) {
      expect((await cli(dir, ['operator', 'add', who], '', { CUSTOS_NEW_PASSPHRASE: pass })).code).toBe(0);
    }
    expect((await cli(dir, ['grant', '--principal', 'bob', '--ns', 'default', '--role', 'KeyUser'])).code).toBe(0);
    expect((await cli(dir, ['grant', '--principal', 'carol', '--ns', 'ops', '--role', 'NamespaceAdmin'])).code).toBe(0);
    const bob = (argv: string[]) => cli(dir, ['--operator', 'bob', ...argv], '', { CUSTOS_PASSPHRASE: 'bob passphrase one' });
    const carol = (argv: string[]) => cli(dir, ['--operator', 'carol', ...argv], '', { CUSTOS_PASSPHRASE: 'carol passphrase one' });

    writeFileSync(join(dir, 'limits.yaml'), RULES_YAML);
    const refused = await bob(['policy', 'add', join(dir, 'limits.yaml')]);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('PERMISSION_DENIED');
    expect((await bob(['policy', 'install', join(dir, 'spending-limit.wasm')])).err).toContain('PERMISSION_DENIED');
    expect((await bob(['policy', 'list'])).code).toBe(0);
    const dry = await bob(['--json', 'policy', 'test', join(dir, 'limits.yaml'), '--context', join(dir, 'ctx-5.json')]);
    expect(dry.code, dry.err).toBe(0);
    expect(dry.json()).toMatchObject({ decision: 'require-approval' });

    writeFileSync(join(dir, 'ops.yaml'), 'name: ops-chains\nkind: rules\nscope: { kind: namespace, namespace: ops }\nrules: [{ type: chains, mode: allow, chainIds: [10] }]\n');
    const own = await carol(['policy', 'add', join(dir, 'ops.yaml')]);
    expect(own.code, own.err).toBe(0);
    expect((await carol(['policy', 'disable', 'ops-chains'])).code).toBe(0);
    expect((await carol(['policy', 'add', join(dir, 'limits.yaml')])).err).toContain('PERMISSION_DENIED');

    // Installing a module is the Admin's; once it is installed, a NamespaceAdmin may run it in their namespace.
    expect((await carol(['policy', 'install', join(dir, 'spending-limit.wasm'), '--ns', 'ops'])).err).toContain('PERMISSION_DENIED');
    expect((await cli(dir, ['policy', 'install', join(dir, 'spending-limit.wasm'), '--disabled'])).code).toBe(0);
    const reused = await carol(['policy', 'install', join(dir, 'spending-limit.wasm'), '--name', 'ops-spending', '--ns', 'ops']);
    expect(reused.code, reused.err).toBe(0);
    expect(reused.out).toContain('(already installed)');
    expect((await carol(['policy', 'remove', 'ops-spending'])).code).toBe(0);
    expect((await cli(dir, ['policy', 'remove', 'spending-limit'])).code).toBe(0);

    // The Admin's global policy: a NamespaceAdmin may not switch it off or remove it either.
    expect((await cli(dir, ['policy', 'add', join(dir, 'limits.yaml')])).code).toBe(0);
    expect((await carol(['policy', 'disable', 'limits'])).err).toContain('PERMISSION_DENIED');
    expect((await bob(['policy', 'remove', 'limits'])).err).toContain('PERMISSION_DENIED');
    expect(((await cli(dir, ['--json', 'policy', 'list'])).json() as { policies: { definition: { name: string; enabled: boolean } }[] }).policies.map((p) => [p.definition.name, p.definition.enabled])).toEqual([
      ['limits', true],
      ['ops-chains', false],
    ]);
  });
});
