/** @module renderer/features/keys/KeysScreen (placeholder while the screen is built). */
export function KeysScreen() {
  return null;
}
