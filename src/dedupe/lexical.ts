/**
 * Lexical retrieval for `qqp dedupe`: BM25 (MiniSearch's scoring) over the corpus, tokenized as
 * the run tokenizes. A query keeps its uncommon terms only (document frequency at most
 * `maxDocFraction` of the corpus, and always its `minTerms` rarest): the common words of
 * questions ("what", "is", "the") touch most documents, cost most of the time and move BM25's
 * ranking little, their weight being near zero.
 */
import MiniSearch from 'minisearch';
import type { Tokenizer } from '../data/tokenizer.js';

export interface LexicalOptions {
  /** Query terms in more than this fraction of the questions are left out (default 0.02). */
  maxDocFraction?: number;
  /** A query keeps at least its this many rarest terms (default 3). */
  minTerms?: number;
  /** ...but never leaves out a term in at most this many questions (default 50: small corpora are not pruned). */
  minDocCount?: number;
}

export const DEFAULT_LEXICAL: Required<LexicalOptions> = {
  maxDocFraction: 0.02,
  minTerms: 3,
  minDocCount: 50,
};

interface Doc {
  i: number;
  t: string;
}

export class LexicalIndex {
  private readonly index: MiniSearch<Doc>;
  private readonly df = new Map<string, number>();
  private readonly maxDf: number;
  private readonly minTerms: number;

  constructor(
    texts: readonly string[],
    private readonly tokenizer: Tokenizer,
    options: LexicalOptions = {},
  ) {
    const o = { ...DEFAULT_LEXICAL, ...options };
    this.maxDf = Math.max(1, o.minDocCount, Math.floor(o.maxDocFraction * texts.length));
    this.minTerms = o.minTerms;
    // Tokens never hold white space, so a document is its tokens joined by spaces.
    this.index = new MiniSearch<Doc>({
      fields: ['t'],
      idField: 'i',
      tokenize: (s) => s.split(' '),
      processTerm: (t) => t,
    });
    const docs: Doc[] = texts.map((text, i) => {
      const tokens = tokenizer.tokenize(text);
      for (const t of new Set(tokens)) this.df.set(t, (this.df.get(t) ?? 0) + 1);
      return { i, t: tokens.join(' ') };
    });
    this.index.addAll(docs);
  }

  get size(): number {
    return this.index.documentCount;
  }

  /** The query terms searched for: the uncommon ones, or at least the `minTerms` rarest. */
  queryTerms(text: string): string[] {
    const terms = [...new Set(this.tokenizer.tokenize(text))]
      .map((t) => ({ t, df: this.df.get(t) ?? 0 }))
      .filter((x) => x.df > 0)
      .sort((a, b) => a.df - b.df || (a.t < b.t ? -1 : a.t > b.t ? 1 : 0));
    const kept = terms.filter((x, k) => x.df <= this.maxDf || k < this.minTerms);
    return kept.map((x) => x.t);
  }

  /**
   * The `limit` best questions for `text`, best first (ties in corpus order), leaving out the
   * question at `exclude` (the query itself, when the corpus is deduplicated against itself).
   */
  search(text: string, limit: number, exclude = -1): { index: number; score: number }[] {
    const terms = this.queryTerms(text);
    if (terms.length === 0) return [];
    const hits = this.index.search(terms.join(' '), { combineWith: 'OR', tokenize: (s) => s.split(' ') });
    const out: { index: number; score: number }[] = [];
    for (const h of hits) if (h.id !== exclude) out.push({ index: h.id as number, score: h.score });
    out.sort((a, b) => b.score - a.score || a.index - b.index);
    return out.slice(0, limit);
  }
}
