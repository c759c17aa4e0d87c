/**
 * The names of the pair features (`data.features.pair`), kept apart from the config schema so that
 * code run outside qqp (an export's predict.js, src/export/runtime.ts) carries no schema or file readers.
 */
/**
 * The pair features qqp computes from the two texts alone (src/data/features.ts), in the order they
 * reach the model's `features` input, each with what it measures. Every one is symmetric (the same
 * for (q1, q2) and (q2, q1)), and none looks at question identity or frequency.
 */
export const PAIR_FEATURES = {
  wordTfidf: 'cosine of the word 1- and 2-gram TF-IDF vectors (IDF fitted on the training split)',
  charTfidf: 'cosine of the character 3-gram TF-IDF vectors (IDF fitted on the training split)',
  jaccard: 'Jaccard similarity of the two sets of words',
  idfOverlap: 'IDF-weighted overlap: IDF of the shared words over IDF of all words of either',
  lengthDiff: 'absolute difference of the number of words',
  lengthRatio: 'shorter over longer question, in words',
  charLengthDiff: 'absolute difference of the number of characters',
  sharedNumbers: 'Jaccard similarity of the sets of numbers (1 when neither has a number)',
  numberMismatch: '1 when the two questions do not hold the same numbers, else 0',
  questionWord: '1 when both start from the same question word (what, how, why, ...; or neither has one)',
  firstWordEqual: '1 when the two questions start with the same word, else 0',
  lastWordEqual: '1 when the two questions end with the same word, else 0',
  lengthMean: 'mean number of words of the two questions',
  sharedMin: 'shared distinct words over the distinct words of the shorter question',
  sharedMax: 'shared distinct words over the distinct words of the longer question',
  contentSharedMin: 'shared distinct content words (not stop words) over those of the question with fewer',
  contentSharedMax: 'shared distinct content words (not stop words) over those of the question with more',
  stopSharedMin: 'shared distinct stop words over those of the question with fewer',
  editRatio: '1 − the edit (Levenshtein) distance of the two word strings over the longer one',
  sortedEditRatio: 'editRatio of the words sorted alphabetically (word order ignored)',
  commonSubstring: 'longest common substring of the two word strings over the shorter one',
  softAlign:
    'soft alignment of pretrained vectors: for each word of one question the best cosine with a word of the other, averaged over words, then over both directions (needs data.features.vectors)',
  vectorCosine: "cosine of the two questions' sums of unit word vectors (needs data.features.vectors)",
} as const;
export type PairFeatureName = keyof typeof PAIR_FEATURES;
export const PAIR_FEATURE_NAMES = Object.keys(PAIR_FEATURES) as PairFeatureName[];
/** The pair features computed from pretrained word vectors (`data.features.vectors`). */
export const VECTOR_FEATURE_NAMES: readonly PairFeatureName[] = ['softAlign', 'vectorCosine'];
export function isVectorFeature(name: PairFeatureName): boolean {
  return VECTOR_FEATURE_NAMES.includes(name);
}

/** The pair features a `data.features` config asks for, in input order (none: empty). */
export function pairFeatureNames(
  features: { pair?: boolean | readonly string[]; vectors?: unknown } | undefined,
): PairFeatureName[] {
  const pair = features?.pair;
  if (pair === true)
    return PAIR_FEATURE_NAMES.filter((n) => features?.vectors !== undefined || !isVectorFeature(n));
  if (Array.isArray(pair)) return PAIR_FEATURE_NAMES.filter((n) => (pair as readonly string[]).includes(n));
  return [];
}
