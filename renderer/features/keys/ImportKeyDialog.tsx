/** @module renderer/features/keys/ImportKeyDialog (placeholder while the screen is built). */
export function ImportKeyDialog(_props: { open: boolean; onOpenChange: (open: boolean) => void }) {
  return null;
}
