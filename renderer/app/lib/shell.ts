/**
 * @module renderer/app/lib/shell
 * Quoting for the CLI lines the screens show: a value is left as it is when a POSIX shell would
 * read it unchanged, else single-quoted (a single quote inside becomes '\'').
 */
export function shellArg(value: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/u.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}
