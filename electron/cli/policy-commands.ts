/**
 * @module cli/policy-commands
 * `custos policy …`: the policy engine from the command line — install a WASM policy, add rule
 * sets from YAML or JSON, list, show, enable, disable and remove policies and modules, and dry-run
 * a policy on a context (`policy test`). Each command maps its options onto the facade's policy
 * methods (core/policy/api.ts); the facade decides who may (any operator lists and dry-runs; an
 * Admin changes global policies and modules; a NamespaceAdmin their namespace's policies) and
 * audits every change. Definitions are checked with the core's own validation before anything
 * is stored (policy-files.ts), so a file with one bad entry changes nothing.
 *
 * `policy test` is a dry run: a completed run exits 0 whatever the decision (the decision is its
 * output). `--fail-on deny|approval` makes a decision an exit status for scripts: 1, with
 * POLICY_DENIED on stderr, like `verify` for a signature that does not verify.
 *
 * Trusts the facade.
 */
import { createHash } from 'node:crypto';
import { extname } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { assertNever, CustodyError } from '../../shared/errors.js';
import { DEFAULT_NAMESPACE } from '../core/keys/key-store.js';
import { applicablePolicies, parsePolicyDefinition, type ModuleInfo, type PolicyDefinition, type PolicyEvaluation, type PolicyResult, type PolicyScope, type StoredPolicy } from '../core/policy/index.js';
import type { PolicyApi } from '../core/policy/api.js';
import { UsageError, type Args } from './args.js';
import type { Command, CommandContext, CommandResult } from './commands.js';
import { readFileBytes } from './io.js';
import { isWasm, nameFromFile, parseContext, readDefinitions, readModule } from './policy-files.js';
import { table } from './text-table.js';

// ------------------------------------------------------------------ output

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function scopeText(s: PolicyScope): string {
  switch (s.kind) {
    case 'global':
      return 'global';
    case 'namespace':
      return `namespace ${s.namespace}`;
    case 'key':
      return `key ${s.namespace}/${s.keyId}`;
    default:
      return assertNever(s, 'policy scope');
  }
}

function short(sha: string): string {
  return `${sha.slice(0, 12)}…`;
}

/**
 * A policy as the facade lists it: from the vault (changed with these commands) or from
 * custos.yaml's `policies:` (read-only here: the file is changed instead). What put and
 * enable/disable return is the vault's.
 */
type ListedPolicy = StoredPolicy & { readonly source?: 'vault' | 'config' };

function sourceOf(p: ListedPolicy): 'vault' | 'config' {
  return p.source ?? 'vault';
}

function policyJson(p: ListedPolicy): Record<string, unknown> {
  const source = sourceOf(p);
  if (source === 'config') return { definition: p.definition, source, createdAt: null, createdBy: p.createdBy, updatedAt: null, updatedBy: p.updatedBy };
  return { definition: p.definition, source, createdAt: iso(p.createdAt), createdBy: p.createdBy, updatedAt: iso(p.updatedAt), updatedBy: p.updatedBy };
}

function moduleJson(m: ModuleInfo): Record<string, unknown> {
  return { ...m, createdAt: iso(m.createdAt) };
}

/** What a policy runs: its rule count, or its module (named when it is installed). */
function whatText(d: PolicyDefinition, modules: readonly ModuleInfo[]): string {
  if (d.kind === 'rules') return `${d.rules.length} rule${d.rules.length === 1 ? '' : 's'}`;
  const m = modules.find((x) => x.sha256 === d.module);
  return `module ${short(d.module)}${m === undefined ? ' (not installed)' : ` (${m.name})`}`;
}

function policyLine(p: StoredPolicy, modules: readonly ModuleInfo[]): string {
  const d = p.definition;
  return `policy ${d.name}: ${d.kind}, ${scopeText(d.scope)}, priority ${d.priority}, ${d.enabled ? 'enabled' : 'disabled'}, ${whatText(d, modules)}`;
}

function modulesTable(modules: readonly ModuleInfo[], policies: readonly StoredPolicy[]): string {
  if (modules.length === 0) return 'no WASM modules installed (custos policy install FILE.wasm)';
  const usedBy = (sha: string): string =>
    policies
      .filter((p) => p.definition.kind === 'wasm' && p.definition.module === sha)
      .map((p) => p.definition.name)
      .join(', ') || '-';
  return table(
    ['SHA256', 'NAME', 'SIZE', 'METERED', 'USED BY'],
    modules.map((m) => [m.sha256, m.name, String(m.size), String(m.meteredSize), usedBy(m.sha256)]),
  );
}

const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

function ms(value: number): string {
  return `${value.toFixed(2)} ms`;
}

function resultText(r: PolicyResult): string {
  const lines = [`${r.name} (${r.kind}, ${scopeText(r.scope)}${r.module === undefined ? '' : `, module ${short(r.module)}`}): ${r.decision} — ${r.reason}`];
  lines.push(`  ${r.fuel === null ? '' : `fuel ${r.fuel}, `}${ms(r.durationMs)}`);
  for (const log of r.logs) lines.push(`  log ${LOG_LEVELS[log.level] ?? `level ${log.level}`}: ${log.message}`);
  return lines.join('\n');
}

/** Why a definition the dry run was given did not run (from the context's signer), or null when it ran. */
function notAppliedText(definitions: readonly PolicyDefinition[], context: Record<string, unknown>): string[] {
  const signer = context['signer'] as { namespace?: unknown; key_id?: unknown } | null | undefined;
  const namespace = typeof signer?.namespace === 'string' ? signer.namespace : undefined;
  const keyId = typeof signer?.key_id === 'string' ? signer.key_id : undefined;
  if (namespace === undefined || keyId === undefined) return [];
  const ran = new Set(applicablePolicies(definitions, namespace, keyId).map((d) => d.name));
  return definitions.filter((d) => !ran.has(d.name)).map((d) => `${d.name}: not run (${d.enabled ? `${scopeText(d.scope)} does not cover ${namespace}/${keyId}` : 'disabled'})`);
}

function evaluationText(e: PolicyEvaluation, notApplied: readonly string[]): string {
  const lines = [
    `decision  ${e.decision}`,
    ...e.reasons.map((r, i) => `${i === 0 ? 'reasons ' : '        '}  ${r}`),
    `fuel      ${e.fuel} in total, ${ms(e.durationMs)}`,
  ];
  if (e.results.length > 0) lines.push('', ...e.results.map(resultText));
  if (notApplied.length > 0) lines.push('', ...notApplied);
  return lines.join('\n');
}

/** The definition's keys in the order a person reads them (name and kind first, the rules or module last). */
function readingOrder(d: PolicyDefinition): Record<string, unknown> {
  const { name, kind, description, scope, priority, enabled, ...rest } = d;
  return { name, kind, ...(description === undefined ? {} : { description }), scope, priority, enabled, ...rest };
}

// ------------------------------------------------------------------ options and arguments

function positional(args: Args, what: string, usage: string): string {
  const v = args.positionals[0];
  if (v === undefined) throw new UsageError(`name the ${what}: ${usage}`);
  return v;
}

/** --ns / --key → a scope: global when neither; a key in --ns (default "default") with --key. */
function scopeOf(args: Args): PolicyScope {
  const ns = args.string('ns');
  const key = args.string('key');
  if (key !== undefined) return { kind: 'key', namespace: ns ?? DEFAULT_NAMESPACE, keyId: key };
  if (ns !== undefined) return { kind: 'namespace', namespace: ns };
  return { kind: 'global' };
}

async function readContext(ctx: CommandContext): Promise<Record<string, unknown>> {
  const file = ctx.args.string('context');
  if (file === undefined) throw new UsageError('--context FILE is required: the JSON a policy receives (see electron/core/policy/README.md, "The context")');
  if (file === '-') {
    if (ctx.inBatch) throw new UsageError('--context - (stdin) is not available inside batch');
    return parseContext(await ctx.readStdin(), 'stdin');
  }
  return parseContext(readFileBytes(file, 'policy context'), file);
}

/** `--fail-on`: which decisions exit 1. */
function failOn(args: Args): ReadonlySet<string> {
  const v = args.choice('fail-on', ['deny', 'approval'] as const);
  if (v === undefined) return new Set();
  return new Set(v === 'deny' ? ['deny'] : ['deny', 'require-approval']);
}

async function policyApi(ctx: CommandContext): Promise<PolicyApi> {
  return ctx.unlocked();
}

async function findPolicy(api: PolicyApi, name: string): Promise<{ policy: ListedPolicy; modules: ModuleInfo[] }> {
  const { policies, modules } = await api.listPolicies();
  const policy = policies.find((p) => p.definition.name === name);
  if (policy === undefined) throw new CustodyError('NOT_FOUND', `no policy ${JSON.stringify(name.slice(0, 64))} (custos policy list)`);
  return { policy, modules };
}

const scopeOpts = {
  ns: { type: 'string', description: 'scope: this namespace (with --key: the key\'s namespace, default "default"); neither: global', placeholder: 'NS' },
  key: { type: 'string', description: 'scope: this key only', placeholder: 'ID' },
} as const;

// ------------------------------------------------------------------ the table

export const POLICY_COMMANDS: readonly Command[] = [
  {
    words: ['policy', 'install'],
    summary: 'install a WASM policy module and create a policy that runs it (Admin for the module)',
    usage: 'custos policy install FILE.wasm [--name NAME] [--description TEXT] [--ns NS] [--key ID] [--priority N] [--fuel N] [--timeout-ms N] [--disabled]',
    options: {
      name: { type: 'string', description: "the policy's (and module's) name (default: the file's base name)", placeholder: 'NAME' },
      description: { type: 'string', description: 'what the policy is for', placeholder: 'TEXT' },
      ...scopeOpts,
      priority: { type: 'string', description: 'lower runs first (default 100; may be negative)', placeholder: 'N' },
      fuel: { type: 'int', description: 'fuel per evaluation (default 10000000)', placeholder: 'N' },
      'timeout-ms': { type: 'int', description: 'wall-clock limit per evaluation (default 1000)', placeholder: 'N' },
      disabled: { type: 'boolean', description: 'create the policy disabled (custos policy enable NAME later)' },
    },
    maxPositionals: 1,
    async run(ctx) {
      const a = ctx.args;
      const file = positional(a, 'module file', 'custos policy install dist/policies/spending-limit.wasm');
      const bytes = readModule(file);
      const name = a.string('name') ?? nameFromFile(file);
      const description = a.string('description');
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const priority = a.string('priority');
      if (priority !== undefined && !/^-?\d{1,7}$/u.test(priority)) throw new UsageError('--priority needs an integer');
      const fuel = a.int('fuel');
      const timeoutMs = a.int('timeout-ms');
      const definition = {
        name,
        kind: 'wasm',
        scope: scopeOf(a),
        module: sha256,
        ...(priority === undefined ? {} : { priority: Number(priority) }),
        enabled: !a.flag('disabled'),
        ...(description === undefined ? {} : { description }),
        ...(fuel === undefined ? {} : { fuel }),
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
      };
      // The definition is checked before the module is stored: a bad --fuel installs nothing.
      readDefinitionValue(definition, '--name/--ns/--key/--priority/--fuel/--timeout-ms');
      const api = await policyApi(ctx);
      const existing = (await api.listPolicies()).modules.find((m) => m.sha256 === sha256);
      const module = existing ?? (await api.installPolicyModule(bytes, { name, ...(description === undefined ? {} : { description }) }));
      const policy = await api.putPolicy(definition);
      const text = [
        `module  ${module.sha256}  ${module.name}: ${module.size} bytes, ${module.meteredSize} metered${existing === undefined ? '' : ' (already installed)'}`,
        policyLine(policy, [module]),
      ].join('\n');
      return { json: { module: moduleJson(module), moduleInstalled: existing === undefined, policy: policyJson(policy) }, text };
    },
  },
  {
    words: ['policy', 'add'],
    summary: 'create or replace policies from a YAML or JSON definition file (rules, or wasm naming an installed module)',
    usage: 'custos policy add FILE.yaml|FILE.json   (one definition, or a list; see electron/core/policy/README.md)',
    options: {},
    maxPositionals: 1,
    async run(ctx) {
      const file = positional(ctx.args, 'definition file', 'custos policy add treasury.yaml');
      const entries = readDefinitions(file);
      const api = await policyApi(ctx);
      const stored: StoredPolicy[] = [];
      for (const e of entries) stored.push(await api.putPolicy(e.raw));
      const { modules } = stored.some((p) => p.definition.kind === 'wasm') ? await api.listPolicies() : { modules: [] };
      return {
        json: { policies: stored.map(policyJson) },
        text: stored.map((p) => `${policyLine(p, modules)} — ${p.createdAt === p.updatedAt ? 'created' : 'replaced'}`).join('\n'),
      };
    },
  },
  {
    words: ['policy', 'list'],
    summary: 'list policies in the order they run, and the installed WASM modules',
    usage: 'custos policy list',
    options: {},
    async run(ctx) {
      const { policies, modules } = await (await policyApi(ctx)).listPolicies();
      const rows = policies.map((p) => {
        const d = p.definition;
        return [d.name, d.kind, scopeText(d.scope), String(d.priority), d.enabled ? 'yes' : 'no', sourceOf(p) === 'config' ? 'custos.yaml' : 'vault', whatText(d, modules)];
      });
      const text = [
        policies.length === 0 ? 'no policies (custos policy add FILE.yaml, custos policy install FILE.wasm)' : table(['NAME', 'KIND', 'SCOPE', 'PRIORITY', 'ENABLED', 'FROM', 'RUNS'], rows),
        '',
        modulesTable(modules, policies),
      ].join('\n');
      return { json: { policies: policies.map(policyJson), modules: modules.map(moduleJson) }, text };
    },
  },
  {
    words: ['policy', 'show'],
    summary: 'print a policy definition as YAML (what `policy add` reads back); --json for JSON',
    usage: 'custos policy show NAME',
    options: {},
    maxPositionals: 1,
    async run(ctx) {
      const name = positional(ctx.args, 'policy', 'custos policy show NAME');
      const { policy } = await findPolicy(await policyApi(ctx), name);
      const header =
        sourceOf(policy) === 'config'
          ? '# from custos.yaml (policies:), read-only here: change it in the file'
          : `# created ${iso(policy.createdAt)} by ${policy.createdBy}, updated ${iso(policy.updatedAt)} by ${policy.updatedBy}`;
      return { json: policyJson(policy), text: `${header}\n${toYaml(readingOrder(policy.definition), { version: '1.2' }).trimEnd()}` };
    },
  },
  ...(['enable', 'disable'] as const).map(
    (verb): Command => ({
      words: ['policy', verb],
      summary: `${verb} a policy (it stays stored)`,
      usage: `custos policy ${verb} NAME`,
      options: {},
      maxPositionals: 1,
      async run(ctx) {
        const name = positional(ctx.args, 'policy', `custos policy ${verb} NAME`);
        const p = await (await policyApi(ctx)).setPolicyEnabled(name, verb === 'enable');
        return { json: policyJson(p), text: `policy ${p.definition.name} ${p.definition.enabled ? 'enabled' : 'disabled'}` };
      },
    }),
  ),
  {
    words: ['policy', 'remove'],
    summary: 'remove a policy (its module stays installed: custos policy remove-module)',
    usage: 'custos policy remove NAME',
    options: {},
    maxPositionals: 1,
    async run(ctx) {
      const name = positional(ctx.args, 'policy', 'custos policy remove NAME');
      await (await policyApi(ctx)).removePolicy(name);
      return { json: { name, removed: true }, text: `policy ${name} removed` };
    },
  },
  {
    words: ['policy', 'modules'],
    summary: 'list installed WASM policy modules and the policies that use them',
    usage: 'custos policy modules',
    options: {},
    async run(ctx) {
      const { policies, modules } = await (await policyApi(ctx)).listPolicies();
      return { json: { modules: modules.map(moduleJson) }, text: modulesTable(modules, policies) };
    },
  },
  {
    words: ['policy', 'remove-module'],
    summary: 'remove an installed WASM module no policy uses (Admin)',
    usage: 'custos policy remove-module SHA256',
    options: {},
    maxPositionals: 1,
    async run(ctx) {
      const sha256 = positional(ctx.args, 'module', 'custos policy remove-module SHA256   (custos policy modules lists them)').toLowerCase();
      await (await policyApi(ctx)).removePolicyModule(sha256);
      return { json: { sha256, removed: true }, text: `module ${sha256} removed` };
    },
  },
  {
    words: ['policy', 'test'],
    summary: 'dry-run a module, a definition file or the installed policies on a context: decision, reasons, fuel, logs (exit 0 whatever the decision)',
    usage: 'custos policy test (FILE.wasm | FILE.yaml | FILE.json | --installed) --context CTX.json [--fuel N] [--fail-on deny|approval]',
    options: {
      context: { type: 'string', description: 'the policy context, JSON ("-" for stdin)', placeholder: 'FILE' },
      installed: { type: 'boolean', description: 'run the stored policies that apply to the context\'s signer instead of a file' },
      fuel: { type: 'int', description: 'fuel for a .wasm module (default 10000000)', placeholder: 'N' },
      'fail-on': { type: 'string', description: 'exit 1 (POLICY_DENIED on stderr) on deny, or on approval (deny or require-approval)', placeholder: 'D' },
    },
    maxPositionals: 1,
    async run(ctx) {
      const a = ctx.args;
      const file = a.positionals[0];
      if ((file === undefined) === !a.flag('installed')) throw new UsageError('give a FILE (.wasm, .yaml, .json) or --installed');
      const failing = failOn(a);
      const fuel = a.int('fuel');
      let input: Parameters<PolicyApi['testPolicy']>[0];
      let given: PolicyDefinition[] | undefined;
      const context = await readContext(ctx);
      if (file === undefined) input = { context };
      else {
        const bytes = extname(file).toLowerCase() === '.wasm' ? readModule(file) : readFileBytes(file, 'policy');
        // Results name the file (`spending-limit`), as `policy install` would name its policy.
        if (isWasm(bytes)) input = { context, module: bytes, name: dryRunName(file) };
        else {
          if (fuel !== undefined) throw new UsageError('--fuel is for a .wasm module: a definition file sets fuel per policy');
          const entries = readDefinitions(file);
          given = entries.map((e) => e.definition);
          input = { context, definitions: entries.map((e) => e.raw) };
        }
      }
      const api = await policyApi(ctx);
      if (file === undefined) given = (await api.listPolicies()).policies.map((p) => p.definition);
      const evaluation = await api.testPolicy({ ...input, ...(fuel === undefined ? {} : { fuel }) });
      const result: CommandResult = { json: { ...evaluation }, text: evaluationText(evaluation, given === undefined ? [] : notAppliedText(given, context)) };
      if (!failing.has(evaluation.decision)) return result;
      const verdict = evaluation.decision === 'deny' ? 'deny' : 'require approval';
      return { ...result, exitCode: 1, failure: { code: 'POLICY_DENIED', message: `the policies ${verdict}: ${evaluation.reasons.join('; ')}` } };
    },
  },
];

/** Check a definition built from options with the core's validation, naming the options. */
function readDefinitionValue(value: unknown, from: string): PolicyDefinition {
  try {
    return parsePolicyDefinition(value);
  } catch (error) {
    if (error instanceof CustodyError) throw new CustodyError(error.code, `${from}: ${error.message}`, { cause: error });
    throw error;
  }
}

/** The name a dry run of a module file reports: the file's base name when it is a valid policy name. */
function dryRunName(file: string): string {
  try {
    return nameFromFile(file);
  } catch {
    return 'dry-run';
  }
}
