// A small JSON reader for the policy context (AssemblyScript).
//
// Reads UTF-8 JSON straight from linear memory into a tree of JValue. Integers are read as i64
// (the context has no fractional numbers; one that has a fraction or exponent is kept as its text
// with isInteger = false). No floating point anywhere: Custos refuses modules that use floats.
// Amounts in the context are decimal strings; compare and add them with decimal.ts.

export const enum Kind {
  Null = 0,
  Bool = 1,
  Number = 2,
  String = 3,
  Array = 4,
  Object = 5,
}

export class JValue {
  kind: Kind = Kind.Null;
  bool: bool = false;
  /** The value of an integer Number. */
  int: i64 = 0;
  isInteger: bool = true;
  /** A String's text, or a Number's source text. */
  str: string = "";
  items: JValue[] = [];
  keys: string[] = [];

  isNull(): bool {
    return this.kind == Kind.Null;
  }

  /** The member `key` of an object, or null (also when this is not an object). */
  get(key: string): JValue | null {
    if (this.kind != Kind.Object) return null;
    for (let i = 0; i < this.keys.length; i++) {
      if (this.keys[i] == key) return this.items[i];
    }
    return null;
  }

  /** Element `i` of an array, or null. */
  at(i: i32): JValue | null {
    if (this.kind != Kind.Array || i < 0 || i >= this.items.length) return null;
    return this.items[i];
  }

  get length(): i32 {
    return this.kind == Kind.Array || this.kind == Kind.Object ? this.items.length : 0;
  }

  /** Follow a dotted path of object members ("transaction.erc20.amount"); null when any step is missing. */
  path(dotted: string): JValue | null {
    let node: JValue | null = this;
    const parts = dotted.split(".");
    for (let i = 0; i < parts.length; i++) {
      if (node == null) return null;
      node = node.get(parts[i]);
    }
    return node;
  }

  /** This string's text, or `fallback` when this is not a string. */
  text(fallback: string = ""): string {
    return this.kind == Kind.String ? this.str : fallback;
  }
}

class Reader {
  pos: usize;
  end: usize;
  failed: bool = false;

  constructor(public start: usize, len: i32) {
    this.pos = start;
    this.end = start + <usize>len;
  }

  peek(): u32 {
    return this.pos < this.end ? <u32>load<u8>(this.pos) : 0;
  }

  skipSpace(): void {
    while (this.pos < this.end) {
      const c = load<u8>(this.pos);
      if (c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0d) this.pos++;
      else break;
    }
  }

  fail(): JValue {
    this.failed = true;
    return new JValue();
  }

  literal(word: string): bool {
    for (let i = 0; i < word.length; i++) {
      if (this.pos >= this.end || <u32>load<u8>(this.pos) != <u32>word.charCodeAt(i)) return false;
      this.pos++;
    }
    return true;
  }

  value(depth: i32): JValue {
    if (depth > 64) return this.fail();
    this.skipSpace();
    const c = this.peek();
    const v = new JValue();
    if (c == 0x7b /* { */) {
      this.pos++;
      v.kind = Kind.Object;
      this.skipSpace();
      if (this.peek() == 0x7d) {
        this.pos++;
        return v;
      }
      while (true) {
        this.skipSpace();
        if (this.peek() != 0x22) return this.fail();
        const key = this.string();
        if (this.failed) return v;
        this.skipSpace();
        if (this.peek() != 0x3a /* : */) return this.fail();
        this.pos++;
        const item = this.value(depth + 1);
        if (this.failed) return v;
        v.keys.push(key);
        v.items.push(item);
        this.skipSpace();
        const n = this.peek();
        this.pos++;
        if (n == 0x2c) continue;
        if (n == 0x7d) return v;
        return this.fail();
      }
    }
    if (c == 0x5b /* [ */) {
      this.pos++;
      v.kind = Kind.Array;
      this.skipSpace();
      if (this.peek() == 0x5d) {
        this.pos++;
        return v;
      }
      while (true) {
        const item = this.value(depth + 1);
        if (this.failed) return v;
        v.items.push(item);
        this.skipSpace();
        const n = this.peek();
        this.pos++;
        if (n == 0x2c) continue;
        if (n == 0x5d) return v;
        return this.fail();
      }
    }
    if (c == 0x22) {
      v.kind = Kind.String;
      v.str = this.string();
      return v;
    }
    if (c == 0x74) {
      if (!this.literal("true")) return this.fail();
      v.kind = Kind.Bool;
      v.bool = true;
      return v;
    }
    if (c == 0x66) {
      if (!this.literal("false")) return this.fail();
      v.kind = Kind.Bool;
      return v;
    }
    if (c == 0x6e) {
      if (!this.literal("null")) return this.fail();
      return v;
    }
    if (c == 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
    return this.fail();
  }

  number(): JValue {
    const v = new JValue();
    v.kind = Kind.Number;
    const from = this.pos;
    let negative = false;
    if (this.peek() == 0x2d) {
      negative = true;
      this.pos++;
    }
    let n: i64 = 0;
    let digits = 0;
    while (this.pos < this.end) {
      const c = <u32>load<u8>(this.pos);
      if (c >= 0x30 && c <= 0x39) {
        // Past 18 digits an i64 may overflow: keep the text, mark it not an integer we hold.
        if (digits >= 18) v.isInteger = false;
        n = n * 10 + <i64>(c - 0x30);
        digits++;
        this.pos++;
      } else if (c == 0x2e || c == 0x65 || c == 0x45 || c == 0x2b || c == 0x2d) {
        v.isInteger = false;
        this.pos++;
      } else break;
    }
    if (digits == 0) return this.fail();
    v.int = v.isInteger ? (negative ? -n : n) : 0;
    v.str = String.UTF8.decodeUnsafe(from, this.pos - from);
    return v;
  }

  hex4(): i32 {
    let code = 0;
    for (let i = 0; i < 4; i++) {
      const c = this.peek();
      this.pos++;
      let d: i32;
      if (c >= 0x30 && c <= 0x39) d = <i32>c - 0x30;
      else if (c >= 0x61 && c <= 0x66) d = <i32>c - 0x61 + 10;
      else if (c >= 0x41 && c <= 0x46) d = <i32>c - 0x41 + 10;
      else {
        this.failed = true;
        return 0;
      }
      code = (code << 4) | d;
    }
    return code;
  }

  /** A string token (the reader is on its opening quote). Runs without escapes are decoded as UTF-8 in one go. */
  string(): string {
    this.pos++;
    let out = "";
    let run = this.pos;
    while (this.pos < this.end) {
      const c = load<u8>(this.pos);
      if (c == 0x22) {
        out += String.UTF8.decodeUnsafe(run, this.pos - run);
        this.pos++;
        return out;
      }
      if (c == 0x5c) {
        out += String.UTF8.decodeUnsafe(run, this.pos - run);
        this.pos++;
        const e = this.peek();
        this.pos++;
        if (e == 0x6e) out += "\n";
        else if (e == 0x74) out += "\t";
        else if (e == 0x72) out += "\r";
        else if (e == 0x62) out += "\b";
        else if (e == 0x66) out += "\f";
        else if (e == 0x75) out += String.fromCharCode(this.hex4());
        else out += String.fromCharCode(<i32>e);
        run = this.pos;
        continue;
      }
      this.pos++;
    }
    this.failed = true;
    return out;
  }
}

/** Parse `len` bytes of UTF-8 JSON at `ptr`. Returns null when the text is not JSON this reader accepts. */
export function parseJson(ptr: usize, len: i32): JValue | null {
  const r = new Reader(ptr, len);
  const v = r.value(0);
  r.skipSpace();
  if (r.failed || r.pos != r.end) return null;
  return v;
}
