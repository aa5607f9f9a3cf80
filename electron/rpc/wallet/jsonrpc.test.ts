/**
 * JSON-RPC 2.0 framing (§4 request object, §5 response, §6 batch) and the facade-error table.
 */
import { describe, expect, it } from 'vitest';
import type { ERROR_CODES } from '../../../shared/errors.js';
import { CustodyError } from '../../../shared/errors.js';
import { parseBody, parseElement, RPC, RpcError, toRpcError } from './jsonrpc.js';

describe('parseBody', () => {
  it('parses a single call, a notification and a batch', () => {
    expect(parseBody('{"jsonrpc":"2.0","id":7,"method":"eth_chainId"}', 10)).toEqual({ kind: 'single', element: { kind: 'call', call: { id: 7, notification: false, method: 'eth_chainId', params: undefined } } });
    const n = parseBody('{"jsonrpc":"2.0","method":"eth_chainId","params":[]}', 10);
    expect(n.kind === 'single' && n.element.kind === 'call' && n.element.call.notification).toBe(true);
    const b = parseBody('[{"jsonrpc":"2.0","id":"a","method":"x"},{"jsonrpc":"2.0","id":null,"method":"y","params":{"k":1}}]', 10);
    expect(b.kind).toBe('batch');
    expect(b.kind === 'batch' && b.elements.map((e) => (e.kind === 'call' ? e.call.id : 'invalid'))).toEqual(['a', null]);
  });

  it('answers malformed JSON with -32700 and an empty batch with -32600', () => {
    expect(parseBody('{"jsonrpc":"2.0",', 10)).toEqual({ kind: 'refused', response: { jsonrpc: '2.0', id: null, error: { code: RPC.PARSE_ERROR, message: expect.stringMatching(/parse error/) } } });
    expect(parseBody('[]', 10)).toMatchObject({ kind: 'refused', response: { error: { code: RPC.INVALID_REQUEST } } });
  });

  it('refuses a batch over the limit as a whole with -32005', () => {
    const calls = JSON.stringify(Array.from({ length: 4 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'eth_chainId' })));
    expect(parseBody(calls, 4).kind).toBe('batch');
    expect(parseBody(calls, 3)).toMatchObject({ kind: 'refused', response: { id: null, error: { code: RPC.LIMIT_EXCEEDED, message: 'batch of 4 calls exceeds the limit of 3' } } });
  });

  it('answers each malformed element of a batch with -32600, keeping a usable id', () => {
    const b = parseBody('[1,{"jsonrpc":"1.0","id":3,"method":"x"},{"jsonrpc":"2.0","id":4},{"jsonrpc":"2.0","id":{},"method":"x"},{"jsonrpc":"2.0","id":5,"method":"x","params":"p"}]', 10);
    expect(b.kind === 'batch' && b.elements.map((e) => (e.kind === 'invalid' ? [e.response.id, 'error' in e.response ? e.response.error.code : 0] : 'call'))).toEqual([
      [null, RPC.INVALID_REQUEST],
      [3, RPC.INVALID_REQUEST],
      [4, RPC.INVALID_REQUEST],
      [null, RPC.INVALID_REQUEST],
      [5, RPC.INVALID_REQUEST],
    ]);
  });

  it.each([null, 'text', [], { jsonrpc: '2.0', id: 1, method: '' }, { jsonrpc: '2.0', id: 1, method: 'm'.repeat(129) }, { jsonrpc: '2.0', id: 1, method: 1 }])('refuses %j as a request object', (value) => {
    expect(parseElement(value).kind).toBe('invalid');
  });
});

describe('toRpcError', () => {
  const code = (c: (typeof ERROR_CODES)[number]): number => toRpcError(new CustodyError(c, `m ${c}`)).code;

  it('maps the facade codes a client can act on to EIP-1193 / EIP-1474 codes', () => {
    expect(code('USER_REJECTED')).toBe(4001);
    expect(code('EXPIRED')).toBe(4001);
    expect(code('POLICY_DENIED')).toBe(4001);
    expect(code('UNAUTHENTICATED')).toBe(4100);
    expect(code('PERMISSION_DENIED')).toBe(4100);
    expect(code('VAULT_LOCKED')).toBe(4900);
    expect(code('INVALID_INPUT')).toBe(-32602);
    expect(code('RATE_LIMITED')).toBe(-32005);
    expect(code('UNSUPPORTED')).toBe(4200);
  });

  it('keeps the facade message where it is meant for the client, and says which code it was', () => {
    expect(toRpcError(new CustodyError('INVALID_INPUT', 'typed data: the domain has no chainId'))).toEqual({ code: -32602, message: 'typed data: the domain has no chainId', data: { reason: 'INVALID_INPUT' } });
    // A policy's reasons describe the operator's rules, not the client's request.
    expect(toRpcError(new CustodyError('POLICY_DENIED', 'rule max-value: 5 ETH > 1 ETH')).message).not.toMatch(/max-value/);
  });

  it('turns everything else into -32603 with a fixed message', () => {
    for (const c of ['INTERNAL', 'TAMPERED', 'NOT_FOUND', 'CONFLICT', 'DEVICE_UNAVAILABLE'] as const) {
      expect(toRpcError(new CustodyError(c, '/home/op/.custos/custos.db: secret detail'))).toEqual({ code: -32603, message: 'internal error', data: { reason: 'INTERNAL' } });
    }
    expect(toRpcError(new Error('ENOENT /home/op/.custos'))).toEqual({ code: -32603, message: 'internal error', data: { reason: 'INTERNAL' } });
    expect(toRpcError(new RpcError(4902, 'unrecognized', { reason: 'NOT_FOUND' }))).toEqual({ code: 4902, message: 'unrecognized', data: { reason: 'NOT_FOUND' } });
  });
});
