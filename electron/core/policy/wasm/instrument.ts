/**
 * @module core/policy/wasm/instrument
 * Install-time checks and metering of a WASM policy module, with binaryen.
 *
 * `validatePolicyModule` refuses, with the reason named, anything that could make a decision
 * depend on the machine or let a policy escape its limits: floats (f32/f64 types and operators:
 * NaN bit patterns and fused operations differ between engines), threads and atomics, SIMD,
 * reference types, exceptions, tail calls, multi-value, memory64, several memories, passive data
 * segments (memory.init, data.drop: an instance's only state must be its memory and globals, so
 * a used one can be reset, see worker.ts), imported or
 * shared memory, tables or globals, a start function (it would run at instantiation, before the
 * host has set any limit), imports other than `env.log(level, ptr, len)` and `env.reason(ptr, len)`,
 * and a module without the ABI's exports (`memory`, `alloc(len) -> ptr`, `evaluate(ptr, len) -> i32`).
 *
 * `instrumentPolicyModule` then adds the limits, as code inside the module, so that they hold
 * whatever the engine does and fail closed by trapping (`unreachable`):
 *
 *  - Fuel: a mutable i64 global `__custos_fuel`, set to the budget before each evaluation. Every
 *    straight-line region (a function body, a loop body — so every iteration —, an `if` arm) is
 *    charged on entry with the number of instructions it holds outside its nested regions, and
 *    traps when the fuel drops below zero. That is the per-basic-block charge of the issue, with
 *    the blocks that a `br`/`br_if` may leave early charged up front: an early exit keeps what it
 *    paid, so the count is an upper bound on the instructions run, never below it, and the same
 *    input always costs the same. Function entries and loop headers are where the checks sit, so
 *    neither a loop nor a recursion runs unpaid. Fuel used = budget − what is left.
 *  - Call depth: an i32 global `__custos_depth` incremented at each function entry (trapping
 *    above the cap) and decremented on every normal exit (the end of the body and each `return`).
 *    A counter, not the engine's stack limit: V8's limit is in bytes and depends on the tier that
 *    compiled the frame, so the same input could overflow once and not the next time.
 *    Bulk memory operations (memory.fill, memory.copy) also pay for their size at run
 *    time, one unit per 64 bytes, so fuel bounds time even where one instruction moves megabytes.
 *  - Memory: every `memory.grow` goes through a check that traps (and sets `__custos_oom`) when
 *    the memory would pass the cap in pages; an initial size above the cap is refused here.
 *
 * Trusts binaryen to parse and print; trusts nothing in the module (V8 validates it first).
 */
import type Bn from 'binaryen';
import { CustodyError } from '../../../../shared/errors.js';
import { WebAssemblyApi } from './webassembly.js';

export const DEFAULT_MEMORY_PAGES = 32; // 2 MiB: room for a 1 MiB context and the policy's own data
export const DEFAULT_CALL_DEPTH = 512;
/** The exports the host reads limits through; a module may not define names with this prefix. */
export const FUEL_EXPORT = '__custos_fuel';
export const DEPTH_EXPORT = '__custos_depth';
export const OOM_EXPORT = '__custos_oom';
/** The module's own mutable globals, exported as __custos_g0, __custos_g1, … */
export const GLOBAL_EXPORT_PREFIX = '__custos_g';
const RESERVED_PREFIX = '__custos';
/** A module larger than this is refused before binaryen reads it. */
export const MAX_MODULE_BYTES = 4 * 1024 * 1024;
/** Function tables (call_indirect) are fixed at install (table instructions are refused); this bounds their size. */
const MAX_TABLE_ELEMENTS = 65_536;

export interface InstrumentOptions {
  /** Most 64 KiB pages the memory may reach. Default 32 (2 MiB). */
  readonly memoryPages?: number;
  /** Deepest call nesting. Default 512. */
  readonly callDepth?: number;
}

export interface ModuleFacts {
  readonly functions: number;
  readonly initialPages: number;
  /** Which optional imports the module uses. */
  readonly imports: readonly ('log' | 'reason')[];
  /** Whether it exports `_initialize` (run once, metered, before `evaluate`). */
  readonly initialize: boolean;
}

export interface InstrumentedModule {
  readonly bytes: Uint8Array;
  readonly facts: ModuleFacts;
  readonly memoryPages: number;
  readonly callDepth: number;
}

/**
 * binaryen (a 14 MB module that compiles its own WebAssembly at load) is loaded on the first
 * install, not when the core starts: `custos` commands that install nothing never pay for it.
 */
let binaryen: typeof Bn;
let loading: Promise<void> | null = null;

let ALLOWED_IMPORTS: Readonly<Record<string, { params: readonly number[]; results: readonly number[] }>>;
/** The features a policy may use. Everything else is refused; binaryen re-validates with this set. */
let FEATURES: number;
let W: Wrappers;
let FIELDS: Map<number, readonly { get: Get; set: Setter }[]>;
let INTEGER_TYPES: Set<number>;

/** Load binaryen (once). The functions below need it; the exported ones await it. */
export function loadBinaryen(): Promise<void> {
  loading ??= import('binaryen').then((m) => {
    binaryen = m.default;
    ALLOWED_IMPORTS = {
      log: { params: [binaryen.i32, binaryen.i32, binaryen.i32], results: [] },
      reason: { params: [binaryen.i32, binaryen.i32], results: [] },
    };
    FEATURES = binaryen.Features.MVP | binaryen.Features.MutableGlobals | binaryen.Features.SignExt | binaryen.Features.BulkMemory | binaryen.Features.BulkMemoryOpt;
    W = binaryen as unknown as Wrappers;
    FIELDS = childFields();
    INTEGER_TYPES = new Set<number>([binaryen.none, binaryen.i32, binaryen.i64, binaryen.unreachable]);
  });
  return loading;
}

function refuse(message: string): never {
  throw new CustodyError('INVALID_INPUT', `policy module refused: ${message}`);
}

// ------------------------------------------------------------------ the expression tree

/** binaryen.js's expression wrappers (present at runtime, absent from its .d.ts). */
type Get = (e: number) => number;
type Setter = (e: number, child: number) => void;
interface Wrappers {
  Block: { getNumChildren(e: number): number; getChildAt(e: number, i: number): number; setChildAt(e: number, i: number, c: number): void };
  Call: { getNumOperands(e: number): number; getOperandAt(e: number, i: number): number; setOperandAt(e: number, i: number, c: number): void; isReturn(e: number): boolean; getTarget(e: number): string };
  CallIndirect: { getNumOperands(e: number): number; getOperandAt(e: number, i: number): number; setOperandAt(e: number, i: number, c: number): void; isReturn(e: number): boolean; getTarget: Get; setTarget: Setter };
  [wrapper: string]: unknown;
}

function field(wrapper: string, name: string): { get: Get; set: Setter } {
  const w = W[wrapper] as Record<string, unknown>;
  return { get: w[`get${name}`] as Get, set: w[`set${name}`] as Setter };
}

/** Children of each expression kind a policy may contain, as getter/setter pairs (in evaluation order). */
function childFields(): Map<number, readonly { get: Get; set: Setter }[]> {
  return new Map<number, readonly { get: Get; set: Setter }[]>([
  [binaryen.IfId, [field('If', 'Condition'), field('If', 'IfTrue'), field('If', 'IfFalse')]],
  [binaryen.LoopId, [field('Loop', 'Body')]],
  [binaryen.BreakId, [field('Break', 'Value'), field('Break', 'Condition')]],
  [binaryen.SwitchId, [field('Switch', 'Value'), field('Switch', 'Condition')]],
  [binaryen.LocalGetId, []],
  [binaryen.LocalSetId, [field('LocalSet', 'Value')]],
  [binaryen.GlobalGetId, []],
  [binaryen.GlobalSetId, [field('GlobalSet', 'Value')]],
  [binaryen.LoadId, [field('Load', 'Ptr')]],
  [binaryen.StoreId, [field('Store', 'Ptr'), field('Store', 'Value')]],
  [binaryen.ConstId, []],
  [binaryen.UnaryId, [field('Unary', 'Value')]],
  [binaryen.BinaryId, [field('Binary', 'Left'), field('Binary', 'Right')]],
  [binaryen.SelectId, [field('Select', 'IfTrue'), field('Select', 'IfFalse'), field('Select', 'Condition')]],
  [binaryen.DropId, [field('Drop', 'Value')]],
  [binaryen.ReturnId, [field('Return', 'Value')]],
  [binaryen.MemorySizeId, []],
  [binaryen.MemoryGrowId, [field('MemoryGrow', 'Delta')]],
  [binaryen.NopId, []],
  [binaryen.UnreachableId, []],
  [binaryen.MemoryCopyId, [field('MemoryCopy', 'Dest'), field('MemoryCopy', 'Source'), field('MemoryCopy', 'Size')]],
  [binaryen.MemoryFillId, [field('MemoryFill', 'Dest'), field('MemoryFill', 'Value'), field('MemoryFill', 'Size')]],
  ]);
}

interface Slot {
  readonly expr: number;
  set(child: number): void;
}

/** The children of `expr` (0 = absent ones left out). Block and call operands are lists. */
function slots(expr: number): Slot[] {
  const id = binaryen.getExpressionId(expr);
  if (id === binaryen.BlockId) {
    return Array.from({ length: W.Block.getNumChildren(expr) }, (_, i) => ({ expr: W.Block.getChildAt(expr, i), set: (c: number) => W.Block.setChildAt(expr, i, c) }));
  }
  if (id === binaryen.CallId) {
    return Array.from({ length: W.Call.getNumOperands(expr) }, (_, i) => ({ expr: W.Call.getOperandAt(expr, i), set: (c: number) => W.Call.setOperandAt(expr, i, c) }));
  }
  if (id === binaryen.CallIndirectId) {
    const ops = Array.from({ length: W.CallIndirect.getNumOperands(expr) }, (_, i) => ({ expr: W.CallIndirect.getOperandAt(expr, i), set: (c: number) => W.CallIndirect.setOperandAt(expr, i, c) }));
    return [...ops, { expr: W.CallIndirect.getTarget(expr), set: (c: number) => W.CallIndirect.setTarget(expr, c) }];
  }
  const fields = FIELDS.get(id);
  if (fields === undefined) refuse(`it uses ${featureOf(id)}`);
  return fields.map((f) => ({ expr: f.get(expr), set: (c: number) => f.set(expr, c) })).filter((s) => s.expr !== 0);
}

const FEATURE_OF_ID: readonly [string, string][] = [
  ['Atomic', 'threads/atomics'],
  ['SIMD', 'SIMD'],
  ['Try', 'exception handling'],
  ['Throw', 'exception handling'],
  ['Rethrow', 'exception handling'],
  ['Tuple', 'multi-value'],
  ['Ref', 'reference types'],
  ['Table', 'reference types (table instructions)'],
  ['ElemDrop', 'reference types (table instructions)'],
  ['Struct', 'GC'],
  ['Array', 'GC'],
  ['I31', 'GC'],
  ['BrOn', 'GC'],
  ['CallRef', 'typed function references'],
  ['String', 'strings'],
  ['Cont', 'stack switching'],
  ['Suspend', 'stack switching'],
  ['Resume', 'stack switching'],
  ['Pop', 'exception handling'],
];

function featureOf(id: number): string {
  const names = binaryen as unknown as Record<string, unknown>;
  const name = Object.keys(names).find((k) => k.endsWith('Id') && !k.startsWith('_') && names[k] === id) ?? `instruction ${id}`;
  const hit = FEATURE_OF_ID.find(([prefix]) => name.startsWith(prefix));
  return hit === undefined ? `an instruction policies may not use (${name.replace(/Id$/, '')})` : `${hit[1]} (${name.replace(/Id$/, '')})`;
}

// ------------------------------------------------------------------ validation

function typeName(t: number): string {
  if (t === binaryen.f32) return 'f32';
  if (t === binaryen.f64) return 'f64';
  if (t === binaryen.v128) return 'v128 (SIMD)';
  return 'a reference or tuple type';
}


function assertIntegerTypes(type: number, where: string): void {
  for (const t of binaryen.expandType(type)) {
    if (!INTEGER_TYPES.has(t)) refuse(`${where} has type ${typeName(t)}: floats, SIMD and references are not allowed (decisions must be deterministic)`);
  }
}

function assertSameTypes(actual: number, expected: readonly number[]): boolean {
  const got = binaryen.expandType(actual);
  return got.length === expected.length && got.every((t, i) => t === expected[i]);
}

/** Walk a function body: every expression kind allowed, every type an integer. Returns nothing; throws on the first refusal. */
function checkBody(expr: number, fn: string): void {
  const stack = [expr];
  while (stack.length > 0) {
    const e = stack.pop() as number;
    const id = binaryen.getExpressionId(e);
    assertIntegerTypes(binaryen.getExpressionType(e), `an instruction in function ${fn}`);
    if ((id === binaryen.CallId && W.Call.isReturn(e)) || (id === binaryen.CallIndirectId && W.CallIndirect.isReturn(e))) refuse(`function ${fn} uses tail calls`);
    for (const s of slots(e)) stack.push(s.expr);
  }
}

interface ParsedModule {
  readonly module: Bn.Module;
  readonly facts: ModuleFacts;
}

function parse(bytes: Uint8Array): Bn.Module {
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) refuse('it is empty');
  if (bytes.length > MAX_MODULE_BYTES) refuse(`it is larger than ${MAX_MODULE_BYTES / (1024 * 1024)} MiB`);
  // V8 decides first whether this is a WebAssembly module at all: binaryen aborts on some malformed input.
  let valid = false;
  try {
    valid = WebAssemblyApi.validate(bytes);
  } catch {
    valid = false;
  }
  if (!valid) refuse('it is not a valid WebAssembly module');
  try {
    // readBinary takes the feature set as a second argument (binaryen.js; absent from its .d.ts).
    return (binaryen.readBinary as (data: Uint8Array, features: number) => Bn.Module)(bytes, binaryen.Features.All);
  } catch {
    refuse('binaryen cannot read it');
  }
}

/** Check `module` against everything the module header promises. The module is left untouched. */
function check(module: Bn.Module): ModuleFacts {
  // Memory: exactly one, defined here, 32-bit, not shared, exported as "memory".
  if (!module.hasMemory()) refuse('it has no memory (the ABI needs an exported "memory")');
  const memory = module.getMemoryInfo();
  if (memory.module !== '') refuse('it imports its memory (the ABI needs its own exported "memory")');
  if (memory.shared) refuse('its memory is shared (threads are not allowed)');
  if (memory.is64) refuse('it uses memory64');

  const imports: ('log' | 'reason')[] = [];
  const names = new Set<string>();
  for (let i = 0; i < module.getNumFunctions(); i++) {
    const info = binaryen.getFunctionInfo(module.getFunctionByIndex(i));
    assertIntegerTypes(info.params, `function ${info.name}'s parameter`);
    assertIntegerTypes(info.results, `function ${info.name}'s result`);
    if (binaryen.expandType(info.results).length > 1) refuse(`function ${info.name} returns several values (multi-value)`);
    for (const v of info.vars) assertIntegerTypes(v, `a local of function ${info.name}`);
    if (info.module !== '') {
      const allowed = info.module === 'env' && info.base !== null ? ALLOWED_IMPORTS[info.base] : undefined;
      if (allowed === undefined) refuse(`it imports ${info.module}.${info.base}: only env.log(level, ptr, len) and env.reason(ptr, len) exist`);
      if (!assertSameTypes(info.params, allowed.params) || !assertSameTypes(info.results, allowed.results)) {
        refuse(`its import env.${info.base} has the wrong signature (env.log(i32, i32, i32), env.reason(i32, i32))`);
      }
      imports.push(info.base as 'log' | 'reason');
      continue;
    }
    checkBody(info.body, info.name);
  }
  for (let i = 0; i < module.getNumGlobals(); i++) {
    const g = binaryen.getGlobalInfo(module.getGlobalByIndex(i));
    if (g.module !== '') refuse(`it imports the global ${g.module}.${g.base}`);
    assertIntegerTypes(g.type, `global ${g.name}`);
  }
  for (let i = 0; i < module.getNumTables(); i++) {
    const t = binaryen.getTableInfo(module.getTableByIndex(i));
    if (t.module !== '') refuse(`it imports the table ${t.module}.${t.base}`);
    if (t.initial > MAX_TABLE_ELEMENTS) refuse(`its table starts with ${t.initial} elements (at most ${MAX_TABLE_ELEMENTS})`);
  }
  if (module.getStart() !== 0) refuse('it has a start function (export "_initialize" instead: it runs metered, after the limits are set)');

  let initialize = false;
  for (let i = 0; i < module.getNumExports(); i++) {
    const e = binaryen.getExportInfo(module.getExportByIndex(i));
    if (e.name.startsWith(RESERVED_PREFIX)) refuse(`it exports ${e.name}: names starting with ${RESERVED_PREFIX} are the host's`);
    names.add(e.name);
    if (e.kind === binaryen.ExternalMemory && e.name !== 'memory') refuse(`it exports its memory as "${e.name}", not "memory"`);
    if (e.name === '_initialize') {
      if (e.kind !== binaryen.ExternalFunction) refuse('_initialize is not a function');
      const f = binaryen.getFunctionInfo(module.getFunction(e.value));
      if (!assertSameTypes(f.params, []) || !assertSameTypes(f.results, [])) refuse('_initialize must take and return nothing');
      initialize = true;
    }
  }
  const requireFunction = (name: string, params: readonly number[], results: readonly number[], shape: string): void => {
    if (!names.has(name)) refuse(`it does not export ${shape}`);
    const e = binaryen.getExportInfo(module.getExport(name));
    if (e.kind !== binaryen.ExternalFunction) refuse(`its export ${name} is not a function (${shape})`);
    const f = binaryen.getFunctionInfo(module.getFunction(e.value));
    if (!assertSameTypes(f.params, params) || !assertSameTypes(f.results, results)) refuse(`its export ${name} has the wrong signature: ${shape}`);
  };
  if (!names.has('memory') || binaryen.getExportInfo(module.getExport('memory')).kind !== binaryen.ExternalMemory) refuse('it does not export its memory as "memory"');
  requireFunction('alloc', [binaryen.i32], [binaryen.i32], 'alloc(len: i32) -> i32');
  requireFunction('evaluate', [binaryen.i32, binaryen.i32], [binaryen.i32], 'evaluate(ctx_ptr: i32, ctx_len: i32) -> i32');

  // Re-validate with only the allowed features: anything the walk above missed fails here.
  module.setFeatures(FEATURES);
  if (module.validate() !== 1) refuse('it uses a WebAssembly feature policies may not use');
  return { functions: module.getNumFunctions() - imports.length, initialPages: memory.initial, imports, initialize };
}

function parseAndCheck(bytes: Uint8Array): ParsedModule {
  const module = parse(bytes);
  try {
    return { module, facts: check(module) };
  } catch (error) {
    module.dispose();
    throw error;
  }
}

/**
 * Check a policy module without changing it.
 * @throws INVALID_INPUT naming the first thing refused.
 */
export async function validatePolicyModule(bytes: Uint8Array): Promise<ModuleFacts> {
  await loadBinaryen();
  const { module, facts } = parseAndCheck(bytes);
  module.dispose();
  return facts;
}

// ------------------------------------------------------------------ instrumentation

const FUEL = '__custos$fuel';
const DEPTH = '__custos$depth';
const OOM = '__custos$oom';
const GROW = '__custos$grow';
const BULK = '__custos$bulk';
const EXIT = (t: number): string => `__custos$exit_${t === binaryen.i64 ? 'i64' : t === binaryen.i32 ? 'i32' : 'void'}`;

/** binaryen 132's i64.const takes one bigint (its .d.ts still says low, high). */
function i64(m: Bn.Module, value: number): number {
  return (m.i64.const as unknown as (v: bigint) => number)(BigInt(value));
}

function charge(m: Bn.Module, cost: number): number[] {
  return [
    m.global.set(FUEL, m.i64.sub(m.global.get(FUEL, binaryen.i64), i64(m, cost))),
    m.if(m.i64.lt_s(m.global.get(FUEL, binaryen.i64), i64(m, 0)), m.unreachable()),
  ];
}

/** Prefix `body` with a fuel charge of `cost`, keeping its type. */
function charged(m: Bn.Module, cost: number, body: number): number {
  return m.block(null, [...charge(m, cost), body], binaryen.auto);
}

/**
 * Instrument the region rooted at `expr`: wrap nested regions (loop bodies, if arms) with their
 * own charges, route memory.grow through the cap and returns through the depth exit.
 * Returns the cost `expr` adds to the region it belongs to.
 */
function instrumentExpr(m: Bn.Module, expr: number, results: number): number {
  const id = binaryen.getExpressionId(expr);
  if (id === binaryen.LoopId) {
    const body = field('Loop', 'Body');
    const inner = body.get(expr);
    body.set(expr, charged(m, 1 + instrumentExpr(m, inner, results), inner));
    return 1;
  }
  if (id === binaryen.IfId) {
    const cond = field('If', 'Condition');
    const cost = 1 + instrumentExpr(m, cond.get(expr), results);
    for (const arm of [field('If', 'IfTrue'), field('If', 'IfFalse')]) {
      const inner = arm.get(expr);
      if (inner !== 0) arm.set(expr, charged(m, instrumentExpr(m, inner, results), inner));
    }
    return cost;
  }
  let cost = 1;
  for (const s of slots(expr)) cost += instrumentExpr(m, s.expr, results);
  if (id === binaryen.MemoryFillId || id === binaryen.MemoryCopyId) {
    // Bulk memory does work in proportion to its size: charge one unit per 64 bytes, at run time.
    const wrapper = id === binaryen.MemoryFillId ? 'MemoryFill' : 'MemoryCopy';
    const size = field(wrapper, 'Size');
    size.set(expr, m.call(BULK, [size.get(expr)], binaryen.i32));
  } else if (id === binaryen.MemoryGrowId) {
    const delta = field('MemoryGrow', 'Delta');
    delta.set(expr, m.call(GROW, [delta.get(expr)], binaryen.i32));
  } else if (id === binaryen.ReturnId) {
    const value = field('Return', 'Value');
    const v = value.get(expr);
    if (v !== 0) value.set(expr, m.call(EXIT(results), [v], results));
  }
  return cost;
}

/** Void returns carry no value to route through the exit call: prefix each with the decrement instead. */
function prefixVoidReturns(m: Bn.Module, expr: number): void {
  for (const s of slots(expr)) {
    const id = binaryen.getExpressionId(s.expr);
    if (id === binaryen.ReturnId && field('Return', 'Value').get(s.expr) === 0) {
      s.set(m.block(null, [m.call(EXIT(binaryen.none), [], binaryen.none), s.expr], binaryen.unreachable));
    } else prefixVoidReturns(m, s.expr);
  }
}

function addHelpers(m: Bn.Module, memoryPages: number): void {
  m.addGlobal(FUEL, binaryen.i64, true, i64(m, 0));
  m.addGlobal(DEPTH, binaryen.i32, true, m.i32.const(0));
  m.addGlobal(OOM, binaryen.i32, true, m.i32.const(0));
  m.addGlobalExport(FUEL, FUEL_EXPORT);
  m.addGlobalExport(DEPTH, DEPTH_EXPORT);
  m.addGlobalExport(OOM, OOM_EXPORT);
  // grow(delta): delta when size + delta stays within the cap (unsigned: a negative delta is huge), else trap.
  m.addFunction(
    GROW,
    binaryen.i32,
    binaryen.i32,
    [],
    m.block(null, [
      m.if(
        m.i32.gt_u(m.local.get(0, binaryen.i32), m.i32.sub(m.i32.const(memoryPages), m.memory.size())),
        m.block(null, [m.global.set(OOM, m.i32.const(1)), m.unreachable()]),
      ),
      m.local.get(0, binaryen.i32),
    ], binaryen.i32),
  );
  // bulk(size): size, after charging size / 64 fuel (a memory.fill of 1 MiB costs 16,384).
  m.addFunction(
    BULK,
    binaryen.i32,
    binaryen.i32,
    [],
    m.block(null, [
      m.global.set(FUEL, m.i64.sub(m.global.get(FUEL, binaryen.i64), m.i64.extend_u(m.i32.shr_u(m.local.get(0, binaryen.i32), m.i32.const(6))))),
      m.if(m.i64.lt_s(m.global.get(FUEL, binaryen.i64), i64(m, 0)), m.unreachable()),
      m.local.get(0, binaryen.i32),
    ], binaryen.i32),
  );
  for (const t of [binaryen.i32, binaryen.i64, binaryen.none]) {
    const dec = m.global.set(DEPTH, m.i32.sub(m.global.get(DEPTH, binaryen.i32), m.i32.const(1)));
    m.addFunction(EXIT(t), t === binaryen.none ? binaryen.none : t, t, [], t === binaryen.none ? dec : m.block(null, [dec, m.local.get(0, t)], t));
  }
}

/**
 * Validate `bytes` and return the metered module the runtime runs.
 * @throws INVALID_INPUT as validatePolicyModule, or when the initial memory exceeds the cap.
 */
export async function instrumentPolicyModule(bytes: Uint8Array, options: InstrumentOptions = {}): Promise<InstrumentedModule> {
  await loadBinaryen();
  const memoryPages = options.memoryPages ?? DEFAULT_MEMORY_PAGES;
  const callDepth = options.callDepth ?? DEFAULT_CALL_DEPTH;
  if (!Number.isInteger(memoryPages) || memoryPages < 1 || memoryPages > 65536) throw new CustodyError('INVALID_INPUT', 'memoryPages is 1 to 65536');
  if (!Number.isInteger(callDepth) || callDepth < 1 || callDepth > 100_000) throw new CustodyError('INVALID_INPUT', 'callDepth is 1 to 100000');
  const { module: m, facts } = parseAndCheck(bytes);
  try {
    if (facts.initialPages > memoryPages) refuse(`its memory starts at ${facts.initialPages} pages, above the cap of ${memoryPages}`);
    const functions: number[] = [];
    for (let i = 0; i < m.getNumFunctions(); i++) {
      const f = m.getFunctionByIndex(i);
      if (binaryen.getFunctionInfo(f).module === '') functions.push(f);
    }
    // Every mutable global is exported (as __custos_g<i>), so the host can put a used instance
    // back into its just-instantiated state instead of instantiating again (worker.ts).
    for (let i = 0; i < m.getNumGlobals(); i++) {
      const g = binaryen.getGlobalInfo(m.getGlobalByIndex(i));
      if (g.mutable) m.addGlobalExport(g.name, `${GLOBAL_EXPORT_PREFIX}${i}`);
    }
    addHelpers(m, memoryPages);
    for (const f of functions) {
      const info = binaryen.getFunctionInfo(f);
      const results = info.results;
      const body = info.body;
      const cost = instrumentExpr(m, body, results);
      if (results === binaryen.none) prefixVoidReturns(m, body);
      const enter = [
        m.global.set(DEPTH, m.i32.add(m.global.get(DEPTH, binaryen.i32), m.i32.const(1))),
        m.if(m.i32.gt_u(m.global.get(DEPTH, binaryen.i32), m.i32.const(callDepth)), m.unreachable()),
        ...charge(m, cost),
      ];
      const exit = results === binaryen.none ? m.block(null, [body, m.call(EXIT(results), [], binaryen.none)], binaryen.none) : m.call(EXIT(results), [body], results);
      (binaryen as unknown as { Function: { setBody(fn: number, body: number): void } }).Function.setBody(f, m.block(null, [...enter, exit], results === binaryen.none ? binaryen.none : results));
    }
    m.setFeatures(FEATURES);
    if (m.validate() !== 1) throw new CustodyError('INTERNAL', 'the metered policy module does not validate');
    const out = m.emitBinary();
    return { bytes: out, facts, memoryPages, callDepth };
  } finally {
    m.dispose();
  }
}
