/**
 * The Backup & Recovery screen's helpers: path lists and checks, the restore directory suggested,
 * and what the recover wizard reads from a share as it is typed — checked against shares that
 * core/recovery/shares wrote (a 2-of-3 split of the key 01..20 with split ids abababab and
 * cdcdcdcd and fingerprint 0707…07; fixtures, since the renderer may not import the core).
 */
import { describe, expect, it } from 'vitest';
import { baseName, dirName, firstBadPath, isAbsolutePath, parsePathList, shellQuote, suggestRestoreDir } from './paths.js';
import { formatBytes } from './format-size.js';
import { checkShare, normalizeShare, sharesSummary, SHARE_WORDS } from './share-entry.js';

const WORDS_1 = 'absurd avoid domain firm rival stereo bright thought alpha deal scrub avocado slam boil tennis vote ignore clever pool walk speak insect will goddess youth age wise peasant about dragon club diesel tongue sibling wealth nature local use abandon';
const WORDS_2 = 'absurd avoid liberty firm rival stereo bright thought alpha deal scrub attitude session cloud cycle brand six between tired into ostrich clinic hurdle express slogan tobacco fashion almost mail december inject found ghost rice bargain stool tank mountain avoid';
const BASE32_3 = 'CUSTOS-3-2of3-AEBA-GA5L-VOV2-WBYH-A4DQ-OBYH-A7FN-UMB2-5ICJ-Q63I-RYED-ZBQS-HQOK-TMMW-2EEV-ZC2T-XH4X-44WM-MIW7-M2K5-KPZB-G';
const OTHER_SPLIT_1 = 'CUSTOS-1-2of3-AEBA-CA6N-ZXG4-2BYH-A4DQ-OBYH-A5AA-QAO4-GQQI-U3PL-B3RC-JSB4-PG3C-KGKZ-XREO-HYM5-5C7L-3GZF-RX6A-ZSL5-CERX-Y';

describe('backup paths', () => {
  it('takes one absolute path a line, in order, and names the first that is not absolute', () => {
    expect(parsePathList(' /b/full.custos-backup \n\n/b/inc-1.custos-backup\r\n')).toEqual(['/b/full.custos-backup', '/b/inc-1.custos-backup']);
    expect(isAbsolutePath('/x')).toBe(true);
    expect(isAbsolutePath('C:\\x')).toBe(true);
    expect(isAbsolutePath('D:/x')).toBe(true);
    expect(isAbsolutePath('backup.bin')).toBe(false);
    expect(isAbsolutePath('~/backup.bin')).toBe(false);
    expect(firstBadPath(['/a', 'rel/b', 'c'])).toEqual({ line: 2, path: 'rel/b' });
    expect(firstBadPath(['/a'])).toBeUndefined();
  });

  it('splits names and directories on either separator', () => {
    expect(baseName('/home/op/.custos/')).toBe('.custos');
    expect(baseName('C:\\Users\\op\\custos')).toBe('custos');
    expect(dirName('/a/b/c.bak')).toBe('/a/b');
    expect(dirName('/c.bak')).toBe('/');
    expect(dirName('C:\\x')).toBe('C:\\');
  });

  it('suggests a new, dated directory beside the data directory for a restore', () => {
    const at = new Date(2025, 0, 2, 3, 4, 5);
    expect(suggestRestoreDir('/home/op/.custos', at)).toBe('/home/op/.custos-restored-20250102-030405');
    expect(suggestRestoreDir('C:\\Users\\op\\custos', at)).toBe('C:\\Users\\op\\custos-restored-20250102-030405');
    expect(suggestRestoreDir(undefined, at)).toBe('');
  });

  it('writes sizes as people read them', () => {
    expect(formatBytes(689)).toBe('689 B');
    expect(formatBytes(1331)).toBe('1.3 KiB');
    expect(formatBytes(5 * 1024 * 1024 + 1)).toBe('5.0 MiB');
    expect(formatBytes(300 * 1024)).toBe('300 KiB');
  });

  it('quotes paths for the shell only when they need it', () => {
    expect(shellQuote('/tmp/a.bak')).toBe('/tmp/a.bak');
    expect(shellQuote('/tmp/my backups/a')).toBe(`'/tmp/my backups/a'`);
    expect(shellQuote("/tmp/o'brien")).toBe(`'/tmp/o'\\''brien'`);
  });
});

describe('share entry', () => {
  it('reads number and M of N from a share in words and in base32, and checks the checksum', () => {
    expect(WORDS_1.split(' ')).toHaveLength(SHARE_WORDS);
    expect(checkShare(WORDS_1)).toMatchObject({ kind: 'ok', number: 1, threshold: 2, total: 3, splitId: 'abababab', fingerprint: '0707070707070707' });
    expect(checkShare(BASE32_3)).toMatchObject({ kind: 'ok', number: 3, threshold: 2, total: 3, splitId: 'abababab' });
    // As pasted from paper: numbered, wrapped, capitalised; base32 in lower case with spaces.
    const numbered = WORDS_2.split(' ').map((w, i) => `${i + 1}. ${i === 0 ? w.toUpperCase() : w}`).join('\n');
    expect(checkShare(numbered)).toMatchObject({ kind: 'ok', number: 2 });
    expect(checkShare(BASE32_3.toLowerCase().replaceAll('-', ' ').replace('custos 3 2of3 ', 'custos-3-2of3-'))).toMatchObject({ kind: 'ok', number: 3 });
  });

  it('says what is wrong: a swapped word breaks the checksum, an unknown word is named, a wrong label is caught', () => {
    const swapped = WORDS_1.replace('tennis', 'tent');
    expect(checkShare(swapped)).toMatchObject({ kind: 'bad', problem: expect.stringContaining('checksum') });
    expect(checkShare(WORDS_1.replace('rival', 'rivalx'))).toMatchObject({ kind: 'partial', problem: expect.stringContaining('word 5') });
    expect(checkShare(`${WORDS_1} abandon`)).toMatchObject({ kind: 'bad', problem: expect.stringContaining('40 words') });
    expect(checkShare(BASE32_3.replace('CUSTOS-3-2of3', 'CUSTOS-2-2of3'))).toMatchObject({ kind: 'bad', problem: expect.stringContaining('label') });
    expect(checkShare(BASE32_3.replace('AEBA-GA5L', 'AEBA-GA5M'))).toMatchObject({ kind: 'bad' });
  });

  it('lets a share be typed: partial while short, the last word may be a prefix, empty when blank', () => {
    expect(checkShare('   ')).toEqual({ kind: 'empty' });
    expect(checkShare('absurd avoid dom')).toEqual({ kind: 'partial', form: 'words', words: 3 });
    expect(checkShare('CUSTOS-1-2of3-AEBA')).toEqual({ kind: 'partial', form: 'base32' });
    expect(normalizeShare(' custos-1-2of3-aeba ca5l ')).toBe('CUSTOS-1-2OF3-AEBACA5L');
  });

  it('sums the shares up: how many are needed, repeats and shares of another split named by position', () => {
    expect(sharesSummary([checkShare(WORDS_1), { kind: 'empty' }])).toEqual({ valid: 1, needed: 2, problem: undefined });
    expect(sharesSummary([checkShare(WORDS_1), checkShare(BASE32_3)])).toEqual({ valid: 2, needed: 2, problem: undefined });
    expect(sharesSummary([checkShare(WORDS_1), checkShare(WORDS_1)]).problem).toBe('share 2 repeats share 1 (both are number 1)');
    expect(sharesSummary([checkShare(WORDS_1), checkShare(OTHER_SPLIT_1)]).problem).toBe('share 2 is from another split than share 1');
    expect(sharesSummary([])).toEqual({ valid: 0, needed: undefined, problem: undefined });
  });
});
