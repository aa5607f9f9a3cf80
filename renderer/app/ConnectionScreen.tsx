/**
 * @module renderer/app/ConnectionScreen
 * When the page cannot reach Custos at all (browser host stopped, session cookie gone) or the
 * first status read failed: say so, with the code, the retry countdown and a way to retry now.
 */
import { PlugZap, ShieldAlert } from 'lucide-react';
import type { Transport } from '../api/get-api.js';
import { useApp, useAppStore } from '../store/index.js';
import type { ErrorInfo } from '../store/types.js';
import { Button } from './ui/Button.js';
import { ErrorNote } from './ui/ErrorNote.js';
import { CliLine } from './ui/EmptyState.js';
import { formatCountdown } from './lib/format.js';
import { useNow } from './lib/use-now.js';
import f from './frame.module.css';

export function ConnectionScreen({ transport }: { transport: Transport }) {
  const connection = useApp((s) => s.connection);
  const now = useNow(500);
  const retryIn = connection.status === 'closed' ? Math.max(0, connection.retryAt - now) : 0;
  return (
    <div className={f.gate}>
      <div className={f.gateCard}>
        <div className={f.gateHead}>
          <div className={`${f.gateMark} ${f.gateMarkDanger}`}>
            <PlugZap aria-hidden />
          </div>
          <h1 className={f.gateTitle}>Cannot reach Custos</h1>
          <p className={f.gateSub}>The page lost its connection to the Custos host. It retries on its own; nothing you typed was sent.</p>
        </div>
        <div className={f.gateBody}>
          <p>
            {connection.status === 'closed' ? (
              <>
                Retrying in <span className="num">{formatCountdown(retryIn)}</span> (attempt {connection.attempt + 1}).
              </>
            ) : (
              'Connecting…'
            )}
          </p>
          <Button variant="primary" block onClick={() => transport.reconnectNow()} disabled={connection.status !== 'closed'}>
            Retry now
          </Button>
          <CliLine label="If the host stopped, start it again" command="npm run serve" />
        </div>
      </div>
    </div>
  );
}

export function StatusErrorScreen({ error }: { error: ErrorInfo }) {
  const store = useAppStore();
  return (
    <div className={f.gate}>
      <div className={f.gateCard}>
        <div className={f.gateHead}>
          <div className={`${f.gateMark} ${f.gateMarkDanger}`}>
            <ShieldAlert aria-hidden />
          </div>
          <h1 className={f.gateTitle}>Custos could not read the vault</h1>
        </div>
        <div className={f.gateBody}>
          <ErrorNote error={error} />
          <Button variant="primary" block onClick={() => void store.getState().refreshVault()}>
            Try again
          </Button>
        </div>
      </div>
    </div>
  );
}
