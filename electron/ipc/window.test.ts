/**
 * The Electron security checklist, item by item, checked on the pure values and decisions that
 * electron/main.ts wires into the window: no Electron binary needed.
 */
import { describe, expect, it } from 'vitest';
import {
  APP_ENTRY_URL,
  APP_ORIGIN,
  CONTENT_SECURITY_POLICY,
  EXTERNAL_HOSTS,
  isAppUrl,
  isNavigationAllowed,
  isPermissionGranted,
  isWebviewAllowed,
  parseExternalUrl,
  windowOpenResponse,
  windowOptions,
} from './window.js';

/** The CSP as directive → sources. */
function directives(csp: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of csp.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name !== undefined && name !== '') {
      expect(out.has(name), `directive ${name} appears once`).toBe(false);
      out.set(name, sources);
    }
  }
  return out;
}

describe('window options', () => {
  const options = windowOptions({ preload: '/app/dist/electron/preload.cjs', devTools: false });
  const web = options.webPreferences ?? {};

  it('isolates and sandboxes the renderer, with no Node anywhere', () => {
    expect(web.contextIsolation).toBe(true);
    expect(web.sandbox).toBe(true);
    expect(web.nodeIntegration).toBe(false);
    expect(web.nodeIntegrationInWorker).toBe(false);
    expect(web.nodeIntegrationInSubFrames).toBe(false);
  });

  it('keeps web security on, no insecure content, no <webview>, no experimental features', () => {
    expect(web.webSecurity).toBe(true);
    expect(web.allowRunningInsecureContent).toBe(false);
    expect(web.webviewTag).toBe(false);
    expect(web.experimentalFeatures).toBe(false);
    expect(web.navigateOnDragDrop).toBe(false);
    expect(web).not.toHaveProperty('enableBlinkFeatures');
    expect(web).not.toHaveProperty('additionalArguments');
  });

  it('loads the given preload, does not spell-check what the operator types, and passes devTools through', () => {
    expect(web.preload).toBe('/app/dist/electron/preload.cjs');
    expect(web.spellcheck).toBe(false);
    expect(web.devTools).toBe(false);
    expect(windowOptions({ preload: '/p', devTools: true }).webPreferences?.devTools).toBe(true);
  });

  it('is shown only when ready, so no blank frame flashes', () => {
    expect(options.show).toBe(false);
  });
});

describe('content security policy', () => {
  const csp = directives(CONTENT_SECURITY_POLICY);

  it("defaults to 'self' and runs only our own scripts: no inline script, no eval, no remote origin", () => {
    expect(csp.get('default-src')).toEqual(["'self'"]);
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-eval');
    expect(CONTENT_SECURITY_POLICY).not.toContain('wasm-unsafe-eval');
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/https?:|wss?:|\*/);
  });

  it('has no network, no plugins, no frames, no base tag and no form posts, and cannot be framed', () => {
    expect(csp.get('connect-src')).toEqual(["'self'"]);
    expect(csp.get('object-src')).toEqual(["'none'"]);
    expect(csp.get('frame-src')).toEqual(["'none'"]);
    expect(csp.get('base-uri')).toEqual(["'none'"]);
    expect(csp.get('form-action')).toEqual(["'none'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
  });

  it("allows inline styles only (not scripts), and images from data:/blob: for QR codes and charts", () => {
    expect(csp.get('style-src')).toEqual(["'self'", "'unsafe-inline'"]);
    expect(csp.get('img-src')).toEqual(["'self'", 'data:', 'blob:']);
    for (const [name, sources] of csp) {
      if (name !== 'style-src') expect(sources, name).not.toContain("'unsafe-inline'");
    }
  });
});

describe('navigation', () => {
  it('is allowed only to our app:// origin', () => {
    expect(APP_ORIGIN).toBe('app://custos');
    expect(isNavigationAllowed(APP_ENTRY_URL)).toBe(true);
    expect(isNavigationAllowed('app://custos/index.html#/keys')).toBe(true);
    for (const url of [
      'https://example.com/',
      'http://custos/',
      'file:///etc/passwd',
      'app://other/index.html',
      'app://custos:8080/index.html',
      'app://user:pw@custos/index.html',
      'app://custos.evil/index.html',
      'javascript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'about:blank',
      'not a url',
      '',
    ]) {
      expect(isNavigationAllowed(url), url).toBe(false);
    }
    expect(isAppUrl('app://custos/')).toBe(true);
  });

  it('never opens a new window', () => {
    expect(windowOpenResponse()).toEqual({ action: 'deny' });
  });

  it('never attaches a <webview>', () => {
    expect(isWebviewAllowed()).toBe(false);
  });
});

describe('permissions', () => {
  it('refuses every permission request and check', () => {
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'hid', 'serial', 'usb', 'fullscreen', 'pointerLock', 'display-capture', 'fileSystem', 'unknown']) {
      expect(isPermissionGranted(permission, APP_ENTRY_URL), permission).toBe(false);
    }
  });

  it('lets only our own page write (never read) the clipboard, for "copy public key"', () => {
    expect(isPermissionGranted('clipboard-sanitized-write', APP_ENTRY_URL)).toBe(true);
    expect(isPermissionGranted('clipboard-sanitized-write', 'https://example.com/')).toBe(false);
    expect(isPermissionGranted('clipboard-sanitized-write', '')).toBe(false);
  });
});

describe('openExternal', () => {
  it('allows https links to an allow-listed host, re-serialised by URL', () => {
    expect(parseExternalUrl('https://github.com/custos/custos')).toBe('https://github.com/custos/custos');
    expect(parseExternalUrl('https://eips.ethereum.org/EIPS/eip-712')).toBe('https://eips.ethereum.org/EIPS/eip-712');
    expect(parseExternalUrl('https://GitHub.com/a b')).toBe('https://github.com/a%20b');
    expect(parseExternalUrl('https://github.com:443/x')).toBe('https://github.com/x');
    expect(EXTERNAL_HOSTS.length).toBeGreaterThan(0);
  });

  it('refuses other schemes, other hosts, credentials, ports and junk', () => {
    for (const url of [
      'http://github.com/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'smb://github.com/share',
      'app://custos/index.html',
      'https://evil.example/',
      'https://github.com.evil.example/',
      'https://evilgithub.com/',
      'https://api.github.com/',
      'https://github.com@evil.example/',
      'https://user:pw@github.com/',
      'https://user@github.com/',
      'https://github.com:8443/',
      'https://gíthub.com/',
      '//github.com/x',
      'github.com',
      '',
      'https://github.com/' + 'a'.repeat(3000),
    ]) {
      expect(parseExternalUrl(url), url).toBeNull();
    }
  });

  it('takes its allow-list as an argument (exact host names, no wildcards)', () => {
    expect(parseExternalUrl('https://docs.example/x', ['docs.example'])).toBe('https://docs.example/x');
    expect(parseExternalUrl('https://sub.docs.example/x', ['docs.example'])).toBeNull();
    expect(parseExternalUrl('https://github.com/', [])).toBeNull();
  });
});
