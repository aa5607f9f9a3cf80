/**
 * @module renderer/store/prefs
 * The few non-secret preferences the page remembers between loads (last operator name, last
 * namespace, last theme — the theme so the first paint before sign-in is not a flash of the wrong
 * one). Never a passphrase, never anything read from the vault beyond names.
 */

export interface Prefs {
  get(key: PrefKey): string | undefined;
  set(key: PrefKey, value: string): void;
}

/** `notify`: "on" when the operator asked for desktop notifications of new signing requests. */
export type PrefKey = 'operator' | 'namespace' | 'theme' | 'sidebar' | 'notify';

const PREFIX = 'custos.';

/** localStorage when the page may use it (it can be disabled), else nothing is remembered. */
export function browserPrefs(): Prefs {
  return {
    get(key) {
      try {
        return window.localStorage.getItem(PREFIX + key) ?? undefined;
      } catch {
        return undefined;
      }
    },
    set(key, value) {
      try {
        window.localStorage.setItem(PREFIX + key, value);
      } catch {
        // storage full or disabled: a preference is not worth an error
      }
    },
  };
}

export function memoryPrefs(initial: Partial<Record<PrefKey, string>> = {}): Prefs {
  const map = new Map<PrefKey, string>(Object.entries(initial) as [PrefKey, string][]);
  return { get: (k) => map.get(k), set: (k, v) => void map.set(k, v) };
}
