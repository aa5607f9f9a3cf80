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
 * Refuses to start when `server.air_gapped` is true: air-gapped means no listener at all, and
 * a loopback UI is still a listener.
 *
 * Trusts the host, the servers and the facade; adds no logic of its own.
 */
import { CustodyError } from '../../shared/errors.js';
import { DEFAULT_TOKEN_TTL_MS } from '../host/login.js';
import { defaultRendererDir, packageVersion } from '../host/package-info.js';
import { DEFAULT_HOST_PORT, startHost } from '../host/server.js';
import { anyApiServerEnabled, startApiServers } from '../rpc/servers.js';
import { UsageError } from './args.js';
import type { Command } from './commands.js';

export interface ServeDeps {
  /** Where the login URL goes (the terminal). */
  write(text: string): void;
  /** Resolves with the signal's name when the host should stop. */
  stopSignal(): Promise<string>;
}

const PROCESS_DEPS: ServeDeps = {
  write: (text) => process.stdout.write(text),
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
      const serverConfig = ctx.config().config.server;
      if (serverConfig.air_gapped) {
        throw new CustodyError('UNSUPPORTED', 'server.air_gapped is true: air-gapped mode opens no listener at all, not even the loopback browser host (set server.air_gapped: false to use it)');
      }
      const apis = anyApiServerEnabled(serverConfig);
      if (!ui && !apis) throw new UsageError('nothing to serve: pass --ui for the browser UI, or enable an API server in custos.yaml (server.hsm.enabled, server.metrics.enabled)');
      if (!ui && (args.int('port') !== undefined || args.string('static-dir') !== undefined)) throw new UsageError('--port and --static-dir go with --ui');
      const port = args.int('port') ?? DEFAULT_HOST_PORT;
      if (port > 65535) throw new UsageError('--port must be 0-65535');
      const custodian = await ctx.open();
      if (args.flag('unlock')) await ctx.unlocked();
      const servers = await startApiServers({ custodian, config: serverConfig });
      let host: Awaited<ReturnType<typeof startHost>> | undefined;
      try {
        if (ui) host = await startHost({ custodian, staticDir: args.string('static-dir') ?? defaultRendererDir(), port, version: packageVersion(), lockWhenLastTabCloses: !apis });
      } catch (error) {
        await servers.close();
        throw error;
      }
      const listening = servers.servers.map((s) => ({ name: s.name, url: s.url, port: s.port }));
      const minutes = Math.round(DEFAULT_TOKEN_TTL_MS / 60_000);
      if (args.flag('json')) {
        deps.write(JSON.stringify({ ...(host === undefined ? {} : { url: host.url, origin: host.origin, port: host.port }), servers: listening, unlocked: custodian.status().unlocked, dataDir: custodian.dataDir }) + '\n');
      } else {
        const names: Record<string, string> = { hsm: 'HsmService (gRPC, gRPC-Web, JSON)', metrics: 'metrics and health' };
        deps.write(
          [
            `Custos on data directory ${custodian.dataDir}${custodian.status().unlocked ? ' (unlocked)' : ' (locked: unlock in the UI, or start with --unlock, before API tokens work)'}`,
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
      const signal = await deps.stopSignal();
      await host?.close();
      await servers.close();
      return { json: { stopped: true, signal }, text: `custos: stopped (${signal})` };
    },
  };
}

export const SERVE_COMMAND: Command = serveCommand();
