/**
 * @module renderer/app/lib/bytes
 * Bytes to the contract's base64 (RFC 4648 §4) and PEM de-armouring, in the browser (no Buffer).
 * Imported key files may be PEM; the core takes DER, as the CLI's `key import` does.
 */

export function bytesToBase64(bytes: Uint8Array): string {
  let bin = '';
  const chunk = 0x8000; // String.fromCharCode takes its arguments on the stack
  for (let i = 0; i < bytes.length; i += chunk) bin += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return btoa(bin);
}

export function base64ToBytes(text: string): Uint8Array {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const PEM = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/;

/** The DER inside a PEM file (RFC 7468), with its label; undefined when the text is not PEM. */
export function dearmourPem(text: string): { label: string; der: Uint8Array } | undefined {
  const m = PEM.exec(text);
  if (m === null) return undefined;
  const body = (m[2] ?? '').replace(/[\r\n\t ]/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) return undefined;
  try {
    return { label: m[1] ?? '', der: base64ToBytes(body) };
  } catch {
    return undefined;
  }
}

/**
 * The base64 the contract wants for an imported key file: PEM becomes its DER; JWK and anything
 * else go as the file's bytes.
 */
export function keyFileToBase64(bytes: Uint8Array): { data: string; pemLabel?: string } {
  const head = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, 64));
  if (head.trimStart().startsWith('-----BEGIN')) {
    const pem = dearmourPem(new TextDecoder().decode(bytes));
    if (pem !== undefined) return { data: bytesToBase64(pem.der), pemLabel: pem.label };
  }
  return { data: bytesToBase64(bytes) };
}
