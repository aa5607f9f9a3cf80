// Recipient allow-list: a transaction may pay (or an ERC-20 call may send to or approve) only
// the addresses below. Contract creation is denied: it has no recipient on the list.
import { Context, allow, deny, sameAddress } from "../sdk";
export { alloc } from "../sdk";

const ALLOWED: string[] = [
  "0x1111111111111111111111111111111111111111", // treasury
  "0x2222222222222222222222222222222222222222", // payroll
];

function listed(a: string): bool {
  for (let i = 0; i < ALLOWED.length; i++) if (sameAddress(ALLOWED[i], a)) return true;
  return false;
}

export function evaluate(ptr: usize, len: i32): i32 {
  const ctx = Context.read(ptr, len);
  if (ctx == null) return deny("the context is not readable");
  if (!ctx.isTransaction) return allow("not a transaction");
  const to = ctx.to;
  if (to.length == 0) return deny("contract creation has no allowed recipient");
  const who = ctx.erc20Kind.length > 0 ? ctx.erc20Counterparty : to;
  if (!listed(who)) return deny("recipient " + who + " is not on the allow-list");
  return allow("recipient " + who + " is on the allow-list");
}
