// Decimal integer strings (wei, token units) without floats or bigints: the context carries
// amounts as decimal strings because they exceed 2^64.

function digitsOf(a: string): string {
  let i = 0;
  while (i < a.length - 1 && a.charCodeAt(i) == 0x30) i++;
  return a.substring(i);
}

/** Whether `a` is a non-empty run of ASCII digits. */
export function isDecimal(a: string): bool {
  if (a.length == 0) return false;
  for (let i = 0; i < a.length; i++) {
    const c = a.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** -1, 0 or 1 as a < b, a == b, a > b (both decimal strings; leading zeros ignored). */
export function compareDecimal(a: string, b: string): i32 {
  const x = digitsOf(a);
  const y = digitsOf(b);
  if (x.length != y.length) return x.length < y.length ? -1 : 1;
  for (let i = 0; i < x.length; i++) {
    const p = x.charCodeAt(i);
    const q = y.charCodeAt(i);
    if (p != q) return p < q ? -1 : 1;
  }
  return 0;
}

/** a + b as a decimal string. */
export function addDecimal(a: string, b: string): string {
  let i = a.length - 1;
  let j = b.length - 1;
  let carry = 0;
  const out: i32[] = [];
  while (i >= 0 || j >= 0 || carry > 0) {
    const s = (i >= 0 ? a.charCodeAt(i) - 0x30 : 0) + (j >= 0 ? b.charCodeAt(j) - 0x30 : 0) + carry;
    out.push(s % 10);
    carry = s / 10;
    i--;
    j--;
  }
  let r = "";
  for (let k = out.length - 1; k >= 0; k--) r += String.fromCharCode(0x30 + out[k]);
  return digitsOf(r);
}

/** `whole` units of an 18-decimal token (ether) in base units (wei), e.g. ether(10) = "10000000000000000000". */
export function ether(whole: i32): string {
  return whole.toString() + "000000000000000000";
}
