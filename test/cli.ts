/**
 * Running `custos` in-process for tests: a fake terminal (stdout, stderr, stdin, environment
 * with the operator's passphrase) around runCli, so command tests read like shell sessions.
 */
import type { CliIo } from '../electron/cli/io.js';
import { runCli } from '../electron/cli/run.js';

export const CLI_PASSPHRASE = 'correct horse battery staple';

export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
  json(): Record<string, unknown>;
}

/** `custos --data-dir DIR …argv` with `stdin`, signed in with CLI_PASSPHRASE unless `env` says otherwise. */
export async function custos(dir: string, argv: readonly string[], stdin = '', env: Record<string, string> = {}, extra: Partial<Pick<CliIo, 'ledgerSource'>> = {}): Promise<CliRun> {
  const io = {
    out: '',
    err: '',
    env: { CUSTOS_PASSPHRASE: CLI_PASSPHRASE, ...env } as Record<string, string | undefined>,
    platform: 'linux' as NodeJS.Platform,
    writeOut(s: string) {
      io.out += s;
    },
    writeErr(s: string) {
      io.err += s;
    },
    readStdin: () => Promise.resolve(new TextEncoder().encode(stdin)),
    async *stdinLines() {
      yield* stdin.split('\n');
    },
    promptHidden: () => Promise.resolve(undefined),
    ...extra,
  };
  const code = await runCli(['--data-dir', dir, ...argv], io as unknown as CliIo);
  return { code, out: io.out, err: io.err, json: () => JSON.parse(io.out) as Record<string, unknown> };
}
