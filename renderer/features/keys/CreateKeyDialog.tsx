/** @module renderer/features/keys/CreateKeyDialog (placeholder while the screen is built). */
export function CreateKeyDialog(_props: { open: boolean; onOpenChange: (open: boolean) => void }) {
  return null;
}
