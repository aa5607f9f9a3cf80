/**
 * @module renderer/features/signing/SignScreen
 * Sign a chain request by hand: choose what kind of request and who signs, paste or load it,
 * review the decoded view (RequestView), then sign. Signing is a second, explicit step on exactly
 * the reviewed draft (the store drops the view on any edit); danger flags must be acknowledged
 * first. The result — raw transaction, signature or signed PSBT — is shown in full with copy.
 */
import { FileSignature, FileUp, ShieldCheck } from 'lucide-react';
import { Fragment, useEffect, useMemo, useRef, useState } from 'react';
import { chainOfRequest, type SignedResult, type SignerRef, type SigningRequestType } from '../../../shared/api/signing.js';
import { Button } from '../../app/ui/Button.js';
import { Checkbox, Field, Segmented, SelectInput, TextInput } from '../../app/ui/Field.js';
import { CliLine, EmptyState } from '../../app/ui/EmptyState.js';
import { ErrorNote } from '../../app/ui/ErrorNote.js';
import { CopyButton } from '../../app/ui/MonoId.js';
import { bytesToBase64 } from '../../app/lib/bytes.js';
import { toastSuccess } from '../../app/ui/toast.js';
import { useApp } from '../../store/index.js';
import type { SignDraft } from '../../store/signing-slice.js';
import type { BitcoinScript, KeyInfo } from '../../store/types.js';
import { RequestView } from './RequestView.js';
import { cx } from '../../app/ui/cx.js';
import sc from '../../app/ui/screen.module.css';
import s from './signing.module.css';

interface TypeInfo {
  readonly type: SigningRequestType;
  readonly label: string;
  readonly payloadLabel: string;
  readonly placeholder: string;
  readonly cli: string;
}

const TYPES: readonly { readonly chain: string; readonly items: readonly TypeInfo[] }[] = [
  {
    chain: 'Ethereum',
    items: [
      { type: 'eth.transaction', label: 'Transaction', payloadLabel: 'Transaction (JSON fields or unsigned 0x hex)', placeholder: '{ "type": 2, "chainId": 1, "nonce": 0, "to": "0x…", "value": "1000000000000000000", "gasLimit": 21000, "maxFeePerGas": "30000000000", "maxPriorityFeePerGas": "1500000000" }', cli: 'custos eth sign-tx --wallet W --in tx.json --chain-id 1' },
      { type: 'eth.typedData', label: 'Typed data (EIP-712)', payloadLabel: 'EIP-712 typed data (JSON)', placeholder: '{ "types": { … }, "primaryType": "Mail", "domain": { "chainId": 1, … }, "message": { … } }', cli: 'custos eth sign-typed-data --wallet W --in typed.json --chain-id 1' },
      { type: 'eth.message', label: 'Message (personal_sign)', payloadLabel: 'Message', placeholder: 'Sign in to example.org', cli: 'custos eth sign-message --wallet W --in message.txt' },
    ],
  },
  {
    chain: 'Bitcoin',
    items: [
      { type: 'btc.psbt', label: 'PSBT', payloadLabel: 'PSBT (base64 or hex)', placeholder: 'cHNidP8BAH…', cli: 'custos btc sign-psbt --wallet W --in tx.psbt --finalize' },
      { type: 'btc.message', label: 'Message (BIP-322 / BIP-137)', payloadLabel: 'Message', placeholder: 'Hello World', cli: 'custos btc sign-message --wallet W --message TEXT' },
    ],
  },
  {
    chain: 'Solana',
    items: [
      { type: 'sol.transaction', label: 'Transaction', payloadLabel: 'Transaction (base64 or base58 wire bytes)', placeholder: 'AQAAAAAA…', cli: 'custos sol sign --wallet W --in tx.b64' },
      { type: 'sol.message', label: 'Off-chain message', payloadLabel: 'Message', placeholder: 'Hello from Custos', cli: 'custos sol sign --wallet W --message --text TEXT' },
    ],
  },
  {
    chain: 'StarkNet',
    items: [
      { type: 'stark.invoke', label: 'INVOKE transaction', payloadLabel: 'INVOKE v1 or v3 (JSON)', placeholder: '{ "version": 3, "senderAddress": "0x…", "calldata": [ … ], "nonce": "0", "chainId": "SN_MAIN", "resourceBounds": { … } }', cli: 'custos stark sign --wallet W --in invoke.json' },
      { type: 'stark.typedData', label: 'Typed data (SNIP-12)', payloadLabel: 'SNIP-12 revision 1 typed data (JSON)', placeholder: '{ "types": { "StarknetDomain": [ … ] }, "primaryType": "…", "domain": { … }, "message": { … } }', cli: 'custos stark sign --wallet W --in typed.json --typed-data' },
    ],
  },
];
const TYPE_INFO = new Map(TYPES.flatMap((g) => g.items.map((i) => [i.type, i] as const)));

/** Vault keys that can sign for a chain: secp256k1 for Ethereum and Bitcoin, Ed25519 for Solana, none for StarkNet. */
function keyFits(key: KeyInfo, chain: ReturnType<typeof chainOfRequest>): boolean {
  if (key.state !== 'active' || key.kind !== 'private') return false;
  if (chain === 'ethereum' || chain === 'bitcoin') return key.algorithm === 'ecdsa-secp256k1';
  if (chain === 'solana') return key.algorithm === 'ed25519';
  return false;
}

type HdSigner = Extract<SignerRef, { kind: 'hd' }>;
/** A change to an HD signer; undefined switches an option off. */
type HdPatch = { [K in keyof HdSigner]?: HdSigner[K] | undefined };

function signerValue(ref: SignerRef | null): string {
  if (ref === null) return '';
  return ref.kind === 'key' ? `key:${ref.keyId}` : `hd:${ref.wallet}`;
}

export function SignScreen() {
  const draft = useApp((x) => x.signDraft);
  const view = useApp((x) => x.signView);
  const signed = useApp((x) => x.signResult);
  const error = useApp((x) => x.signError);
  const busy = useApp((x) => x.signBusy);
  const edit = useApp((x) => x.editSignDraft);
  const review = useApp((x) => x.reviewSignDraft);
  const sign = useApp((x) => x.signReviewed);
  const namespace = useApp((x) => x.namespace);
  const keys = useApp((x) => x.keys);
  const wallets = useApp((x) => x.hdWallets);
  const loadHdWallets = useApp((x) => x.loadHdWallets);
  const [acknowledged, setAcknowledged] = useState(false);
  const fileRef = useRef<HTMLInputElement>(null);
  const reviewRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (wallets === undefined) void loadHdWallets();
  }, [wallets, loadHdWallets]);
  useEffect(() => setAcknowledged(false), [view]);
  // A new view or error starts at the top of the review column, where its title and flags are.
  useEffect(() => {
    if (signed === undefined) reviewRef.current?.scrollTo({ top: 0 });
  }, [view, error, signed]);

  const chain = chainOfRequest(draft.type);
  const info = TYPE_INFO.get(draft.type) as TypeInfo;
  const fittingKeys = useMemo(() => (keys ?? []).filter((k) => keyFits(k, chain)), [keys, chain]);
  const activeWallets = useMemo(() => (wallets ?? []).filter((w) => w.state === 'active'), [wallets]);
  const signer = draft.signer !== null && draft.signer.namespace === namespace ? draft.signer : null;
  const signerOk = signer !== null && (signer.kind === 'hd' ? activeWallets.some((w) => w.id === signer.wallet) : fittingKeys.some((k) => k.id === signer.keyId));
  const needsChainId = draft.type === 'eth.typedData';
  const canReview = draft.payload.trim() !== '' && (!needsChainId || /^\d+$/u.test(draft.chainId.trim())) && busy === null;
  const dangers = view?.flags.filter((f) => f.level === 'danger').length ?? 0;
  const canSign = view !== undefined && signerOk && signed === undefined && busy === null && (dangers === 0 || acknowledged);

  function chooseSigner(value: string) {
    if (value === '') return edit({ signer: null });
    const [kind, id] = [value.slice(0, value.indexOf(':')), value.slice(value.indexOf(':') + 1)];
    if (kind === 'key') edit({ signer: { kind: 'key', namespace, keyId: id } });
    else edit({ signer: { kind: 'hd', namespace, wallet: id, account: 0, index: 0 } });
  }

  function hdPatch(patch: HdPatch) {
    if (signer?.kind !== 'hd') return;
    const next: Record<string, unknown> = { ...signer, ...patch };
    // An option switched off is absent, not undefined: the request schema is strict.
    for (const k of Object.keys(next)) if (next[k] === undefined) delete next[k];
    edit({ signer: next as Extract<SignerRef, { kind: 'hd' }> });
  }

  async function loadFile(file: File) {
    const bytes = new Uint8Array(await file.arrayBuffer());
    // A binary PSBT (magic "psbt\xff") travels as base64; every other request is text.
    const binaryPsbt = bytes.length > 5 && bytes[0] === 0x70 && bytes[1] === 0x73 && bytes[2] === 0x62 && bytes[3] === 0x74 && bytes[4] === 0xff;
    edit({ payload: binaryPsbt ? bytesToBase64(bytes) : new TextDecoder().decode(bytes) });
  }

  return (
    <div className={s.layout}>
      <div className={s.composerColumn}>
        <form
          className={cx(sc.card, s.composer)}
          aria-label="Request"
          onSubmit={(e) => {
            e.preventDefault();
            if (canReview) void review();
          }}
        >
          <div>
            <h2 className={s.heading}>Sign a request</h2>
            <p className={s.lede}>Paste a transaction, typed data, PSBT or message. Custos decodes it first; nothing is signed until you have reviewed it.</p>
          </div>
          <Field label="Request type">
            {(c) => (
              <SelectInput {...c} value={draft.type} onChange={(e) => edit({ type: e.target.value as SigningRequestType })} data-testid="request-type">
                {TYPES.map((g) => (
                  <optgroup key={g.chain} label={g.chain}>
                    {g.items.map((i) => (
                      <option key={i.type} value={i.type}>
                        {g.chain} · {i.label}
                      </option>
                    ))}
                  </optgroup>
                ))}
              </SelectInput>
            )}
          </Field>
          <Field label="Signer" hint={chain === 'starknet' ? 'StarkNet signs with HD wallet accounts (m/44′/9004′/0′/0/index, ground to a Stark key).' : `Vault keys (${chain === 'solana' ? 'Ed25519' : 'secp256k1'}) and HD wallets in namespace ${namespace}.`}>
            {(c) => (
              <SelectInput {...c} value={signerValue(signer)} onChange={(e) => chooseSigner(e.target.value)} data-testid="signer">
                <option value="">Review without a signer…</option>
                {activeWallets.length === 0 ? null : (
                  <optgroup label="HD wallets">
                    {activeWallets.map((w) => (
                      <option key={w.id} value={`hd:${w.id}`}>
                        {w.id} (HD, {w.fingerprint})
                      </option>
                    ))}
                  </optgroup>
                )}
                {fittingKeys.length === 0 ? null : (
                  <optgroup label="Vault keys">
                    {fittingKeys.map((k) => (
                      <option key={k.id} value={`key:${k.id}`}>
                        {k.id} ({k.algorithm})
                      </option>
                    ))}
                  </optgroup>
                )}
              </SelectInput>
            )}
          </Field>
          {signer?.kind === 'hd' ? <HdAccountFields signer={signer} chain={chain} onChange={hdPatch} /> : null}
          <ChainFields draft={draft} onChange={edit} />
          <Field label={info.payloadLabel}>
            {(c) => <textarea {...c} className={s.payload} value={draft.payload} spellCheck={false} placeholder={info.placeholder} onChange={(e) => edit({ payload: e.target.value })} data-testid="payload" />}
          </Field>
          <div className={s.composerActions}>
            <input
              ref={fileRef}
              type="file"
              hidden
              onChange={(e) => {
                const f = e.target.files?.[0];
                if (f !== undefined) void loadFile(f);
                e.target.value = '';
              }}
            />
            <Button type="button" variant="ghost" icon={<FileUp aria-hidden />} onClick={() => fileRef.current?.click()}>
              Load file…
            </Button>
            <span className={sc.toolbarSpacer} />
            <Button type="submit" variant="primary" busy={busy === 'review'} disabled={!canReview}>
              Review
            </Button>
          </div>
          <CliLine command={info.cli} />
        </form>
      </div>

      <div className={s.reviewColumn} ref={reviewRef}>
        <section className={s.review} aria-label="Review">
          {error === undefined ? null : <ErrorNote error={error} />}
          {view === undefined ? (
            error === undefined ? (
              <EmptyState icon={<FileSignature aria-hidden />} title="Nothing to review yet">
                Choose a request type and a signer, paste the request and press Review. The decoded request appears here, with anything that deserves a second look flagged.
              </EmptyState>
            ) : null
          ) : (
            <>
              <RequestView view={view} />
              {signed === undefined ? (
                <div className={s.signBar}>
                  {dangers === 0 ? null : <Checkbox label={`I have read the ${dangers === 1 ? 'danger warning' : `${dangers} danger warnings`} and still want to sign`} checked={acknowledged} onChange={(e) => setAcknowledged(e.target.checked)} data-testid="acknowledge" />}
                  <span className={sc.toolbarSpacer} />
                  {signerOk ? null : <span className={s.signHint}>Choose a signer to sign.</span>}
                  <Button
                    variant={dangers === 0 ? 'primary' : 'danger'}
                    icon={<ShieldCheck aria-hidden />}
                    busy={busy === 'sign'}
                    disabled={!canSign}
                    onClick={() => {
                      void sign().then((ok) => {
                        if (ok) toastSuccess('Signed', 'Recorded in the audit log.');
                      });
                    }}
                  >
                    Sign
                  </Button>
                </div>
              ) : (
                <SignedPanel result={signed.result} />
              )}
            </>
          )}
        </section>
      </div>
    </div>
  );
}

function HdAccountFields({ signer, chain, onChange }: { signer: Extract<SignerRef, { kind: 'hd' }>; chain: ReturnType<typeof chainOfRequest>; onChange: (patch: HdPatch) => void }) {
  const num = (v: string) => (/^\d{1,10}$/u.test(v) && Number(v) <= 0x7fffffff ? Number(v) : 0);
  return (
    <>
      <div className={s.row}>
        {chain === 'starknet' ? null : (
          <Field label="Account">{(c) => <TextInput {...c} inputMode="numeric" value={String(signer.account ?? 0)} onChange={(e) => onChange({ account: num(e.target.value) })} />}</Field>
        )}
        {chain === 'solana' ? null : (
          <Field label="Address index">{(c) => <TextInput {...c} inputMode="numeric" value={String(signer.index ?? 0)} onChange={(e) => onChange({ index: num(e.target.value) })} data-testid="hd-index" />}</Field>
        )}
        {chain === 'bitcoin' ? (
          <Field label="Script">
            {(c) => (
              <SelectInput {...c} value={signer.script ?? 'p2wpkh'} onChange={(e) => onChange({ script: e.target.value as BitcoinScript })}>
                <option value="p2wpkh">Native SegWit (BIP-84)</option>
                <option value="p2tr">Taproot (BIP-86)</option>
                <option value="p2sh-p2wpkh">Nested SegWit (BIP-49)</option>
                <option value="p2pkh">Legacy (BIP-44)</option>
              </SelectInput>
            )}
          </Field>
        ) : null}
      </div>
      {chain === 'starknet' ? <Eip2645Fields signer={signer} onChange={onChange} /> : null}
    </>
  );
}

/** StarkNet keys on an EIP-2645 path (m/2645'/layer'/application'/eth1'/eth2'/index: StarkEx) instead of m/44'/9004'/0'/0/index. */
function Eip2645Fields({ signer, onChange }: { signer: Extract<SignerRef, { kind: 'hd' }>; onChange: (patch: HdPatch) => void }) {
  const path = signer.eip2645;
  return (
    <>
      <Checkbox
        label="EIP-2645 path"
        description="m/2645′/layer′/application′/eth1′/eth2′/index, as StarkEx and earlier wallets derive; otherwise m/44′/9004′/0′/0/index."
        checked={path !== undefined}
        onChange={(e) => onChange({ eip2645: e.target.checked ? { layer: 'starkex', application: 'starkdeployement', ethAddress: '' } : undefined })}
        data-testid="eip2645"
      />
      {path === undefined ? null : (
        <div className={s.pathFields}>
          <Field label="Layer">{(c) => <TextInput {...c} value={path.layer} onChange={(e) => onChange({ eip2645: { ...path, layer: e.target.value } })} />}</Field>
          <Field label="Application">{(c) => <TextInput {...c} value={path.application} onChange={(e) => onChange({ eip2645: { ...path, application: e.target.value } })} />}</Field>
          <Field label="Ethereum address">{(c) => <TextInput {...c} mono placeholder="0x…" value={path.ethAddress} onChange={(e) => onChange({ eip2645: { ...path, ethAddress: e.target.value.trim() } })} />}</Field>
        </div>
      )}
    </>
  );
}

function ChainFields({ draft, onChange }: { draft: SignDraft; onChange: (patch: Partial<SignDraft>) => void }) {
  switch (draft.type) {
    case 'eth.transaction':
    case 'eth.typedData':
      return (
        <Field label="Expected chain id" hint={draft.type === 'eth.typedData' ? 'The domain must name this chain, or nothing is signed.' : 'Optional: the transaction must be for this chain.'}>
          {(c) => <TextInput {...c} mono inputMode="numeric" value={draft.chainId} onChange={(e) => onChange({ chainId: e.target.value })} data-testid="chain-id" />}
        </Field>
      );
    case 'eth.message':
      return (
        <Segmented
          label="Message encoding"
          value={draft.encoding}
          options={[
            { value: 'utf8', label: 'Text (UTF-8)' },
            { value: 'hex', label: 'Hex bytes' },
          ]}
          onChange={(encoding) => onChange({ encoding })}
        />
      );
    case 'btc.psbt':
    case 'btc.message':
      return (
        <div className={s.row}>
          <Field label="Network">
            {(c) => (
              <SelectInput {...c} value={draft.network} onChange={(e) => onChange({ network: e.target.value as SignDraft['network'] })}>
                <option value="mainnet">Mainnet</option>
                <option value="testnet">Testnet</option>
                <option value="regtest">Regtest</option>
              </SelectInput>
            )}
          </Field>
          {draft.type === 'btc.psbt' ? <Checkbox label="Finalize" description="Extract the network transaction when every input is signed." checked={draft.finalize} onChange={(e) => onChange({ finalize: e.target.checked })} /> : null}
        </div>
      );
    default:
      return null;
  }
}

function SignedPanel({ result }: { result: SignedResult }) {
  const ref = useRef<HTMLDivElement>(null);
  // The result appears below the (long) view: bring it into sight.
  useEffect(() => {
    ref.current?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  }, []);
  return (
    <div ref={ref} className={s.signed} data-testid="signed-result" aria-label="Signed">
      <div className={s.signedHeader}>
        <ShieldCheck aria-hidden />
        <span>Signed — recorded in the audit log</span>
      </div>
      <div className={s.sectionHeading}>{result.primary.label}</div>
      <div className={s.primaryValue}>
        <pre data-testid="signed-primary">{result.primary.value}</pre>
        <CopyButton value={result.primary.value} label={`Copy ${result.primary.label}`} />
      </div>
      {result.fields.length === 0 ? null : (
        <dl className={s.fields}>
          {result.fields.map((f) => (
            <Fragment key={f.label}>
              <dt>{f.label}</dt>
              <dd className={f.kind === 'text' ? undefined : s.monoValue}>{f.value}</dd>
            </Fragment>
          ))}
        </dl>
      )}
    </div>
  );
}
