/**
 * Pair features and exact-match bits (`data.features`), computed from the two texts alone (plain
 * arrays; no tfjs here). Nothing is keyed on question identity or frequency: those "magic" features
 * leak the way the pairs were sampled.
 *
 * The statistics are fitted on the training split only (`fitFeatures`): document frequencies for
 * the IDF tables (each question of each training row is a document), then the mean and standard
 * deviation of each raw feature over the training rows, which standardise every split. They are
 * saved in the run folder (`features.json`) and reused by eval, predict and resume, so a pair gets
 * the same features in training and later.
 *
 * Words are the tokenizer's tokens holding a letter or a digit (punctuation tokens are left out).
 * idf(t) = ln((1 + N) / (1 + df(t))) + 1 (N documents), scikit-learn's smoothed IDF; a term seen in
 * fewer than `MIN_DF` training documents is not kept in the table and counts as unseen (df 0), in
 * training as later. TF is the raw count; cosines of empty vectors are 0.
 *
 * The vector features (`softAlign`, `vectorCosine`, with `data.features.vectors`) read pretrained
 * word vectors of the training split's words only (kept in the run folder beside features.json), so
 * a word first seen in validation, test or prediction has no vector there, as it has no IDF.
 */
import { distance } from 'fastest-levenshtein';
import type { EncodedPairs } from './encode.js';
import { writeQuestion } from './encode.js';
import {
  isVectorFeature,
  PAIR_FEATURE_NAMES,
  type PairFeatureName,
  pairFeatureNames,
} from './feature-names.js';
import type { PairRow } from './read.js';
import type { EncodingConfig, FeaturesConfig } from './schema.js';
import type { Tokenizer } from './tokenizer.js';

export const FEATURES_FILE_KIND = 'qqp-features';
export const FEATURES_FILE_VERSION = 1;
/** Terms in fewer training documents than this are left out of the IDF tables (unseen). */
export const MIN_DF = 2;
/** The character n-gram length of `charTfidf`. */
export const CHAR_NGRAM = 3;
/** The words `questionWord` looks for, first found wins. */
export const QUESTION_WORDS = ['what', 'how', 'why', 'when', 'where', 'who', 'whom', 'whose', 'which'];
/**
 * The stop words of `contentSharedMin/Max` and `stopSharedMin`: English function words (articles,
 * pronouns, auxiliaries, prepositions, conjunctions) and the question words, lower-cased, as the
 * tokenizer splits them (contractions split: "do n't" gives "do", "n't").
 */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    'a an the this that these those i me my mine we us our you your he him his she her it its they them their ' +
    'am is are was were be been being do does did doing done have has had having will would shall should can could ' +
    'may might must of in on at by for with about from to into onto over under between through during before after ' +
    "above below up down out off again then once and or but nor so if than too very not no n't 's 're 've 'll 'd " +
    'as such both each any some all most more other own same just also there here ' +
    QUESTION_WORDS.join(' ')
  ).split(' '),
);

/** `features.json`: everything fitted on the training split that features of a pair depend on. */
export interface FeatureStats {
  kind: typeof FEATURES_FILE_KIND;
  version: typeof FEATURES_FILE_VERSION;
  /** The pair features, in the order of the `features` input. */
  pair: PairFeatureName[];
  exactMatch: boolean;
  /** Training documents (questions) the document frequencies count. */
  documents: number;
  minDf: number;
  /** Document frequency of each word 1-gram and 2-gram ("a b") seen in >= minDf documents. */
  wordDf: Record<string, number>;
  /** Document frequency of each character n-gram seen in >= minDf documents. */
  charDf: Record<string, number>;
  /** Mean and standard deviation of each raw pair feature over the training rows. */
  mean: number[];
  std: number[];
  /** With vector features: where the vectors came from and how many training words have one. */
  vectors?: { source: string; sha256: string; dim: number; words: number };
}

/** Word vectors (row i of `values` is `words[i]`'s), as the embeddings cache holds them. */
export interface FeatureVectors {
  dim: number;
  words: readonly string[];
  values: Float32Array;
}

/** Whether a features config asks for anything. */
export function featuresOn(config: Partial<FeaturesConfig> | undefined): boolean {
  return pairFeatureNames(config).length > 0 || config?.exactMatch === true;
}

const WORD = /[\p{L}\p{N}]/u;
const NUMBER = /\d+(?:[.,]\d+)*/g;

/** What the features of one question need, computed once per question. */
interface QuestionView {
  words: string[];
  wordSet: Set<string>;
  numbers: Set<string>;
  chars: number;
  questionWord: string;
  /** The words joined by single spaces, and the same with the words sorted. */
  joined: string;
  sortedJoined: string;
  contentSet: Set<string>;
  stopSet: Set<string>;
  /** Unit vectors of the words that have one (only with vector features). */
  vectors: Float32Array[];
}

function viewOf(text: string, tokens: readonly string[]): QuestionView {
  const words = tokens.filter((t) => WORD.test(t)).map((t) => t.toLowerCase());
  const numbers = new Set<string>();
  for (const m of text.matchAll(NUMBER)) numbers.add(m[0].replace(/,/g, ''));
  return {
    words,
    wordSet: new Set(words),
    numbers,
    chars: [...text.trim()].length,
    questionWord: words.find((w) => QUESTION_WORDS.includes(w)) ?? '',
    joined: words.join(' '),
    sortedJoined: [...words].sort().join(' '),
    contentSet: new Set(words.filter((w) => !STOP_WORDS.has(w))),
    stopSet: new Set(words.filter((w) => STOP_WORDS.has(w))),
    vectors: [],
  };
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Mean over `a`'s vectors of the best cosine with one of `b`'s (unit vectors). */
function bestCosineMean(a: readonly Float32Array[], b: readonly Float32Array[]): number {
  let sum = 0;
  for (const x of a) {
    let best = -1;
    for (const y of b) best = Math.max(best, dot(x, y));
    sum += best;
  }
  return sum / a.length;
}

function sumOf(vectors: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(vectors[0]!.length);
  for (const v of vectors) for (let i = 0; i < v.length; i++) out[i]! += v[i]!;
  return out;
}

/** Word 1-grams and 2-grams with their counts. */
export function wordTerms(words: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  const add = (t: string) => out.set(t, (out.get(t) ?? 0) + 1);
  for (let i = 0; i < words.length; i++) {
    add(words[i]!);
    if (i + 1 < words.length) add(`${words[i]} ${words[i + 1]}`);
  }
  return out;
}

/** Character n-grams of the words joined by single spaces, with a space at each end, and counts. */
export function charTerms(words: readonly string[], n = CHAR_NGRAM): Map<string, number> {
  const chars = [...` ${words.join(' ')} `];
  const out = new Map<string, number>();
  for (let i = 0; i + n <= chars.length; i++) {
    const t = chars.slice(i, i + n).join('');
    out.set(t, (out.get(t) ?? 0) + 1);
  }
  return out;
}

export function idf(df: number, documents: number): number {
  return Math.log((1 + documents) / (1 + df)) + 1;
}

function tfidfCosine(a: Map<string, number>, b: Map<string, number>, weight: (t: string) => number): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (const [t, c] of a) {
    const w = c * weight(t);
    na += w * w;
    const cb = b.get(t);
    if (cb !== undefined) dot += w * cb * weight(t);
  }
  for (const [t, c] of b) {
    const w = c * weight(t);
    nb += w * w;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

function jaccard<T>(a: Set<T>, b: Set<T>, empty: number): number {
  if (a.size === 0 && b.size === 0) return empty;
  const shared = sharedCount(a, b);
  return shared / (a.size + b.size - shared);
}

function sharedCount<T>(a: Set<T>, b: Set<T>): number {
  let shared = 0;
  for (const x of a) if (b.has(x)) shared++;
  return shared;
}

/** Shared members over the smaller (`min`) or larger set's size; 0 when that set is empty. */
function sharedOver<T>(a: Set<T>, b: Set<T>, pick: (x: number, y: number) => number): number {
  const size = pick(a.size, b.size);
  return size === 0 ? 0 : sharedCount(a, b) / size;
}

/** 1 − edit distance over the longer string's length (1 for two empty strings). */
function editRatio(a: string, b: string): number {
  const hi = Math.max(a.length, b.length);
  return hi === 0 ? 1 : 1 - distance(a, b) / hi;
}

/** The length of the longest common substring over the shorter string's length (0 if one is empty). */
export function commonSubstringRatio(a: string, b: string): number {
  const lo = Math.min(a.length, b.length);
  if (lo === 0) return 0;
  let prev = new Uint32Array(b.length + 1);
  let next = new Uint32Array(b.length + 1);
  let best = 0;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const run = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? prev[j - 1]! + 1 : 0;
      next[j] = run;
      if (run > best) best = run;
    }
    [prev, next] = [next, prev];
  }
  return best / lo;
}

/** The raw (not standardised) value of each pair feature, by name. */
type FeatureFn = (a: QuestionView, b: QuestionView, f: PairFeaturizer) => number;

const FEATURE_FNS: Record<PairFeatureName, FeatureFn> = {
  wordTfidf: (a, b, f) => tfidfCosine(wordTerms(a.words), wordTerms(b.words), (t) => f.wordIdf(t)),
  charTfidf: (a, b, f) => tfidfCosine(charTerms(a.words), charTerms(b.words), (t) => f.charIdf(t)),
  jaccard: (a, b) => jaccard(a.wordSet, b.wordSet, 0),
  idfOverlap: (a, b, f) => {
    let shared = 0;
    let all = 0;
    for (const w of a.wordSet) {
      const v = f.wordIdf(w);
      all += v;
      if (b.wordSet.has(w)) shared += v;
    }
    for (const w of b.wordSet) if (!a.wordSet.has(w)) all += f.wordIdf(w);
    return all === 0 ? 0 : shared / all;
  },
  lengthDiff: (a, b) => Math.abs(a.words.length - b.words.length),
  lengthRatio: (a, b) => {
    const hi = Math.max(a.words.length, b.words.length);
    return hi === 0 ? 1 : Math.min(a.words.length, b.words.length) / hi;
  },
  charLengthDiff: (a, b) => Math.abs(a.chars - b.chars),
  sharedNumbers: (a, b) => jaccard(a.numbers, b.numbers, 1),
  numberMismatch: (a, b) => (jaccard(a.numbers, b.numbers, 1) === 1 ? 0 : 1),
  questionWord: (a, b) => (a.questionWord === b.questionWord ? 1 : 0),
  firstWordEqual: (a, b) => (a.words.length > 0 && a.words[0] === b.words[0] ? 1 : 0),
  lastWordEqual: (a, b) => (a.words.length > 0 && a.words.at(-1) === b.words.at(-1) ? 1 : 0),
  lengthMean: (a, b) => (a.words.length + b.words.length) / 2,
  sharedMin: (a, b) => sharedOver(a.wordSet, b.wordSet, Math.min),
  sharedMax: (a, b) => sharedOver(a.wordSet, b.wordSet, Math.max),
  contentSharedMin: (a, b) => sharedOver(a.contentSet, b.contentSet, Math.min),
  contentSharedMax: (a, b) => sharedOver(a.contentSet, b.contentSet, Math.max),
  stopSharedMin: (a, b) => sharedOver(a.stopSet, b.stopSet, Math.min),
  editRatio: (a, b) => editRatio(a.joined, b.joined),
  sortedEditRatio: (a, b) => editRatio(a.sortedJoined, b.sortedJoined),
  commonSubstring: (a, b) => commonSubstringRatio(a.joined, b.joined),
  softAlign: (a, b) =>
    a.vectors.length === 0 || b.vectors.length === 0
      ? 0
      : (bestCosineMean(a.vectors, b.vectors) + bestCosineMean(b.vectors, a.vectors)) / 2,
  vectorCosine: (a, b) => {
    if (a.vectors.length === 0 || b.vectors.length === 0) return 0;
    const u = sumOf(a.vectors);
    const v = sumOf(b.vectors);
    const n = Math.sqrt(dot(u, u) * dot(v, v));
    return n === 0 ? 0 : dot(u, v) / n;
  },
};

/** Computes a pair's features with fitted statistics (from `fitFeatures` or a run's features.json). */
export class PairFeaturizer {
  private readonly fns: FeatureFn[];
  private readonly wordDf: Map<string, number>;
  private readonly charDf: Map<string, number>;
  /** Unit vector of each word that has one; null without vector features. */
  private readonly unit: Map<string, Float32Array> | null;

  /** `vectors` are needed exactly when the stats ask for a vector feature. */
  constructor(
    readonly stats: FeatureStats,
    readonly tokenizer: Tokenizer,
    vectors?: FeatureVectors | null,
  ) {
    this.fns = stats.pair.map((n) => FEATURE_FNS[n]);
    this.wordDf = new Map(Object.entries(stats.wordDf));
    this.charDf = new Map(Object.entries(stats.charDf));
    const needed = stats.pair.some(isVectorFeature);
    if (needed && !vectors) throw new Error(`pair features ${stats.pair.join(', ')} need word vectors`);
    this.unit = needed && vectors ? unitVectors(vectors) : null;
  }

  get featureCount(): number {
    return this.stats.pair.length;
  }

  wordIdf(term: string): number {
    return idf(this.wordDf.get(term) ?? 0, this.stats.documents);
  }

  charIdf(term: string): number {
    return idf(this.charDf.get(term) ?? 0, this.stats.documents);
  }

  /** The raw features of a pair (tokens as the tokenizer gives them), in `stats.pair` order. */
  raw(q1: string, q2: string, tokens1?: readonly string[], tokens2?: readonly string[]): number[] {
    const a = this.view(q1, tokens1 ?? this.tokenizer.tokenize(q1));
    const b = this.view(q2, tokens2 ?? this.tokenizer.tokenize(q2));
    return this.fns.map((fn) => fn(a, b, this));
  }

  private view(text: string, tokens: readonly string[]): QuestionView {
    const v = viewOf(text, tokens);
    const unit = this.unit;
    if (unit) {
      for (const w of v.words) {
        const u = unit.get(w);
        if (u) v.vectors.push(u);
      }
    }
    return v;
  }

  /** The standardised features of a pair: (raw − training mean) / training deviation. */
  standardized(q1: string, q2: string, tokens1?: readonly string[], tokens2?: readonly string[]): number[] {
    const { mean, std } = this.stats;
    return this.raw(q1, q2, tokens1, tokens2).map((x, i) => (x - mean[i]!) / std[i]!);
  }

  /**
   * `encoded` (the pairs of `rows`, in order, each followed by its swapped copy when augmented) with
   * the `features` and `exactMatch` arrays the stats ask for. Exact-match bits are cut and padded
   * exactly as the ids (writeQuestion), so bit i belongs to id i.
   */
  encode(
    encoded: EncodedPairs,
    rows: readonly PairRow[],
    encoding: Pick<EncodingConfig, 'maxLength' | 'padding' | 'truncation'>,
  ): EncodedPairs {
    const F = this.featureCount;
    const copies = rows.length === 0 ? 1 : encoded.count / rows.length;
    const m = encoding.maxLength;
    const features = F > 0 ? new Float32Array(encoded.count * F) : undefined;
    const match = this.stats.exactMatch
      ? ([new Float32Array(encoded.count * m), new Float32Array(encoded.count * m)] as const)
      : undefined;
    rows.forEach((row, r) => {
      const t1 = this.tokenizer.tokenize(row.question1);
      const t2 = this.tokenizer.tokenize(row.question2);
      const values = F > 0 ? this.standardized(row.question1, row.question2, t1, t2) : [];
      const bits1 = match ? exactMatchBits(t1, t2) : undefined;
      const bits2 = match ? exactMatchBits(t2, t1) : undefined;
      for (let c = 0; c < copies; c++) {
        const k = r * copies + c;
        features?.set(values, k * F);
        if (match) {
          // A swapped copy (q2, q1) has its questions', so its bits, the other way round.
          writeQuestion(c === 0 ? bits1! : bits2!, match[0], k * m, encoding);
          writeQuestion(c === 0 ? bits2! : bits1!, match[1], k * m, encoding);
        }
      }
    });
    return {
      ...encoded,
      ...(features ? { features, featureCount: F } : {}),
      ...(match ? { exactMatch: [match[0], match[1]] as [Float32Array, Float32Array] } : {}),
    };
  }
}

/** Each word's vector scaled to length 1 (a zero vector is left out). */
function unitVectors(v: FeatureVectors): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  v.words.forEach((w, i) => {
    const x = v.values.slice(i * v.dim, (i + 1) * v.dim);
    const n = Math.sqrt(dot(x, x));
    if (n === 0) return;
    for (let k = 0; k < x.length; k++) x[k]! /= n;
    out.set(w, x);
  });
  return out;
}

/** The distinct words (lower-cased, as the features see them) of the rows, sorted: what vectors are looked up for. */
export function featureWords(rows: readonly PairRow[], tokenizer: Tokenizer): string[] {
  const words = new Set<string>();
  for (const row of rows) {
    for (const q of [row.question1, row.question2])
      for (const w of viewOf('', tokenizer.tokenize(q)).words) words.add(w);
  }
  return [...words].sort();
}

/** Pretrained vectors for the vector features, and where they came from (features.json records it). */
export interface FittingVectors {
  source: string;
  sha256: string;
  vectors: FeatureVectors;
}

/** Per token of `tokens`: 1 when it is a word (letter or digit) that `other` also holds, else 0. */
export function exactMatchBits(tokens: readonly string[], other: readonly string[]): Uint8Array {
  const set = new Set(other.map((t) => t.toLowerCase()));
  return Uint8Array.from(tokens, (t) => (WORD.test(t) && set.has(t.toLowerCase()) ? 1 : 0));
}

/**
 * Fits the feature statistics on the training rows (and only them): document frequencies, then
 * each raw feature's mean and standard deviation (a constant feature gets deviation 1).
 */
export function fitFeatures(
  train: readonly PairRow[],
  tokenizer: Tokenizer,
  config: Partial<FeaturesConfig> | undefined,
  vectors?: FittingVectors,
): FeatureStats {
  const pair = pairFeatureNames(config);
  const wordCounts = new Map<string, number>();
  const charCounts = new Map<string, number>();
  const tokens: [string[], string[]][] = new Array(train.length);
  const needIdf = pair.some((n) => n === 'wordTfidf' || n === 'charTfidf' || n === 'idfOverlap');
  let documents = 0;
  train.forEach((row, r) => {
    const t: [string[], string[]] = [tokenizer.tokenize(row.question1), tokenizer.tokenize(row.question2)];
    tokens[r] = t;
    if (!needIdf) return;
    for (const q of t) {
      documents++;
      const words = viewOf('', q).words;
      for (const term of wordTerms(words).keys()) wordCounts.set(term, (wordCounts.get(term) ?? 0) + 1);
      for (const term of charTerms(words).keys()) charCounts.set(term, (charCounts.get(term) ?? 0) + 1);
    }
  });
  const kept = (counts: Map<string, number>) =>
    Object.fromEntries(
      [...counts].filter(([, c]) => c >= MIN_DF).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    );
  const stats: FeatureStats = {
    kind: FEATURES_FILE_KIND,
    version: FEATURES_FILE_VERSION,
    pair,
    exactMatch: config?.exactMatch === true,
    documents,
    minDf: MIN_DF,
    wordDf: pair.includes('wordTfidf') || pair.includes('idfOverlap') ? kept(wordCounts) : {},
    charDf: pair.includes('charTfidf') ? kept(charCounts) : {},
    mean: pair.map(() => 0),
    std: pair.map(() => 1),
  };
  const needVectors = pair.some(isVectorFeature);
  if (needVectors) {
    if (!vectors) throw new Error(`pair features ${pair.join(', ')} need word vectors`);
    stats.vectors = {
      source: vectors.source,
      sha256: vectors.sha256,
      dim: vectors.vectors.dim,
      words: vectors.vectors.words.length,
    };
  }
  if (pair.length === 0 || train.length === 0) return stats;
  const featurizer = new PairFeaturizer(stats, tokenizer, needVectors ? vectors!.vectors : null);
  const sum = new Float64Array(pair.length);
  const sq = new Float64Array(pair.length);
  train.forEach((row, r) => {
    const [t1, t2] = tokens[r]!;
    featurizer.raw(row.question1, row.question2, t1, t2).forEach((x, i) => {
      sum[i]! += x;
      sq[i]! += x * x;
    });
  });
  const n = train.length;
  stats.mean = Array.from(sum, (s) => s / n);
  stats.std = Array.from(sq, (s, i) => {
    const v = Math.max(0, s / n - stats.mean[i]! ** 2);
    return v > 1e-12 ? Math.sqrt(v) : 1;
  });
  return stats;
}

/**
 * Checks a parsed features.json against what the config asks for; returns what is wrong, or null.
 * (The run folder turns a problem into a RunError naming the file.)
 */
export function featureStatsProblem(
  value: unknown,
  config: Partial<FeaturesConfig> | undefined,
): string | null {
  const s = value as Partial<FeatureStats> | null;
  if (typeof s !== 'object' || s === null || s.kind !== FEATURES_FILE_KIND) return 'not a qqp features file';
  if (s.version !== FEATURES_FILE_VERSION)
    return `version ${String(s.version)}, expected ${FEATURES_FILE_VERSION}`;
  const want = pairFeatureNames(config);
  if (
    !Array.isArray(s.pair) ||
    s.pair.join(',') !== want.join(',') ||
    !s.pair.every((n) => PAIR_FEATURE_NAMES.includes(n))
  ) {
    return `pair features [${String(s.pair)}], but the config asks for [${want.join(', ')}]`;
  }
  if ((s.exactMatch === true) !== (config?.exactMatch === true)) return 'exactMatch differs from the config';
  const n = want.length;
  const numbers = (a: unknown) =>
    Array.isArray(a) && a.length === n && a.every((x) => typeof x === 'number' && Number.isFinite(x));
  if (!numbers(s.mean) || !numbers(s.std) || !(s.std as number[]).every((x) => x > 0)) {
    return `mean and std must be ${n} finite numbers each (std > 0)`;
  }
  if (typeof s.documents !== 'number' || typeof s.wordDf !== 'object' || typeof s.charDf !== 'object') {
    return 'documents, wordDf or charDf missing';
  }
  if (want.some(isVectorFeature)) {
    const v = s.vectors;
    if (
      typeof v !== 'object' ||
      v === null ||
      !Number.isInteger(v.dim) ||
      v.dim <= 0 ||
      !Number.isInteger(v.words)
    ) {
      return 'vectors (source, sha256, dim, words) missing: the config asks for vector features';
    }
  }
  return null;
}
