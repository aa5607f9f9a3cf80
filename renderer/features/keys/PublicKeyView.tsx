/**
 * @module renderer/features/keys/PublicKeyView
 * A key's public key in PEM, JWK or raw (hex), with a copy button and a QR code of the same text,
 * drawn as an inline SVG from the `qr` module matrix (the air-gap screen's qrSymbol): nothing
 * leaves the machine, and no data: URL is needed. Re-read when the primary version changes (after
 * a rotation).
 */
import { useEffect, useMemo, useState } from 'react';
import { qrSymbol, type QrSymbol } from '../airgap/qr-frames.js';
import { useApp } from '../../store/index.js';
import type { ErrorInfo, KeyInfo, PublicKeyFormat } from '../../store/types.js';
import { Segmented } from '../../app/ui/Field.js';
import { CopyButton } from '../../app/ui/MonoId.js';
import { ErrorNote } from '../../app/ui/ErrorNote.js';
import { Delayed, Spinner } from '../../app/ui/Progress.js';
import sc from '../../app/ui/screen.module.css';
import k from './keys.module.css';

const FORMATS: readonly { value: PublicKeyFormat; label: string }[] = [
  { value: 'pem', label: 'PEM' },
  { value: 'jwk', label: 'JWK' },
  { value: 'raw', label: 'Raw' },
];

type Loaded = { status: 'loading' } | { status: 'ok'; text: string; version: number } | { status: 'error'; error: ErrorInfo };

export function PublicKeyView({ info }: { info: KeyInfo }) {
  const loadPublicKey = useApp((s) => s.loadPublicKey);
  const [format, setFormat] = useState<PublicKeyFormat>('pem');
  const [loaded, setLoaded] = useState<Loaded>({ status: 'loading' });

  useEffect(() => {
    let live = true;
    setLoaded({ status: 'loading' });
    void loadPublicKey(info.id, format).then((r) => {
      if (!live) return;
      setLoaded(r.ok ? { status: 'ok', text: format === 'jwk' ? prettyJson(r.value.text) : r.value.text.trim(), version: r.value.version } : { status: 'error', error: r.error });
    });
    return () => {
      live = false;
    };
  }, [loadPublicKey, info.id, info.primaryVersion, format]);

  return (
    <>
      <div className={k.pubHead}>
        <Segmented label="Public key format" value={format} options={FORMATS} onChange={setFormat} />
        {loaded.status === 'ok' ? <CopyButton value={loaded.text} label={`Copy public key (${format.toUpperCase()})`} /> : null}
      </div>
      {loaded.status === 'loading' ? (
        <Delayed>
          <Spinner label="Loading the public key" />
        </Delayed>
      ) : loaded.status === 'error' ? (
        <ErrorNote error={loaded.error} />
      ) : (
        <>
          <span className={sc.sectionTitle}>
            Version {loaded.version} · {format === 'raw' ? 'hex' : format.toUpperCase()}
          </span>
          <pre className={k.pubText} data-testid="public-key-text" tabIndex={0}>
            {loaded.text}
          </pre>
          <QrCode text={loaded.text} caption={`${format === 'raw' ? 'Raw public key (hex)' : `${format.toUpperCase()} public key`}, version ${loaded.version}`} />
        </>
      )}
    </>
  );
}

function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** A QR code of `text`, drawn locally; the HD wallet view reuses it for addresses. */
export function QrCode({ text, caption, testId = 'public-key-qr' }: { text: string; caption: string; testId?: string }) {
  // Too long for any QR version: say so rather than draw nothing.
  const symbol = useMemo((): QrSymbol | null => {
    try {
      return qrSymbol(text, 2);
    } catch {
      return null;
    }
  }, [text]);
  return (
    <figure className={k.qr} aria-label={`QR code: ${caption}`}>
      {symbol === null ? (
        <span className={k.qrCaption}>Too long for a QR code.</span>
      ) : (
        // Dark on white whatever the theme: scanners expect it.
        <svg className={k.qrSvg} viewBox={`0 0 ${symbol.size} ${symbol.size}`} role="img" aria-label={`QR code of the ${caption}`} data-testid={testId} shapeRendering="crispEdges">
          <rect width={symbol.size} height={symbol.size} fill="#fff" />
          <path d={symbol.path} fill="#111318" />
        </svg>
      )}
      <figcaption className={k.qrCaption}>{caption}</figcaption>
    </figure>
  );
}
