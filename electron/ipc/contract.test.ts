/**
 * Contract, handler table and preload expose exactly the same names: every method of shared/api
 * has one handler (createHandlers) and one preload function (buildPreloadApi), every event one
 * preload subscription, and none of the three has anything the others lack. The compiler checks
 * the handler table's keys too (HandlerTable); this test also catches extra keys and the preload,
 * which is built at run time.
 */
import { describe, expect, it } from 'vitest';
import { EVENT_NAMES, EVENTS, eventChannel, functionName, METHOD_NAMES, methodChannel, METHODS, subscriptionName } from '../../shared/api/contract.js';
import { createHandlers } from '../core/api/handlers.js';
import { UiSettingsStore } from '../core/api/ui-settings.js';
import { buildPreloadApi } from './preload-api.js';

const noop = () => undefined;
const preloadNames = Object.keys(buildPreloadApi(async () => ({ ok: true, value: null }), noop, noop)).sort();
const handlerNames = Object.keys(createHandlers({ settings: new UiSettingsStore('/nonexistent'), version: 'x' })).sort();

describe('one set of names', () => {
  it('the contract lists each method and event once', () => {
    expect(METHOD_NAMES).toEqual(Object.keys(METHODS));
    expect(EVENT_NAMES).toEqual(Object.keys(EVENTS));
    expect(new Set(METHOD_NAMES.map(functionName)).size).toBe(METHOD_NAMES.length);
    expect(new Set(EVENT_NAMES.map(subscriptionName)).size).toBe(EVENT_NAMES.length);
    expect(new Set([...METHOD_NAMES.map(methodChannel), ...EVENT_NAMES.map(eventChannel)]).size).toBe(METHOD_NAMES.length + EVENT_NAMES.length);
  });

  it('the handler table has exactly the contract methods', () => {
    expect(handlerNames).toEqual([...METHOD_NAMES].sort());
  });

  it('the preload has exactly one function per contract method and one subscription per contract event', () => {
    const expected = [...METHOD_NAMES.map(functionName), ...EVENT_NAMES.map(subscriptionName)].sort();
    expect(preloadNames).toEqual(expected);
    // …and through the names, the same set as the handler table.
    expect(preloadNames.filter((n) => !n.startsWith('on')).sort()).toEqual(handlerNames.map((m) => functionName(m as (typeof METHOD_NAMES)[number])).sort());
  });

  it('no preload function name can be mistaken for a subscription, nor the reverse', () => {
    for (const m of METHOD_NAMES) expect(functionName(m), m).not.toMatch(/^on[A-Z]/);
    for (const e of EVENT_NAMES) expect(subscriptionName(e), e).toMatch(/^on[A-Z]/);
  });
});
