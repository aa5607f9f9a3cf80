/**
 * @module renderer/main
 * The renderer's entry: fonts and styles, the transport (window.custos or the host's WebSocket),
 * the store bound to its events, the theme applied before the first paint, then the app.
 */
import '@fontsource-variable/inter/wght.css';
import 'sonner/dist/styles.css';
import 'uplot/dist/uPlot.min.css';
import './styles/tokens.css';
import './styles/base.css';
import { StrictMode } from 'react';
import { z } from 'zod';
import { createRoot } from 'react-dom/client';
import { getTransport } from './api/get-api.js';
import { bindEvents, browserPrefs, createAppStore } from './store/index.js';
import { applyTheme, parseTheme, resolveTheme, systemPrefersDark } from './app/theme.js';
import { App } from './app/App.js';

// zod would probe `new Function` for its fast path; under our CSP (no 'unsafe-eval') the probe
// fails and is reported as a violation. Parse without it from the start.
z.config({ jitless: true });

const prefs = browserPrefs();
applyTheme(resolveTheme(parseTheme(prefs.get('theme')), systemPrefersDark()));

const transport = getTransport();
const store = createAppStore({ api: transport.api, prefs, now: () => Date.now() });
bindEvents(store, transport);

const root = document.getElementById('root');
if (root === null) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <App store={store} transport={transport} />
  </StrictMode>,
);
