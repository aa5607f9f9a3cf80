/**
 * @module cli/airgap-commands
 * Signing across an air gap with files (core/airgap, formats in shared/api/airgap):
 *
 * - online side: `custos request export` writes a request envelope (and records it in the outbox);
 *   `custos response import` accepts the air-gapped side's response to an envelope sent from here
 *   and prints the signed result (a raw transaction to broadcast, a signature);
 *   `custos request outbox` lists what was sent and what came back.
 * - air-gapped side: `custos request import FILE` decodes the envelope on this machine and prints
 *   it exactly as the desktop app shows it; with `--yes` the operator approves it, it is signed
 *   and `--out` receives the response file. Without `--yes` nothing is signed: read, then re-run.
 *
 * The envelope's request is a signing request as shared/api/signing defines it (JSON), e.g.
 * `{"type":"eth.transaction","transaction":"{…}"}`; the signer comes from the same options the
 * chain commands use. A file is never overwritten. Trusts the facade.
 */
import encodeQR from 'qr';
import { CustodyError } from '../../shared/errors.js';
import type { SignerRef, SigningRequest } from '../../shared/api/signing.js';
import { bitcoinNetworkSchema, bitcoinScriptSchema } from '../../shared/api/signing.js';
import type { AirgapFile, Custodian } from '../core/custodian.js';
import type { RequestRecord } from '../core/approvals/queue.js';
import { DEFAULT_NAMESPACE } from '../core/keys/key-store.js';
import { UsageError, type Args } from './args.js';
import type { Command, CommandContext } from './commands.js';
import { readFileBytes, writeNewFile } from './io.js';
import { requestViewText, signedResultText } from './request-text.js';

const signerOptions = {
  ns: { type: 'string', description: `namespace (default "${DEFAULT_NAMESPACE}")`, placeholder: 'NS' },
  id: { type: 'string', description: 'a vault key signs (on the air-gapped side)', placeholder: 'ID' },
  wallet: { type: 'string', description: 'an HD wallet signs (on the air-gapped side)', placeholder: 'W' },
  account: { type: 'int', description: 'with --wallet: account (default 0)', placeholder: 'N' },
  index: { type: 'int', description: 'with --wallet: address index (default 0)', placeholder: 'N' },
  change: { type: 'boolean', description: 'with --wallet: the Bitcoin change chain' },
  script: { type: 'string', description: `with --wallet, Bitcoin: ${bitcoinScriptSchema.options.join(', ')}`, placeholder: 'S' },
  network: { type: 'string', description: `with --wallet, Bitcoin: ${bitcoinNetworkSchema.options.join(', ')}`, placeholder: 'N' },
} as const;

const qrOption = { qr: { type: 'boolean', description: 'also print the file as QR codes in the terminal (animated BC-UR frames one after another when large)' } } as const;

function signerOf(args: Args): SignerRef {
  const namespace = args.string('ns') ?? DEFAULT_NAMESPACE;
  const id = args.string('id');
  const wallet = args.string('wallet');
  if ((id === undefined) === (wallet === undefined)) throw new UsageError('name exactly one of --id (a vault key) or --wallet (an HD wallet): the signer on the air-gapped side');
  if (id !== undefined) return { kind: 'key', namespace, keyId: id };
  const script = args.string('script');
  const network = args.string('network');
  if (script !== undefined && !bitcoinScriptSchema.safeParse(script).success) throw new UsageError(`--script is one of ${bitcoinScriptSchema.options.join(', ')}`);
  if (network !== undefined && !bitcoinNetworkSchema.safeParse(network).success) throw new UsageError(`--network is one of ${bitcoinNetworkSchema.options.join(', ')}`);
  return {
    kind: 'hd',
    namespace,
    wallet: wallet as string,
    ...(args.int('account') === undefined ? {} : { account: args.int('account') as number }),
    ...(args.int('index') === undefined ? {} : { index: args.int('index') as number }),
    ...(args.flag('change') ? { change: 1 as const } : {}),
    ...(script === undefined ? {} : { script: script as 'p2wpkh' }),
    ...(network === undefined ? {} : { network: network as 'mainnet' }),
  };
}

async function fileText(ctx: CommandContext, path: string | undefined, what: string): Promise<string> {
  if (path === undefined) throw new UsageError(`name the ${what} FILE ("-" for stdin)`);
  const bytes = path === '-' ? await ctx.readStdin() : readFileBytes(path, what);
  return new TextDecoder('utf-8', { fatal: false }).decode(bytes);
}

function writeNew(path: string, text: string): void {
  writeNewFile(path, text, { secret: false, exists: 'choose another file name (files are never overwritten)' });
}

function qrText(file: AirgapFile): string {
  const blocks: string[] = [];
  for (const [i, frame] of file.qr.frames.entries()) {
    const code = encodeQR(frame, 'term', { ecc: 'medium' });
    blocks.push(file.qr.frames.length === 1 ? code : `frame ${i + 1} of ${file.qr.frames.length} (${file.qr.fragments} needed)\n${code}`);
  }
  return blocks.join('\n');
}

/** Waits until the queue has decided and (if approved) signed the request. */
async function settled(c: Custodian, id: string, timeoutMs = 120_000): Promise<RequestRecord> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { pending, history } = c.listRequests();
    const record = [...pending, ...history].find((r) => r.id === id);
    if (record === undefined) throw new CustodyError('NOT_FOUND', 'the imported request left the queue');
    if (record.state !== 'pending' && record.state !== 'approved') return record;
    if (Date.now() > deadline) throw new CustodyError('EXPIRED', 'signing did not finish in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const AIRGAP_COMMANDS: readonly Command[] = [
  {
    words: ['request', 'export'],
    summary: 'online side: write a request envelope for an air-gapped signer (recorded here, so only its response is accepted back)',
    usage: 'custos request export --request FILE (--id ID | --wallet W [--account N] [--index N]) [--ns NS] [--method M] [--expect-address ADDR] [--ttl-hours H] --out FILE [--qr]',
    options: {
      request: { type: 'string', description: 'the signing request as JSON (shared/api/signing), e.g. {"type":"eth.transaction","transaction":"{…}"}; "-" for stdin', placeholder: 'FILE' },
      ...signerOptions,
      method: { type: 'string', description: 'the method name to record (default from the request type, e.g. eth_signTransaction)', placeholder: 'M' },
      'expect-address': { type: 'string', description: 'the address that must sign (checked on both sides; found automatically when the signer exists here)', placeholder: 'ADDR' },
      'ttl-hours': { type: 'int', description: 'how long the envelope may be signed (default 24, at most 720)', placeholder: 'H' },
      out: { type: 'string', description: 'write the envelope to FILE (must not exist)', placeholder: 'FILE' },
      ...qrOption,
    },
    maxPositionals: 0,
    async run(ctx) {
      const out = ctx.args.string('out');
      if (out === undefined) throw new UsageError('--out FILE is required');
      const text = await fileText(ctx, ctx.args.string('request'), 'request');
      let request: unknown;
      try {
        request = JSON.parse(text);
      } catch {
        throw new CustodyError('INVALID_INPUT', 'the request file is not JSON: write {"type": "eth.transaction", "transaction": "…"} (see README, Air-gapped signing)');
      }
      const ttlHours = ctx.args.int('ttl-hours');
      if (ttlHours !== undefined && (ttlHours < 1 || ttlHours > 720)) throw new UsageError('--ttl-hours is 1 to 720');
      const c = await ctx.unlocked();
      const made = await c.airgapCreateRequest({
        request: request as SigningRequest,
        signer: signerOf(ctx.args),
        ...(ctx.args.string('method') === undefined ? {} : { method: ctx.args.string('method') as string }),
        ...(ctx.args.string('expect-address') === undefined ? {} : { expectedAddress: ctx.args.string('expect-address') as string }),
        ...(ttlHours === undefined ? {} : { ttlMs: ttlHours * 3600_000 }),
      });
      writeNew(out, made.text);
      const e = made.envelope;
      const lines = [
        `wrote request envelope ${out} (${made.text.length} bytes): ${e.request.type} for ${e.signer.namespace}/${e.signer.kind === 'key' ? e.signer.keyId : e.signer.wallet}${e.expectedAddress === null ? '' : ` (${e.expectedAddress})`}`,
        `request ${e.id}, sha256 ${e.sha256}, signable until ${e.expiresAt}`,
        'carry it to the air-gapped laptop: custos request import FILE --yes --out RESPONSE; then here: custos response import RESPONSE',
      ];
      if (ctx.args.flag('qr')) lines.push('', qrText(made));
      return { json: { out, requestId: e.id, sha256: e.sha256, expiresAt: e.expiresAt, expectedAddress: e.expectedAddress, qr: made.qr }, text: lines.join('\n') };
    },
  },
  {
    words: ['request', 'import'],
    summary: 'air-gapped side: decode a request envelope and show it; with --yes approve, sign and write the response (--out)',
    usage: 'custos request import FILE [--yes --out RESPONSE] [--qr]',
    options: {
      yes: { type: 'boolean', description: 'approve the request as shown and sign it (without it, nothing is signed: read the request, then re-run)' },
      out: { type: 'string', description: 'with --yes: write the response file to RESPONSE (must not exist)', placeholder: 'RESPONSE' },
      ...qrOption,
    },
    maxPositionals: 1,
    async run(ctx) {
      const yes = ctx.args.flag('yes');
      const out = ctx.args.string('out');
      if (yes && out === undefined) throw new UsageError('--yes needs --out RESPONSE: where the response file goes');
      if (!yes && out !== undefined) throw new UsageError('--out goes with --yes: without approval there is no response');
      const text = await fileText(ctx, ctx.args.positionals[0], 'request envelope');
      const c = await ctx.unlocked();
      const record = await c.airgapImportRequest(text);
      const shown = [requestViewText(record.view), '', policyLine(record)];
      if (record.state === 'rejected' || record.state === 'expired') {
        return { json: { requestId: record.id, state: record.state, reason: record.reason }, text: [...shown, `not signed: ${record.reason ?? record.state}`].join('\n'), exitCode: 1, failure: { code: 'POLICY_DENIED', message: record.reason ?? 'refused' } };
      }
      if (!yes) {
        if (record.state === 'pending') await c.rejectRequest(record.id, 'reviewed on the command line without --yes');
        return { json: { requestId: record.id, state: 'reviewed', view: record.view }, text: [...shown, 'nothing signed: if this is what you expect, run again with --yes --out RESPONSE'].join('\n') };
      }
      if (record.state === 'pending') {
        const approved = await c.approveRequest(record.id);
        if (approved.state === 'pending') {
          throw new CustodyError('PERMISSION_DENIED', `a policy needs ${approved.quorum?.required ?? 'more'} different operators to approve this request: import it in the desktop app, where each signs in and approves`);
        }
      }
      const done = await settled(c, record.id);
      if (done.state !== 'signed' || done.result === null) {
        throw new CustodyError(done.error?.code ?? 'USER_REJECTED', `not signed: ${done.error?.message ?? done.reason ?? done.state}`);
      }
      const response = await c.airgapExportResponse(record.id);
      writeNew(out as string, response.text);
      const lines = [...shown, '', signedResultText(done.result), '', `wrote response ${out as string} (sha256 ${response.sha256}): carry it back and run custos response import ${out as string}`];
      if (ctx.args.flag('qr')) lines.push('', qrText(response));
      return { json: { requestId: record.id, state: done.state, out, sha256: response.sha256, result: done.result, qr: response.qr }, text: lines.join('\n') };
    },
  },
  {
    words: ['response', 'import'],
    summary: 'online side: accept the air-gapped side\'s response to an envelope sent from here (checked) and print the signed result',
    usage: 'custos response import FILE',
    options: {},
    maxPositionals: 1,
    async run(ctx) {
      const text = await fileText(ctx, ctx.args.positionals[0], 'response');
      const c = await ctx.unlocked();
      const r = await c.airgapImportResponse(text);
      return {
        json: { requestId: r.requestId, requestSha256: r.requestSha256, signer: r.signer, fulfilled: r.fulfilled, result: r.result },
        text: [
          `response accepted for request ${r.requestId} (envelope ${r.requestSha256.slice(0, 16)}…)${r.signer === null ? '' : `, signed by ${r.signer}`}`,
          signedResultText(r.result),
        ].join('\n'),
      };
    },
  },
  {
    words: ['request', 'outbox'],
    summary: 'online side: the request envelopes sent to an air-gapped signer, and which were answered',
    usage: 'custos request outbox',
    options: {},
    maxPositionals: 0,
    async run(ctx) {
      const c = await ctx.unlocked();
      const entries = await c.airgapOutbox();
      const rows = entries.map((e) => `${new Date(e.createdAt).toISOString()}  ${e.state === 'answered' ? 'answered' : Date.now() > e.expiresAt ? 'expired ' : 'sent    '}  ${e.requestId}  ${e.sha256.slice(0, 12)}  ${e.title}`);
      return { json: { entries }, text: rows.length === 0 ? 'no envelopes sent yet: custos request export …' : rows.join('\n') };
    },
  },
];

function policyLine(r: RequestRecord): string {
  const reasons = r.policy.reasons.length === 0 ? '' : `: ${r.policy.reasons.join('; ')}`;
  if (r.policy.decision === 'allow') return `policy: allowed${reasons}`;
  if (r.policy.decision === 'deny') return `policy: DENIED${reasons}`;
  return r.policy.reasons.length === 0 ? 'no policy decided: the operator approves' : `policy: needs approval${reasons}`;
}
