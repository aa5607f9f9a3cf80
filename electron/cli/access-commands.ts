/**
 * @module cli/access-commands
 * The access-control part of the `custos` command table: who am I, operators, grants, API
 * tokens, key ACLs and namespaces. Like the rest of the table, each command maps its options onto
 * one facade call; the facade decides who may do what. Trusts the facade.
 *
 * An API token is printed once, by `token create`, and never again: the facade keeps only its
 * SHA-256 hash, and no listing here has a field that could hold it.
 */
import { CustodyError } from '../../shared/errors.js';
import type { Identity, NamespaceInfo, OperatorInfo, TokenRequest } from '../core/custodian.js';
import type { TokenInfo } from '../core/access/access-store.js';
import { isAdmin, ROLES, type Grant, type Role } from '../core/access/roles.js';
import { DEFAULT_NAMESPACE } from '../core/keys/key-store.js';
import { UsageError, type Args } from './args.js';
import type { Command, CommandResult } from './commands.js';
import { table } from './text-table.js';

// ------------------------------------------------------------------ parsing

/** A role name, matched without regard to case; an unknown one is bad input (exit 1), like an unknown algorithm. */
export function parseRole(value: string): Role {
  const role = ROLES.find((r) => r.toLowerCase() === value.toLowerCase());
  if (role === undefined) throw new CustodyError('INVALID_INPUT', `unknown role ${JSON.stringify(value.slice(0, 40))}: use one of ${ROLES.join(', ')}`);
  return role;
}

/** `NS:ROLE` (namespace names hold no colon; "*" is every namespace). */
export function parseGrantSpec(value: string): { namespace: string; role: Role } {
  const i = value.lastIndexOf(':');
  if (i <= 0 || i === value.length - 1) throw new UsageError(`--grant takes NS:ROLE, e.g. ${DEFAULT_NAMESPACE}:KeyUser (got ${JSON.stringify(value.slice(0, 60))})`);
  return { namespace: value.slice(0, i), role: parseRole(value.slice(i + 1)) };
}

const DURATION_UNITS_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `30d`, `12h`, `90m`, `45s`, `2w` in milliseconds. */
export function parseDuration(value: string): number {
  const m = /^(\d{1,9})([smhdw])$/.exec(value);
  if (m === null || Number(m[1]) === 0) throw new CustodyError('INVALID_INPUT', `--expires-in takes a positive duration like 30d, 12h, 90m, 45s or 2w (got ${JSON.stringify(value.slice(0, 40))})`);
  return Number(m[1]) * (DURATION_UNITS_MS[m[2] as string] as number);
}

/**
 * The token expiry from --expires (ISO 8601) or --expires-in (a duration from now), checked
 * before any prompt; the returned function reads the clock when it is called (after sign-in).
 * undefined = never expires.
 */
function expiryOf(args: Args): () => number | undefined {
  if (args.has('expires') && args.has('expires-in')) throw new UsageError('give at most one of --expires, --expires-in');
  const at = args.string('expires');
  if (at !== undefined) {
    const t = Date.parse(at);
    if (Number.isNaN(t)) throw new CustodyError('INVALID_INPUT', '--expires is not an ISO 8601 time (e.g. 2027-01-31T00:00:00Z)');
    return () => t;
  }
  const inText = args.string('expires-in');
  if (inText === undefined) return () => undefined;
  const ms = parseDuration(inText);
  return () => Date.now() + ms;
}

function positional(args: Args, what: string, usage: string): string {
  const v = args.positionals[0];
  if (v === undefined) throw new UsageError(`name the ${what}: ${usage}`);
  return v;
}

function namespaceSettings(args: Args): { description?: string; maxKeys?: number | null } {
  if (args.has('max-keys') && args.flag('no-max-keys')) throw new UsageError('give at most one of --max-keys, --no-max-keys');
  const description = args.string('description');
  const maxKeys = args.int('max-keys');
  return {
    ...(description === undefined ? {} : { description }),
    ...(maxKeys === undefined ? {} : { maxKeys }),
    ...(args.flag('no-max-keys') ? { maxKeys: null } : {}),
  };
}

// ------------------------------------------------------------------ output

function iso(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : new Date(ms).toISOString();
}

function grantJson(g: Grant): Record<string, unknown> {
  return { principal: g.principal, namespace: g.namespace, role: g.role, createdAt: iso(g.createdAt), createdBy: g.createdBy };
}

function rolesText(grants: readonly Grant[]): string {
  return grants.length === 0 ? 'none' : grants.map((g) => `${g.role} on ${g.namespace}`).join(', ');
}

function operatorJson(o: OperatorInfo): Record<string, unknown> {
  return {
    name: o.name,
    admin: isAdmin(o.grants),
    grants: o.grants.map(grantJson),
    createdAt: iso(o.createdAt),
    createdBy: o.createdBy,
    consecutiveFailures: o.consecutiveFailures,
    lockedOutUntil: o.lockedUntil === 0 ? null : iso(o.lockedUntil),
  };
}

function tokenState(t: TokenInfo, now: number): 'live' | 'expired' | 'revoked' {
  if (t.revokedAt !== null) return 'revoked';
  return t.expiresAt !== null && t.expiresAt <= now ? 'expired' : 'live';
}

/** Everything about a token except the secret, which no listing has. */
function tokenJson(t: TokenInfo, now: number): Record<string, unknown> {
  return {
    id: t.id,
    principal: t.principal,
    label: t.label,
    state: tokenState(t, now),
    grants: t.grants.map((g) => ({ namespace: g.namespace, role: g.role })),
    createdAt: iso(t.createdAt),
    createdBy: t.createdBy,
    expiresAt: iso(t.expiresAt),
    revokedAt: iso(t.revokedAt),
    revokedBy: t.revokedBy,
  };
}

function namespaceJson(n: NamespaceInfo): Record<string, unknown> {
  return { name: n.name, description: n.description, keys: n.keyCount, maxKeys: n.maxKeys, rateLimitPerS: n.rateLimitPerS, createdAt: iso(n.createdAt) };
}

function identityJson(me: Identity): Record<string, unknown> {
  return { principal: me.principal, kind: me.kind, admin: me.admin, grants: me.grants.map(grantJson), sessionExpiresAt: iso(me.sessionExpiresAt) };
}

function aclResult(namespace: string, id: string, principals: readonly string[]): CommandResult {
  return {
    json: { namespace, id, principals },
    text:
      principals.length === 0
        ? `key ${namespace}/${id}: no ACL (every KeyUser of namespace ${namespace} may use it)`
        : `key ${namespace}/${id}: ACL allows ${principals.join(', ')} (other KeyUsers of ${namespace} may not use it; Admins are not narrowed)`,
  };
}

// ------------------------------------------------------------------ option sets

const principalOpt = { principal: { type: 'string', description: 'an operator name or token:<id>', placeholder: 'P' } } as const;
const grantOpts = {
  ...principalOpt,
  ns: { type: 'string', description: 'the namespace, or "*" for every namespace', placeholder: 'NS' },
  role: { type: 'string', description: `${ROLES.join(', ')} (Admin only on "*")`, placeholder: 'ROLE' },
} as const;
const nsSettingsOpts = {
  description: { type: 'string', description: 'what the namespace is for', placeholder: 'TEXT' },
  'max-keys': { type: 'int', description: 'key quota: at most N keys that are not destroyed', placeholder: 'N' },
} as const;

function grantTarget(args: Args): { principal: string; namespace: string; role: Role } {
  return { principal: args.requireString('principal'), namespace: args.requireString('ns'), role: parseRole(args.requireString('role')) };
}

// ------------------------------------------------------------------ the table

export const ACCESS_COMMANDS: readonly Command[] = [
  {
    words: ['whoami'],
    summary: 'who this invocation signs in as: principal, Admin or not, grants',
    usage: 'custos whoami [--operator NAME]',
    options: {},
    async run(ctx) {
      const me = (await ctx.unlocked()).whoami();
      const lines = [`principal  ${me.principal} (${me.kind})`, `admin      ${me.admin ? 'yes' : 'no'}`, `roles      ${rolesText(me.grants)}`];
      if (me.sessionExpiresAt !== undefined) lines.push(`session    ends ${iso(me.sessionExpiresAt)} unless used`);
      return { json: identityJson(me), text: lines.join('\n') };
    },
  },
  {
    words: ['operator', 'add'],
    summary: 'add an operator with a passphrase of their own (Admin only)',
    usage: 'custos operator add NAME [--admin] [--new-passphrase-file FILE]   (passphrase also from CUSTOS_NEW_PASSPHRASE)',
    options: {
      admin: { type: 'boolean', description: 'make the operator a global Admin' },
      'new-passphrase-file': { type: 'string', description: "read the new operator's passphrase from FILE", placeholder: 'FILE' },
    },
    maxPositionals: 1,
    async run(ctx) {
      const name = positional(ctx.args, 'operator', 'custos operator add NAME');
      const c = await ctx.unlocked();
      const passphrase = await ctx.passphrase('new', true, `Passphrase for the new operator ${name}: `);
      try {
        const o = await c.addOperator(name, passphrase, { admin: ctx.args.flag('admin') });
        const hint = o.grants.length === 0 ? ` with no roles yet: \`custos grant --principal ${name} --ns NS --role ROLE\`` : `: ${rolesText(o.grants)}`;
        return { json: operatorJson(o), text: `operator ${name} added${hint}` };
      } finally {
        passphrase.fill(0);
      }
    },
  },
  {
    words: ['operator', 'list'],
    summary: 'list operators, their roles and lockout state (Admin only)',
    usage: 'custos operator list',
    options: {},
    async run(ctx) {
      const list = await (await ctx.unlocked()).listOperators();
      return {
        json: { operators: list.map(operatorJson) },
        text: table(
          ['NAME', 'ROLES', 'FAILURES', 'CREATED'],
          list.map((o) => [o.name, rolesText(o.grants), `${o.consecutiveFailures}${o.lockedUntil === 0 ? '' : ` (locked out until ${iso(o.lockedUntil)})`}`, `${iso(o.createdAt)} by ${o.createdBy}`]),
        ),
      };
    },
  },
  {
    words: ['operator', 'remove'],
    summary: 'remove an operator, their key slot and grants (Admin only; never the last Admin)',
    usage: 'custos operator remove NAME',
    options: {},
    maxPositionals: 1,
    async run(ctx) {
      const name = positional(ctx.args, 'operator', 'custos operator remove NAME');
      await (await ctx.unlocked()).removeOperator(name);
      return { json: { operator: name, removed: true }, text: `operator ${name} removed` };
    },
  },
  {
    words: ['grant'],
    summary: 'give a principal a role in a namespace (Admin; a NamespaceAdmin inside their namespace)',
    usage: 'custos grant --principal P --ns NS --role ROLE',
    options: grantOpts,
    async run(ctx) {
      const t = grantTarget(ctx.args);
      const g = await (await ctx.unlocked()).grant(t.principal, t.namespace, t.role);
      return { json: { grant: grantJson(g) }, text: `granted ${g.role} on ${g.namespace} to ${g.principal}` };
    },
  },
  {
    words: ['revoke'],
    summary: 'take a role in a namespace away from a principal',
    usage: 'custos revoke --principal P --ns NS --role ROLE',
    options: grantOpts,
    async run(ctx) {
      const t = grantTarget(ctx.args);
      await (await ctx.unlocked()).revokeGrant(t.principal, t.namespace, t.role);
      return { json: { ...t, revoked: true }, text: `revoked ${t.role} on ${t.namespace} from ${t.principal}` };
    },
  },
  {
    words: ['grants'],
    summary: 'list grants (your own, and those of namespaces you administer)',
    usage: 'custos grants [--principal P] [--ns NS]',
    options: { ...principalOpt, ns: { type: 'string', description: 'only this namespace ("*" for grants on every namespace)', placeholder: 'NS' } },
    async run(ctx) {
      const principal = ctx.args.string('principal');
      const namespace = ctx.args.string('ns');
      const list = await (await ctx.unlocked()).listGrants({ ...(principal === undefined ? {} : { principal }), ...(namespace === undefined ? {} : { namespace }) });
      return {
        json: { grants: list.map(grantJson) },
        text: table(['PRINCIPAL', 'NAMESPACE', 'ROLE', 'GRANTED'], list.map((g) => [g.principal, g.namespace, g.role, `${iso(g.createdAt)} by ${g.createdBy}`])),
      };
    },
  },
  {
    words: ['token', 'create'],
    summary: 'create an API token bound to roles in namespaces; the token is shown this once',
    usage: 'custos token create --label L --grant NS:ROLE [--grant NS:ROLE ...] [--expires ISO8601 | --expires-in DURATION]',
    options: {
      label: { type: 'string', description: 'what the token is for (1-128 characters, one line)', placeholder: 'L' },
      grant: { type: 'strings', description: `a role in a namespace, e.g. payments:KeyUser ("*" = every namespace; not Admin)`, placeholder: 'NS:ROLE' },
      expires: { type: 'string', description: 'expiry time (ISO 8601, e.g. 2027-01-31T00:00:00Z); default never', placeholder: 'ISO' },
      'expires-in': { type: 'string', description: 'expiry from now: 30d, 12h, 90m, 45s, 2w', placeholder: 'DURATION' },
    },
    async run(ctx) {
      const label = ctx.args.requireString('label');
      const specs = ctx.args.strings('grant');
      if (specs.length === 0) throw new UsageError('give at least one --grant NS:ROLE');
      const grants = specs.map(parseGrantSpec);
      const expiry = expiryOf(ctx.args);
      const c = await ctx.unlocked();
      const expiresAt = expiry();
      const request: TokenRequest = { label, grants, ...(expiresAt === undefined ? {} : { expiresAt }) };
      const { token, info } = await c.createToken(request);
      const text = [
        `token ${info.id} "${info.label}": ${rolesText(info.grants)}; expires ${iso(info.expiresAt) ?? 'never'}`,
        '',
        token,
        '',
        'This token is shown only now: Custos keeps only its SHA-256 hash and cannot show it again.',
        'Store it in a secret manager; if it is lost, revoke it and create another.',
      ].join('\n');
      return { json: { token, ...tokenJson(info, Date.now()) }, text };
    },
  },
  {
    words: ['token', 'list'],
    summary: 'list API tokens you may manage (never the tokens themselves)',
    usage: 'custos token list',
    options: {},
    async run(ctx) {
      const list = await (await ctx.unlocked()).listTokens();
      const now = Date.now();
      return {
        json: { tokens: list.map((t) => tokenJson(t, now)) },
        text: table(
          ['ID', 'LABEL', 'STATE', 'ROLES', 'EXPIRES', 'CREATED'],
          list.map((t) => [t.id, t.label, tokenState(t, now), rolesText(t.grants), iso(t.expiresAt) ?? 'never', `${iso(t.createdAt)} by ${t.createdBy}`]),
        ),
      };
    },
  },
  {
    words: ['token', 'revoke'],
    summary: 'revoke an API token at once (its grants and ACL entries go with it)',
    usage: 'custos token revoke ID',
    options: {},
    maxPositionals: 1,
    async run(ctx) {
      const id = positional(ctx.args, 'token id', 'custos token revoke tok_0123456789ab');
      const info = await (await ctx.unlocked()).revokeToken(id);
      return { json: tokenJson(info, Date.now()), text: `token ${info.id} revoked` };
    },
  },
  {
    words: ['ns', 'create'],
    summary: 'create a namespace (Admin only)',
    usage: 'custos ns create NAME [--description TEXT] [--max-keys N]',
    options: nsSettingsOpts,
    maxPositionals: 1,
    async run(ctx) {
      const name = positional(ctx.args, 'namespace', 'custos ns create NAME');
      const settings = namespaceSettings(ctx.args);
      await (await ctx.unlocked()).createNamespace(name, settings);
      return { json: { namespace: name, created: true }, text: `namespace ${name} created` };
    },
  },
  {
    words: ['ns', 'list'],
    summary: 'list the namespaces you hold a role in (an Admin: all), with key counts and quotas',
    usage: 'custos ns list',
    options: {},
    async run(ctx) {
      const list = await (await ctx.unlocked()).listNamespaces();
      return {
        json: { namespaces: list.map(namespaceJson) },
        text: table(['NAMESPACE', 'KEYS', 'MAX', 'DESCRIPTION'], list.map((n) => [n.name, String(n.keyCount), n.maxKeys === null ? '-' : String(n.maxKeys), n.description])),
      };
    },
  },
  {
    words: ['ns', 'show'],
    summary: 'a namespace: description, quota, rate limit, and the grants you may see',
    usage: 'custos ns show NAME',
    options: {},
    maxPositionals: 1,
    async run(ctx) {
      const name = positional(ctx.args, 'namespace', 'custos ns show NAME');
      const n = await (await ctx.unlocked()).showNamespace(name);
      const text = [
        `namespace    ${n.name}`,
        `description  ${n.description === '' ? '-' : n.description}`,
        `keys         ${n.keyCount}${n.maxKeys === null ? ' (no quota)' : ` of at most ${n.maxKeys}`}`,
        `rate limit   ${n.rateLimitPerS === null ? 'none' : `${n.rateLimitPerS}/s`}`,
        `created      ${iso(n.createdAt)}`,
        `grants       ${n.grants.length === 0 ? 'none' : n.grants.map((g) => `${g.principal} ${g.role}`).join(', ')}`,
      ].join('\n');
      return { json: { ...namespaceJson(n), grants: n.grants.map(grantJson) }, text };
    },
  },
  {
    words: ['ns', 'set'],
    summary: "change a namespace's description or key quota (NamespaceAdmin or Admin)",
    usage: 'custos ns set NAME [--description TEXT] [--max-keys N | --no-max-keys]',
    options: { ...nsSettingsOpts, 'no-max-keys': { type: 'boolean', description: 'remove the key quota' } },
    maxPositionals: 1,
    async run(ctx) {
      const name = positional(ctx.args, 'namespace', 'custos ns set NAME --description TEXT');
      const settings = namespaceSettings(ctx.args);
      if (Object.keys(settings).length === 0) throw new UsageError('give --description, --max-keys or --no-max-keys');
      const n = await (await ctx.unlocked()).updateNamespace(name, settings);
      return { json: namespaceJson(n), text: `namespace ${n.name}: ${n.keyCount} key${n.keyCount === 1 ? '' : 's'}, max ${n.maxKeys ?? 'unlimited'}${n.description === '' ? '' : `, "${n.description}"`}` };
    },
  },
  {
    words: ['ns', 'delete'],
    summary: `delete an empty namespace (Admin only; never "${DEFAULT_NAMESPACE}")`,
    usage: 'custos ns delete NAME',
    options: {},
    maxPositionals: 1,
    async run(ctx) {
      const name = positional(ctx.args, 'namespace', 'custos ns delete NAME');
      await (await ctx.unlocked()).deleteNamespace(name);
      return { json: { namespace: name, deleted: true }, text: `namespace ${name} deleted` };
    },
  },
];

/** Listed with the other key commands. */
export const KEY_ACL_COMMAND: Command = {
  words: ['key', 'acl'],
  summary: "show or set the principals a key's ACL allows (KeyAdmin or NamespaceAdmin to set)",
  usage: 'custos key acl --id ID [--ns NS] [--allow P ...] [--clear]   (neither: show)',
  options: {
    id: { type: 'string', description: 'key id', placeholder: 'ID' },
    ns: { type: 'string', description: `namespace (default "${DEFAULT_NAMESPACE}")`, placeholder: 'NS' },
    allow: { type: 'strings', description: 'set the ACL to these principals (replaces it): operator names or token:<id>', placeholder: 'P' },
    clear: { type: 'boolean', description: 'remove the ACL: every KeyUser of the namespace may use the key again' },
  },
  async run(ctx) {
    const namespace = ctx.args.string('ns') ?? DEFAULT_NAMESPACE;
    const id = ctx.args.requireString('id');
    const allow = ctx.args.strings('allow');
    if (allow.length > 0 && ctx.args.flag('clear')) throw new UsageError('give --allow or --clear, not both');
    const c = await ctx.unlocked();
    if (allow.length > 0 || ctx.args.flag('clear')) return aclResult(namespace, id, await c.setKeyAcl(namespace, id, allow));
    return aclResult(namespace, id, await c.keyAcl(namespace, id));
  },
};
