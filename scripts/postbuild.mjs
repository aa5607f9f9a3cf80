// Marks the CLI entry point executable after tsc (tsc does not keep file modes).
import { chmodSync, existsSync } from 'node:fs';
const cli = 'dist/electron/cli/main.js';
if (existsSync(cli)) chmodSync(cli, 0o755);
