// ERC-20 daily limit: at most 10,000 USDC (6 decimals) transferred or approved per rolling 24
// hours, counting what the host's history says this key already sent. Other calls are allowed.
import { Context, above, addDecimal, allow, deny, sameAddress } from "../sdk";
export { alloc } from "../sdk";

const USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48";
const DAILY_LIMIT = "10000000000"; // 10,000 USDC in base units

export function evaluate(ptr: usize, len: i32): i32 {
  const ctx = Context.read(ptr, len);
  if (ctx == null) return deny("the context is not readable");
  const kind = ctx.erc20Kind;
  if (kind.length == 0 || !sameAddress(ctx.erc20Token, USDC)) return allow("not a USDC transfer or approval");
  const spent = ctx.tokenSpent24h(ctx.chainId, USDC);
  const total = addDecimal(spent, ctx.erc20Amount);
  if (above(total, DAILY_LIMIT)) return deny("USDC in 24 hours would be " + total + " (limit " + DAILY_LIMIT + ")");
  return allow("USDC in 24 hours: " + total + " of " + DAILY_LIMIT);
}
