/**
 * @module renderer/app/ui/Tip
 * A tooltip (Radix) with an optional keyboard shortcut, as UI.md asks: shortcuts are learnt from
 * the tooltips of the buttons they press.
 */
import * as Tooltip from '@radix-ui/react-tooltip';
import type { ReactElement, ReactNode } from 'react';
import s from './ui.module.css';
import { Kbd } from './Badge.js';

export function Tip({ label, shortcut, side = 'bottom', children }: { label: ReactNode; shortcut?: string; side?: 'top' | 'bottom' | 'left' | 'right'; children: ReactElement }) {
  return (
    <Tooltip.Root>
      <Tooltip.Trigger asChild>{children}</Tooltip.Trigger>
      <Tooltip.Portal>
        <Tooltip.Content className={s.tooltip} side={side} sideOffset={6} collisionPadding={8}>
          <span>{label}</span>
          {shortcut === undefined ? null : <Kbd>{shortcut}</Kbd>}
          <Tooltip.Arrow className={s.tooltipArrow} />
        </Tooltip.Content>
      </Tooltip.Portal>
    </Tooltip.Root>
  );
}
