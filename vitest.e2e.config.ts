// End-to-end tests (e2e/**/*.e2e.ts): the browser host in-process and Debian's Chromium through
// playwright-core (see e2e/support/host.ts). One file at a time: each test launches a browser,
// and the machines that run this have two cores.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
