/**
 * @module renderer/features/vault/strength
 * The passphrase strength meter: zxcvbn-ts (loaded on first use — its dictionaries are most of
 * its weight, and only the setup wizard needs them) and the mapping from its 0–4 score to what
 * the meter shows and whether the wizard accepts the passphrase.
 *
 * The vault's real protection is Argon2id over the passphrase; the meter only keeps an operator
 * from choosing one an offline guesser would find in the first hours.
 */

export type StrengthTone = 'danger' | 'warning' | 'success';

export interface StrengthView {
  /** 0–4 as zxcvbn scores it. */
  readonly score: number;
  readonly label: string;
  readonly tone: StrengthTone;
  /** Filled segments of a 4-segment bar (0 for an empty field). */
  readonly segments: number;
  readonly acceptable: boolean;
  /** Why it is not acceptable, or zxcvbn's warning. */
  readonly hint: string | undefined;
  readonly suggestions: readonly string[];
  /** zxcvbn's estimate for an offline attack on a slow hash (10^4 guesses per second). */
  readonly crackTime: string | undefined;
}

/** Shortest passphrase the wizard accepts, whatever zxcvbn says. */
export const MIN_PASSPHRASE_LENGTH = 12;
/** zxcvbn 3 = "safely unguessable: moderate protection from offline slow-hash scenario". */
export const MIN_SCORE = 3;

const LABELS = ['Very weak', 'Weak', 'Fair', 'Strong', 'Very strong'] as const;

export function strengthView(
  passphrase: string,
  result: { score: number; warning?: string | null; suggestions?: readonly string[]; crackTime?: string } | undefined,
): StrengthView {
  if (passphrase.length === 0) {
    return { score: 0, label: '', tone: 'danger', segments: 0, acceptable: false, hint: undefined, suggestions: [], crackTime: undefined };
  }
  const score = Math.max(0, Math.min(4, Math.trunc(result?.score ?? 0)));
  const tooShort = [...passphrase].length < MIN_PASSPHRASE_LENGTH;
  const acceptable = !tooShort && score >= MIN_SCORE && result !== undefined;
  const tone: StrengthTone = score >= MIN_SCORE && !tooShort ? 'success' : score >= 2 ? 'warning' : 'danger';
  const warning = result?.warning === null || result?.warning === '' ? undefined : result?.warning;
  const hint = tooShort ? `Use at least ${MIN_PASSPHRASE_LENGTH} characters; several unrelated words work well.` : (warning ?? (score < MIN_SCORE ? 'Add another uncommon word or two.' : undefined));
  return {
    score,
    label: LABELS[score] ?? '',
    tone,
    segments: Math.max(1, score),
    acceptable,
    hint,
    suggestions: result?.suggestions ?? [],
    crackTime: result?.crackTime,
  };
}

// English feedback (zxcvbn-ts ships the keys; @zxcvbn-ts/language-en is not a dependency).
const TRANSLATIONS = {
  warnings: {
    straightRow: 'Straight rows of keys on your keyboard are easy to guess.',
    keyPattern: 'Short keyboard patterns are easy to guess.',
    simpleRepeat: 'Repeated characters like "aaa" are easy to guess.',
    extendedRepeat: 'Repeated character patterns like "abcabcabc" are easy to guess.',
    sequences: 'Common character sequences like "abc" are easy to guess.',
    recentYears: 'Recent years are easy to guess.',
    dates: 'Dates are easy to guess.',
    topTen: 'This is a heavily used password.',
    topHundred: 'This is a frequently used password.',
    common: 'This is a commonly used password.',
    similarToCommon: 'This is similar to a commonly used password.',
    wordByItself: 'Single words are easy to guess.',
    namesByThemselves: 'Single names or surnames are easy to guess.',
    commonNames: 'Common names and surnames are easy to guess.',
    userInputs: 'There should not be any personal or page-related data.',
    pwned: 'Your password was exposed by a data breach on the Internet.',
  },
  suggestions: {
    l33t: "Avoid predictable letter substitutions like '@' for 'a'.",
    reverseWords: 'Avoid reversed spellings of common words.',
    allUppercase: 'Capitalize some, but not all letters.',
    capitalization: 'Capitalize more than the first letter.',
    dates: 'Avoid dates and years that are associated with you.',
    recentYears: 'Avoid recent years.',
    associatedYears: 'Avoid years that are associated with you.',
    sequences: 'Avoid common character sequences.',
    repeated: 'Avoid repeated words and characters.',
    longerKeyboardPattern: 'Use longer keyboard patterns and change typing direction multiple times.',
    anotherWord: 'Add more words that are less common.',
    useWords: 'Use multiple words, but avoid common phrases.',
    noNeed: 'You can create strong passwords without using symbols, numbers, or uppercase letters.',
    pwned: 'If you use this password elsewhere, you should change it.',
  },
  timeEstimation: {
    ltSecond: 'less than a second',
    second: '{base} second',
    seconds: '{base} seconds',
    minute: '{base} minute',
    minutes: '{base} minutes',
    hour: '{base} hour',
    hours: '{base} hours',
    day: '{base} day',
    days: '{base} days',
    month: '{base} month',
    months: '{base} months',
    year: '{base} year',
    years: '{base} years',
    centuries: 'centuries',
  },
};

export type Estimator = (passphrase: string, userInputs: readonly string[]) => { score: number; warning: string | null; suggestions: string[]; crackTime: string };

let loading: Promise<Estimator> | undefined;

/** zxcvbn-ts with the common dictionaries and keyboard graphs, loaded once. */
export function loadEstimator(): Promise<Estimator> {
  loading ??= (async () => {
    const [core, common] = await Promise.all([import('@zxcvbn-ts/core'), import('@zxcvbn-ts/language-common')]);
    core.zxcvbnOptions.setOptions({
      translations: TRANSLATIONS,
      graphs: common.adjacencyGraphs,
      dictionary: { ...common.dictionary },
    });
    return (passphrase, userInputs) => {
      const r = core.zxcvbn(passphrase, [...userInputs]);
      return {
        score: r.score,
        warning: r.feedback.warning,
        suggestions: r.feedback.suggestions,
        crackTime: String(r.crackTimesDisplay.offlineSlowHashing1e4PerSecond),
      };
    };
  })();
  return loading;
}
