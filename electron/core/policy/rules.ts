/**
 * @module core/policy/rules
 * Built-in rules: policies without code, edited in the GUI and in custos.yaml. Each rule is one
 * member of a zod discriminated union on `type`; `parseRules` rejects a bad rule with the field
 * named (`rules[2].perTransaction: expected a decimal amount`). `evaluateRules` is pure: a rule
 * either objects (deny, or require approval) with a reason, or lets the request pass; a rule set
 * with no objection allows.
 *
 * What each rule reads is in README.md. In short: rules about recipients, contracts, selectors,
 * values and tokens read the Ethereum transaction (and typed data's domain where it applies);
 * a request without that part (a message, a Bitcoin PSBT) passes them, except the blind-signing
 * rule, which is about exactly those. Allow-lists fail closed: what a list cannot place (a
 * contract creation under a recipient allow-list, a transaction without a chain id under a chain
 * allow-list) is denied. Rolling 24-hour limits add this request to `history` (the host's sums
 * of what the key signed in the window).
 *
 * Pure; trusts the context (built by context.ts).
 */
import { assertNever, CustodyError } from '../../../shared/errors.js';
import { RULE_DAYS as DAYS, rulesSchema, type Decision, type Rule } from '../../../shared/api/policy.js';
import { describeIssue, ERC20_APPROVE, ERC20_TRANSFER, nativeSpent, tokenSpent, type PolicyContext } from './context.js';

export { ruleSchema, rulesSchema } from '../../../shared/api/policy.js';
export type { Decision, Rule, RuleInput, RuleType } from '../../../shared/api/policy.js';

/**
 * Validate a rule list (from the GUI, the config file or the store).
 * @throws INVALID_INPUT naming the rule and field, e.g. `rules[1].perTransaction: expected a decimal amount…`.
 */
export function parseRules(value: unknown): Rule[] {
  const parsed = rulesSchema.safeParse(value);
  if (!parsed.success) throw new CustodyError('INVALID_INPUT', describeIssue(parsed.error, 'rules'));
  return parsed.data;
}

export interface RuleOutcome {
  readonly decision: Decision;
  readonly reason: string;
  /** The rule that objected; null when none did. */
  readonly rule: string | null;
}

type Objection = { readonly decision: 'deny' | 'require-approval'; readonly reason: string } | null;

const lower = (a: string): string => a.toLowerCase();
const inList = (list: readonly string[], a: string): boolean => list.some((x) => lower(x) === lower(a));
const appliesToChain = (chainIds: readonly string[] | undefined, id: string | null): boolean => chainIds === undefined || (id !== null && chainIds.includes(id));

function listCheck(mode: 'allow' | 'deny', list: readonly string[], value: string, what: string, act: 'deny' | 'require-approval'): Objection {
  const listed = inList(list, value);
  if (mode === 'allow' && !listed) return { decision: act, reason: `${what} ${value} is not on the allow-list` };
  if (mode === 'deny' && listed) return { decision: act, reason: `${what} ${value} is on the deny-list` };
  return null;
}

function recipientsOf(tx: NonNullable<PolicyContext['transaction']>): string[] {
  if (tx.erc20 !== null) return [tx.erc20.counterparty];
  return tx.to === null ? [] : [tx.to];
}

/** The ERC-20 amount this rule counts, when the transaction moves (or approves) `token`. */
function tokenAmount(tx: NonNullable<PolicyContext['transaction']>, token: string, includeApprovals: boolean): bigint | null {
  const e = tx.erc20;
  if (e === null || lower(e.token) !== lower(token)) return null;
  if (e.kind === 'approve' && !includeApprovals) return null;
  return BigInt(e.amount);
}

/** Minutes since midnight and weekday of `ms` in `timeZone` (Intl: the platform's ICU time-zone data). */
function localTime(ms: number, timeZone: string): { day: (typeof DAYS)[number]; minutes: number } {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(ms));
  const get = (t: string): string => parts.find((p) => p.type === t)?.value ?? '';
  const day = get('weekday').toLowerCase().slice(0, 3) as (typeof DAYS)[number];
  return { day, minutes: Number(get('hour')) * 60 + Number(get('minute')) };
}

const toMinutes = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

function checkRule(rule: Rule, ctx: PolicyContext): Objection {
  const tx = ctx.transaction;
  switch (rule.type) {
    case 'recipients': {
      if (tx === null) return null;
      if (tx.to === null) return rule.mode === 'allow' ? { decision: rule.action, reason: 'a contract creation has no recipient on the allow-list' } : null;
      for (const r of recipientsOf(tx)) {
        const o = listCheck(rule.mode, rule.addresses, r, 'recipient', rule.action);
        if (o !== null) return o;
      }
      return null;
    }
    case 'contracts': {
      const contract = tx !== null ? (tx.data !== '0x' ? tx.to : null) : (ctx.typed_data?.domain.verifying_contract ?? null);
      if (tx !== null && tx.to === null) return rule.mode === 'allow' ? { decision: rule.action, reason: 'a contract creation is not a call to an allowed contract' } : null;
      if (contract === null) return null;
      return listCheck(rule.mode, rule.addresses, contract, 'contract', rule.action);
    }
    case 'selectors': {
      if (tx === null || tx.data === '0x') return null;
      if (tx.selector === null) return rule.mode === 'allow' ? { decision: rule.action, reason: 'the calldata is shorter than a function selector' } : null;
      return listCheck(rule.mode, rule.selectors, tx.selector, 'function selector', rule.action);
    }
    case 'chains': {
      const id = tx !== null ? tx.chain_id : ctx.typed_data !== null ? ctx.typed_data.domain.chain_id : undefined;
      if (id === undefined) return null;
      if (id === null) return rule.mode === 'allow' ? { decision: rule.action, reason: 'the request names no chain id (valid on every chain)' } : null;
      return listCheck(rule.mode, rule.chainIds, id, 'chain', rule.action);
    }
    case 'valueLimit': {
      if (tx === null || !appliesToChain(rule.chainIds, tx.chain_id)) return null;
      const value = BigInt(tx.value);
      if (rule.perTransaction !== undefined && value > BigInt(rule.perTransaction)) {
        return { decision: rule.action, reason: `value ${tx.value} wei is above the per-transaction limit of ${rule.perTransaction} wei` };
      }
      if (rule.per24h !== undefined && value > 0n) {
        const spent = tx.chain_id === null ? 0n : nativeSpent(ctx, tx.chain_id);
        if (spent + value > BigInt(rule.per24h)) return { decision: rule.action, reason: `${spent + value} wei in 24 hours (${spent} spent + ${value}) would pass the limit of ${rule.per24h} wei` };
      }
      return null;
    }
    case 'tokenLimit': {
      if (tx === null || !appliesToChain(rule.chainIds, tx.chain_id)) return null;
      const units = tokenAmount(tx, rule.token, rule.includeApprovals);
      if (units === null) return null;
      const what = tx.erc20?.kind === 'approve' ? 'approval' : 'transfer';
      if (rule.perTransaction !== undefined && units > BigInt(rule.perTransaction)) {
        return { decision: rule.action, reason: `token ${what} of ${units} is above the per-transaction limit of ${rule.perTransaction} for ${rule.token}` };
      }
      if (rule.per24h !== undefined) {
        const spent = tx.chain_id === null ? 0n : tokenSpent(ctx, tx.chain_id, rule.token);
        if (spent + units > BigInt(rule.per24h)) return { decision: rule.action, reason: `${spent + units} of ${rule.token} in 24 hours (${spent} spent + ${units}) would pass the limit of ${rule.per24h}` };
      }
      return null;
    }
    case 'timeWindow': {
      const { day, minutes } = localTime(ctx.environment.timestamp, rule.timezone);
      const from = toMinutes(rule.from);
      const to = toMinutes(rule.to);
      // A window past midnight (22:00-06:00) belongs to the day it starts on.
      const inside = from <= to ? rule.days.includes(day) && minutes >= from && minutes < to : (rule.days.includes(day) && minutes >= from) || (rule.days.includes(previousDay(day)) && minutes < to);
      return inside ? null : { decision: rule.action, reason: `outside the signing window ${rule.days.join(',')} ${rule.from}-${rule.to} ${rule.timezone}` };
    }
    case 'approvalThreshold': {
      if (tx === null || !appliesToChain(rule.chainIds, tx.chain_id)) return null;
      if (rule.value !== undefined && BigInt(tx.value) > BigInt(rule.value)) return { decision: 'require-approval', reason: `value ${tx.value} wei is above the approval threshold of ${rule.value} wei` };
      for (const t of rule.tokens ?? []) {
        const units = tokenAmount(tx, t.token, true);
        if (units !== null && units > BigInt(t.amount)) return { decision: 'require-approval', reason: `token amount ${units} of ${t.token} is above the approval threshold of ${t.amount}` };
      }
      return null;
    }
    case 'blindSigning': {
      if (rule.ethSign && ctx.method === 'eth_sign') return { decision: rule.action, reason: 'eth_sign signs a raw hash the operator cannot read (blind signing)' };
      if (rule.unknownTypedData && ctx.typed_data !== null && !ctx.typed_data.recognized && !rule.knownTypedData.includes(ctx.typed_data.primary_type)) {
        return { decision: rule.action, reason: `typed data ${ctx.typed_data.primary_type} is not a known kind (blind signing)` };
      }
      if (rule.unknownCalldata && (ctx.flags.includes('UNKNOWN_SELECTOR') || ctx.flags.includes('NON_CANONICAL_CALLDATA'))) {
        const what = tx === null || tx.selector === null ? 'the calldata' : `the call to function ${tx.selector}`;
        return { decision: rule.action, reason: `${what} cannot be decoded for the operator (blind signing)` };
      }
      if (rule.nonDefaultSighash && ctx.psbt !== null) {
        const odd = ctx.psbt.allow_sighash.filter((s) => s !== 'ALL' && s !== 'DEFAULT');
        if (odd.length > 0) return { decision: rule.action, reason: `the PSBT allows non-default sighash types (${odd.join(', ')})` };
      }
      return null;
    }
    default:
      return assertNever(rule, 'rule type');
  }
}

function previousDay(day: (typeof DAYS)[number]): (typeof DAYS)[number] {
  return DAYS[(DAYS.indexOf(day) + 6) % 7] as (typeof DAYS)[number];
}

export function ruleName(rule: Rule, index: number): string {
  return rule.name ?? `${rule.type}#${index + 1}`;
}

/**
 * Run every rule on `ctx`: any deny denies, else any require-approval asks, else allow. The
 * reason names every rule that objected (or says none did).
 */
export function evaluateRules(rules: readonly Rule[], ctx: PolicyContext): RuleOutcome {
  const objections = rules.map((rule, i) => ({ rule: ruleName(rule, i), objection: checkRule(rule, ctx) })).filter((o): o is { rule: string; objection: NonNullable<Objection> } => o.objection !== null);
  const denies = objections.filter((o) => o.objection.decision === 'deny');
  const asks = objections.filter((o) => o.objection.decision === 'require-approval');
  const pick = denies.length > 0 ? denies : asks;
  if (pick.length === 0) return { decision: 'allow', reason: 'no rule objected', rule: null };
  return {
    decision: denies.length > 0 ? 'deny' : 'require-approval',
    reason: pick.map((o) => `${o.rule}: ${o.objection.reason}`).join('; '),
    rule: (pick[0] as { rule: string }).rule,
  };
}

export { ERC20_APPROVE, ERC20_TRANSFER };
