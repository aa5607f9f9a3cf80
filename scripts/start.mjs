// Launches the desktop app after `npm start` has built it: Electron with dist/electron/main.js.
//
// The `electron` npm package may be installed without its binary (its download is a postinstall
// step that fails offline, and here it cannot run at all); then require('electron') throws, or
// names a file that does not exist. In that case this says so and points to the browser host,
// which runs the same core and the same renderer, and exits 1.
//
// Trusts the environment it is started from, except ELECTRON_RUN_AS_NODE, which would turn the
// app into a plain Node process, so it is removed from the app's environment.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const main = join(root, 'dist', 'electron', 'main.js');
const needed = [main, join(root, 'dist', 'electron', 'preload.cjs'), join(root, 'dist', 'renderer', 'index.html')];

/** The Electron executable's path, or undefined when only the npm package (types) is installed. */
function electronBinary() {
  try {
    const path = createRequire(import.meta.url)('electron');
    return typeof path === 'string' && existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

const binary = electronBinary();
if (binary === undefined) {
  console.error(
    [
      'custos: cannot start the desktop app: the Electron binary is not installed',
      '  (the `electron` npm package is present, but its download, node_modules/electron/dist, is not).',
      '',
      'Run the same app in your browser instead, on this machine only:',
      '  npm run serve',
      '',
      'Or, where the network allows, install the binary (node node_modules/electron/install.js) and run `npm start` again.',
    ].join('\n'),
  );
  process.exit(1);
}

const missing = needed.filter((p) => !existsSync(p));
if (missing.length > 0) {
  console.error(`custos: not built: ${missing.map((p) => relative(root, p)).join(', ')} missing; run \`npm start\` (it builds first).`);
  process.exit(1);
}

const env = { ...process.env };
delete env.ELECTRON_RUN_AS_NODE;
const child = spawn(binary, [main, ...process.argv.slice(2)], { stdio: 'inherit', env });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('error', (error) => {
  console.error(`custos: could not launch Electron: ${error.message}`);
  process.exit(1);
});
// The shell convention: killed by a signal → 128 + its number.
child.on('exit', (code, signal) => process.exit(code ?? 128 + (signal === null ? 0 : constants.signals[signal])));
