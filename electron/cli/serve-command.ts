/**
 * @module cli/serve-command
 * `custos serve --ui [--port N]`: the browser host (electron/host) on this CLI's data directory
 * and configuration, until SIGINT or SIGTERM. Prints the one-time login URL once, on stdout;
 * on the signal it closes every socket, then the CLI closes the core (writing a checkpoint) and
 * exits 0.
 *
 * The port is an option, not a configuration key: the browser host is a UI for the person at
 * the terminal, not a service other programs are configured to find. Default 8765.
 * Refuses to start when `server.air_gapped` is true: air-gapped means no listener at all, and
 * a loopback UI is still a listener.
 *
 * Trusts the host and the facade; adds no logic of its own.
 */
import { CustodyError } from '../../shared/errors.js';
import { DEFAULT_TOKEN_TTL_MS } from '../host/login.js';
import { defaultRendererDir, packageVersion } from '../host/package-info.js';
import { DEFAULT_HOST_PORT, startHost } from '../host/server.js';
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
    summary: 'serve the desktop UI to a browser on this machine (--ui), printing a one-time login URL; stop with Ctrl+C',
    usage: 'custos serve --ui [--port N]',
    options: {
      ui: { type: 'boolean', description: 'serve the UI (the browser host); required' },
      port: { type: 'int', description: `listen on 127.0.0.1:N (default ${DEFAULT_HOST_PORT}; 0 = any free port)`, placeholder: 'N' },
      'static-dir': { type: 'string', description: 'the built renderer to serve (default dist/renderer of this package)', placeholder: 'DIR' },
    },
    async run(ctx) {
      const { args } = ctx;
      if (ctx.inBatch) throw new UsageError('serve cannot run inside batch');
      if (!args.flag('ui')) throw new UsageError('serve needs --ui (the browser host is the only server this command starts)');
      const port = args.int('port') ?? DEFAULT_HOST_PORT;
      if (port > 65535) throw new UsageError('--port must be 0-65535');
      if (ctx.config().config.server.air_gapped) {
        throw new CustodyError('UNSUPPORTED', 'server.air_gapped is true: air-gapped mode opens no listener at all, not even the loopback browser host (set server.air_gapped: false to use it)');
      }
      const custodian = await ctx.open();
      const host = await startHost({ custodian, staticDir: args.string('static-dir') ?? defaultRendererDir(), port, version: packageVersion() });
      const minutes = Math.round(DEFAULT_TOKEN_TTL_MS / 60_000);
      if (args.flag('json')) {
        deps.write(JSON.stringify({ url: host.url, origin: host.origin, port: host.port, dataDir: custodian.dataDir }) + '\n');
      } else {
        deps.write(
          [
            `Custos browser host on ${host.origin} (data directory ${custodian.dataDir})`,
            `Open this URL in a browser on this machine. It works once, within ${minutes} minutes:`,
            '',
            `  ${host.url}`,
            '',
            'Press Ctrl+C to stop.',
            '',
          ].join('\n'),
        );
      }
      const signal = await deps.stopSignal();
      await host.close();
      return { json: { stopped: true, signal }, text: `custos: browser host stopped (${signal})` };
    },
  };
}

export const SERVE_COMMAND: Command = serveCommand();
