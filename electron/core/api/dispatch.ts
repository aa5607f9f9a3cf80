/**
 * @module core/api/dispatch
 * The common half of every binder: look the method up in the contract, parse the input with its
 * schema, run the handler, and turn the outcome into a `Result` — never a thrown error, never a
 * stack trace. The transport-specific half (who sent it: IPC sender frame, WebSocket session)
 * stays in electron/ipc and electron/host.
 */
import { toErrorInfo } from '../../../shared/errors.js';
import { METHODS, type HandlerTable, type MethodName, type Result } from '../../../shared/api/contract.js';

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.hasOwn(METHODS, name);
}

export async function dispatch<Ctx>(table: HandlerTable<Ctx>, method: unknown, input: unknown, ctx: Ctx): Promise<Result<unknown>> {
  if (!isMethodName(method)) return { ok: false, error: { code: 'INVALID_INPUT', message: 'unknown method' } };
  const parsed = METHODS[method].input.safeParse(input ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? 'input' : issue.path.join('.');
    return { ok: false, error: { code: 'INVALID_INPUT', message: `${method}: ${where}: ${issue?.message ?? 'invalid'}` } };
  }
  try {
    const handler = table[method] as (input: unknown, ctx: Ctx) => Promise<unknown>;
    return { ok: true, value: await handler(parsed.data, ctx) };
  } catch (error) {
    return { ok: false, error: toErrorInfo(error) };
  }
}
