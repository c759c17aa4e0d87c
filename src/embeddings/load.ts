import { cacheDir, readSubset, sourceChecksum, subsetFile, writeSubset } from './cache.js';
import { readVectors, type VectorSubset } from './parse.js';
import { type ResolvedSource, resolveSource } from './source.js';

/** Vectors of a list of words from one source, and where they came from. */
export interface LoadedVectors extends VectorSubset {
  resolved: ResolvedSource;
  sha256: string;
  /** Read from the cache (no pass over the source). */
  fromCache: boolean;
  /** The cache file holding this subset. */
  cacheFile: string;
  /** Row of each word found. */
  rowOf: Map<string, number>;
}

export interface LoadVectorsOptions {
  /** Where a package is resolved from and a relative path is read from (default: the current directory). */
  cwd?: string;
  /** Cache folder (default: `cacheDir()`). */
  cacheDir?: string;
}

/** A subset of a source from the cache (by the source's sha256 and `key`), else read once and cached. */
async function cachedSubset(
  source: string,
  key: readonly string[],
  read: (resolved: ResolvedSource) => Promise<VectorSubset>,
  options: LoadVectorsOptions,
): Promise<{
  subset: VectorSubset;
  resolved: ResolvedSource;
  sha256: string;
  fromCache: boolean;
  cacheFile: string;
}> {
  const resolved = resolveSource(source, options.cwd);
  const dir = options.cacheDir ?? cacheDir();
  const { sha256 } = await sourceChecksum(resolved.path, dir);
  const cacheFile = subsetFile(dir, sha256, key);
  let subset = await readSubset(cacheFile, sha256);
  const fromCache = subset !== null;
  if (!subset) {
    subset = await read(resolved);
    await writeSubset(cacheFile, sha256, subset);
  }
  return { subset, resolved, sha256, fromCache, cacheFile };
}

/**
 * The vectors of `words` found in `source`: from the cache when this source (by sha256) was read
 * for these words before, else by one pass over the source, then cached as float32.
 */
export async function loadVectors(
  source: string,
  words: readonly string[],
  options: LoadVectorsOptions = {},
): Promise<LoadedVectors> {
  const sorted = [...new Set(words)].sort();
  const { subset, ...where } = await cachedSubset(
    source,
    sorted,
    (r) => readVectors(r.path, r.format, new Set(sorted)),
    options,
  );
  const rowOf = new Map(subset.words.map((w, i) => [w, i]));
  return { ...subset, ...where, rowOf };
}

/**
 * The first `count` words of a source, in its order (GloVe's and the wink package's are by
 * frequency, most frequent first): from the cache, else by reading the head of the source once.
 */
export async function loadFirstWords(
  source: string,
  count: number,
  options: LoadVectorsOptions = {},
): Promise<{ words: string[]; fromCache: boolean }> {
  // A key no word list can give: a word holds no NUL.
  const { subset, fromCache } = await cachedSubset(
    source,
    [`\u0000first ${count}`],
    (r) => readVectors(r.path, r.format, undefined, { first: count }),
    options,
  );
  return { words: subset.words, fromCache };
}

/** The vector of `word` (a view into `values`), or undefined. */
export function vectorOf(v: LoadedVectors, word: string): Float32Array | undefined {
  const row = v.rowOf.get(word);
  return row === undefined ? undefined : v.values.subarray(row * v.dim, (row + 1) * v.dim);
}

/** How much of a vocabulary (by words and by token occurrences) has vectors. */
export interface Coverage {
  words: number;
  wordsFound: number;
  /** Share of the vocabulary's words with a vector. */
  vocabulary: number;
  tokens: number;
  tokensFound: number;
  /** Share of token occurrences (training tokens) whose word has a vector. */
  tokenShare: number;
}

export function coverageOf(counts: ReadonlyMap<string, number>, has: (word: string) => boolean): Coverage {
  let words = 0;
  let wordsFound = 0;
  let tokens = 0;
  let tokensFound = 0;
  for (const [w, c] of counts) {
    words++;
    tokens += c;
    if (has(w)) {
      wordsFound++;
      tokensFound += c;
    }
  }
  return {
    words,
    wordsFound,
    vocabulary: words ? wordsFound / words : 0,
    tokens,
    tokensFound,
    tokenShare: tokens ? tokensFound / tokens : 0,
  };
}
