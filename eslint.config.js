// ESLint flat config. Besides style, it enforces the layer rules of ../shared/STYLE.md:
// electron/core never imports electron; shared/ imports neither Node nor the DOM nor React.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const domGlobals = ['window', 'document', 'navigator', 'localStorage', 'sessionStorage', 'location', 'fetch', 'XMLHttpRequest'];

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', 'coverage/**', '.tmp/**', 'electron/rpc/hsm/gen/**'] }, // gen/: protoc-gen-es output, checked by gen.test.ts
  // policies/: AssemblyScript (compiled by asc, not tsc; decorators, i32/usize and == on strings are
  // its idioms), checked by its own compiler in electron/core/policy/examples.test.ts.
  { ignores: ['policies/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'always'],
      'no-console': 'off',
    },
  },
  {
    files: ['electron/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'electron', message: 'electron/core runs under plain Node: Electron abilities arrive as ports built in electron/main.ts.' }],
        patterns: [{ group: ['electron/*'], message: 'electron/core never imports electron.' }],
      }],
    },
  },
  // electron/ipc and electron/main.ts: the main process. They may import core/, shared/ and
  // Electron's main-process API, never the renderer or React.
  {
    files: ['electron/ipc/**/*.ts', 'electron/main.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'react', message: 'the main process never imports React.' }],
        patterns: [
          { group: ['**/renderer/**', '**/renderer'], message: 'the main process never imports renderer code: the renderer reaches it through window.custos.' },
          { group: ['react-dom', 'react-dom/*', 'react/*'], message: 'the main process never imports React.' },
        ],
      }],
    },
  },
  // The sandboxed preload and the API object it builds: a polyfilled require('electron') is all
  // there is, so no Node modules, no core, nothing of the main process (scripts/build-preload.ts
  // also fails the bundle on any input beyond these files and the contract's names).
  {
    files: ['electron/preload.ts', 'electron/ipc/preload-api.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [
          ...nodeBuiltins.map((name) => ({ name, message: 'the sandboxed preload has no Node modules.' })),
          { name: 'electron/main', message: 'the preload uses contextBridge and ipcRenderer only.' },
        ],
        patterns: [
          { group: ['node:*'], message: 'the sandboxed preload has no Node modules.' },
          { group: ['**/core/**', '**/host/**', '**/cli/**', '**/renderer/**', './binder*', './protocol*', './window*', './ipc/binder*', './ipc/protocol*', './ipc/window*'], message: 'the preload imports shared/api names and ./ipc/preload-api only.' },
        ],
      }],
      'no-restricted-globals': ['error', 'process', 'Buffer', '__dirname', '__filename'],
    },
  },
  {
    files: ['shared/**/*.ts'],
    languageOptions: { globals: {} },
    rules: {
      'no-restricted-imports': ['error', {
        paths: [
          ...nodeBuiltins.map((name) => ({ name, message: 'shared/ is pure TypeScript: no Node modules.' })),
          { name: 'electron', message: 'shared/ never imports electron.' },
          { name: 'react', message: 'shared/ never imports React.' },
        ],
        patterns: [{ group: ['node:*', 'electron/*', 'react-dom', 'react/*'], message: 'shared/ is pure TypeScript: zod only.' }],
      }],
      'no-restricted-globals': ['error', ...domGlobals, 'process', 'Buffer', 'require', '__dirname'],
    },
  },
  // renderer/: the sandboxed page. It imports shared/ and React/UI libraries only: no Node, no
  // Electron, no main-process code — it reaches the core through window.custos or the host's
  // WebSocket, never by import.
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': ['error', {
        paths: [
          ...nodeBuiltins.map((name) => ({ name, message: 'renderer/ runs in a sandboxed page: no Node modules.' })),
          { name: 'electron', message: 'renderer/ never imports electron: it sees window.custos only.' },
        ],
        patterns: [
          { group: ['node:*', 'electron/*'], message: 'renderer/ runs in a sandboxed page: no Node, no Electron.' },
          { group: ['**/electron/**', '**/electron'], message: 'renderer/ reaches the core through the API, never by import.' },
        ],
      }],
      'no-restricted-globals': ['error', 'process', 'Buffer', 'require', '__dirname', '__filename', 'global'],
    },
  },
);
