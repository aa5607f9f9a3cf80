/** @module renderer/features/settings/SettingsScreen (placeholder while the screen is built). */
export function SettingsScreen() {
  return null;
}
