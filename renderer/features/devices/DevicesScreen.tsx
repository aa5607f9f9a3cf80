/**
 * @module renderer/features/devices/DevicesScreen
 * Devices: the PKCS#11 tokens of the configured modules and the attached Ledgers. On the left the
 * list with each one's state; on the right the device on show — its state and what to do about it
 * (log in, unlock, open the app), what it can do, and the keys on it: which the vault already
 * references (as namespace/id, a link to the Keys screen) and, for the others, Adopt. Tokens
 * generate keys here ("Generate on token"); a Ledger adds accounts by path.
 *
 * The list is read when the screen opens and follows devices.changed. With no device configured
 * the screen says how to configure one and shows the CLI equivalents (UI.md: every list).
 */
import { CheckCircle2, Cpu, FileSignature, KeySquare, Link2, LogIn, LogOut, RefreshCw, Usb, Wallet } from 'lucide-react';
import { useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useApp } from '../../store/index.js';
import { shownDevice, type DeviceInfo, type DeviceKey } from '../../store/devices-slice.js';
import type { ErrorInfo } from '../../store/types.js';
import { Badge } from '../../app/ui/Badge.js';
import { Button } from '../../app/ui/Button.js';
import { CliLine, EmptyState } from '../../app/ui/EmptyState.js';
import { ErrorNote } from '../../app/ui/ErrorNote.js';
import { Field, TextInput } from '../../app/ui/Field.js';
import { Identicon } from '../../app/ui/Identicon.js';
import { Modal } from '../../app/ui/Modal.js';
import { MonoId } from '../../app/ui/MonoId.js';
import { Delayed, Spinner } from '../../app/ui/Progress.js';
import { Tip } from '../../app/ui/Tip.js';
import { toastError, toastSuccess } from '../../app/ui/toast.js';
import { bytesToBase64 } from '../../app/lib/bytes.js';
import { formatCount } from '../../app/lib/format.js';
import { cx } from '../../app/ui/cx.js';
import { DEVICES_CONFIG_EXAMPLE, backendName, canListKeys, deviceCli, pinErrorHelp, statusView } from './device-meta.js';
import { PinDialog } from './PinDialog.js';
import { GenerateOnTokenDialog, generatableAlgorithms } from './GenerateOnTokenDialog.js';
import { AdoptKeyDialog } from './AdoptKeyDialog.js';
import { LedgerAccountDialog } from './LedgerAccountDialog.js';
import sc from '../../app/ui/screen.module.css';
import d from './devices.module.css';

export function DevicesScreen() {
  const { devices, devicesError } = useApp(useShallow((s) => ({ devices: s.devices, devicesError: s.devicesError })));
  const loadDevices = useApp((s) => s.loadDevices);
  const shown = useApp((s) => shownDevice(s));
  const [refreshing, setRefreshing] = useState(false);

  useEffect(() => {
    void loadDevices();
  }, [loadDevices]);

  async function refresh() {
    setRefreshing(true);
    await loadDevices();
    setRefreshing(false);
  }

  return (
    <>
      <div className={sc.toolbar}>
        <span className={d.toolbarTitle}>Tokens and Ledgers</span>
        {devices === undefined ? null : (
          <span className={sc.toolbarCount} data-testid="device-count">
            {formatCount(devices.length)} {devices.length === 1 ? 'device' : 'devices'}
          </span>
        )}
        <div className={sc.toolbarSpacer} />
        <Tip label="Read the devices again (a token inserted, a Ledger plugged in)">
          <Button icon={<RefreshCw aria-hidden />} busy={refreshing} onClick={() => void refresh()} data-testid="devices-refresh">
            Refresh
          </Button>
        </Tip>
      </div>
      {devicesError === undefined ? null : (
        <div className={d.errorRow}>
          <ErrorNote error={devicesError} />
        </div>
      )}
      {devices === undefined ? (
        <Delayed>
          <div className={d.loading} role="status">
            <Spinner /> Looking for devices…
          </div>
        </Delayed>
      ) : devices.length === 0 ? (
        <div className={sc.page}>
          <NoDevices />
        </div>
      ) : (
        <div className={d.layout}>
          <DeviceList devices={devices} shown={shown?.backend} />
          {shown === undefined ? null : <DeviceView key={shown.backend} device={shown} />}
        </div>
      )}
      <DeviceDialogs />
    </>
  );
}

// ---------------------------------------------------------------- list

/**
 * A token's label (SoftHSM lists a free, uninitialised slot with none). A Ledger has no name of its
 * own to show: the core labels it with its device id (the HID path), which goes in the detail line.
 */
function deviceName(dev: DeviceInfo): string {
  if (dev.kind === 'ledger') return 'Ledger';
  return dev.label !== '' ? dev.label : 'Unlabelled token (not initialised?)';
}

/** A ready Ledger's app and version ("Ethereum app 1.13.0"), once a request has asked it (its status says just "Ledger" before). */
function ledgerApp(dev: DeviceInfo): string | undefined {
  return dev.kind === 'ledger' && dev.status.state === 'ready' && dev.status.detail !== '' && dev.status.detail !== 'Ledger' ? dev.status.detail : undefined;
}

/** The line under the name: a token's maker, model, serial and slot; a Ledger's app and where it is attached. */
function deviceDetail(dev: DeviceInfo): string {
  if (dev.kind !== 'ledger') return dev.detail;
  return [ledgerApp(dev), dev.label].filter((x) => x !== undefined).join(' · ');
}

function DeviceIcon({ kind }: { kind: DeviceInfo['kind'] }) {
  return kind === 'ledger' ? <Usb aria-hidden /> : <Cpu aria-hidden />;
}

function DeviceList({ devices, shown }: { devices: readonly DeviceInfo[]; shown: string | undefined }) {
  const selectDevice = useApp((s) => s.selectDevice);
  return (
    <nav className={d.list} aria-label="Devices">
      {devices.map((dev) => {
        const v = statusView(dev.kind, dev.status.state);
        return (
          <button key={dev.backend} type="button" className={d.listItem} aria-current={dev.backend === shown ? 'true' : undefined} onClick={() => selectDevice(dev.backend)} data-device={dev.backend}>
            <span className={cx(d.listIcon, dev.status.state === 'unavailable' && d.listIconOff)}>
              <DeviceIcon kind={dev.kind} />
            </span>
            <span className={d.listText}>
              <span className={cx(d.listLabel, dev.kind === 'pkcs11' && dev.label === '' && d.muted)}>{deviceName(dev)}</span>
              <span className={d.listDetail} title={deviceDetail(dev)}>
                {dev.kind === 'ledger' ? 'USB' : 'PKCS#11'} · {deviceDetail(dev)}
              </span>
            </span>
            <Badge tone={v.tone} dot>
              {v.label}
            </Badge>
          </button>
        );
      })}
    </nav>
  );
}

// ---------------------------------------------------------------- one device

function DeviceView({ device }: { device: DeviceInfo }) {
  const openDeviceDialog = useApp((s) => s.openDeviceDialog);
  const logoutDevice = useApp((s) => s.logoutDevice);
  const [busy, setBusy] = useState(false);
  const v = statusView(device.kind, device.status.state);
  const isModule = device.backend.startsWith('pkcs11-module:');
  const ready = canListKeys(device);
  const algorithms = device.kind === 'pkcs11' ? generatableAlgorithms(device) : [];
  const token = device.kind === 'pkcs11';

  async function logout() {
    setBusy(true);
    const r = await logoutDevice(device.backend);
    setBusy(false);
    if (r.ok) toastSuccess(`Logged out of ${device.label}`);
    else toastError('Could not log out', r.error);
  }

  return (
    <section className={d.view} aria-label={`Device ${device.label}`} data-testid="device-view" data-state={device.status.state}>
      <header className={d.head}>
        <span className={d.headIcon}>
          <DeviceIcon kind={device.kind} />
        </span>
        <div className={d.headText}>
          <div className={d.headTitleRow}>
            <h2 className={cx(d.headTitle, token && device.label === '' && d.muted)}>{deviceName(device)}</h2>
            <Badge tone="outline" square>
              {isModule ? 'PKCS#11 module' : token ? 'PKCS#11 token' : 'USB HID'}
            </Badge>
            <Badge tone={v.tone} dot>
              <span data-testid="device-status">{v.label}</span>
            </Badge>
          </div>
          <div className={d.headDetail}>
            {(isModule ? [device.detail] : token ? [device.detail, device.backend] : [ledgerApp(device), device.backend].filter((x) => x !== undefined)).map((part, i) => (
              <span key={part}>
                {i === 0 ? null : ' · '}
                <span className="mono">{part}</span>
              </span>
            ))}
          </div>
        </div>
        <div className={d.headActions}>
          {token && device.status.state === 'login-required' ? (
            <Button variant="primary" icon={<LogIn aria-hidden />} onClick={() => openDeviceDialog({ kind: 'login', backend: device.backend })} data-testid="device-login">
              Log in…
            </Button>
          ) : null}
          {token && ready && algorithms.length > 0 ? (
            <Button variant="primary" icon={<KeySquare aria-hidden />} onClick={() => openDeviceDialog({ kind: 'generate', backend: device.backend })} data-testid="device-generate">
              Generate on token…
            </Button>
          ) : null}
          {device.kind === 'ledger' && ready ? (
            <Button variant="primary" icon={<Wallet aria-hidden />} onClick={() => openDeviceDialog({ kind: 'ledger-account', backend: device.backend })} data-testid="ledger-add-account">
              Add account…
            </Button>
          ) : null}
          {token && ready && device.capabilities.login ? (
            <Button icon={<LogOut aria-hidden />} busy={busy} onClick={() => void logout()} data-testid="device-logout">
              Log out
            </Button>
          ) : null}
        </div>
      </header>

      <div className={d.body}>
        {v.next === undefined ? null : (
          <div className={cx(d.callout, v.tone === 'danger' && d.calloutDanger)} role="status" data-testid="device-next">
            <StatusIcon device={device} />
            <div>
              <div>{v.next}</div>
              {device.status.detail === '' ? null : <div className={d.calloutDetail}>{device.status.detail}</div>}
            </div>
          </div>
        )}

        {isModule ? null : <Capabilities device={device} />}

        <section aria-labelledby="device-keys-title" className={d.keysSection}>
          <div className={d.sectionHead}>
            <h3 id="device-keys-title" className={sc.sectionTitle}>
              {token ? 'Keys on the token' : 'Accounts'}
            </h3>
          </div>
          {ready ? <DeviceKeys device={device} /> : <p className={d.muted}>{token ? (isModule ? 'The module did not load, so no token is listed.' : 'Log in to list the keys on the token.') : device.status.state === 'busy' ? 'The accounts are listed again when the Ledger is free.' : 'Connect and unlock the Ledger to read its accounts.'}</p>}
        </section>

        <div className={d.cliStack}>
          {token && !isModule ? (
            <>
              <CliLine command={deviceCli.keys(device.label)} />
              <CliLine command={deviceCli.login(device.label)} label={null} />
            </>
          ) : device.kind === 'ledger' ? (
            <>
              <CliLine command={deviceCli.ledgerAddress(backendName(device.backend), "m/44'/60'/0'/0/0")} />
              <CliLine command={deviceCli.ledgerSign('ID')} label={null} />
            </>
          ) : (
            <CliLine command={deviceCli.list()} />
          )}
        </div>
      </div>
    </section>
  );
}

function StatusIcon({ device }: { device: DeviceInfo }) {
  if (device.status.state === 'login-required') return <LogIn aria-hidden />;
  return <DeviceIcon kind={device.kind} />;
}

function Capabilities({ device }: { device: DeviceInfo }) {
  const algorithms = device.kind === 'pkcs11' ? generatableAlgorithms(device) : [];
  return (
    <dl className={d.facts}>
      {device.kind === 'pkcs11' ? (
        <>
          <dt>Generates</dt>
          <dd className={d.chips}>
            {algorithms.length === 0 ? (
              <span className={d.muted}>{device.status.state === 'ready' ? 'nothing Custos supports' : 'known after login'}</span>
            ) : (
              algorithms.map((a) => (
                <Badge key={a} tone="outline" square>
                  {a}
                </Badge>
              ))
            )}
          </dd>
        </>
      ) : null}
      <dt>Operations</dt>
      <dd className={d.chips}>
        {/* capabilities.sign is the generic crypto.sign; a Ledger signs Ethereum requests only (transactions, messages, typed data). */}
        {device.kind === 'ledger' ? <Badge tone="neutral">Signs Ethereum requests</Badge> : <Badge tone={device.capabilities.sign ? 'neutral' : 'outline'}>{device.capabilities.sign ? 'Signs' : 'No signing'}</Badge>}
        {device.kind === 'pkcs11' ? <Badge tone={device.capabilities.encrypt ? 'neutral' : 'outline'}>{device.capabilities.encrypt ? 'Encrypts (AES-GCM)' : 'No encryption'}</Badge> : null}
        {device.kind === 'pkcs11' ? <Badge tone="outline">{device.capabilities.login ? 'User PIN required' : 'No login needed'}</Badge> : <Badge tone="outline">Confirms on the device</Badge>}
      </dd>
    </dl>
  );
}

// ---------------------------------------------------------------- keys on a device

function DeviceKeys({ device }: { device: DeviceInfo }) {
  const keys = useApp((s) => (s.deviceKeys?.backend === device.backend ? s.deviceKeys.keys : undefined));
  const error = useApp((s) => (s.deviceKeysError?.backend === device.backend ? s.deviceKeysError.error : undefined));
  const loadDeviceKeys = useApp((s) => s.loadDeviceKeys);
  const openDeviceDialog = useApp((s) => s.openDeviceDialog);
  const [testing, setTesting] = useState<{ namespace: string; id: string } | null>(null);
  const token = device.kind === 'pkcs11';

  // Read when shown (the store reads on a state change too; this covers a first visit).
  useEffect(() => {
    void loadDeviceKeys(device.backend);
  }, [loadDeviceKeys, device.backend]);

  if (error !== undefined) return <ErrorNote error={error} help={pinErrorHelp(error)} />;
  if (keys === undefined) {
    return (
      <Delayed>
        <div className={d.loading} role="status">
          <Spinner /> Reading the keys on {token ? device.label : 'the Ledger'}…
        </div>
      </Delayed>
    );
  }
  if (keys.length === 0) {
    return (
      <div className={d.emptyKeys} data-testid="device-keys-empty">
        <span>{token ? 'No keys on this token yet. Generate one here, or with any PKCS#11 tool and adopt it.' : 'No accounts of this Ledger are in the vault yet.'}</span>
        {token ? (
          <Button size="sm" icon={<KeySquare aria-hidden />} onClick={() => openDeviceDialog({ kind: 'generate', backend: device.backend })} disabled={generatableAlgorithms(device).length === 0}>
            Generate on token…
          </Button>
        ) : (
          <Button size="sm" icon={<Wallet aria-hidden />} onClick={() => openDeviceDialog({ kind: 'ledger-account', backend: device.backend })}>
            Add account…
          </Button>
        )}
      </div>
    );
  }
  return (
    <>
      <div className={d.tableWrap}>
        <table className={d.table} aria-label={`Keys on ${device.label}`} data-testid="device-keys">
          <thead>
            <tr>
              <th scope="col">{token ? 'Label' : 'Path'}</th>
              {token ? <th scope="col">CKA_ID</th> : null}
              <th scope="col">Algorithm</th>
              <th scope="col">Public key / address</th>
              <th scope="col">In the vault</th>
            </tr>
          </thead>
          <tbody>
            {keys.map((k) => (
              <DeviceKeyRow key={k.handle} device={device} deviceKey={k} onTest={setTesting} />
            ))}
          </tbody>
        </table>
      </div>
      {testing === null ? null : <TestSignDialog device={device} target={testing} onClose={() => setTesting(null)} />}
    </>
  );
}

function DeviceKeyRow({ device, deviceKey: k, onTest }: { device: DeviceInfo; deviceKey: DeviceKey; onTest: (ref: { namespace: string; id: string }) => void }) {
  const openDeviceDialog = useApp((s) => s.openDeviceDialog);
  const setScreen = useApp((s) => s.setScreen);
  const setNamespace = useApp((s) => s.setNamespace);
  const selectKey = useApp((s) => s.selectKey);
  const setKeysView = useApp((s) => s.setKeysView);
  const first = k.referencedBy[0];
  const open = (ref: { namespace: string; id: string }) => {
    setNamespace(ref.namespace);
    setKeysView('keys');
    selectKey(ref.id);
    setScreen('keys');
  };
  return (
    <tr data-handle={k.handle} data-referenced={k.referencedBy.length > 0 ? 'true' : 'false'}>
      <td className={d.labelCell}>{k.label === '' ? <span className={d.muted}>no label</span> : k.label}</td>
      {/* A Ledger account's handle is its path, already in the first column. */}
      {device.kind === 'ledger' ? null : (
        <td>
          <MonoId value={k.handle} max={14} copyLabel="Copy the key's handle" />
        </td>
      )}
      <td>
        <Badge tone="outline" square>
          {k.algorithm}
        </Badge>
      </td>
      <td>
        {k.address !== null ? (
          <span className={d.address}>
            <Identicon value={k.address} />
            <MonoId value={k.address} max={16} />
          </span>
        ) : k.publicKey !== null ? (
          <MonoId value={k.publicKey} max={14} copyLabel="Copy the public key (SPKI, hex)" />
        ) : (
          <span className={d.muted}>secret key</span>
        )}
      </td>
      <td className={d.refCell}>
        {k.referencedBy.length > 0 ? (
          <span className={d.refs}>
            <CheckCircle2 aria-hidden className={d.refOk} />
            {k.referencedBy.map((r) => (
              <Tip key={`${r.namespace}/${r.id}`} label="Show in the Keys screen">
                <button type="button" className={d.refLink} onClick={() => open(r)} data-testid="device-key-ref">
                  {r.namespace}/{r.id}
                </button>
              </Tip>
            ))}
            {first !== undefined && k.publicKey !== null && device.capabilities.sign ? (
              <Tip label="Test sign: sign a message with the key on the device">
                <Button size="sm" variant="ghost" iconOnly aria-label={`Test sign with ${first.namespace}/${first.id}`} icon={<FileSignature aria-hidden />} onClick={() => onTest(first)} data-testid="device-key-test-sign" />
              </Tip>
            ) : null}
          </span>
        ) : (
          <span className={d.refs}>
            <span className={d.muted}>Not in the vault</span>
            {device.kind === 'pkcs11' ? (
              <Button size="sm" icon={<Link2 aria-hidden />} onClick={() => openDeviceDialog({ kind: 'adopt', backend: device.backend, key: k })} data-testid="device-key-adopt">
                Adopt…
              </Button>
            ) : null}
          </span>
        )}
      </td>
    </tr>
  );
}

/** Proof that a device key works: sign a message with it, verify against the public key the vault holds. */
function TestSignDialog({ device, target, onClose }: { device: DeviceInfo; target: { namespace: string; id: string }; onClose: () => void }) {
  const testSign = useApp((s) => s.testSignWithDeviceKey);
  const [message, setMessage] = useState('Custos test signature');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorInfo | undefined>(undefined);
  const [result, setResult] = useState<{ message: string; signature: string; verified: boolean | null; verifyError?: ErrorInfo } | undefined>(undefined);

  async function submit() {
    if (busy || message === '') return;
    setBusy(true);
    setError(undefined);
    const r = await testSign(target.namespace, target.id, bytesToBase64(new TextEncoder().encode(message)));
    setBusy(false);
    if (r.ok) setResult({ message, ...r.value });
    else setError(r.error);
  }

  return (
    <Modal
      open
      onOpenChange={(o) => {
        if (!o) onClose();
      }}
      icon={<FileSignature aria-hidden />}
      title={`Test sign with ${target.namespace}/${target.id}`}
      description={`The token ${device.label} signs the message (UTF-8); Custos verifies the signature with the key's public key.`}
      onSubmit={() => void submit()}
      testId="test-sign-dialog"
      wide
      footer={
        <>
          <Button onClick={onClose}>Close</Button>
          <Button type="submit" variant="primary" busy={busy} disabled={message === ''} data-testid="test-sign-submit">
            Sign
          </Button>
        </>
      }
    >
      {error === undefined ? null : <ErrorNote error={error} help={pinErrorHelp(error)} />}
      <Field label="Message">{(c) => <TextInput {...c} value={message} maxLength={1024} onChange={(e) => setMessage(e.target.value)} data-testid="test-sign-message" />}</Field>
      {result === undefined ? null : (
        <div className={d.signResult} data-testid="test-sign-result" data-verified={result.verified === null ? 'unknown' : String(result.verified)}>
          <Badge tone={result.verified === null ? 'warning' : result.verified ? 'success' : 'danger'} dot>
            {result.verified === null ? 'Signed; Custos could not check the signature' : result.verified ? 'Signed; the signature verifies' : 'Signed, but the signature does not verify'}
          </Badge>
          {result.verifyError === undefined ? null : <ErrorNote tone="warning" error={result.verifyError} help="The device signed; check the signature with its public key (Keys → Public key) elsewhere." />}
          <div className={d.muted}>Signature (base64, DER for ECDSA)</div>
          <pre className={d.signature} data-testid="test-sign-signature">
            {result.signature}
          </pre>
        </div>
      )}
      <CliLine command={`custos crypto sign --id ${target.id}${target.namespace === 'default' ? '' : ` --ns ${target.namespace}`} --in FILE`} />
    </Modal>
  );
}

// ---------------------------------------------------------------- dialogs on a device

function DeviceDialogs() {
  const dialog = useApp((s) => s.deviceDialog);
  const device = useApp((s) => (s.deviceDialog === null ? undefined : s.devices?.find((x) => x.backend === s.deviceDialog?.backend)));
  const openDeviceDialog = useApp((s) => s.openDeviceDialog);
  if (dialog === null || device === undefined) return null;
  const close = (open: boolean) => {
    if (!open) openDeviceDialog(null);
  };
  switch (dialog.kind) {
    case 'login':
      return <PinDialog device={device} open onOpenChange={close} />;
    case 'generate':
      return <GenerateOnTokenDialog device={device} open onOpenChange={close} />;
    case 'adopt':
      return <AdoptKeyDialog device={device} deviceKey={dialog.key} open onOpenChange={close} />;
    case 'ledger-account':
      return <LedgerAccountDialog device={device} open onOpenChange={close} />;
  }
}

// ---------------------------------------------------------------- none

function NoDevices() {
  return (
    <div className={d.none} data-testid="devices-empty">
      <EmptyState icon={<Usb />} title="No hardware devices">
        Keys can live on a PKCS#11 token (a smart card, a USB token, an HSM, SoftHSM) or on a Ledger instead of the software vault. Name the PKCS#11 modules to load and turn Ledger support on in{' '}
        <span className="mono">custos.yaml</span> in the data directory, then restart Custos.
      </EmptyState>
      <div className={d.configBlock}>
        <div className={d.configLabel}>custos.yaml</div>
        <pre className={d.config}>{DEVICES_CONFIG_EXAMPLE}</pre>
      </div>
      <div className={d.cliStack}>
        <CliLine command={deviceCli.list()} label="CLI equivalents" />
        <CliLine command={deviceCli.login('LABEL')} label={null} />
        <CliLine command={deviceCli.keys('LABEL')} label={null} />
        <CliLine command={deviceCli.generate('LABEL', 'default', 'ID', 'ecdsa-p256')} label={null} />
        <CliLine command="custos pkcs11 adopt --token LABEL --label L --id ID" label={null} />
        <CliLine command="custos ledger adopt --id ID --path P" label={null} />
        <CliLine command="custos ledger address --device ID --path P" label={null} />
        <CliLine command="custos ledger sign-tx --id ID" label={null} />
        <CliLine command="custos ledger sign-message --id ID" label={null} />
      </div>
    </div>
  );
}
