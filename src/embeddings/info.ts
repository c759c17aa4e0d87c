import { streamPairs } from '../data/read.js';
import type { TokenizerConfig } from '../data/schema.js';
import { Tokenizer } from '../data/tokenizer.js';
import { coverageOf, loadVectors } from './load.js';
import { readVectors } from './parse.js';
import { resolveSource } from './source.js';

/** What `qqp embeddings info` reports of a vectors source. */
export interface EmbeddingsInfo {
  source: string;
  file: string;
  format: 'text' | 'wink';
  words: number;
  dimensions: number;
  /** With a data file: how much of its vocabulary (and of its token occurrences) has vectors. */
  data?: {
    file: string;
    words: number;
    wordsFound: number;
    vocabularyCoverage: number;
    tokens: number;
    tokensFound: number;
    tokenCoverage: number;
    /** The most frequent words without a vector (up to 20). */
    topMissing: { word: string; count: number }[];
  };
}

export interface EmbeddingsInfoOptions {
  /** A data file whose vocabulary (both questions, every row) is checked against the vectors. */
  data?: string;
  tokenizer?: Partial<TokenizerConfig>;
  cwd?: string;
  cacheDir?: string;
}

/** Words and dimensions of a source (one pass), and with `data` its coverage of that file's words (cached). */
export async function embeddingsInfo(
  source: string,
  options: EmbeddingsInfoOptions = {},
): Promise<EmbeddingsInfo> {
  const resolved = resolveSource(source, options.cwd);
  const base = { source, file: resolved.path, format: resolved.format };
  if (options.data === undefined) {
    const all = await readVectors(resolved.path, resolved.format, new Set());
    return { ...base, words: all.total, dimensions: all.dim };
  }
  const tokenizer = new Tokenizer(options.tokenizer);
  const counts = new Map<string, number>();
  const stream = await streamPairs(options.data, { onBadRow: 'skip' });
  for await (const batch of stream.batches) {
    for (const row of batch) {
      for (const q of [row.question1, row.question2])
        for (const t of tokenizer.tokenize(q)) counts.set(t, (counts.get(t) ?? 0) + 1);
    }
  }
  const vectors = await loadVectors(source, [...counts.keys()], {
    ...(options.cwd ? { cwd: options.cwd } : {}),
    ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
  });
  const c = coverageOf(counts, (w) => vectors.rowOf.has(w));
  const topMissing = [...counts]
    .filter(([w]) => !vectors.rowOf.has(w))
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, 20)
    .map(([word, count]) => ({ word, count }));
  return {
    ...base,
    words: vectors.total,
    dimensions: vectors.dim,
    data: {
      file: options.data,
      words: c.words,
      wordsFound: c.wordsFound,
      vocabularyCoverage: c.vocabulary,
      tokens: c.tokens,
      tokensFound: c.tokensFound,
      tokenCoverage: c.tokenShare,
      topMissing,
    },
  };
}
