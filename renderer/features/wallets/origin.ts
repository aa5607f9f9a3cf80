/**
 * @module renderer/features/wallets/origin
 * A browser origin as the operator must read it before connecting: the scheme and the host apart
 * (the host is what identifies the site; `app.example.com.evil.io` must not hide in a long line),
 * the port only when it is not the scheme's default, and whether the connection to the site is
 * unencrypted — `http://` anywhere but this machine means anyone on the path could be the site.
 *
 * Trusts nothing about the text: an origin that does not parse is shown as it came, flagged.
 */

export interface OriginView {
  /** `https://` */
  readonly scheme: string;
  /** `app.example.com` (punycode as the browser sent it) */
  readonly host: string;
  /** `:8080`, or '' for the scheme's default port. */
  readonly port: string;
  /** http:// to a host that is not loopback. */
  readonly insecure: boolean;
  /** A loopback host (localhost, 127.0.0.0/8, [::1]): a page served from this computer. */
  readonly local: boolean;
  /** The text did not parse as an http(s) origin. */
  readonly unparsed: boolean;
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/iu;

export function parseOrigin(text: string): OriginView {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { scheme: '', host: text, port: '', insecure: true, local: false, unparsed: true };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { scheme: `${url.protocol}//`, host: url.host || text, port: '', insecure: true, local: false, unparsed: true };
  const local = LOOPBACK.test(url.hostname) || url.hostname.endsWith('.localhost');
  return { scheme: `${url.protocol}//`, host: url.hostname, port: url.port === '' ? '' : `:${url.port}`, insecure: url.protocol === 'http:' && !local, local, unparsed: false };
}
