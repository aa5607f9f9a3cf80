/**
 * @module cli/serve-command
 * `custos serve [--ui [--port N]] [--unlock]`: the loopback API servers the configuration enables
 * (rpc/servers: HsmService, metrics) and, with --ui, the browser host (electron/host), on this
 * CLI's data directory and configuration, until SIGINT or SIGTERM. Prints what listens where (and
 * the one-time login URL) once, on stdout; on the signal it closes every socket, then the CLI
 * closes the core (writing a checkpoint) and exits 0.
 *
 * API tokens need the vault unlocked: --unlock signs in as the CLI's operator at start (the
 * passphrase from --passphrase-file, CUSTOS_PASSPHRASE or a prompt); otherwise an operator unlocks
 * it in a browser tab. While API servers run, closing the last tab does not lock the vault.
 *
 * The host's port is an option, not a configuration key: the browser host is a UI for the person
 * at the terminal, not a service other programs are configured to find. Default 8765.
 *
 * Air-gapped mode (`--air-gapped`, CUSTOS_AIR_GAPPED, or `server.air_gapped` in custos.yaml):
 * only the browser host may run, so `--ui` is required; API servers never start (those custos.yaml
 * enables are named once on stderr). The network guard is installed before the core opens and
 * lets exactly one listen through, the host's on 127.0.0.1:PORT; every other network path of the
 * process is refused. The line printed at start says so: the browser host is a loopback-only UI
 * listener, and the only one (the desktop app in air-gapped mode opens none at all).
 *
 * Trusts the host, the servers and the facade; adds no logic of its own.
 */
import { installNetworkGuard } from '../core/airgap/network-guard.js';
import { airGappedSource, type AirGappedSource } from '../core/config/core-options.js';
import { DEFAULT_TOKEN_TTL_MS } from '../host/login.js';
import { defaultRendererDir, packageVersion } from '../host/package-info.js';
import { DEFAULT_HOST_PORT, startHost } from '../host/server.js';
import { anyApiServerEnabled, enabledApiServers, startApiServers } from '../rpc/servers.js';
import { UsageError } from './args.js';
import type { Command, CommandContext, CommandResult } from './commands.js';

export interface ServeDeps {
  /** Where the login URL goes (the terminal). */
  write(text: string): void;
  /** Where notices go (stderr): which configured servers air-gapped mode skips. */
  warn(text: string): void;
  /** Resolves with the signal's name when the host should stop. */
  stopSignal(): Promise<string>;
}

const PROCESS_DEPS: ServeDeps = {
  write: (text) => process.stdout.write(text),
  warn: (text) => process.stderr.write(text),
  stopSignal: () =>
    new Promise((resolve) => {
      // One signal stops cleanly; the listeners go at once, so a second Ctrl+C kills the process
      // the ordinary way if a clean stop ever hangs.
      const stop = (signal: NodeJS.Signals): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve(signal);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    }),
};

export function serveCommand(deps: ServeDeps = PROCESS_DEPS): Command {
  return {
    words: ['serve'],
    summary: 'run the enabled loopback API servers (HsmService, metrics) and, with --ui, the desktop UI for a browser on this machine; stop with Ctrl+C',
    usage: 'custos serve [--ui [--port N] [--static-dir DIR]] [--unlock]',
    options: {
      ui: { type: 'boolean', description: 'also serve the UI (the browser host) and print a one-time login URL' },
      unlock: { type: 'boolean', description: 'unlock the vault at start (the operator\'s passphrase), so API tokens work before anyone opens the UI' },
      port: { type: 'int', description: `listen on 127.0.0.1:N (default ${DEFAULT_HOST_PORT}; 0 = any free port)`, placeholder: 'N' },
      'static-dir': { type: 'string', description: 'the built renderer to serve (default dist/renderer of this package)', placeholder: 'DIR' },
    },
    async run(ctx) {
      const { args } = ctx;
      if (ctx.inBatch) throw new UsageError('serve cannot run inside batch');
      const ui = args.flag('ui');
      const { config } = ctx.config();
      // run.ts folds CUSTOS_AIR_GAPPED into --air-gapped.
      const airGapped = airGappedSource(config, args.flag('air-gapped'));
      if (airGapped !== undefined && !ui) {
        throw new UsageError(`nothing to serve in air-gapped mode (${airGapped === 'flag' ? '--air-gapped' : 'server.air_gapped in custos.yaml'}): API servers never start there; pass --ui for the loopback-only browser UI`);
      }
      const apis = airGapped === undefined && anyApiServerEnabled(config.server);
      if (!ui && !apis) throw new UsageError('nothing to serve: pass --ui for the browser UI, or enable an API server in custos.yaml (server.hsm.enabled, server.metrics.enabled)');
      if (!ui && (args.int('port') !== undefined || args.string('static-dir') !== undefined)) throw new UsageError('--port and --static-dir go with --ui');
      const port = args.int('port') ?? DEFAULT_HOST_PORT;
      if (port > 65535) throw new UsageError('--port must be 0-65535');
      if (airGapped === undefined) return serveUntilStopped(ctx, deps, { ui, apis, port, airGapped });

      const skipped = enabledApiServers(config.server);
      if (skipped.length > 0) deps.warn(`custos: air-gapped mode (--air-gapped or CUSTOS_AIR_GAPPED): not starting the API servers custos.yaml enables (${skipped.join(', ')})\n`);
      // Before the core opens. From here on the one network path of this process is the host's
      // listen on 127.0.0.1:PORT, and only once.
      let hostListenPending = true;
      const guard = installNetworkGuard({
        allowListen: (address, asked) => {
          const allowed = hostListenPending && address === '127.0.0.1' && asked === port;
          if (allowed) hostListenPending = false;
          return allowed;
        },
      });
      try {
        return await serveUntilStopped(ctx, deps, { ui, apis, port, airGapped });
      } finally {
        guard.uninstall();
      }
    },
  };
}

interface ServePlan {
  readonly ui: boolean;
  /** Whether API servers start (never in air-gapped mode). */
  readonly apis: boolean;
  readonly port: number;
  readonly airGapped: AirGappedSource | undefined;
}

async function serveUntilStopped(ctx: CommandContext, deps: ServeDeps, plan: ServePlan): Promise<CommandResult> {
  const { args } = ctx;
  const serverConfig = ctx.config().config.server;
  const custodian = await ctx.open();
  if (args.flag('unlock')) await ctx.unlocked();
  const servers = await startApiServers({ custodian, config: serverConfig, ...(plan.airGapped === undefined ? {} : { airGapped: plan.airGapped }) });
  let host: Awaited<ReturnType<typeof startHost>> | undefined;
  try {
    if (plan.ui) host = await startHost({ custodian, staticDir: args.string('static-dir') ?? defaultRendererDir(), port: plan.port, version: packageVersion(), lockWhenLastTabCloses: !plan.apis });
  } catch (error) {
    await servers.close();
    throw error;
  }
  // Listen for the stop signal before saying we are up: whoever reads that line may signal at once.
  const stopped = deps.stopSignal();
  const listening = servers.servers.map((s) => ({ name: s.name, url: s.url, port: s.port }));
  const minutes = Math.round(DEFAULT_TOKEN_TTL_MS / 60_000);
  if (args.flag('json')) {
    deps.write(
      JSON.stringify({
        ...(host === undefined ? {} : { url: host.url, origin: host.origin, port: host.port }),
        servers: listening,
        unlocked: custodian.status().unlocked,
        dataDir: custodian.dataDir,
        airGapped: plan.airGapped ?? 'off',
      }) + '\n',
    );
  } else {
    const names: Record<string, string> = { hsm: 'HsmService (gRPC, gRPC-Web, JSON)', metrics: 'metrics and health' };
    deps.write(
      [
        `Custos on data directory ${custodian.dataDir}${custodian.status().unlocked ? ' (unlocked)' : ' (locked: unlock in the UI, or start with --unlock, before API tokens work)'}`,
        ...(plan.airGapped === undefined
          ? []
          : [
              `Air-gapped mode is on (${plan.airGapped === 'flag' ? '--air-gapped' : 'server.air_gapped in custos.yaml'}): no API server, no network. The browser host below is a loopback-only UI listener on 127.0.0.1, the only listener of this process; the desktop app opens no listener at all.`,
            ]),
        ...listening.map((s) => `  ${(names[s.name] ?? s.name).padEnd(36)} ${s.url}`),
        ...(host === undefined
          ? []
          : [`  ${'browser host'.padEnd(36)} ${host.origin}`, '', `Open this URL in a browser on this machine. It works once, within ${minutes} minutes:`, '', `  ${host.url}`]),
        '',
        'Press Ctrl+C to stop.',
        '',
      ].join('\n'),
    );
  }
  const signal = await stopped;
  await host?.close();
  await servers.close();
  return { json: { stopped: true, signal }, text: `custos: stopped (${signal})` };
}

export const SERVE_COMMAND: Command = serveCommand();
