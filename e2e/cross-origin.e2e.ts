/**
 * A page from another origin cannot use the browser host's API, in a real Chromium that holds
 * a valid session cookie. Two attackers, each on its own loopback server:
 *
 * - http://127.0.0.1:OTHER — same site as the host (cookies ignore ports), so Chromium sends the
 *   SameSite=Strict session cookie with its WebSocket handshake: only the Origin check stops it.
 * - http://localhost:OTHER — another site: no cookie, and the wrong Origin.
 *
 * Neither opens the WebSocket nor reads a page over fetch, while the host's own page (the
 * control) does open it. Needs no renderer build: the host serves a one-file fixture.
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withHost } from './support/host.js';

interface SocketAttempt {
  readonly opened: boolean;
  readonly answer: string | null;
  readonly closeCode: number | null;
}

/** Runs in the page: open the WebSocket, ask for vault.status, report what happened. */
const TRY_WEBSOCKET = `(url) => new Promise((resolve) => {
  let opened = false;
  let answer = null;
  const ws = new WebSocket(url);
  ws.onopen = () => { opened = true; ws.send(JSON.stringify({ id: 1, method: 'vault.status', input: {} })); };
  ws.onmessage = (e) => { answer = String(e.data); ws.close(); };
  ws.onclose = (e) => resolve({ opened, answer, closeCode: e.code });
  setTimeout(() => resolve({ opened, answer, closeCode: null }), 5000);
})`;

/** Runs in the page: try to read a page of the host with fetch (CORS must stop it). */
const TRY_FETCH = `(url) => fetch(url, { credentials: 'include' }).then((r) => r.text()).then((t) => 'read: ' + t.slice(0, 40), (e) => 'failed: ' + e.name)`;

let fixture: string;
let attacker: Server;
let attackerPort: number;

beforeAll(async () => {
  fixture = mkdtempSync(join(tmpdir(), 'custos-e2e-www-'));
  writeFileSync(join(fixture, 'index.html'), '<!doctype html><meta charset="utf-8"><title>Custos fixture</title><p>fixture</p>');
  attacker = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><meta charset="utf-8"><title>Another origin</title><p>not Custos</p>');
  });
  await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
  attackerPort = (attacker.address() as { port: number }).port;
});

afterAll(async () => {
  await new Promise((resolve) => attacker.close(resolve));
  rmSync(fixture, { recursive: true, force: true });
});

describe('the API WebSocket from another origin', () => {
  it('is refused to pages on another port and on another site, and open to the host’s own page', async () => {
    await withHost(
      async ({ page, context, host, events, screenshot }) => {
        const api = `ws://127.0.0.1:${host.port}/api`;

        // Control: the host's own page opens the socket and gets an answer.
        const own = (await page.evaluate(`(${TRY_WEBSOCKET})(${JSON.stringify(api)})`)) as SocketAttempt;
        expect(own.opened).toBe(true);
        expect(JSON.parse(own.answer ?? '{}')).toMatchObject({ type: 'result', id: 1, result: { ok: true, value: { initialized: false } } });

        for (const [name, origin, carriesCookie] of [
          ['same-site', `http://127.0.0.1:${attackerPort}`, true],
          ['cross-site', `http://localhost:${attackerPort}`, false],
        ] as const) {
          const evil = await context.newPage();
          await evil.goto(`${origin}/`);
          const attempt = (await evil.evaluate(`(${TRY_WEBSOCKET})(${JSON.stringify(api)})`)) as SocketAttempt;
          expect(attempt, name).toEqual({ opened: false, answer: null, closeCode: 1006 });
          const read = (await evil.evaluate(`(${TRY_FETCH})(${JSON.stringify(`${host.origin}/`)})`)) as string;
          expect(read, name).toBe('failed: TypeError');
          expect(events, name).toContainEqual({ type: 'ws.refused', status: 403, reason: 'origin', session: carriesCookie });
          await screenshot(`cross-origin-${name}`, evil);
          await evil.close();
        }
        expect(events.filter((e) => e.type === 'ws.open')).toHaveLength(1);
      },
      { staticDir: fixture },
    );
  });
});
