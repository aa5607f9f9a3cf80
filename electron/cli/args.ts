/**
 * @module cli/args
 * A small, strict argument parser: every option is declared, unknown options and missing values
 * are usage errors (exit 2). No positional guessing. Trusts nothing in argv. An option given
 * twice is an error unless it is declared repeatable ('strings').
 */

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** 'strings': a string option that may be repeated; its values in the order given. */
export type OptionType = 'string' | 'strings' | 'boolean' | 'int';

export interface OptionSpec {
  readonly type: OptionType;
  readonly description: string;
  readonly placeholder?: string;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

export type OptionValue = string | boolean | number | readonly string[];

export interface ParsedArgs {
  readonly options: ReadonlyMap<string, OptionValue>;
  readonly positionals: readonly string[];
}

export function parseArgs(argv: readonly string[], specs: OptionSpecs, maxPositionals: number): ParsedArgs {
  const options = new Map<string, OptionValue>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--') || arg === '--') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const spec = specs[name];
    if (spec === undefined) throw new UsageError(`unknown option --${name}`);
    if (options.has(name) && spec.type !== 'strings') throw new UsageError(`option --${name} given twice`);
    if (spec.type === 'boolean') {
      if (eq !== -1) throw new UsageError(`option --${name} takes no value`);
      options.set(name, true);
      continue;
    }
    let value: string;
    if (eq !== -1) value = arg.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) throw new UsageError(`option --${name} needs a value`);
      value = next;
      i++;
    }
    if (spec.type === 'int') {
      if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) throw new UsageError(`option --${name} needs a non-negative integer`);
      options.set(name, Number(value));
    } else if (spec.type === 'strings') {
      options.set(name, [...((options.get(name) as readonly string[] | undefined) ?? []), value]);
    } else options.set(name, value);
  }
  if (positionals.length > maxPositionals) throw new UsageError(`unexpected argument ${positionals[maxPositionals] ?? ''}`);
  return { options, positionals };
}

export class Args {
  constructor(private readonly parsed: ParsedArgs) {}

  get positionals(): readonly string[] {
    return this.parsed.positionals;
  }

  has(name: string): boolean {
    return this.parsed.options.has(name);
  }

  string(name: string): string | undefined {
    const v = this.parsed.options.get(name);
    return typeof v === 'string' ? v : undefined;
  }

  requireString(name: string): string {
    const v = this.string(name);
    if (v === undefined) throw new UsageError(`--${name} is required`);
    return v;
  }

  /** Every value of a repeatable option, in order; empty when it was not given. */
  strings(name: string): readonly string[] {
    const v = this.parsed.options.get(name);
    return Array.isArray(v) ? (v as readonly string[]) : [];
  }

  int(name: string): number | undefined {
    const v = this.parsed.options.get(name);
    return typeof v === 'number' ? v : undefined;
  }

  flag(name: string): boolean {
    return this.parsed.options.get(name) === true;
  }

  /** Exactly one of the named options must be present. */
  oneOf(...names: string[]): string {
    const present = names.filter((n) => this.has(n));
    if (present.length !== 1) throw new UsageError(`give exactly one of ${names.map((n) => `--${n}`).join(', ')}`);
    return present[0] as string;
  }

  choice<T extends string>(name: string, choices: readonly T[]): T | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    if (!(choices as readonly string[]).includes(v)) throw new UsageError(`--${name} must be one of ${choices.join(', ')}`);
    return v as T;
  }
}
