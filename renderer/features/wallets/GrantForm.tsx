/**
 * @module renderer/features/wallets/GrantForm
 * What a wallet client may use, as the operator chooses it: the Ethereum accounts (ticked from the
 * vault's candidates, each with its identicon, label and address), the chain, and — only where
 * asked for — auto-approval of the client's future requests, with what that means said plainly.
 * Used by the connect and pairing prompts and by the Settings editor of a connection.
 *
 * Controlled: the value lives in the caller (the store's draft for a prompt, so the A key grants
 * exactly what is ticked here).
 */
import { AlertTriangle, KeyRound } from 'lucide-react';
import { useId } from 'react';
import type { WalletAccount } from '../../../shared/api/wallet.js';
import { signerKey, type WalletChainInfo } from '../../store/wallets-slice.js';
import { Identicon } from '../../app/ui/Identicon.js';
import { MonoId } from '../../app/ui/MonoId.js';
import { SelectInput } from '../../app/ui/Field.js';
import { cx } from '../../app/ui/cx.js';
import w from './wallets.module.css';

export interface GrantValue {
  readonly accounts: readonly string[];
  readonly chainId: string;
  readonly autoApprove: boolean;
}

export function GrantForm({
  value,
  onChange,
  candidates,
  chains,
  client,
  autoApprove = true,
  disabled,
}: {
  value: GrantValue;
  onChange: (patch: Partial<GrantValue>) => void;
  candidates: readonly WalletAccount[] | undefined;
  chains: readonly WalletChainInfo[] | undefined;
  /** Who the auto-approve line speaks of. */
  client: 'site' | 'program';
  /** Offer the auto-approve choice (the Settings editor has its own switch). */
  autoApprove?: boolean;
  disabled?: boolean;
}) {
  const chainId = useId();
  const ticked = new Set(value.accounts);
  const toggle = (key: string, on: boolean) => {
    // Keep candidate order: the first ticked is the account eth_accounts lists first.
    const next = (candidates ?? []).map((a) => signerKey(a.signer)).filter((k) => (k === key ? on : ticked.has(k)));
    onChange({ accounts: next });
  };
  return (
    <div className={w.grant}>
      <fieldset className={w.accounts} disabled={disabled} data-testid="grant-accounts">
        <legend className={w.groupLabel}>
          Accounts it may use
          <span className={w.groupHint}>
            {ticked.size === 0 ? 'Tick at least one' : `${ticked.size} of ${candidates?.length ?? 0} · the ${client} sees only these addresses`}
          </span>
        </legend>
        {candidates === undefined ? (
          <div className={w.accountsEmpty}>Loading accounts…</div>
        ) : candidates.length === 0 ? (
          <div className={w.accountsEmpty}>
            <KeyRound aria-hidden />
            <span>
              No Ethereum accounts in this vault yet. Create a secp256k1 key or an HD wallet on the Keys screen (<code>custos keys create --algorithm secp256k1</code>), then come back.
            </span>
          </div>
        ) : (
          <ul className={w.accountList}>
            {candidates.map((a) => {
              const key = signerKey(a.signer);
              const on = ticked.has(key);
              return (
                <li key={key}>
                  <label className={cx(w.account, on && w.accountOn)} data-testid="grant-account" data-address={a.address}>
                    <input type="checkbox" checked={on} onChange={(e) => toggle(key, e.target.checked)} aria-label={`${a.label} ${a.address}`} />
                    <Identicon value={a.address} size={22} />
                    <span className={w.accountText}>
                      <span className={w.accountLabel}>
                        {a.label}
                        {on && value.accounts[0] === key && value.accounts.length > 1 ? <span className={w.primaryTag}>first</span> : null}
                      </span>
                      <MonoId value={a.address} max={22} copyLabel={`Copy ${a.address}`} className={w.accountAddress} />
                    </span>
                  </label>
                </li>
              );
            })}
          </ul>
        )}
      </fieldset>

      <div className={w.chainRow}>
        <label className={w.groupLabel} htmlFor={chainId}>
          Chain
        </label>
        <SelectInput id={chainId} value={value.chainId} onChange={(e) => onChange({ chainId: e.target.value })} disabled={disabled === true || chains === undefined || chains.length === 0} data-testid="grant-chain" className={w.chainSelect}>
          {(chains ?? []).map((c) => (
            <option key={c.chainId} value={c.chainId}>
              {c.name} · {c.chainId}
            </option>
          ))}
          {chains?.some((c) => c.chainId === value.chainId) === false && value.chainId !== '' ? <option value={value.chainId}>Chain {value.chainId} (not configured)</option> : null}
        </SelectInput>
      </div>

      {autoApprove ? (
        <div className={cx(w.auto, value.autoApprove && w.autoOn)}>
          <label className={w.autoLabel}>
            <input type="checkbox" checked={value.autoApprove} onChange={(e) => onChange({ autoApprove: e.target.checked })} disabled={disabled} data-testid="grant-auto-approve" />
            <span>Approve future requests from this {client} automatically</span>
          </label>
          {value.autoApprove ? (
            <p className={w.autoWarning} role="note" data-testid="auto-approve-warning">
              <AlertTriangle aria-hidden />
              <span>
                Every signature it asks for — messages, typed data and transactions that move funds — will be made <strong>without asking you</strong>. Policies still apply and each one is audited. Only for a {client} you run and trust; turn it off in Settings any time.
              </span>
            </p>
          ) : (
            <p className={w.autoHint}>Off: each signature it asks for waits here for your approval.</p>
          )}
        </div>
      ) : null}
    </div>
  );
}
