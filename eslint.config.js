// ESLint flat config. Besides style, it enforces the layer rules of ../shared/STYLE.md:
// electron/core never imports electron; shared/ imports neither Node nor the DOM nor React.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const domGlobals = ['window', 'document', 'navigator', 'localStorage', 'sessionStorage', 'location', 'fetch', 'XMLHttpRequest'];

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', 'coverage/**', '.tmp/**'] },
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
);
