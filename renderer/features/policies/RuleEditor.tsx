/**
 * @module renderer/features/policies/RuleEditor
 * The built-in rules of one policy: an ordered list of rule cards (move up and down, remove) and
 * an "Add rule" menu of the rule types, each card a form with its type's fields
 * (shared/api/policy; which fields: policy-form). The core's field-named error is shown under the
 * field it names; the order matters only for display and the audit (every rule runs, any deny
 * denies).
 */
import * as Menu from '@radix-ui/react-dropdown-menu';
import { ArrowDown, ArrowUp, Plus, Trash2 } from 'lucide-react';
import { RULE_DAYS, type RuleType } from '../../../shared/api/policy.js';
import { Button } from '../../app/ui/Button.js';
import { Checkbox, Field, Segmented, TextInput } from '../../app/ui/Field.js';
import { Tip } from '../../app/ui/Tip.js';
import { cx } from '../../app/ui/cx.js';
import ui from '../../app/ui/ui.module.css';
import f from '../../app/frame.module.css';
import { errorAt, formatUnits, newRule, RULE_TYPES, ruleTypeSpec, type FieldError, type FieldSpec, type FormValue, type RuleDraft } from './policy-form.js';
import p from './policies.module.css';

export function RuleEditor({ rules, onChange, error }: { rules: readonly RuleDraft[]; onChange: (rules: RuleDraft[]) => void; error: FieldError | undefined }) {
  const listError = error?.path === 'rules' ? error.message : undefined;
  const move = (i: number, by: number) => {
    const next = [...rules];
    const [r] = next.splice(i, 1);
    if (r === undefined) return;
    next.splice(i + by, 0, r);
    onChange(next);
  };
  return (
    <div className={p.rules} data-testid="rule-editor">
      {rules.length === 0 ? <p className={p.muted}>No rules yet: a rules policy needs at least one.</p> : null}
      {listError === undefined ? null : (
        <div className={ui.fieldError} role="alert">
          {listError}
        </div>
      )}
      {rules.map((rule, i) => (
        <RuleCard
          key={rule.id}
          index={i}
          count={rules.length}
          rule={rule}
          error={error}
          onChange={(r) => onChange(rules.map((x, j) => (j === i ? r : x)))}
          onMove={(by) => move(i, by)}
          onRemove={() => onChange(rules.filter((_, j) => j !== i))}
        />
      ))}
      <AddRuleMenu onAdd={(type) => onChange([...rules, newRule(type)])} />
    </div>
  );
}

function AddRuleMenu({ onAdd }: { onAdd: (type: RuleType) => void }) {
  return (
    <Menu.Root>
      <Menu.Trigger asChild>
        <Button size="sm" icon={<Plus aria-hidden />} className={p.addRule} data-testid="add-rule">
          Add rule
        </Button>
      </Menu.Trigger>
      <Menu.Portal>
        <Menu.Content className={f.menu} align="start" sideOffset={6}>
          <Menu.Label className={f.menuLabel}>Rule type</Menu.Label>
          {RULE_TYPES.map((t) => (
            <Menu.Item key={t.type} className={cx(f.menuItem, p.ruleMenuItem)} onSelect={() => onAdd(t.type)} data-rule-type={t.type}>
              <span className={p.ruleMenuTitle}>{t.label}</span>
              <span className={p.ruleMenuSummary}>{t.summary}</span>
            </Menu.Item>
          ))}
        </Menu.Content>
      </Menu.Portal>
    </Menu.Root>
  );
}

function RuleCard({ index, count, rule, error, onChange, onMove, onRemove }: { index: number; count: number; rule: RuleDraft; error: FieldError | undefined; onChange: (r: RuleDraft) => void; onMove: (by: number) => void; onRemove: () => void }) {
  const spec = ruleTypeSpec(rule.type);
  const at = `rules[${index}]`;
  const cardError = error?.path === at ? error.message : undefined;
  const set = (key: string, value: FormValue) => onChange({ ...rule, values: { ...rule.values, [key]: value } });
  return (
    <section className={cx(p.ruleCard, errorAt(error, at) !== undefined && p.ruleCardInvalid)} aria-label={`Rule ${index + 1}: ${spec.label}`} data-testid="rule-card" data-rule-type={rule.type}>
      <header className={p.ruleHead}>
        <span className={p.ruleIndex}>{index + 1}</span>
        <div className={p.ruleTitles}>
          <span className={p.ruleType}>{spec.label}</span>
          <span className={p.ruleSummary}>{spec.summary}</span>
        </div>
        <Tip label="Move up">
          <Button size="sm" variant="ghost" iconOnly aria-label="Move rule up" icon={<ArrowUp aria-hidden />} disabled={index === 0} onClick={() => onMove(-1)} />
        </Tip>
        <Tip label="Move down">
          <Button size="sm" variant="ghost" iconOnly aria-label="Move rule down" icon={<ArrowDown aria-hidden />} disabled={index === count - 1} onClick={() => onMove(1)} />
        </Tip>
        <Tip label="Remove this rule">
          <Button size="sm" variant="ghost" iconOnly aria-label="Remove rule" icon={<Trash2 aria-hidden />} onClick={onRemove} />
        </Tip>
      </header>
      {cardError === undefined ? null : (
        <div className={ui.fieldError} role="alert">
          {cardError}
        </div>
      )}
      <div className={p.ruleFields}>
        {spec.fields.map((field) => (
          <RuleField key={field.key} field={field} value={rule.values[field.key]} error={errorAt(error, `${at}.${field.key}`)} onChange={(v) => set(field.key, v)} />
        ))}
        <Field label="Name (optional)" hint="Shown in reasons and the audit" error={errorAt(error, `${at}.name`)} className={p.ruleName}>
          {(c) => <TextInput {...c} value={rule.name} placeholder={`${rule.type}#${index}`} onChange={(e) => onChange({ ...rule, name: e.target.value })} />}
        </Field>
      </div>
    </section>
  );
}

function RuleField({ field, value, error, onChange }: { field: FieldSpec; value: FormValue | undefined; error: string | undefined; onChange: (v: FormValue) => void }) {
  switch (field.kind) {
    case 'mode':
      return (
        <div className={p.inlineField}>
          <span className={ui.label}>{field.label}</span>
          <Segmented
            label={field.label}
            value={value === 'deny' ? 'deny' : 'allow'}
            onChange={onChange}
            options={[
              { value: 'allow', label: 'Allow only these' },
              { value: 'deny', label: 'Refuse these' },
            ]}
          />
        </div>
      );
    case 'action':
      return (
        <div className={p.inlineField}>
          <span className={ui.label}>{field.label}</span>
          <Segmented
            label={field.label}
            value={value === 'require-approval' ? 'require-approval' : 'deny'}
            onChange={onChange}
            options={[
              { value: 'deny', label: 'Deny' },
              { value: 'require-approval', label: 'Require approval' },
            ]}
          />
          {error === undefined ? null : <div className={ui.fieldError}>{error}</div>}
        </div>
      );
    case 'bool':
      return (
        <div className={p.wide}>
          <Checkbox label={field.label} description={field.hint} checked={value === true} onChange={(e) => onChange(e.target.checked)} />
          {error === undefined ? null : <div className={ui.fieldError}>{error}</div>}
        </div>
      );
    case 'days': {
      const days = new Set(Array.isArray(value) ? (value as readonly string[]) : []);
      return (
        <div className={p.wide}>
          <span className={ui.label}>{field.label}</span>
          <div className={p.days} role="group" aria-label={field.label}>
            {RULE_DAYS.map((d) => (
              <button
                key={d}
                type="button"
                className={p.day}
                aria-pressed={days.has(d)}
                onClick={() => {
                  const next = new Set(days);
                  if (next.has(d)) next.delete(d);
                  else next.add(d);
                  onChange(RULE_DAYS.filter((x) => next.has(x)));
                }}
              >
                {d}
              </button>
            ))}
          </div>
          {error === undefined ? null : <div className={ui.fieldError}>{error}</div>}
        </div>
      );
    }
    case 'list':
    case 'tokens':
      return (
        <Field label={field.label} hint={field.hint} error={error} className={p.wide}>
          {(c) => <textarea {...c} className={cx(ui.input, ui.inputMono, p.textarea)} rows={3} spellCheck={false} value={String(value ?? '')} placeholder={field.placeholder} onChange={(e) => onChange(e.target.value)} data-field={field.key} />}
        </Field>
      );
    case 'amount': {
      const text = String(value ?? '').trim();
      const eth = field.unit === 'wei' ? formatUnits(text) : undefined;
      const hint = field.unit === 'wei' ? (eth === undefined ? 'Wei (1 ETH = 10¹⁸ wei)' : `= ${eth} ETH`) : 'Token base units (USDC: 10⁶ per token)';
      return (
        <Field label={field.label} hint={error === undefined ? hint : undefined} error={error}>
          {(c) => (
            <div className={ui.inputWrap}>
              <TextInput {...c} mono inputMode="numeric" value={String(value ?? '')} placeholder={field.optional === true ? 'No limit' : ''} onChange={(e) => onChange(e.target.value)} data-field={field.key} />
              <span className={ui.inputTrailing}>{field.unit === 'wei' ? 'wei' : 'units'}</span>
            </div>
          )}
        </Field>
      );
    }
    case 'text':
    case 'time':
    case 'timezone':
      return (
        <Field label={field.label} hint={field.hint} error={error} className={field.kind === 'text' ? p.wide : undefined}>
          {(c) => <TextInput {...c} mono={field.kind !== 'timezone'} value={String(value ?? '')} placeholder={field.placeholder} onChange={(e) => onChange(e.target.value)} data-field={field.key} />}
        </Field>
      );
  }
}
