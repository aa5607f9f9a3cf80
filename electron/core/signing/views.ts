/**
 * @module core/signing/views
 * Each chain's own decoded request (ethereum/describe, bitcoin/psbt, solana/summary,
 * starknet/transaction and typed-data) turned into the one display model of shared/api/signing:
 * a title, the flags, labelled sections and the digest. Nothing is decoded here — every value
 * comes from the chain module that also builds what is signed, so what is shown is what is signed;
 * this module only chooses labels, order and emphasis.
 *
 * Pure; no key, no facade.
 */
import type { RequestView, SignedResult, ViewField, ViewNode, ViewSection } from '../../../shared/api/signing.js';
import type * as bitcoin from '../chains/bitcoin/index.js';
import type * as eth from '../chains/ethereum/index.js';
import type * as sol from '../chains/solana/index.js';
import type * as stark from '../chains/starknet/index.js';
import { padAddress } from '../chains/starknet/index.js';

/** StarkNet addresses as wallets show them (0x + 64 hex digits), so two forms of one felt never look different. */
const starkAddress = (felt: string): string => padAddress(BigInt(felt));

const field = (label: string, value: string, kind: ViewField['kind'] = 'text', extra: { note?: string | undefined; level?: ViewField['level'] | undefined } = {}): ViewField => ({
  label,
  value,
  kind,
  ...(extra.note === undefined ? {} : { note: extra.note }),
  ...(extra.level === undefined ? {} : { level: extra.level }),
});

const section = (title: string, fields: readonly (ViewField | null)[], extra: { tree?: readonly ViewNode[]; text?: string } = {}): ViewSection => ({
  title,
  fields: fields.filter((f): f is ViewField => f !== null),
  ...(extra.tree === undefined ? {} : { tree: [...extra.tree] }),
  ...(extra.text === undefined ? {} : { text: extra.text }),
});

// ------------------------------------------------------------------ Ethereum

function chainName(chain: eth.ChainView | null): string | null {
  if (chain === null) return null;
  return chain.name === null ? `Unknown chain (${chain.id})` : `${chain.name} (${chain.id})`;
}

function flagsOf(flags: readonly eth.Flag[]): RequestView['flags'] {
  return flags.map((f) => ({ code: f.code, level: f.level, message: f.message }));
}

function nodes(list: readonly eth.DisplayNode[]): ViewNode[] {
  return list.map((n) => ({
    name: n.name,
    type: n.type,
    ...(n.value === undefined ? {} : { value: n.value }),
    ...(n.note === undefined ? {} : { note: n.note }),
    ...(n.children === undefined ? {} : { children: nodes(n.children) }),
  }));
}

export function ethereumView(view: eth.EthRequestView, signer: string | null): RequestView {
  switch (view.kind) {
    case 'transaction':
      return ethTransactionView(view, signer);
    case 'typed-data':
      return {
        chain: 'ethereum',
        type: 'eth.typedData',
        title: view.permit === null ? `Sign typed data: ${view.primaryType}` : `Sign a token permit (${view.permit.standard})`,
        network: chainName(view.chain),
        signer,
        flags: flagsOf(view.flags),
        sections: [
          ...(view.permit === null
            ? []
            : [
                section('Permit', [
                  view.permit.token === null ? null : field('Token', view.permit.token, 'address', view.permit.tokenName === null ? {} : { note: view.permit.tokenName }),
                  field('Owner', view.permit.owner, 'address'),
                  field('Spender', view.permit.spender, 'address'),
                  view.permit.value === null ? field('Allowed', view.permit.allowed === false ? 'revoke' : 'all tokens', 'text') : field('Amount (raw units)', view.permit.value, 'amount', view.permit.unlimited ? { note: 'unlimited', level: 'danger' } : {}),
                  field('Deadline', view.permit.deadlineUtc ?? (view.permit.deadline === '0' ? 'never' : view.permit.deadline), 'text', view.permit.deadlineUtc === null ? {} : { note: `unix ${view.permit.deadline}` }),
                  field('Nonce', view.permit.nonce, 'mono'),
                ]),
              ]),
          section('Domain', [view.verifyingContract === null ? null : field('Verifying contract', view.verifyingContract, 'address')], { tree: nodes(view.domain) }),
          section(`Message: ${view.primaryType}`, [], { tree: nodes(view.message) }),
          section('Hashes', [field('Domain separator', view.domainSeparator, 'hex'), field('hashStruct(message)', view.hashStruct, 'hex'), field('Type', view.encodedType, 'mono')]),
        ],
        digest: { label: 'EIP-712 digest', value: view.digest },
      };
    case 'personal-message':
      return {
        chain: 'ethereum',
        type: 'eth.message',
        title: 'Sign a message (personal_sign)',
        network: null,
        signer,
        flags: flagsOf(view.flags),
        sections: [
          section('Message', [field('Encoding', view.encoding === 'utf8' ? 'UTF-8 text' : 'bytes (not printable text)'), field('Length', `${view.byteLength} bytes`)], { text: view.text ?? view.hex }),
        ],
        digest: { label: 'EIP-191 digest', value: view.digest },
      };
    case 'authorization':
      return {
        chain: 'ethereum',
        type: 'eth.transaction',
        title: view.clearsDelegation ? 'Clear the account delegation (EIP-7702)' : 'Delegate the account (EIP-7702)',
        network: view.chain === null ? 'every chain' : chainName(view.chain),
        signer,
        flags: flagsOf(view.flags),
        sections: [section('Authorization', [field('Delegate', view.delegate, 'address'), field('Nonce', view.nonce, 'mono'), view.authority === null ? null : field('Authority', view.authority, 'address')])],
        digest: { label: 'Authorization digest', value: view.digest },
      };
    default: {
      const never: never = view;
      return never;
    }
  }
}

function ethTransactionView(view: eth.TransactionView, signer: string | null): RequestView {
  const call = view.call;
  const title =
    view.to === null
      ? 'Deploy a contract'
      : call !== null && call.function !== null
        ? `Call ${call.function.slice(0, call.function.indexOf('('))}${call.standard === null ? '' : ` (${call.standard})`}`
        : call !== null
          ? 'Call an unknown function'
          : `Send ${view.value.display}`;
  const gas = view.gas;
  const sections: ViewSection[] = [
    section('Transaction', [
      field('From', view.from ?? signer ?? 'this key', view.from === null && signer === null ? 'text' : 'address'),
      view.to === null ? field('To', 'new contract', 'text', { level: 'warning' }) : field('To', view.to, 'address'),
      field('Value', view.value.display, 'amount', { note: `${view.value.wei} wei` }),
      field('Type', `${view.typeName} (type ${view.type})`),
      field('Nonce', view.nonce, 'mono'),
    ]),
    section('Fees', [
      field('Gas limit', gas.limit, 'mono'),
      gas.gasPrice === null ? null : field('Gas price', gas.gasPrice.display),
      gas.maxFeePerGas === null ? null : field('Max fee per gas', gas.maxFeePerGas.display),
      gas.maxPriorityFeePerGas === null ? null : field('Max priority fee', gas.maxPriorityFeePerGas.display),
      gas.maxFeePerBlobGas === null ? null : field('Max fee per blob gas', gas.maxFeePerBlobGas.display),
      gas.blobGas === null ? null : field('Blob gas', gas.blobGas, 'mono'),
      field('Max network fee', gas.maxFee.display, 'amount'),
      field('Max total (value + fee)', gas.maxTotal.display, 'amount'),
    ]),
  ];
  if (call !== null) {
    sections.push(
      section(call.function === null ? 'Calldata (not decoded)' : `Call: ${call.function}`, [
        call.standard === null ? null : field('Standard', call.standard),
        field('Selector', call.selector ?? 'none', 'mono'),
        ...call.args.map((a) => field(`${a.name} (${a.type})`, a.value, a.type === 'address' ? 'address' : a.type.startsWith('uint') || a.type.startsWith('int') ? 'amount' : 'mono')),
        call.note === null ? null : field('Note', call.note),
        field('Data', `${call.byteLength} bytes`, 'text'),
      ]),
    );
  }
  if (view.deployment !== null) sections.push(section('Deployment', [field('Init code', `${view.deployment.byteLength} bytes`), field('Code hash', view.deployment.codeHash, 'hex')]));
  if (view.accessList !== null && view.accessList.length > 0) {
    sections.push(section('Access list', view.accessList.map((e) => field(e.address, e.storageKeys.length === 0 ? 'no storage keys' : e.storageKeys.join(', '), 'mono'))));
  }
  if (view.blobVersionedHashes !== null) sections.push(section('Blobs', view.blobVersionedHashes.map((h, i) => field(`Versioned hash ${i}`, h, 'hex'))));
  if (view.authorizations !== null) {
    sections.push(
      section(
        'Authorizations (EIP-7702)',
        view.authorizations.flatMap((a, i) => [
          field(`#${i} delegate`, a.delegate, 'address', a.clearsDelegation ? { note: 'clears the delegation' } : {}),
          field(`#${i} authority`, a.authority ?? 'signature does not recover', a.authority === null ? 'text' : 'address'),
          field(`#${i} chain`, chainName(a.chain) ?? 'every chain', 'text', a.chain === null ? { level: 'danger' } : {}),
        ]),
      ),
    );
  }
  return { chain: 'ethereum', type: 'eth.transaction', title, network: chainName(view.chain) ?? 'no chain id (replayable)', signer, flags: flagsOf(view.flags), sections, digest: { label: 'Signing hash', value: view.signingHash } };
}

export function ethSignatureResult(sig: eth.EthSignature): SignedResult {
  return {
    primary: { label: 'Signature (r‖s‖v)', value: sig.signature },
    fields: [field('Signer', sig.address, 'address'), field('r', sig.r, 'hex'), field('s', sig.s, 'hex'), field('v', String(sig.v), 'mono'), field('Digest', sig.digest, 'hex')],
  };
}

export function ethTransactionResult(signed: eth.SignedTransaction): SignedResult {
  return {
    primary: { label: 'Signed transaction (for eth_sendRawTransaction)', value: signed.rawTransaction },
    fields: [field('Transaction hash', signed.hash, 'hex'), field('From', signed.from, 'address'), field('r', signed.r, 'hex'), field('s', signed.s, 'hex'), field('v / yParity', signed.v, 'mono')],
  };
}

// ------------------------------------------------------------------ Bitcoin

const NETWORK_NAMES: Readonly<Record<bitcoin.BitcoinNetwork, string>> = { mainnet: 'Bitcoin mainnet', testnet: 'Bitcoin testnet', regtest: 'Bitcoin regtest' };

export function psbtView(summary: bitcoin.PsbtSummary, signer: string | null): RequestView {
  const flags: RequestView['flags'] = [];
  if (summary.feeSats === null) flags.push({ code: 'UNKNOWN_FEE', level: 'warning', message: 'an input carries no previous output: its value, and so the fee, cannot be shown' });
  const nonDefault = summary.inputs.filter((i) => i.ours && i.sighash !== 'ALL' && i.sighash !== 'DEFAULT');
  for (const i of nonDefault) flags.push({ code: 'NON_DEFAULT_SIGHASH', level: 'danger', message: `input ${i.index} asks for sighash ${i.sighash}: others may change parts of the transaction after you sign` });
  if (!summary.inputs.some((i) => i.ours)) flags.push({ code: 'NO_OWN_INPUTS', level: 'warning', message: 'no input spends from this signer: nothing would be signed' });
  if (summary.network !== 'mainnet') flags.push({ code: 'TESTNET', level: 'info', message: `${NETWORK_NAMES[summary.network]} is a test network` });
  const btc = (sats: bigint | null): string => (sats === null ? 'unknown' : `${btcString(sats)} BTC`);
  return {
    chain: 'bitcoin',
    type: 'btc.psbt',
    title: `Send ${btcString(summary.sendingSats)} BTC`,
    network: NETWORK_NAMES[summary.network],
    signer,
    flags,
    sections: [
      section('Summary', [
        field('Sending', `${btcString(summary.sendingSats)} BTC`, 'amount', { note: `${summary.sendingSats} sats` }),
        field('Change back', `${btcString(summary.changeSats)} BTC`, 'amount'),
        field('Fee', btc(summary.feeSats), 'amount', summary.feeSats === null ? { level: 'warning' } : { note: `${summary.feeSats} sats` }),
        field('PSBT', `version ${summary.psbtVersion}, transaction version ${summary.txVersion}, locktime ${summary.lockTime}`),
      ]),
      section(
        `Inputs (${summary.inputs.length})`,
        summary.inputs.map((i) =>
          field(`#${i.index}${i.ours ? ' (ours)' : ''}`, `${btc(i.valueSats)} — ${i.address ?? i.scriptType ?? 'unknown script'}`, 'mono', {
            note: `${i.txid}:${i.vout} · sighash ${i.sighash} · ${i.status}`,
            ...(i.ours && i.sighash !== 'ALL' && i.sighash !== 'DEFAULT' ? { level: 'danger' as const } : {}),
          }),
        ),
      ),
      section(
        `Outputs (${summary.outputs.length})`,
        summary.outputs.map((o) => field(`#${o.index}${o.change ? ' (change)' : ''}`, `${btc(o.valueSats)} — ${o.address ?? o.scriptType}`, 'mono', o.address === null ? { note: `script ${o.script}` } : {})),
      ),
    ],
    digest: null,
  };
}

function btcString(sats: bigint): string {
  const whole = sats / 100_000_000n;
  const frac = (sats % 100_000_000n).toString().padStart(8, '0').replace(/0+$/u, '');
  return frac === '' ? whole.toString() : `${whole}.${frac}`;
}

export function psbtResult(signed: bitcoin.SignedPsbt): SignedResult {
  return {
    primary: signed.transaction === undefined ? { label: 'Signed PSBT (base64)', value: signed.psbtBase64 } : { label: 'Final transaction (hex)', value: signed.transaction.hex },
    fields: [
      field('Inputs signed', signed.signed.length === 0 ? 'none' : signed.signed.map((s) => `#${s.index} (${s.type}, ${s.sighash})`).join(', ')),
      ...(signed.transaction === undefined ? [] : [field('Transaction id', signed.transaction.txid, 'hex'), field('Signed PSBT (base64)', signed.psbtBase64, 'mono')]),
    ],
  };
}

export function bitcoinMessageView(message: string, address: string, network: bitcoin.BitcoinNetwork): RequestView {
  return {
    chain: 'bitcoin',
    type: 'btc.message',
    title: 'Sign a message',
    network: NETWORK_NAMES[network],
    signer: address,
    flags: [],
    sections: [section('Message', [field('Address', address, 'address'), field('Length', `${new TextEncoder().encode(message).length} bytes`)], { text: message })],
    digest: null,
  };
}

export function bitcoinMessageResult(signed: bitcoin.SignedMessage): SignedResult {
  return { primary: { label: `Signature (${signed.format}, base64)`, value: signed.signature }, fields: [field('Address', signed.address, 'address'), field('Address type', signed.type)] };
}

// ------------------------------------------------------------------ Solana

export function solanaTransactionView(summary: sol.SolanaTransactionSummary, signer: string | null): RequestView {
  const flags: RequestView['flags'] = [];
  const unknown = summary.instructions.filter((i) => i.program === null);
  if (unknown.length > 0) flags.push({ code: 'UNKNOWN_PROGRAM', level: 'warning', message: `${unknown.length} instruction(s) call programs this build does not decode: what they do cannot be shown` });
  if (summary.addressTableLookups.length > 0) flags.push({ code: 'LOOKUP_TABLES', level: 'warning', message: 'some accounts come from address lookup tables and cannot be named offline' });
  if (signer !== null && !summary.signers.some((s) => s.address === signer)) flags.push({ code: 'NOT_A_SIGNER', level: 'danger', message: 'this key is not one of the transaction\'s required signers' });
  const sent = summary.solTransfers.reduce((n, t) => n + t.lamports, 0n);
  const account = (a: sol.SolanaAccountRef): string => a.address ?? (a.lookup === undefined ? `account ${a.index}` : `table ${a.lookup.table}[${a.lookup.index}]`);
  return {
    chain: 'solana',
    type: 'sol.transaction',
    title: summary.solTransfers.length === 0 ? `Solana transaction (${summary.instructions.length} instruction${summary.instructions.length === 1 ? '' : 's'})` : `Send ${solString(sent)} SOL`,
    network: null,
    signer,
    flags,
    sections: [
      section('Transaction', [
        field('Fee payer', summary.feePayer, 'address', summary.feePayer === signer ? { note: 'this key' } : {}),
        field('Version', summary.version === 'legacy' ? 'legacy' : 'v0'),
        field(summary.durableNonce === null ? 'Recent blockhash' : 'Durable nonce', summary.recentBlockhash, 'mono'),
        field('Fee', `${summary.fee.totalSol} SOL`, 'amount', { note: `${summary.fee.totalLamports} lamports` }),
      ]),
      ...(summary.solTransfers.length === 0 ? [] : [section('SOL movements', summary.solTransfers.map((t) => field(`${t.kind} #${t.instruction}`, `${t.sol} SOL → ${account(t.to)}`, 'mono', { note: `from ${account(t.from)}` })))]),
      section(
        'Instructions',
        summary.instructions.map((i) => field(`#${i.index} ${i.program ?? 'unknown program'}${i.name === null ? '' : ` · ${i.name}`}`, i.programId, 'address', { note: `${i.accounts.length} accounts, ${(i.data.length / 2).toString()} data bytes`, ...(i.program === null ? { level: 'warning' as const } : {}) })),
      ),
      section(
        'Signers',
        summary.signers.map((s) => field(`#${s.index}`, s.address, 'address', { note: s.signed ? (s.signatureValid === true ? 'signed (valid)' : 'signed (INVALID)') : 'not signed yet', ...(s.signatureValid === false ? { level: 'danger' as const } : {}) })),
      ),
    ],
    digest: null,
  };
}

function solString(lamports: bigint): string {
  const whole = lamports / 1_000_000_000n;
  const frac = (lamports % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/u, '');
  return frac === '' ? whole.toString() : `${whole}.${frac}`;
}

export function solanaTransactionResult(signed: sol.SignedSolanaTransaction): SignedResult {
  return {
    primary: { label: 'Signed transaction (base64)', value: signed.transactionBase64 },
    fields: [field('Signature', signed.signatureBase58, 'mono', { note: signed.signerIndex === 0 ? 'also the transaction id' : `signer slot ${signed.signerIndex}` }), field('Complete', signed.complete ? 'every required signature is present' : 'other signers must still sign')],
  };
}

export function solanaMessageView(message: string, signer: string | null): RequestView {
  return {
    chain: 'solana',
    type: 'sol.message',
    title: 'Sign an off-chain message',
    network: null,
    signer,
    flags: [],
    sections: [section('Message', [field('Length', `${new TextEncoder().encode(message).length} bytes`)], { text: message })],
    digest: null,
  };
}

export function solanaMessageResult(signed: sol.SignedOffchainMessage): SignedResult {
  return {
    primary: { label: 'Signature (base58)', value: signed.signatureBase58 },
    fields: [field('Format', signed.summary.formatName), ...(signed.envelopeBase64 === null ? [] : [field('Envelope (base64)', signed.envelopeBase64, 'mono')])],
  };
}

// ------------------------------------------------------------------ StarkNet

export function starkInvokeView(summary: stark.InvokeSummary, signer: string | null): RequestView {
  const flags: RequestView['flags'] = [];
  if (summary.calls === null) flags.push({ code: 'UNDECODED_CALLDATA', level: 'danger', message: 'the calldata is not a Cairo 1 __execute__ call list: what it does cannot be shown (blind signing)' });
  if (signer !== null && BigInt(summary.senderAddress) !== BigInt(signer)) flags.push({ code: 'OTHER_ACCOUNT', level: 'warning', message: 'the sender is not this key\'s OpenZeppelin account' });
  return {
    chain: 'starknet',
    type: 'stark.invoke',
    title: summary.calls === null ? 'StarkNet INVOKE (calldata not decoded)' : `StarkNet INVOKE (${summary.calls.length} call${summary.calls.length === 1 ? '' : 's'})`,
    network: summary.chainId,
    signer,
    flags,
    sections: [
      section('Transaction', [
        field('Sender', starkAddress(summary.senderAddress), 'address'),
        field('Version', `v${summary.version}`),
        field('Nonce', summary.nonce, 'mono'),
        field('Max fee', summary.maxFee.formatted, 'amount', { note: `${summary.maxFee.amount} ${summary.maxFee.unit}` }),
        summary.tip === null ? null : field('Tip', summary.tip, 'mono'),
      ]),
      ...(summary.calls ?? []).map((c, i) =>
        section(`Call ${i + 1}: ${c.entrypoint ?? c.selector}`, [
          field('Contract', starkAddress(c.to), 'address'),
          ...(c.erc20 === undefined ? [] : [field('Counterparty', starkAddress(c.erc20.counterparty), 'address'), field('Amount', c.erc20.formatted ?? c.erc20.amount, 'amount', { note: `raw ${c.erc20.amount}` })]),
          field('Calldata', c.calldata.length === 0 ? 'none' : c.calldata.join(', '), 'mono'),
        ]),
      ),
    ],
    digest: { label: 'Transaction hash', value: summary.transactionHash },
  };
}

export function starkTypedDataView(summary: stark.TypedDataSummary, signer: string | null): RequestView {
  return {
    chain: 'starknet',
    type: 'stark.typedData',
    title: `Sign typed data: ${summary.primaryType}`,
    network: summary.domain.chainId,
    signer,
    flags: [],
    sections: [
      section('Domain', [field('Name', summary.domain.name), field('Version', summary.domain.version), field('Chain', summary.domain.chainId, 'mono'), field('Revision', summary.domain.revision)]),
      section(`Message: ${summary.primaryType}`, [field('Account', starkAddress(summary.account), 'address'), ...summary.leaves.map((l) => field(l.path, l.value, 'mono', { note: l.type }))]),
    ],
    digest: { label: 'Message hash', value: summary.messageHash },
  };
}

export function starkSignatureResult(hash: string, signature: readonly [string, string]): SignedResult {
  return { primary: { label: 'Signature [r, s]', value: JSON.stringify(signature) }, fields: [field('r', signature[0], 'hex'), field('s', signature[1], 'hex'), field('Signed hash', hash, 'hex')] };
}
