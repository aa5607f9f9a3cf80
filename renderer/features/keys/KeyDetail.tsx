/**
 * @module renderer/features/keys/KeyDetail
 * The selected key: its facts, versions and public key (PEM / JWK / raw, each with a copy button
 * and a QR code drawn locally), and the lifecycle actions — rotate, disable/enable, schedule or
 * cancel deletion. Every outcome is a toast; a failure carries its code.
 */
import * as Menu from '@radix-ui/react-dropdown-menu';
import * as Tabs from '@radix-ui/react-tabs';
import { Ban, CircleCheck, Clock, FileSignature, MoreHorizontal, RotateCw, Trash2, Undo2, Unlink, X } from 'lucide-react';
import { useState, type ReactNode } from 'react';
import { useApp } from '../../store/index.js';
import type { SimpleKeyAction } from '../../store/keys-slice.js';
import type { KeyInfo } from '../../store/types.js';
import { Badge } from '../../app/ui/Badge.js';
import { Button } from '../../app/ui/Button.js';
import { CliLine } from '../../app/ui/EmptyState.js';
import { CopyButton } from '../../app/ui/MonoId.js';
import { Tip } from '../../app/ui/Tip.js';
import { toastError, toastSuccess } from '../../app/ui/toast.js';
import { formatDateTime, formatRelative } from '../../app/lib/format.js';
import { useNow } from '../../app/lib/use-now.js';
import { cx } from '../../app/ui/cx.js';
import { KIND_LABEL, algorithmNote, cli } from './key-meta.js';
import { StateBadge, backendLabel } from './KeysScreen.js';
import { DeleteKeyDialog } from './DeleteKeyDialog.js';
import { ForgetDeviceKeyDialog } from './ForgetDeviceKeyDialog.js';
import { BackendBadge } from '../devices/BackendBadge.js';
import { backendKind, isDeviceBackend } from '../devices/device-meta.js';
import { PublicKeyView } from './PublicKeyView.js';
import f from '../../app/frame.module.css';
import sc from '../../app/ui/screen.module.css';
import k from './keys.module.css';

const DONE: Record<SimpleKeyAction, (info: KeyInfo) => string> = {
  rotate: (i) => `Rotated ${i.id}: version ${i.primaryVersion} is now primary`,
  disable: (i) => `Disabled ${i.id}`,
  enable: (i) => `Enabled ${i.id}`,
  cancelDeletion: (i) => `Deletion of ${i.id} cancelled`,
};
const FAILED: Record<SimpleKeyAction, string> = {
  rotate: 'Rotation failed',
  disable: 'Could not disable the key',
  enable: 'Could not enable the key',
  cancelDeletion: 'Could not cancel the deletion',
};

export function KeyDetail({ info }: { info: KeyInfo }) {
  const keyAction = useApp((s) => s.keyAction);
  const selectKey = useApp((s) => s.selectKey);
  const startSigning = useApp((s) => s.startSigning);
  const [busy, setBusy] = useState<SimpleKeyAction | null>(null);
  const [deleting, setDeleting] = useState(false);
  const now = useNow(30_000);
  const hasPublic = info.kind !== 'secret';
  const live = info.state !== 'destroyed';
  // A key on a token or a Ledger: one version, no rotation or export; Forget drops the reference, not the key.
  const onDevice = isDeviceBackend(info.backend);
  const [forgetting, setForgetting] = useState(false);

  async function run(action: SimpleKeyAction) {
    setBusy(action);
    const r = await keyAction(action, info.id);
    setBusy(null);
    if (r.ok) toastSuccess(DONE[action](r.value));
    else toastError(FAILED[action], r.error);
  }

  return (
    <aside className={sc.panel} aria-label={`Key ${info.id}`} data-testid="key-detail">
      <div className={sc.panelHead}>
        <div className={sc.panelTitleRow}>
          <h2 className={cx(sc.panelTitle, 'mono')} title={info.id}>
            {info.id}
          </h2>
          <CopyButton value={info.id} label="Copy key id" />
          <Tip label="Close" shortcut="Esc">
            <Button variant="ghost" size="sm" iconOnly aria-label="Close key details" icon={<X aria-hidden />} onClick={() => selectKey(null)} />
          </Tip>
        </div>
        <div className={k.panelMeta}>
          <StateBadge info={info} now={now} />
          <Badge tone="outline" square>
            {info.algorithm}
          </Badge>
          {onDevice ? <BackendBadge backend={info.backend} /> : <span>v{info.primaryVersion} primary</span>}
          {info.exportable ? <Badge tone="warning">Exportable</Badge> : null}
        </div>
        {live ? (
          <div className={k.panelActions}>
            {info.state === 'active' && info.kind === 'private' && (info.algorithm === 'ecdsa-secp256k1' || info.algorithm === 'ed25519') ? (
              <Tip label={info.algorithm === 'ed25519' ? 'Sign a Solana transaction or message' : 'Sign an Ethereum or Bitcoin request'}>
                <Button size="sm" variant="primary" icon={<FileSignature aria-hidden />} onClick={() => startSigning({ kind: 'key', namespace: info.namespace, keyId: info.id }, info.algorithm === 'ed25519' ? 'sol.transaction' : 'eth.transaction')}>
                  Sign…
                </Button>
              </Tip>
            ) : null}
            {!onDevice && (info.state === 'active' || info.state === 'disabled') ? (
              <Tip label="Create a new version and make it primary; old versions still verify and decrypt">
                <Button size="sm" icon={<RotateCw aria-hidden />} busy={busy === 'rotate'} disabled={busy !== null || info.state !== 'active'} onClick={() => void run('rotate')}>
                  Rotate
                </Button>
              </Tip>
            ) : null}
            {info.state === 'active' ? (
              <Button size="sm" icon={<Ban aria-hidden />} busy={busy === 'disable'} disabled={busy !== null} onClick={() => void run('disable')}>
                Disable
              </Button>
            ) : null}
            {info.state === 'disabled' ? (
              <Button size="sm" icon={<CircleCheck aria-hidden />} busy={busy === 'enable'} disabled={busy !== null} onClick={() => void run('enable')}>
                Enable
              </Button>
            ) : null}
            {onDevice ? (
              <DangerMenu icon={<Unlink aria-hidden />} label="Forget (the key stays on the device)…" onSelect={() => setForgetting(true)} />
            ) : info.state === 'pending-deletion' ? (
              <Button size="sm" icon={<Undo2 aria-hidden />} busy={busy === 'cancelDeletion'} disabled={busy !== null} onClick={() => void run('cancelDeletion')}>
                Cancel deletion
              </Button>
            ) : (
              <DangerMenu icon={<Trash2 aria-hidden />} label="Schedule deletion…" onSelect={() => setDeleting(true)} />
            )}
          </div>
        ) : null}
      </div>

      <Tabs.Root className={k.tabs} defaultValue="overview">
        <Tabs.List className={k.tabList} aria-label="Key details">
          <Tabs.Trigger className={k.tab} value="overview">
            Overview
          </Tabs.Trigger>
          <Tabs.Trigger className={k.tab} value="versions">
            Versions ({info.versions.length})
          </Tabs.Trigger>
          {hasPublic ? (
            <Tabs.Trigger className={k.tab} value="public">
              Public key
            </Tabs.Trigger>
          ) : null}
        </Tabs.List>

        <Tabs.Content className={k.tabPanel} value="overview">
          <StateCallout info={info} now={now} />
          <dl className={sc.facts}>
            <dt>Algorithm</dt>
            <dd>
              <span className="mono">{info.algorithm}</span>
              <div className={k.muted}>{algorithmNote(info.algorithm)}</div>
            </dd>
            <dt>Kind</dt>
            <dd>{KIND_LABEL[info.kind]}</dd>
            <dt>Namespace</dt>
            <dd className="mono">{info.namespace}</dd>
            <dt>Backend</dt>
            <dd>
              {onDevice ? (
                <>
                  <BackendBadge backend={info.backend} />
                  <div className={k.muted}>
                    The key lives on the {backendKind(info.backend) === 'ledger' ? 'Ledger' : 'token'}; the vault holds a reference.
                  </div>
                </>
              ) : (
                backendLabel(info.backend)
              )}
            </dd>
            <dt>Origin</dt>
            <dd>{onDevice ? (info.origin === 'generated' ? 'Generated on the device' : 'Adopted from the device') : info.origin === 'generated' ? 'Generated in the vault' : 'Imported'}</dd>
            <dt>Exportable</dt>
            <dd>{onDevice ? 'No — non-extractable on the device' : info.exportable ? 'Yes — the private material can be exported' : 'No — the material never leaves the vault'}</dd>
            <dt>Primary version</dt>
            <dd className="num">{info.primaryVersion}</dd>
            {info.kind === 'secret' ? (
              <>
                <dt>Decrypts from</dt>
                <dd className="num">version {info.minDecryptVersion}</dd>
              </>
            ) : null}
            <dt>Created</dt>
            <dd>{formatDateTime(info.createdAt)}</dd>
            <dt>Updated</dt>
            <dd>
              {formatDateTime(info.updatedAt)} <span className={k.muted}>({formatRelative(info.updatedAt, now)})</span>
            </dd>
          </dl>
          <CliLine command={cli.show(info.namespace, info.id)} />
        </Tabs.Content>

        <Tabs.Content className={k.tabPanel} value="versions">
          <table className={k.vtable} aria-label="Versions">
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Created</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {[...info.versions]
                .sort((a, b) => b.version - a.version)
                .map((v) => (
                  <tr key={v.version}>
                    <td className="num mono">v{v.version}</td>
                    <td>{formatDateTime(v.createdAt)}</td>
                    <td>
                      {v.destroyed ? (
                        <Badge tone="danger">Destroyed</Badge>
                      ) : v.version === info.primaryVersion ? (
                        <Badge tone="accent">Primary</Badge>
                      ) : (
                        <Badge tone="neutral">{info.kind === 'secret' && v.version < info.minDecryptVersion ? 'Retired' : 'Verify / decrypt only'}</Badge>
                      )}
                    </td>
                  </tr>
                ))}
            </tbody>
          </table>
          {live && !onDevice ? <CliLine command={cli.rotate(info.namespace, info.id)} label="Rotate from the CLI" /> : null}
          {onDevice ? <p className={k.muted}>A device key has one version: the device does not rotate it. Generate a new key on the device instead.</p> : null}
        </Tabs.Content>

        {hasPublic ? (
          <Tabs.Content className={k.tabPanel} value="public">
            {live ? <PublicKeyView info={info} /> : <p className={k.muted}>The key was destroyed; its public key is no longer served.</p>}
          </Tabs.Content>
        ) : null}
      </Tabs.Root>
      {onDevice ? <ForgetDeviceKeyDialog info={info} open={forgetting} onOpenChange={setForgetting} /> : <DeleteKeyDialog info={info} open={deleting} onOpenChange={setDeleting} />}
    </aside>
  );
}

/** The key's "more actions" menu: its one destructive action (schedule deletion, or forget a device key). */
function DangerMenu({ icon, label, onSelect }: { icon: ReactNode; label: string; onSelect: () => void }) {
  return (
    <Menu.Root>
      <Menu.Trigger asChild>
        <Button size="sm" variant="ghost" iconOnly aria-label="More key actions" icon={<MoreHorizontal aria-hidden />} />
      </Menu.Trigger>
      <Menu.Portal>
        <Menu.Content className={f.menu} align="end" sideOffset={6}>
          <Menu.Item className={cx(f.menuItem, k.menuDanger)} onSelect={onSelect}>
            {icon}
            {label}
          </Menu.Item>
        </Menu.Content>
      </Menu.Portal>
    </Menu.Root>
  );
}

function StateCallout({ info, now }: { info: KeyInfo; now: number }) {
  if (info.state === 'pending-deletion') {
    return (
      <div className={k.callout} role="status">
        <Clock aria-hidden />
        <div className={k.calloutBody}>
          <span>
            Scheduled for deletion{info.deletionAt === null ? '' : ` ${formatRelative(info.deletionAt, now)} (${formatDateTime(info.deletionAt)})`}. The key refuses every operation until then; cancel to keep it.
          </span>
        </div>
      </div>
    );
  }
  if (info.state === 'disabled') {
    return (
      <div className={cx(k.callout, k.calloutNeutral)} role="status">
        <Ban aria-hidden />
        <span>Disabled: the key refuses every operation until it is enabled again.</span>
      </div>
    );
  }
  if (info.state === 'destroyed') {
    return (
      <div className={cx(k.callout, k.calloutDanger)} role="status">
        <Trash2 aria-hidden />
        <span>Destroyed: the key material has been erased. Only its record remains.</span>
      </div>
    );
  }
  return null;
}
