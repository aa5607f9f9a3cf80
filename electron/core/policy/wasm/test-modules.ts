/**
 * Test policy modules, written in WAT and assembled by binaryen: real WebAssembly, no mocks.
 * Each follows the ABI (memory, alloc, evaluate) unless the test is about breaking it.
 */
import binaryen from 'binaryen';

/** Assemble WAT. binaryen's default features unless given (with every feature on, it writes GC-era type encodings Node 20 cannot read). */
export function wat(text: string, features?: number): Uint8Array {
  const m = features === undefined ? binaryen.parseText(text) : (binaryen.parseText as (text: string, features: number) => binaryen.Module)(text, features);
  try {
    return m.emitBinary();
  } finally {
    m.dispose();
  }
}

/** A bump allocator and the imports, around an `evaluate` body with (param $ptr i32) (param $len i32) (result i32). */
export function policy(evaluateBody: string, extra = '', memory = '(memory (export "memory") 1)', features?: number): Uint8Array {
  return wat(`(module
    (import "env" "log" (func $log (param i32 i32 i32)))
    (import "env" "reason" (func $reason (param i32 i32)))
    ${memory}
    (global $heap (mut i32) (i32.const 4096))
    (data (i32.const 16) "allowed by test\\00\\ff\\fe")
    (func $alloc (export "alloc") (param $n i32) (result i32) (local $r i32)
      (local.set $r (global.get $heap))
      (global.set $heap (i32.add (global.get $heap) (local.get $n)))
      (local.get $r))
    ${extra}
    (func (export "evaluate") (param $ptr i32) (param $len i32) (result i32) ${evaluateBody}))`, features);
}

/** Allows, with a reason and a log line. */
export const ALLOW = policy('(call $log (i32.const 1) (i32.const 16) (i32.const 7)) (call $reason (i32.const 16) (i32.const 15)) (i32.const 1)');
/** Returns the first byte of the context minus "0" (so `0`, `1`, `2` or anything else). */
export const ECHO_FIRST_BYTE = policy('(i32.sub (i32.load8_u (local.get $ptr)) (i32.const 48))');
export const INFINITE_LOOP = policy('(loop $forever (br $forever)) (i32.const 1)');
/** Grows memory one page at a time until it fails, then allows (it never gets there under a cap). */
export const MEMORY_BOMB = policy('(block $done (loop $more (br_if $done (i32.eq (memory.grow (i32.const 1)) (i32.const -1))) (br $more))) (i32.const 1)');
export const TRAP = policy('(drop (i32.div_u (i32.const 1) (i32.sub (local.get $len) (local.get $len)))) (i32.const 1)');
export const UNBOUNDED_RECURSION = policy('(call $down (i32.const 0))', '(func $down (param i32) (result i32) (call $down (i32.add (local.get 0) (i32.const 1))))');
/** Counts to the context's length in a loop: fuel grows with the input. */
export const COUNT_TO_LEN = policy('(local $i i32) (loop $l (local.set $i (i32.add (local.get $i) (i32.const 1))) (br_if $l (i32.lt_u (local.get $i) (local.get $len)))) (i32.const 1)');
/** Reason that is not UTF-8 (bytes ff fe). */
export const BAD_UTF8_REASON = policy('(call $reason (i32.const 31) (i32.const 2)) (i32.const 1)');
export const LOG_OUT_OF_BOUNDS = policy('(call $log (i32.const 1) (i32.const 65530) (i32.const 100)) (i32.const 1)');
export const FLOATS = policy('(drop (f64.add (f64.const 1.5) (f64.const 2.25))) (i32.const 1)');
export const FLOAT_LOCAL = policy('(local $x f32) (i32.const 1)');
export const SIMD = policy('(drop (i32x4.extract_lane 0 (v128.const i32x4 1 2 3 4))) (i32.const 1)', '', undefined, binaryen.Features.MVP | binaryen.Features.SIMD128 | binaryen.Features.MutableGlobals);
export const ATOMICS = policy('(drop (i32.atomic.load (i32.const 0))) (i32.const 1)', '', '(memory (export "memory") 1 1 shared)', binaryen.Features.MVP | binaryen.Features.Atomics | binaryen.Features.MutableGlobals);
export const START_FUNCTION = policy('(i32.const 1)', '(func $s) (start $s)');
export const NO_ALLOC = wat('(module (memory (export "memory") 1) (func (export "evaluate") (param i32 i32) (result i32) (i32.const 1)))');
export const WRONG_IMPORT = wat(`(module (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1) (func (export "alloc") (param i32) (result i32) (i32.const 0)) (func (export "evaluate") (param i32 i32) (result i32) (i32.const 1)))`);
export const BIG_MEMORY = policy('(i32.const 1)', '', '(memory (export "memory") 100)');
/** Spins long enough to meet any timeout, with fuel to spare when the budget is huge. */
export const SPIN = policy('(local $i i64) (loop $l (local.set $i (i64.add (local.get $i) (i64.const 1))) (br_if $l (i64.lt_u (local.get $i) (i64.const 100000000000)))) (i32.const 1)');
/** memory.fill of 1 MiB, 100,000 times: one instruction per iteration, but megabytes of work. */
export const BULK_FILL = policy('(local $i i32) (loop $l (memory.fill (i32.const 0) (i32.const 0) (i32.const 1048576)) (local.set $i (i32.add (local.get $i) (i32.const 1))) (br_if $l (i32.lt_u (local.get $i) (i32.const 100000)))) (i32.const 1)', '', '(memory (export "memory") 17)', binaryen.Features.MVP | binaryen.Features.BulkMemory | binaryen.Features.MutableGlobals);
/** Counts its calls in a global and in memory: allows only on its first call (a policy must not see earlier requests). */
export const STATEFUL = policy(
  '(global.set $count (i32.add (global.get $count) (i32.const 1))) (i32.store8 (i32.const 100) (i32.add (i32.load8_u (i32.const 100)) (i32.const 1))) (i32.and (i32.eq (global.get $count) (i32.const 1)) (i32.eq (i32.load8_u (i32.const 100)) (i32.const 1)))',
  '(global $count (mut i32) (i32.const 0))',
);
/** Grows memory by a page and allows only if it then has 2 pages (as a fresh instance would). */
export const GROWS_ONCE = policy('(drop (memory.grow (i32.const 1))) (i32.eq (memory.size) (i32.const 2))');
export const PASSIVE_DATA = wat(`(module (memory (export "memory") 1) (data $d "abc")
  (func (export "alloc") (param i32) (result i32) (i32.const 0))
  (func (export "evaluate") (param i32 i32) (result i32) (memory.init $d (i32.const 0) (i32.const 0) (i32.const 3)) (i32.const 1)))`, binaryen.Features.MVP | binaryen.Features.BulkMemory);
/** A reason of 171 "€" (513 bytes, 3 each): past the 512-byte bound, and the cut falls inside a character. */
export const LONG_REASON = policy(`(call $reason (i32.const 1024) (i32.const 513)) (i32.const 1)`, `(data (i32.const 1024) "${'\\e2\\82\\ac'.repeat(171)}")`);
/** Exports a function called memory, and its memory under no name. */
export const MEMORY_NOT_EXPORTED = wat(`(module (memory 1)
  (func (export "memory") (param i32) (result i32) (i32.const 0))
  (func (export "alloc") (param i32) (result i32) (i32.const 0))
  (func (export "evaluate") (param i32 i32) (result i32) (i32.const 1)))`);
export const HUGE_TABLE = policy('(i32.const 1)', '(table 1000000 funcref)');
