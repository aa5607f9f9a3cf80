/**
 * @module core/api/ui-settings
 * The desktop app's preferences (auto-lock, theme), in `ui-settings.json` beside the vault.
 * Nothing secret lives here. Written atomically (temp file, fsync, rename), so a crash leaves the
 * old file or the new one. A missing or unreadable file means the defaults; a bad value in it is
 * replaced by its default rather than stopping the app.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { themeSchema } from '../../../shared/api/contract.js';

export const UI_SETTINGS_FILE = 'ui-settings.json';

const stored = z.object({
  autoLockMinutes: z.number().int().min(0).max(1440).catch(15),
  theme: themeSchema.catch('system'),
});

export type UiSettings = z.infer<typeof stored>;

export const DEFAULT_UI_SETTINGS: UiSettings = { autoLockMinutes: 15, theme: 'system' };

export class UiSettingsStore {
  private readonly path: string;

  constructor(dataDir: string) {
    this.path = join(dataDir, UI_SETTINGS_FILE);
  }

  read(): UiSettings {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(this.path, 'utf8'));
    } catch {
      return { ...DEFAULT_UI_SETTINGS };
    }
    const parsed = stored.safeParse(raw);
    return parsed.success ? parsed.data : { ...DEFAULT_UI_SETTINGS };
  }

  write(change: Partial<UiSettings>): UiSettings {
    const next = stored.parse({ ...this.read(), ...change });
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, JSON.stringify(next, null, 2) + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    return next;
  }
}
