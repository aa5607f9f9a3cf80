/**
 * @module cli/run
 * Dispatches argv to a command, manages the one facade instance per process (or per batch),
 * signs in as one operator (--operator, else CUSTOS_OPERATOR, else "admin"), and turns results
 * and errors into output and exit codes: 0 ok, 1 refused/failed, 2 usage.
 * Never prints a stack trace or a secret.
 *
 * Air-gapped mode (`--air-gapped`, CUSTOS_AIR_GAPPED, or custos.yaml's `server.air_gapped`):
 * the network guard (core/airgap/network-guard) is installed before the command runs and removed
 * when the run ends, for every command but `serve`, which installs its own that lets exactly its
 * loopback UI listener through.
 */
import { CustodyError, toErrorInfo, type ErrorInfo } from '../../shared/errors.js';
import { openCustodian, type Custodian } from '../core/custodian.js';
import { DEFAULT_OPERATOR } from '../core/vault/vault.js';
import { Args, parseArgs, UsageError, type OptionSpecs } from './args.js';
import { COMMANDS, type Command, type CommandContext, type CommandResult } from './commands.js';
import { defaultDataDir, obtainPassphrase, type CliIo } from './io.js';
import { coreOptionsFrom, loadConfig, type LoadedConfig, type PresetName } from '../core/config/index.js';
import { parseAirGappedEnv } from '../core/config/core-options.js';
import { installNetworkGuard, type NetworkGuard } from '../core/airgap/network-guard.js';

const GLOBAL_OPTIONS: OptionSpecs = {
  'data-dir': { type: 'string', description: 'the data directory (else CUSTOS_DATA_DIR, else the platform app-data dir)', placeholder: 'DIR' },
  json: { type: 'boolean', description: 'print machine-readable JSON' },
  operator: { type: 'string', description: `sign in as this operator (else CUSTOS_OPERATOR, else "${DEFAULT_OPERATOR}"); for init: the first Admin`, placeholder: 'NAME' },
  'passphrase-file': { type: 'string', description: "read the operator's passphrase from FILE (else CUSTOS_PASSPHRASE, else a prompt)", placeholder: 'FILE' },
  config: { type: 'string', description: 'the configuration file (else custos.yaml in the data directory, if present)', placeholder: 'FILE' },
  preset: { type: 'string', description: 'configuration preset: production, development, test', placeholder: 'NAME' },
  'air-gapped': { type: 'boolean', description: 'air-gapped mode for this run (also CUSTOS_AIR_GAPPED=1, or server.air_gapped in custos.yaml): no listener, no network; it never turns the mode off' },
  help: { type: 'boolean', description: 'show help' },
};

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** One open facade, shared by every command of a process or a batch. */
class Session {
  private custodian: Custodian | undefined;
  private unlockedOnce = false;
  /** A failed unlock is not retried within one process: a batch must not burn the lockout counter line by line. */
  private unlockFailure: unknown;

  private loaded: LoadedConfig | undefined;
  private guard: NetworkGuard | undefined;

  constructor(
    readonly io: CliIo,
    readonly dataDir: string,
    /** Who this process signs in as. */
    readonly operator: string,
    readonly passphraseFile: string | undefined,
    private readonly configFile: string | undefined,
    private readonly preset: string | undefined,
    /** --air-gapped or CUSTOS_AIR_GAPPED: air-gapped whatever custos.yaml says. */
    private readonly airGappedFlag: boolean,
    /** The command installs its own network guard (serve: it must let its one listener through). */
    private readonly commandGuardsNetwork: boolean,
  ) {}

  /**
   * At start, before the command runs: the network guard when this run is air-gapped. A
   * configuration that does not load is left for the command to report (`config validate` names
   * the key); config() installs the guard later if it does load and says air_gapped.
   */
  start(): void {
    if (this.airGappedFlag) this.guardNetwork();
    else {
      try {
        this.config();
      } catch {
        // Reported by the command that reads the configuration, with its own exit code.
      }
    }
  }

  /** The effective configuration (file, preset, CUSTOS_<SECTION>__<KEY> overrides), loaded once. */
  config(): LoadedConfig {
    if (this.loaded === undefined) {
      this.loaded = loadConfig({
        dataDir: this.dataDir,
        ...(this.configFile === undefined ? {} : { file: this.configFile }),
        ...(this.preset === undefined ? {} : { preset: this.preset as PresetName }),
        env: this.io.env,
      });
      if (this.loaded.config.server.air_gapped) this.guardNetwork();
    }
    return this.loaded;
  }

  private guardNetwork(): void {
    if (this.commandGuardsNetwork || this.guard !== undefined) return;
    this.guard = installNetworkGuard();
  }

  async open(): Promise<Custodian> {
    if (this.custodian === undefined) {
      this.custodian = await openCustodian(
        coreOptionsFrom(this.config().config, { dataDir: this.dataDir, env: this.io.env, airGappedFlag: this.airGappedFlag, ...(this.io.ledgerSource === undefined ? {} : { ledgerSource: this.io.ledgerSource }) }),
      );
    }
    return this.custodian;
  }

  /** The facade signed in as `operator` (asks for the passphrase once per process or batch). */
  async unlocked(): Promise<Custodian> {
    const c = await this.open();
    if (this.unlockFailure !== undefined) throw this.unlockFailure;
    if (!this.unlockedOnce) {
      const s = c.status(this.operator);
      if (!s.initialized) throw new CustodyError('VAULT_NOT_INITIALIZED', `no vault in ${this.dataDir}: run \`custos init\``);
      const passphrase = await obtainPassphrase(this.io, this.passphraseFile, 'CUSTOS_PASSPHRASE', `Passphrase of operator ${this.operator}: `, false);
      try {
        await c.unlock(passphrase, this.operator);
        const tampered = c.auditStatus().tampered;
        if (tampered !== null) {
          this.io.writeErr(`custos: warning: the audit log failed verification at event ${tampered.seq ?? '?'}: ${tampered.reason} — signing and decryption are refused until \`custos audit acknowledge\`\n`);
        }
      } catch (error) {
        this.unlockFailure = error;
        throw error;
      } finally {
        passphrase.fill(0);
      }
      this.unlockedOnce = true;
    }
    return c;
  }

  /** Close the core, then lift the network guard (an in-process run, such as a test, must not leave it behind). */
  async close(): Promise<void> {
    const c = this.custodian;
    this.custodian = undefined;
    try {
      await c?.close();
    } finally {
      this.guard?.uninstall();
      this.guard = undefined;
    }
  }
}

interface Selected {
  readonly command: Command | 'batch' | 'help';
  readonly rest: string[];
}

function selectCommand(argv: readonly string[]): Selected {
  const pre: string[] = [];
  let i = 0;
  while (i < argv.length && (argv[i] as string).startsWith('--')) {
    const arg = argv[i] as string;
    const name = arg.includes('=') ? arg.slice(2, arg.indexOf('=')) : arg.slice(2);
    const spec = GLOBAL_OPTIONS[name];
    if (spec === undefined) throw new UsageError(`unknown option --${name} (global options before the command: ${Object.keys(GLOBAL_OPTIONS).map((n) => `--${n}`).join(', ')})`);
    pre.push(arg);
    if (spec.type !== 'boolean' && !arg.includes('=')) {
      if (argv[i + 1] === undefined) throw new UsageError(`option --${name} needs a value`);
      pre.push(argv[i + 1] as string);
      i++;
    }
    i++;
  }
  const words = argv.slice(i);
  if (words[0] === 'batch') return { command: 'batch', rest: [...pre, ...words.slice(1)] };
  if (words.length === 0 || words[0] === 'help') return { command: 'help', rest: [...pre, ...words.slice(1)] };
  let best: Command | undefined;
  for (const c of COMMANDS) {
    if (c.words.every((w, k) => words[k] === w) && (best === undefined || c.words.length > best.words.length)) best = c;
  }
  if (best === undefined) {
    const group = COMMANDS.filter((c) => c.words[0] === words[0]);
    if (group.length > 0) throw new UsageError(`${words[0]} needs a subcommand: ${group.map((c) => c.words.slice(1).join(' ')).join(', ')}`);
    throw new UsageError(`unknown command ${JSON.stringify((words[0] ?? '').slice(0, 40))}: run \`custos help\``);
  }
  return { command: best, rest: [...pre, ...words.slice(best.words.length)] };
}

export function helpText(): string {
  const lines = [
    'custos — key custody from the command line',
    '',
    'usage: custos [--data-dir DIR] [--json] [--operator NAME] [--passphrase-file FILE] [--air-gapped] <command> [options]',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.words.join(' ').padEnd(26)} ${c.summary}`),
    `  ${'batch'.padEnd(26)} run JSON Lines {"argv": [...]} from stdin in one process`,
    '',
    'environment: CUSTOS_DATA_DIR, CUSTOS_OPERATOR, CUSTOS_PASSPHRASE, CUSTOS_NEW_PASSPHRASE, CUSTOS_BACKUP_PASSPHRASE, CUSTOS_FORCE_NOBLE=1, CUSTOS_AIR_GAPPED=1, CUSTOS_<SECTION>__<KEY> (config overrides)',
    'exit codes: 0 ok, 1 refused or failed, 2 usage',
    'run `custos <command> --help` for its options',
  ];
  return lines.join('\n');
}

function commandHelp(c: Command): string {
  const opts = { ...c.options, ...GLOBAL_OPTIONS };
  return [
    `usage: ${c.usage}`,
    '',
    c.summary,
    '',
    'options:',
    ...Object.entries(opts).map(([n, s]) => `  --${n}${s.type === 'boolean' ? '' : ' ' + (s.placeholder ?? 'V')}`.padEnd(30) + ` ${s.description}${s.type === 'strings' ? ' (repeatable)' : ''}`),
  ].join('\n');
}

async function runOne(session: Session, command: Command, args: Args, inBatch: boolean): Promise<CommandResult> {
  const ctx: CommandContext = {
    args,
    inBatch,
    operator: session.operator,
    open: () => session.open(),
    config: () => session.config(),
    unlocked: () => session.unlocked(),
    readStdin: () => session.io.readStdin(),
    passphrase: (kind, confirm, prompt) =>
      kind === 'current'
        ? obtainPassphrase(session.io, session.passphraseFile, 'CUSTOS_PASSPHRASE', prompt ?? `Passphrase of operator ${session.operator}: `, confirm)
        : kind === 'new'
          ? obtainPassphrase(session.io, args.string('new-passphrase-file'), 'CUSTOS_NEW_PASSPHRASE', prompt ?? 'New passphrase: ', confirm)
          : obtainPassphrase(session.io, args.string('backup-passphrase-file'), 'CUSTOS_BACKUP_PASSPHRASE', prompt ?? 'Backup passphrase: ', confirm),
  };
  return command.run(ctx);
}

function errorLine(info: ErrorInfo): string {
  return `custos: ${info.code}: ${info.message}\n`;
}

/** Runs one `custos` invocation. Returns the exit code; never throws. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let json = argv.includes('--json');
  let session: Session | undefined;
  let usage: string | undefined;
  try {
    const selected = selectCommand(argv);
    const specs = selected.command === 'batch' || selected.command === 'help' ? GLOBAL_OPTIONS : { ...selected.command.options, ...GLOBAL_OPTIONS };
    if (typeof selected.command === 'object') usage = selected.command.usage;
    const max = typeof selected.command === 'object' ? (selected.command.maxPositionals ?? 0) : 0;
    const parsed = parseArgs(selected.rest, specs, max);
    json = parsed.options.get('json') === true;
    if (selected.command === 'help' || parsed.options.get('help') === true) {
      io.writeOut((typeof selected.command === 'object' ? commandHelp(selected.command) : helpText()) + '\n');
      return EXIT_OK;
    }
    const airGappedFlag = parsed.options.get('air-gapped') === true || airGappedEnv(io.env.CUSTOS_AIR_GAPPED);
    // CUSTOS_AIR_GAPPED reads as --air-gapped, so a command sees one switch (serve asks for it).
    const args = new Args(airGappedFlag ? { ...parsed, options: new Map([...parsed.options, ['air-gapped', true]]) } : parsed);
    const dataDir = args.string('data-dir') ?? io.env.CUSTOS_DATA_DIR ?? defaultDataDir(io.env, io.platform);
    const operator = args.string('operator') ?? nonEmpty(io.env.CUSTOS_OPERATOR) ?? DEFAULT_OPERATOR;
    const commandGuardsNetwork = typeof selected.command === 'object' && selected.command.words.join(' ') === 'serve';
    session = new Session(io, dataDir, operator, args.string('passphrase-file'), args.string('config'), args.string('preset'), airGappedFlag, commandGuardsNetwork);
    session.start();
    if (selected.command === 'batch') return await runBatch(session, io);
    const result = await runOne(session, selected.command, args, false);
    io.writeOut((json ? JSON.stringify(result.json) : result.text) + '\n');
    if (result.failure !== undefined) io.writeErr(errorLine(result.failure));
    return result.exitCode ?? EXIT_OK;
  } catch (error) {
    if (error instanceof UsageError) {
      io.writeErr(`custos: usage: ${error.message}\n${usage === undefined ? '' : `usage: ${usage}\n`}`);
      if (json) io.writeOut(JSON.stringify({ error: { code: 'INVALID_INPUT', message: error.message } }) + '\n');
      return EXIT_USAGE;
    }
    const info = toErrorInfo(error);
    if (info.code === 'INTERNAL' && io.env.CUSTOS_DEBUG === '1') io.writeErr(`${String((error as Error | undefined)?.stack ?? error)}\n`);
    io.writeErr(errorLine(info));
    if (json) io.writeOut(JSON.stringify({ error: info }) + '\n');
    return EXIT_FAILED;
  } finally {
    try {
      await session?.close();
    } catch (error) {
      io.writeErr(errorLine(toErrorInfo(error)));
    }
  }
}

/** CUSTOS_AIR_GAPPED, a usage error when it is not 1, true or yes. */
function airGappedEnv(value: string | undefined): boolean {
  try {
    return parseAirGappedEnv(value);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : 'CUSTOS_AIR_GAPPED is not valid');
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === '' ? undefined : value;
}

/** Commands that set a passphrase: they may prompt (stdin is the batch) and do not belong in a stream of requests. */
/** Commands that take passphrases or secrets interactively, or write where a batch line should not. */
const NOT_IN_BATCH = new Set(['init', 'passwd', 'operator add', 'recovery split', 'recovery combine', 'backup create', 'backup verify', 'backup restore']);

/**
 * `custos batch`: JSON Lines in, one JSON line out per request, in order. The vault is opened
 * (and unlocked, when a command needs it) once; one bad line never stops the batch.
 */
async function runBatch(session: Session, io: CliIo): Promise<number> {
  let failures = 0;
  for await (const raw of io.stdinLines()) {
    const line = raw.trim();
    if (line === '') continue;
    let out: Record<string, unknown>;
    try {
      const argv = parseBatchLine(line);
      const selected = selectCommand(argv);
      if (typeof selected.command !== 'object') throw new UsageError('a batch line must name a command (not batch or help)');
      if (NOT_IN_BATCH.has(selected.command.words.join(' '))) throw new UsageError(`${selected.command.words.join(' ')} cannot run inside batch`);
      const args = new Args(parseArgs(selected.rest, { ...selected.command.options, json: GLOBAL_OPTIONS.json as OptionSpecs[string] }, selected.command.maxPositionals ?? 0));
      const result = await runOne(session, selected.command, args, true);
      out = { ok: true, ...result.json };
    } catch (error) {
      failures++;
      const info: ErrorInfo = error instanceof UsageError ? { code: 'INVALID_INPUT', message: error.message } : toErrorInfo(error);
      out = { ok: false, error: info };
    }
    io.writeOut(JSON.stringify(out) + '\n');
  }
  return failures === 0 ? EXIT_OK : EXIT_FAILED;
}

function parseBatchLine(line: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new CustodyError('INVALID_INPUT', 'not a JSON line');
  }
  const argv = (parsed as { argv?: unknown } | null)?.argv;
  if (!Array.isArray(argv) || !argv.every((a): a is string => typeof a === 'string')) {
    throw new CustodyError('INVALID_INPUT', 'each line must be {"argv": [strings]}');
  }
  return argv;
}
