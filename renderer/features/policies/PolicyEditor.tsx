/**
 * @module renderer/features/policies/PolicyEditor
 * The detail panel of the Policies screen: one policy's definition as a form — name, scope
 * (global, a namespace, one key), priority, enabled, then its rules (RuleEditor) or its WASM module
 * and limits — saved with policies.put. The core validates; its error names the field
 * (`policy.rules[0].perTransaction: …`), shown under that field and in the footer with its code.
 * Deleting is confirmed by typing the name (UI.md). "Test" opens the test bench on this draft.
 */
import { FlaskConical, Save, Trash2, X } from 'lucide-react';
import { useEffect, useRef, useState } from 'react';
import type { PolicyInfo, PolicyModule } from '../../../shared/api/policy.js';
import { useApp } from '../../store/index.js';
import type { ErrorInfo } from '../../store/types.js';
import { Badge } from '../../app/ui/Badge.js';
import { Button } from '../../app/ui/Button.js';
import { CliLine } from '../../app/ui/EmptyState.js';
import { ErrorNote } from '../../app/ui/ErrorNote.js';
import { Checkbox, Field, Segmented, SelectInput, TextInput } from '../../app/ui/Field.js';
import { Tip } from '../../app/ui/Tip.js';
import { toastSuccess } from '../../app/ui/toast.js';
import { TypeToConfirmDialog } from '../../app/ui/TypeToConfirm.js';
import { formatDateTime } from '../../app/lib/format.js';
import { middleTruncate } from '../../app/lib/truncate.js';
import { cx } from '../../app/ui/cx.js';
import sc from '../../app/ui/screen.module.css';
import ui from '../../app/ui/ui.module.css';
import { RuleEditor } from './RuleEditor.js';
import { draftToDefinition, errorAt, fieldErrorOf, type FieldError, type PolicyDraft, type ScopeKind } from './policy-form.js';
import p from './policies.module.css';

export interface PolicyEditorProps {
  readonly draft: PolicyDraft;
  readonly onDraft: (d: PolicyDraft) => void;
  /** The stored policy this edits (undefined: a new one). */
  readonly stored: PolicyInfo | undefined;
  /** The draft differs from what is stored (a new policy always does). */
  readonly dirty: boolean;
  readonly modules: readonly PolicyModule[];
  readonly onTest: () => void;
}

export function PolicyEditor({ draft, onDraft, stored, dirty, modules, onTest }: PolicyEditorProps) {
  const putPolicy = useApp((s) => s.putPolicy);
  const selectPolicy = useApp((s) => s.selectPolicy);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorInfo | undefined>(undefined);
  const [field, setField] = useState<FieldError | undefined>(undefined);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const body = useRef<HTMLDivElement>(null);
  // An edit answers the refusal: the marks go until the next save says otherwise.
  const update = (d: PolicyDraft) => {
    if (error !== undefined) {
      setError(undefined);
      setField(undefined);
    }
    onDraft(d);
  };
  const edit = (patch: Partial<PolicyDraft>) => update({ ...draft, ...patch });

  // After a refusal, bring the field it names into view (scrollIntoView may return a Promise: not returned).
  useEffect(() => {
    if (field === undefined) return;
    const bad = body.current?.querySelector<HTMLElement>('[aria-invalid="true"], [role="alert"]');
    bad?.scrollIntoView({ block: 'center' });
  }, [field]);

  async function save() {
    if (busy) return;
    setBusy(true);
    const r = await putPolicy(draftToDefinition(draft));
    setBusy(false);
    if (r.ok) {
      setError(undefined);
      setField(undefined);
      toastSuccess(stored === undefined ? `Policy ${r.value.definition.name} created` : `Policy ${r.value.definition.name} saved`);
      selectPolicy({ name: r.value.definition.name });
    } else {
      setError(r.error);
      setField(r.error.code === 'INVALID_INPUT' ? fieldErrorOf(r.error.message) : undefined);
    }
  }

  const isNew = stored === undefined;
  /** From custos.yaml: the app shows it and tests it; the file is where it changes (the core says CONFLICT otherwise). */
  const readOnly = stored?.source === 'config';
  const title = isNew ? (draft.kind === 'rules' ? 'New rules policy' : 'New WASM policy') : draft.name;
  const scopeLabel = { global: 'Global', namespace: 'Namespace', key: 'One key' } as const;
  const moduleInfo = modules.find((m) => m.sha256 === draft.module);

  return (
    <aside className={sc.panel} aria-label="Policy" data-testid="policy-editor">
      <div className={cx(sc.panelHead, sc.panelHeadTight)}>
        <div className={sc.panelTitleRow}>
          <h2 className={cx(sc.panelTitle, p.panelTitleClip)}>{title}</h2>
          <Badge tone="outline">{draft.kind === 'rules' ? 'Rules' : 'WASM'}</Badge>
          {readOnly ? <Badge tone="neutral">custos.yaml · read-only</Badge> : isNew ? <Badge tone="accent">Not saved</Badge> : dirty ? <Badge tone="warning">Unsaved changes</Badge> : null}
          <Tip label="Close">
            <Button size="sm" variant="ghost" iconOnly aria-label="Close the policy" icon={<X aria-hidden />} onClick={() => selectPolicy(null)} />
          </Tip>
        </div>
        {stored === undefined ? null : (
          <div className={p.panelMeta}>
            Created {formatDateTime(stored.createdAt)} by {stored.createdBy}
            {stored.updatedAt === stored.createdAt ? null : ` · changed ${formatDateTime(stored.updatedAt)} by ${stored.updatedBy}`}
          </div>
        )}
      </div>
      <div className={sc.panelBody} ref={body}>
        {readOnly ? <p className={p.readOnlyNote}>This policy is defined in custos.yaml (policies:). Change it there and restart; here it can be read and tested.</p> : null}
        <fieldset className={p.fieldset} disabled={readOnly}>
          <section className={p.section} aria-label="Definition">
            <div className={p.grid2}>
              <Field label="Name" hint={isNew ? 'A-Z a-z 0-9 . _ - (up to 64)' : 'Saving under another name makes a copy'} error={errorAt(field, 'name')}>
                {(c) => <TextInput {...c} mono value={draft.name} placeholder="treasury-limits" onChange={(e) => edit({ name: e.target.value })} autoFocus={isNew} data-field="policy-name" />}
              </Field>
              <Field label="Priority" hint="Lower runs first; every applicable policy runs" error={errorAt(field, 'priority')}>
                {(c) => <TextInput {...c} className="num" inputMode="numeric" value={draft.priority} onChange={(e) => edit({ priority: e.target.value })} data-field="priority" />}
              </Field>
            </div>
            <Field label="Description" error={errorAt(field, 'description')}>
              {(c) => <TextInput {...c} value={draft.description} placeholder="Optional: what this policy is for" onChange={(e) => edit({ description: e.target.value })} />}
            </Field>
            <div className={p.inlineField}>
              <span className={p.fieldLabel}>Applies to</span>
              <Segmented<ScopeKind>
                label="Scope"
                value={draft.scope}
                onChange={(scope) => edit({ scope })}
                options={(['global', 'namespace', 'key'] as const).map((k) => ({ value: k, label: scopeLabel[k] }))}
              />
            </div>
            {draft.scope === 'global' ? (
              <p className={p.muted}>Every key in every namespace.</p>
            ) : (
              <div className={p.grid2}>
                <Field label="Namespace" error={errorAt(field, 'scope.namespace') ?? errorAt(field, 'scope')}>
                  {(c) => <TextInput {...c} mono value={draft.namespace} onChange={(e) => edit({ namespace: e.target.value })} />}
                </Field>
                {draft.scope === 'key' ? (
                  <Field label="Key id" hint="A vault key id, or hd:<wallet> for an HD wallet's accounts" error={errorAt(field, 'scope.keyId')}>
                    {(c) => <TextInput {...c} mono value={draft.keyId} placeholder="hot-1" onChange={(e) => edit({ keyId: e.target.value })} />}
                  </Field>
                ) : null}
              </div>
            )}
            <Checkbox label="Enabled" description="a disabled policy is kept but does not run" checked={draft.enabled} onChange={(e) => edit({ enabled: e.target.checked })} />
          </section>


          {draft.kind === 'rules' ? (
            <section className={p.section} aria-label="Rules">
              <div className={p.sectionHead}>
                <h3 className={sc.sectionTitle}>Rules</h3>
                <span className={p.muted}>Every rule runs: any deny denies, else any approval asks.</span>
              </div>
              <RuleEditor rules={draft.rules} onChange={(rules) => edit({ rules })} error={field} />
            </section>
          ) : (
            <section className={p.section} aria-label="Module">
              <h3 className={sc.sectionTitle}>WASM module</h3>
              <Field label="Module" hint={moduleInfo === undefined ? 'Install one on the Modules tab first' : `SHA-256 ${moduleInfo.sha256}`} error={errorAt(field, 'module')}>
                {(c) => (
                  <SelectInput {...c} value={draft.module} onChange={(e) => edit({ module: e.target.value })} data-field="module">
                    <option value="">Choose an installed module…</option>
                    {modules.map((m) => (
                      <option key={m.sha256} value={m.sha256}>
                        {m.name} · {middleTruncate(m.sha256, 15)}
                      </option>
                    ))}
                    {draft.module !== '' && moduleInfo === undefined ? <option value={draft.module}>{middleTruncate(draft.module, 20)} (not installed)</option> : null}
                  </SelectInput>
                )}
              </Field>
              <div className={p.grid2}>
                <Field label="Fuel per evaluation" hint="Default 10,000,000" error={errorAt(field, 'fuel')}>
                  {(c) => <TextInput {...c} className="num" inputMode="numeric" value={draft.fuel} placeholder="10000000" onChange={(e) => edit({ fuel: e.target.value })} />}
                </Field>
                <Field label="Time limit (ms)" hint="Default 1000" error={errorAt(field, 'timeoutMs')}>
                  {(c) => <TextInput {...c} className="num" inputMode="numeric" value={draft.timeoutMs} placeholder="1000" onChange={(e) => edit({ timeoutMs: e.target.value })} />}
                </Field>
              </div>
            </section>
          )}
          <section className={p.section} aria-label="Approval">
            <div className={p.sectionHead}>
              <h3 className={sc.sectionTitle}>Who approves</h3>
              <span className={p.muted}>When this policy asks for approval. Empty: any one operator.</span>
            </div>
            <div className={p.grid2}>
              <Field label="Approvals needed" hint="Distinct operators, each approving once" error={errorAt(field, 'quorum.required') ?? (field?.path === 'quorum' ? field.message : undefined)}>
                {(c) => <TextInput {...c} className="num" inputMode="numeric" value={draft.quorumRequired} placeholder="1" onChange={(e) => edit({ quorumRequired: e.target.value })} data-field="quorum-required" />}
              </Field>
              <Field label="Among these operators" hint="Operator names, one per line" error={errorAt(field, 'quorum.approvers')}>
                {(c) => <textarea {...c} className={cx(ui.input, ui.inputMono, p.textarea)} rows={2} spellCheck={false} value={draft.quorumApprovers} placeholder="alice&#10;bob" onChange={(e) => edit({ quorumApprovers: e.target.value })} data-field="quorum-approvers" />}
              </Field>
            </div>
          </section>
        </fieldset>
        <CliLine command={`custos policy add ${draft.name.trim() === "" ? "policy" : draft.name.trim()}.yaml`} />
      </div>
      <div className={p.panelFoot}>
        {error === undefined ? null : <ErrorNote error={error} help={field === undefined ? undefined : 'Fix the field marked above and save again.'} />}
        <div className={p.footButtons}>
          {isNew || readOnly ? null : (
            <Button variant="dangerOutline" icon={<Trash2 aria-hidden />} onClick={() => setConfirmDelete(true)} data-testid="policy-delete">
              Delete
            </Button>
          )}
          <span className={sc.toolbarSpacer} />
          <Tip label="Run this draft on a context in the test bench">
            <Button icon={<FlaskConical aria-hidden />} onClick={onTest} data-testid="policy-test">
              Test
            </Button>
          </Tip>
          {readOnly ? null : (
            <Button variant="primary" icon={<Save aria-hidden />} busy={busy} disabled={!dirty} onClick={() => void save()} data-testid="policy-save">
              {isNew ? 'Create policy' : 'Save'}
            </Button>
          )}
        </div>
      </div>
      {stored === undefined ? null : <DeletePolicyDialog name={stored.definition.name} open={confirmDelete} onOpenChange={setConfirmDelete} />}
    </aside>
  );
}

function DeletePolicyDialog({ name, open, onOpenChange }: { name: string; open: boolean; onOpenChange: (open: boolean) => void }) {
  const removePolicy = useApp((s) => s.removePolicy);
  return (
    <TypeToConfirmDialog
      open={open}
      onOpenChange={onOpenChange}
      title="Delete policy"
      name={name}
      description={
        <>
          Requests stop being judged by <span className="mono">{name}</span> at once. Disable it instead to keep it for later.
        </>
      }
      action="Delete policy"
      cli={`custos policy remove ${name}`}
      run={async () => {
        const r = await removePolicy(name);
        if (r.ok) toastSuccess(`Policy ${name} deleted`);
        return r;
      }}
      testId="delete-policy-dialog"
    />
  );
}
