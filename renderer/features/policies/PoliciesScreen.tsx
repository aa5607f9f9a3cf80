/**
 * @module renderer/features/policies/PoliciesScreen
 * What is signed without asking, refused, or needs an operator (electron/core/policy): three views
 * in the toolbar —
 *  - Policies: the stored policies in the order they run (priority, then global → namespace → key,
 *    then name) with an enabled switch each, and the selected one in the editor panel (PolicyEditor);
 *  - Modules: installed WASM modules by SHA-256, installed from a .wasm file, removed when unused;
 *  - Test bench: a dry run on a context (TestBench), of the stored policies, the editor's draft or a
 *    .wasm file.
 * The editor's draft and the bench's context live here, so switching views keeps both (the bench
 * can run the draft before it is saved).
 */
import { Boxes, Gavel, PackagePlus, Plus, Trash2 } from 'lucide-react';
import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { PolicyInfo, PolicyModule } from '../../../shared/api/policy.js';
import { useApp } from '../../store/index.js';
import type { PoliciesView, PolicySelection } from '../../store/policies-slice.js';
import type { ErrorInfo } from '../../store/types.js';
import { Badge } from '../../app/ui/Badge.js';
import { Button } from '../../app/ui/Button.js';
import { CliLine, EmptyState } from '../../app/ui/EmptyState.js';
import { ErrorNote } from '../../app/ui/ErrorNote.js';
import { Field, Segmented, TextInput } from '../../app/ui/Field.js';
import { Modal } from '../../app/ui/Modal.js';
import { MonoId } from '../../app/ui/MonoId.js';
import { Delayed, Spinner } from '../../app/ui/Progress.js';
import { Tip } from '../../app/ui/Tip.js';
import { toastError, toastSuccess } from '../../app/ui/toast.js';
import { bytesToBase64 } from '../../app/lib/bytes.js';
import { formatCount, formatDateTime, formatRelative } from '../../app/lib/format.js';
import { useNow } from '../../app/lib/use-now.js';
import { cx } from '../../app/ui/cx.js';
import sc from '../../app/ui/screen.module.css';
import k from '../keys/keys.module.css';
import { PolicyEditor } from './PolicyEditor.js';
import { Switch } from '../../app/ui/Switch.js';
import { TypeToConfirmDialog } from '../../app/ui/TypeToConfirm.js';
import { initialBench, scopeText, TestBench, type BenchState } from './TestBench.js';
import { definitionToDraft, draftToDefinition, newPolicyDraft, rulesSummary, type PolicyDraft } from './policy-form.js';
import p from './policies.module.css';

const VIEWS: readonly { value: PoliciesView; label: string }[] = [
  { value: 'policies', label: 'Policies' },
  { value: 'modules', label: 'Modules' },
  { value: 'bench', label: 'Test bench' },
];

function selectionKey(sel: PolicySelection): string | null {
  return sel === null ? null : 'name' in sel ? `name:${sel.name}` : `create:${sel.create}:${sel.module ?? ''}`;
}

export function PoliciesScreen() {
  const policies = useApp((s) => s.policies);
  const modules = useApp((s) => s.policyModules);
  const error = useApp((s) => s.policiesError);
  const view = useApp((s) => s.policiesView);
  const setView = useApp((s) => s.setPoliciesView);
  const selection = useApp((s) => s.policySelection);
  const selectPolicy = useApp((s) => s.selectPolicy);
  const namespace = useApp((s) => s.namespace);
  const loadPolicies = useApp((s) => s.loadPolicies);
  const dialog = useApp((s) => s.dialog);
  const openDialog = useApp((s) => s.openDialog);

  useEffect(() => {
    void loadPolicies();
  }, [loadPolicies]);

  const stored = selection !== null && 'name' in selection ? policies?.find((x) => x.definition.name === selection.name) : undefined;

  // The editor's draft follows the selection (a stored policy's definition, or a new one's defaults).
  const [draftState, setDraftState] = useState<{ key: string; draft: PolicyDraft } | null>(null);
  const key = selectionKey(selection);
  let draft = draftState?.key === key ? draftState.draft : null;
  if (key !== null && draft === null) {
    const initial = selection !== null && 'create' in selection ? newPolicyDraft(selection.create, namespace, selection.module) : stored === undefined ? null : definitionToDraft(stored.definition, namespace);
    if (initial !== null) {
      draft = initial;
      setDraftState({ key, draft: initial });
    }
  }
  const dirty = useMemo(() => {
    if (draft === null) return false;
    if (stored === undefined) return true;
    return JSON.stringify(draftToDefinition(draft)) !== JSON.stringify(draftToDefinition(definitionToDraft(stored.definition, namespace)));
  }, [draft, stored, namespace]);

  const [bench, setBench] = useState<BenchState>(() => initialBench(namespace, Date.now()));
  const editing = draft !== null && key !== null && view === 'policies';

  return (
    <>
      <div className={sc.toolbar}>
        <Segmented label="Show" value={view} options={VIEWS} onChange={setView} />
        {view === 'policies' && policies !== undefined ? (
          <span className={sc.toolbarCount}>
            {formatCount(policies.length)} {policies.length === 1 ? 'policy' : 'policies'} · {formatCount(policies.filter((x) => x.definition.enabled).length)} enabled
          </span>
        ) : view === 'modules' && modules !== undefined ? (
          <span className={sc.toolbarCount}>
            {formatCount(modules.length)} {modules.length === 1 ? 'module' : 'modules'}
          </span>
        ) : null}
        <span className={sc.toolbarSpacer} />
        {view === 'bench' ? null : (
          <Tip label="Install a compiled policy (.wasm) into the vault">
            <Button icon={<PackagePlus aria-hidden />} onClick={() => openDialog('install-module')} data-testid="install-module">
              Install module
            </Button>
          </Tip>
        )}
        {view === 'policies' ? (
          <>
            <Button icon={<Plus aria-hidden />} onClick={() => selectPolicy({ create: 'wasm' })} disabled={modules?.length === 0} title={modules?.length === 0 ? 'Install a module first' : undefined} data-testid="new-wasm-policy">
              WASM policy
            </Button>
            <Button variant="primary" icon={<Plus aria-hidden />} onClick={() => selectPolicy({ create: 'rules' })} data-testid="new-rules-policy">
              Rules policy
            </Button>
          </>
        ) : null}
      </div>
      {error === undefined ? null : (
        <div className={p.errorRow}>
          <ErrorNote error={error} />
        </div>
      )}
      {view === 'bench' ? (
        <TestBench state={bench} onState={setBench} draft={draft} />
      ) : view === 'modules' ? (
        <div className={sc.page}>
          <ModulesView policies={policies} modules={modules} />
        </div>
      ) : (
        <div className={cx(sc.split, editing && p.splitWithEditor)}>
          <div className={sc.scroll}>
            {policies === undefined ? (
              <Delayed>
                <div className={p.loading} role="status">
                  <Spinner /> Loading policies…
                </div>
              </Delayed>
            ) : policies.length === 0 ? (
              <EmptyState
                icon={<Gavel />}
                title="No policies yet"
                cli="custos policy add limits.yaml"
                actions={
                  <>
                    <Button variant="primary" icon={<Plus aria-hidden />} onClick={() => selectPolicy({ create: 'rules' })}>
                      New rules policy
                    </Button>
                    <Button icon={<PackagePlus aria-hidden />} onClick={() => openDialog('install-module')}>
                      Install a WASM module
                    </Button>
                  </>
                }
              >
                Without a policy every request waits for an operator. Rules (value limits, allow-lists, time windows…) or a WASM module decide which are signed at once, refused, or need your approval.
              </EmptyState>
            ) : (
              <PolicyTable policies={policies} modules={modules ?? []} selected={selection !== null && 'name' in selection ? selection.name : null} compact={editing} />
            )}
          </div>
          {editing && draft !== null ? (
            <PolicyEditor
              key={key}
              draft={draft}
              onDraft={(d) => setDraftState({ key, draft: d })}
              stored={stored}
              dirty={dirty}
              modules={modules ?? []}
              onTest={() => {
                setBench({ ...bench, source: 'draft' });
                setView('bench');
              }}
            />
          ) : null}
        </div>
      )}
      <InstallModuleDialog open={dialog === 'install-module'} onOpenChange={(o) => openDialog(o ? 'install-module' : null)} />
    </>
  );
}

// ---------------------------------------------------------------- policies

function PolicyTable({ policies, modules, selected, compact }: { policies: readonly PolicyInfo[]; modules: readonly PolicyModule[]; selected: string | null; compact: boolean }) {
  const selectPolicy = useApp((s) => s.selectPolicy);
  const body = useRef<HTMLTableSectionElement>(null);
  const onKeyDown = (e: KeyboardEvent<HTMLTableRowElement>, i: number, name: string) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const j = Math.max(0, Math.min(policies.length - 1, i + (e.key === 'ArrowDown' ? 1 : -1)));
      (body.current?.rows[j] as HTMLElement | undefined)?.focus();
    } else if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      selectPolicy({ name });
    } else if (e.key === 'Escape') selectPolicy(null);
  };
  const focusIndex = Math.max(0, policies.findIndex((x) => x.definition.name === selected));
  return (
    <table className={cx(k.table, p.table)} aria-label="Policies in run order" data-testid="policy-table">
      <thead>
        <tr>
          <th scope="col" className={p.orderCol}>
            #
          </th>
          <th scope="col">Name</th>
          <th scope="col">Kind</th>
          <th scope="col">Scope</th>
          <th scope="col" className={k.numCol}>
            Priority
          </th>
          {compact ? null : <th scope="col">What it checks</th>}
          <th scope="col">Enabled</th>
        </tr>
      </thead>
      <tbody ref={body}>
        {policies.map((info, i) => {
          const d = info.definition;
          return (
            <tr
              key={d.name}
              className={cx(k.row, !d.enabled && p.rowDisabled)}
              aria-selected={d.name === selected}
              tabIndex={i === focusIndex ? 0 : -1}
              onClick={() => selectPolicy({ name: d.name })}
              onKeyDown={(e) => onKeyDown(e, i, d.name)}
              data-policy={d.name}
            >
              <td className={cx(p.orderCol, k.muted, 'num')}>{i + 1}</td>
              <td className={p.nameCell}>
                <span className="mono">{d.name}</span>
                {info.source === 'config' ? (
                  <Badge tone="neutral" className={p.sourceBadge} title="Defined in custos.yaml: read-only here">
                    custos.yaml
                  </Badge>
                ) : null}
                {d.description === undefined ? null : <span className={p.description}>{d.description}</span>}
              </td>
              <td>
                <Badge tone="outline">{d.kind === 'rules' ? 'Rules' : 'WASM'}</Badge>
              </td>
              <td className={p.scopeCell}>{scopeText(d.scope)}</td>
              <td className={cx(k.numCol, 'num')}>{d.priority}</td>
              {compact ? null : <td className={p.summaryCell}>{d.kind === 'rules' ? `${d.rules.length} ${d.rules.length === 1 ? 'rule' : 'rules'}: ${rulesSummary(d.rules)}` : moduleSummary(d.module, modules)}
                  {d.quorum === undefined ? null : <span className={k.muted}> · approval by {d.quorum.required} of {d.quorum.approvers.length}</span>}
                </td>}
              <td>
                <EnabledSwitch name={d.name} enabled={d.enabled} readOnly={info.source === 'config'} />
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function moduleSummary(sha: string, modules: readonly PolicyModule[]): string {
  const m = modules.find((x) => x.sha256 === sha);
  return m === undefined ? `module ${sha.slice(0, 12)}… (missing)` : `module ${m.name} · ${sha.slice(0, 8)}…`;
}

function EnabledSwitch({ name, enabled, readOnly }: { name: string; enabled: boolean; readOnly: boolean }) {
  const setPolicyEnabled = useApp((s) => s.setPolicyEnabled);
  const [busy, setBusy] = useState(false);
  return (
    <span className={p.switchRow}>
      <Switch
        checked={enabled}
        aria-label={`${name} enabled`}
        disabled={busy || readOnly}
        title={readOnly ? 'Defined in custos.yaml: change it there' : undefined}
        data-testid="policy-enabled"
        onClick={(e) => {
          e.stopPropagation();
          setBusy(true);
          void setPolicyEnabled(name, !enabled).then((r) => {
            setBusy(false);
            if (!r.ok) toastError(`Could not ${enabled ? 'disable' : 'enable'} ${name}`, r.error);
          });
        }}
        onKeyDown={(e) => e.stopPropagation()}
      />
      <span className={p.switchText}>{enabled ? 'On' : 'Off'}</span>
    </span>
  );
}

// ---------------------------------------------------------------- modules

function ModulesView({ policies, modules }: { policies: readonly PolicyInfo[] | undefined; modules: readonly PolicyModule[] | undefined }) {
  const openDialog = useApp((s) => s.openDialog);
  const now = useNow(30_000);
  if (modules === undefined) return null;
  if (modules.length === 0) {
    return (
      <EmptyState icon={<Boxes />} title="No WASM modules installed" cli="custos policy install spending-limit.wasm" actions={<Button variant="primary" icon={<PackagePlus aria-hidden />} onClick={() => openDialog('install-module')}>Install a module</Button>}>
        A WASM policy is code compiled to WebAssembly (an AssemblyScript SDK and examples are in policies/; npm run build:policies builds them). It is checked, metered with fuel and stored by its SHA-256.
      </EmptyState>
    );
  }
  return (
    <div className={p.modules} data-testid="module-list">
      {modules.map((m) => (
        <ModuleCard key={m.sha256} module={m} usedBy={(policies ?? []).filter((x) => x.definition.kind === 'wasm' && x.definition.module === m.sha256).map((x) => x.definition.name)} now={now} />
      ))}
    </div>
  );
}

function ModuleCard({ module: m, usedBy, now }: { module: PolicyModule; usedBy: readonly string[]; now: number }) {
  const selectPolicy = useApp((s) => s.selectPolicy);
  const setView = useApp((s) => s.setPoliciesView);
  const removePolicyModule = useApp((s) => s.removePolicyModule);
  const [confirm, setConfirm] = useState(false);
  return (
    <section className={cx(sc.card, p.moduleCard)} aria-label={`Module ${m.name}`} data-testid="module-card" data-sha256={m.sha256}>
      <div className={p.moduleTop}>
        <Boxes aria-hidden className={p.moduleIcon} />
        <span className={p.moduleName}>{m.name}</span>
        {usedBy.length === 0 ? <Badge tone="neutral">Unused</Badge> : <Badge tone="accent">Used by {usedBy.join(', ')}</Badge>}
        <span className={sc.toolbarSpacer} />
        <Button size="sm" icon={<Plus aria-hidden />} onClick={() => (setView('policies'), selectPolicy({ create: 'wasm', module: m.sha256 }))}>
          New policy over it
        </Button>
        <Tip label={usedBy.length === 0 ? 'Remove the module from the vault' : 'A policy uses it: delete or change that policy first'}>
          <span>
            <Button size="sm" variant="ghost" iconOnly aria-label={`Remove module ${m.name}`} icon={<Trash2 aria-hidden />} disabled={usedBy.length > 0} onClick={() => setConfirm(true)} />
          </span>
        </Tip>
      </div>
      {m.description === '' ? null : <p className={p.moduleDescription}>{m.description}</p>}
      <dl className={cx(sc.facts, p.moduleFacts)}>
        <dt>SHA-256</dt>
        <dd>
          <MonoId value={m.sha256} max={72} />
        </dd>
        <dt>Size</dt>
        <dd className="num">
          {formatCount(m.size)} bytes · {formatCount(m.meteredSize)} metered
        </dd>
        <dt>Limits</dt>
        <dd className="num">
          {formatCount(m.memoryPages)} memory pages · call depth {formatCount(m.callDepth)}
        </dd>
        <dt>Installed</dt>
        <dd>
          <span title={formatDateTime(m.createdAt)}>{formatRelative(m.createdAt, now)}</span> by {m.createdBy}
        </dd>
      </dl>
      <TypeToConfirmDialog
        open={confirm}
        onOpenChange={setConfirm}
        title="Remove module"
        name={m.name}
        description="Its bytes are deleted from the vault. Policies can no longer refer to it; install it again to use it."
        action="Remove module"
        cli={`custos policy remove-module ${m.sha256}`}
        run={async () => {
          const r = await removePolicyModule(m.sha256);
          if (r.ok) toastSuccess(`Module ${m.name} removed`);
          return r;
        }}
        testId="remove-module-dialog"
      />
    </section>
  );
}

function InstallModuleDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (open: boolean) => void }) {
  const install = useApp((s) => s.installPolicyModule);
  const selectPolicy = useApp((s) => s.selectPolicy);
  const setView = useApp((s) => s.setPoliciesView);
  const [file, setFile] = useState<{ name: string; size: number; data: string } | null>(null);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorInfo | undefined>(undefined);
  const change = (next: boolean) => {
    if (!next) {
      setFile(null);
      setName('');
      setDescription('');
      setError(undefined);
    }
    onOpenChange(next);
  };
  async function submit() {
    if (file === null || name.trim() === '' || busy) return;
    setBusy(true);
    const r = await install({ name: name.trim(), data: file.data, ...(description.trim() === '' ? {} : { description: description.trim() }) });
    setBusy(false);
    if (!r.ok) return setError(r.error);
    toastSuccess(`Module ${r.value.name} installed`, `SHA-256 ${r.value.sha256.slice(0, 16)}… — write a policy over it to use it.`);
    change(false);
    setView('policies');
    selectPolicy({ create: 'wasm', module: r.value.sha256 });
  }
  return (
    <Modal
      open={open}
      onOpenChange={change}
      icon={<PackagePlus aria-hidden />}
      title="Install a WASM module"
      description="Checked (no floats, threads or SIMD; the policy ABI), metered with fuel and stored in the vault by its SHA-256. A policy over it decides nothing until you create one."
      onSubmit={() => void submit()}
      testId="install-module-dialog"
      footer={
        <>
          <Button onClick={() => change(false)}>Cancel</Button>
          <Button type="submit" variant="primary" busy={busy} disabled={file === null || name.trim() === ''} data-testid="install-module-submit">
            Install
          </Button>
        </>
      }
    >
      {error === undefined ? null : <ErrorNote error={error} />}
      <Field label="Module file (.wasm)" hint={file === null ? 'Compiled with the SDK in policies/, e.g. npm run build:policies' : `${file.name} · ${formatCount(file.size)} bytes`}>
        {(c) => (
          <input
            {...c}
            type="file"
            accept=".wasm,application/wasm"
            className={p.fileInput}
            data-testid="module-file"
            onChange={(e) => {
              const f = e.target.files?.[0];
              if (f === undefined) return setFile(null);
              void f.arrayBuffer().then((buf) => {
                setFile({ name: f.name, size: f.size, data: bytesToBase64(new Uint8Array(buf)) });
                if (name === '') setName(f.name.replace(/\.wasm$/iu, '').slice(0, 64));
              });
            }}
          />
        )}
      </Field>
      <Field label="Name">{(c) => <TextInput {...c} mono value={name} maxLength={64} onChange={(e) => setName(e.target.value)} data-testid="module-name" />}</Field>
      <Field label="Description">{(c) => <TextInput {...c} value={description} maxLength={512} placeholder="Optional" onChange={(e) => setDescription(e.target.value)} />}</Field>
      <CliLine command={`custos policy install ${file?.name ?? 'FILE.wasm'}${name.trim() === '' ? '' : ` --name ${name.trim()}`}`} />
    </Modal>
  );
}


