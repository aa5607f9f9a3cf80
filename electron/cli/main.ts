#!/usr/bin/env node
/**
 * @module cli/main
 * The `custos` executable: runs one invocation with the real process streams.
 */
import { runCli } from './run.js';
import { processIo } from './io.js';

process.exitCode = await runCli(process.argv.slice(2), processIo());
