/**
 * @module renderer/features/devices/BackendBadge
 * Where a key lives, as a badge: `PKCS#11 · <token>` or `Ledger` for a device key (the Keys screen
 * and the Devices screen), plain text for the software vault, which is the usual case.
 */
import { Cpu, Usb } from 'lucide-react';
import { Badge } from '../../app/ui/Badge.js';
import { backendKind, backendLabel } from './device-meta.js';

export function BackendBadge({ backend, plain }: { backend: string; plain?: string }) {
  const kind = backendKind(backend);
  if (kind === 'pkcs11') {
    return (
      <Badge tone="accent" icon={<Cpu aria-hidden />} title={`On the PKCS#11 token ${backend.slice(backend.indexOf(':') + 1)}`}>
        <span data-backend={backend}>{backendLabel(backend)}</span>
      </Badge>
    );
  }
  if (kind === 'ledger') {
    return (
      <Badge tone="accent" icon={<Usb aria-hidden />} title={`On the Ledger ${backend.slice(backend.indexOf(':') + 1)}`}>
        <span data-backend={backend}>{backendLabel(backend)}</span>
      </Badge>
    );
  }
  return <span data-backend={backend}>{plain ?? backendLabel(backend)}</span>;
}
