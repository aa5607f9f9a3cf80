/**
 * Small assertions shared by every test file: the typed error code of a call, and the
 * external vectors under test/vectors/. No imports from the code under test beyond the error type.
 */
import { readFileSync } from 'node:fs';
import { CustodyError } from '../shared/errors.js';

/** The CustodyError code `fn` throws, or 'OK'. Anything else thrown is a test failure. */
export function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof CustodyError) return error.code;
    throw error;
  }
  return 'OK';
}

/** The CustodyError code a promise rejects with, or 'OK'. */
export async function codeOfAsync(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CustodyError) return error.code;
    throw error;
  }
  return 'OK';
}

const VECTORS = new URL('./vectors/', import.meta.url);

/** Parse a JSON file under test/vectors/ (path relative to that folder). */
export function readVector<T>(path: string): T {
  return JSON.parse(readFileSync(new URL(path, VECTORS), 'utf8')) as T;
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
