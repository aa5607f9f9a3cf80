/**
 * @module shared/api
 * The typed renderer API (see contract.ts).
 */
export * from './contract.js';
