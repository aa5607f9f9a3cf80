/** @module renderer/features/audit/AuditScreen (placeholder while the screen is built). */
export function AuditScreen() {
  return null;
}
