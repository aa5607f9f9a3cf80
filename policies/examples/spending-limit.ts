// Spending limit: under 1 ETH allow, 1 to 10 ETH ask an operator, over 10 ETH deny.
// Requests that are not transactions are left to other policies (allowed here).
import { Context, above, allow, compareDecimal, deny, ether, requireApproval } from "../sdk";
export { alloc } from "../sdk";

export function evaluate(ptr: usize, len: i32): i32 {
  const ctx = Context.read(ptr, len);
  if (ctx == null) return deny("the context is not readable");
  if (!ctx.isTransaction) return allow("not a transaction");
  const value = ctx.value;
  if (above(value, ether(10))) return deny("more than 10 ETH");
  if (compareDecimal(value, ether(1)) >= 0) return requireApproval("1 to 10 ETH needs an operator");
  return allow("under 1 ETH");
}
