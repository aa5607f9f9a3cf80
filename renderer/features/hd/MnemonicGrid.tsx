/**
 * @module renderer/features/hd/MnemonicGrid
 * A recovery phrase as a numbered word grid, the way people copy it onto paper: numbered cells
 * read row by row, left to right, monospace, no copy button (a phrase on the clipboard is a
 * phrase any app can read). The words live only in the caller's local state.
 */
import h from './hd.module.css';

export function MnemonicGrid({ mnemonic }: { mnemonic: string }) {
  const words = mnemonic.split(/\s+/).filter((w) => w !== '');
  return (
    <ol className={h.grid} aria-label={`Recovery phrase, ${words.length} words`} data-testid="mnemonic-grid">
      {words.map((w, i) => (
        <li key={i} className={h.word}>
          <span className={h.wordNo}>{i + 1}</span>
          <span className={h.wordText}>{w}</span>
        </li>
      ))}
    </ol>
  );
}
