// Business hours: signing Monday to Friday, 09:00 to 17:00 UTC; outside them an operator approves.
import { Context, allow, deny, requireApproval } from "../sdk";
export { alloc } from "../sdk";

const DAY_MS: i64 = 86_400_000;
const HOUR_MS: i64 = 3_600_000;

export function evaluate(ptr: usize, len: i32): i32 {
  const ctx = Context.read(ptr, len);
  if (ctx == null) return deny("the context is not readable");
  const t = ctx.timestamp;
  if (t <= 0) return deny("no timestamp");
  // 1970-01-01 was a Thursday: (days + 4) % 7 is 0 on Sundays.
  const weekday = <i32>(((t / DAY_MS) + 4) % 7);
  const hour = <i32>((t % DAY_MS) / HOUR_MS);
  if (weekday == 0 || weekday == 6) return requireApproval("weekend: an operator approves");
  if (hour < 9 || hour >= 17) return requireApproval("outside 09:00-17:00 UTC: an operator approves");
  return allow("within business hours");
}
