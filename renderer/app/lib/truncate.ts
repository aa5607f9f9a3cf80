/**
 * @module renderer/app/lib/truncate
 * Middle truncation for identifiers, hashes and addresses: the start and the end are what people
 * compare by eye (`0x9858…Ea94`), so both stay and the middle gives way.
 */

/** `text` if it fits in `max` characters, else its head and tail around one ellipsis. */
export function middleTruncate(text: string, max: number): string {
  if (max < 3) return text.length <= max ? text : text.slice(0, Math.max(0, max));
  const chars = [...text]; // by code point: never split a surrogate pair
  if (chars.length <= max) return text;
  const keep = max - 1; // one character for the ellipsis
  const head = Math.ceil(keep / 2);
  const tail = keep - head;
  return chars.slice(0, head).join('') + '…' + (tail > 0 ? chars.slice(chars.length - tail).join('') : '');
}
