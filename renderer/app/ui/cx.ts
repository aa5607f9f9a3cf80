/**
 * @module renderer/app/ui/cx
 * Join class names, skipping the falsy ones (CSS-module lookups may be undefined).
 */
export function cx(...names: (string | false | null | undefined)[]): string {
  return names.filter(Boolean).join(' ');
}
