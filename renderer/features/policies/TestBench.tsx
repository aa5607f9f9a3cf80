/**
 * @module renderer/features/policies/TestBench
 * A dry run of policies on a context (policies.test: nothing stored, nothing signed): the context
 * as JSON on the left — pre-filled as the host builds it for an ETH transfer, with presets — and on
 * the right the decision (allow / require approval / deny), the reasons that decided, and each
 * policy's result with its fuel, logs and time. It runs the stored policies, the policy open in
 * the editor (its unsaved draft) or a .wasm file not installed; it re-runs as the context is
 * edited (debounced), so an operator sees a rule's edge move as they type.
 */
import { FileUp, Play, RotateCcw } from 'lucide-react';
import { useEffect, useRef, useState } from 'react';
import type { PolicyResultWire } from '../../../shared/api/policy.js';
import { useApp } from '../../store/index.js';
import type { PolicyEvaluation } from '../../store/policies-slice.js';
import type { ErrorInfo } from '../../store/types.js';
import { Badge } from '../../app/ui/Badge.js';
import { Button } from '../../app/ui/Button.js';
import { ErrorNote } from '../../app/ui/ErrorNote.js';
import { Segmented } from '../../app/ui/Field.js';
import { Spinner } from '../../app/ui/Progress.js';
import { bytesToBase64 } from '../../app/lib/bytes.js';
import { formatCount } from '../../app/lib/format.js';
import { cx } from '../../app/ui/cx.js';
import sc from '../../app/ui/screen.module.css';
import ui from '../../app/ui/ui.module.css';
import { BENCH_PRESETS, contextText, parseContextText } from './bench-context.js';
import { DecisionBadge } from './DecisionBadge.js';
import { draftToDefinition, type PolicyDraft } from './policy-form.js';
import p from './policies.module.css';

export type BenchSource = 'stored' | 'draft' | 'file';

export interface BenchState {
  readonly text: string;
  readonly source: BenchSource;
  readonly file: { readonly name: string; readonly data: string } | null;
  readonly live: boolean;
}

export function initialBench(namespace: string, now: number): BenchState {
  const preset = BENCH_PRESETS[0];
  return { text: preset === undefined ? '{}' : contextText(preset.build({ namespace, keyId: 'hot-1', now })), source: 'stored', file: null, live: true };
}

const RERUN_MS = 400;
const VERDICT = { allow: 'Signed without asking', 'require-approval': 'Waits for an operator', deny: 'Refused, never signed' } as const;
const LOG_LEVEL = ['debug', 'info', 'warn', 'error'] as const;

export function TestBench({ state, onState, draft }: { state: BenchState; onState: (s: BenchState) => void; draft: PolicyDraft | null }) {
  const testPolicies = useApp((s) => s.testPolicies);
  const namespace = useApp((s) => s.namespace);
  const [result, setResult] = useState<PolicyEvaluation | undefined>(undefined);
  const [error, setError] = useState<ErrorInfo | undefined>(undefined);
  const [running, setRunning] = useState(false);
  const seq = useRef(0);
  const fileInput = useRef<HTMLInputElement>(null);
  const parsed = parseContextText(state.text);
  const source: BenchSource = state.source === 'draft' && draft === null ? 'stored' : state.source;
  const ready = parsed.ok && (source !== 'file' || state.file !== null);
  const set = (patch: Partial<BenchState>) => onState({ ...state, ...patch });

  async function run() {
    if (!parsed.ok) return;
    const mine = ++seq.current;
    setRunning(true);
    const input =
      source === 'draft' && draft !== null
        ? { context: parsed.value, definitions: [{ ...draftToDefinition(draft), enabled: true }] }
        : source === 'file' && state.file !== null
          ? { context: parsed.value, module: state.file.data }
          : { context: parsed.value };
    const r = await testPolicies(input);
    if (mine !== seq.current) return;
    setRunning(false);
    if (r.ok) {
      setResult(r.value);
      setError(undefined);
    } else {
      setError(r.error);
      setResult(undefined);
    }
  }

  // Live: re-run a moment after the last edit (the draft and the source count as edits).
  const draftKey = source === 'draft' && draft !== null ? JSON.stringify(draftToDefinition(draft)) : '';
  useEffect(() => {
    if (!state.live || !ready) return;
    const t = setTimeout(() => void run(), RERUN_MS);
    return () => clearTimeout(t);
  }, [state.text, source, state.file, draftKey, state.live, ready]);

  const sources: { value: BenchSource; label: string }[] = [
    { value: 'stored', label: 'Stored policies' },
    ...(draft === null ? [] : [{ value: 'draft' as const, label: draft.name.trim() === '' ? 'This draft' : `Draft: ${draft.name.trim()}` }]),
    { value: 'file', label: 'A .wasm file' },
  ];

  return (
    <div className={p.bench} data-testid="test-bench">
      <section className={p.benchInput} aria-label="Context">
        <div className={p.benchBar}>
          <span className={p.fieldLabel}>Run</span>
          <Segmented label="Policies to run" value={source} options={sources} onChange={(v) => set({ source: v })} />
          {source === 'file' ? (
            <>
              <Button size="sm" icon={<FileUp aria-hidden />} onClick={() => fileInput.current?.click()} data-testid="bench-file-button">
                {state.file === null ? 'Choose .wasm…' : state.file.name}
              </Button>
              <input
                ref={fileInput}
                type="file"
                accept=".wasm,application/wasm"
                className="sr-only"
                tabIndex={-1}
                data-testid="bench-file"
                onChange={(e) => {
                  const f = e.target.files?.[0];
                  e.target.value = '';
                  if (f === undefined) return;
                  void f.arrayBuffer().then((buf) => set({ source: 'file', file: { name: f.name, data: bytesToBase64(new Uint8Array(buf)) } }));
                }}
              />
            </>
          ) : null}
        </div>
        <div className={p.benchBar}>
          <span className={p.fieldLabel}>Context</span>
          <div className={p.presets} role="group" aria-label="Context presets">
            {BENCH_PRESETS.map((preset) => (
              <Button key={preset.id} size="sm" variant="ghost" onClick={() => set({ text: contextText(preset.build({ namespace, keyId: signerKeyOf(parsed) ?? 'hot-1', now: Date.now() })) })} data-preset={preset.id}>
                {preset.label}
              </Button>
            ))}
          </div>
        </div>
        <textarea
          className={cx(ui.input, ui.inputMono, p.contextEditor)}
          aria-label="Policy context (JSON)"
          aria-invalid={parsed.ok ? undefined : true}
          spellCheck={false}
          value={state.text}
          onChange={(e) => set({ text: e.target.value })}
          data-testid="bench-context"
        />
        <div className={p.benchFoot}>
          {parsed.ok ? <span className={p.muted}>The JSON a policy receives; amounts are decimal strings in wei.</span> : <span className={ui.fieldError}>Not valid JSON: {parsed.message}</span>}
          <span className={sc.toolbarSpacer} />
          <label className={p.liveToggle}>
            <input type="checkbox" checked={state.live} onChange={(e) => set({ live: e.target.checked })} />
            Re-run on edit
          </label>
          <Button variant="primary" size="sm" icon={<Play aria-hidden />} disabled={!ready} busy={running} onClick={() => void run()} data-testid="bench-run">
            Run
          </Button>
        </div>
      </section>
      <section className={p.benchOutput} aria-label="Decision" aria-live="polite" data-testid="bench-result">
        {error !== undefined ? (
          <ErrorNote error={error} help={error.code === 'INVALID_INPUT' ? 'Fix the context or the draft and run again.' : undefined} />
        ) : result === undefined ? (
          <div className={p.benchEmpty}>
            {running ? <Spinner label="Running" /> : <RotateCcw aria-hidden />}
            <span>{running ? 'Running…' : 'Run the policies on the context to see their decision.'}</span>
          </div>
        ) : (
          <Evaluation result={result} stale={running} />
        )}
      </section>
    </div>
  );
}

function signerKeyOf(parsed: ReturnType<typeof parseContextText>): string | undefined {
  if (!parsed.ok) return undefined;
  const signer = parsed.value.signer as { key_id?: unknown } | undefined;
  return typeof signer?.key_id === 'string' ? signer.key_id : undefined;
}

function Evaluation({ result, stale }: { result: PolicyEvaluation; stale: boolean }) {
  return (
    <div className={cx(p.evaluation, stale && p.stale)} data-decision={result.decision} data-testid="bench-evaluation">
      <div className={cx(sc.decisionEdge, sc[`decisionEdge-${result.decision}`], p.verdict)}>
        <DecisionBadge decision={result.decision} className={p.verdictBadge} />
        <span className={p.verdictText}>{VERDICT[result.decision]}</span>
        <div className={p.verdictStats}>
          <span>
            <span className="num">{formatCount(result.results.length)}</span> {result.results.length === 1 ? 'policy' : 'policies'}
          </span>
          {result.results.some((r) => r.fuel !== null) ? (
            <span>
              fuel <span className="num">{formatCount(result.fuel)}</span>
            </span>
          ) : null}
          <span className="num">{formatMs(result.durationMs)}</span>
        </div>
      </div>
      {result.reasons.length === 0 ? (
        <p className={p.muted}>{result.results.length === 0 ? 'No policy applies to this signer: the engine’s default decides.' : 'No reason given.'}</p>
      ) : (
        <ul className={p.reasonList} aria-label="Reasons" data-testid="bench-reasons">
          {result.reasons.map((r, i) => (
            <li key={i}>{r}</li>
          ))}
        </ul>
      )}
      {result.results.length === 0 ? null : (
        <>
          <h3 className={sc.sectionTitle}>Each policy, in run order</h3>
          <ol className={p.resultList}>
            {result.results.map((r, i) => (
              <ResultRow key={`${r.name}-${i}`} result={r} />
            ))}
          </ol>
        </>
      )}
    </div>
  );
}

function ResultRow({ result }: { result: PolicyResultWire }) {
  return (
    <li className={p.resultRow} data-testid="bench-policy-result" data-decision={result.decision}>
      <div className={p.resultTop}>
        <DecisionBadge decision={result.decision} />
        <span className={p.resultName}>{result.name}</span>
        <Badge tone="outline">{result.kind === 'rules' ? 'Rules' : 'WASM'}</Badge>
        <span className={p.muted}>{scopeText(result.scope)}</span>
        <span className={sc.toolbarSpacer} />
        {result.fuel === null ? null : (
          <span className={p.muted}>
            fuel <span className="num">{formatCount(result.fuel)}</span>
          </span>
        )}
        <span className={cx(p.muted, 'num')}>{formatMs(result.durationMs)}</span>
      </div>
      {result.reason === '' ? null : <p className={p.resultReason}>{result.reason}</p>}
      {result.logs.length === 0 ? null : (
        <pre className={p.logs} aria-label={`Logs of ${result.name}`}>
          {result.logs.map((l) => `${LOG_LEVEL[l.level] ?? l.level}  ${l.message}`).join('\n')}
        </pre>
      )}
    </li>
  );
}

export function scopeText(scope: PolicyResultWire['scope']): string {
  return scope.kind === 'global' ? 'global' : scope.kind === 'namespace' ? `namespace ${scope.namespace}` : `key ${scope.namespace}/${scope.keyId}`;
}

export function formatMs(ms: number): string {
  return ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : ms < 100 ? `${ms.toFixed(2)} ms` : `${Math.round(ms)} ms`;
}
