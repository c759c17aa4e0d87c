/**
 * `qqp dedupe`'s choices, apart from dedupe.ts (which loads tfjs and minisearch), so that the
 * command's flags are defined without loading them.
 */

export const RETRIEVERS = ['lexical', 'encoder'] as const;
export type Retriever = (typeof RETRIEVERS)[number];
/**
 * BM25 alone by default: on real rows (scripts/dedupe-recall.ts, README) a siamese encoder's
 * nearest neighbours added little recall and took time; `encoder` is there to ask for.
 */
export const DEFAULT_RETRIEVERS: readonly Retriever[] = ['lexical'];

/**
 * How a query's candidates are ordered: by the model's probability (`model`), by BM25 (`lexical`;
 * the encoder's candidates after BM25's, most probable first), or by both (`blend`: reciprocal-rank
 * fusion of the model's order and BM25's, 1/(60 + rank) each, as Cormack et al. 2009).
 */
export const RANKINGS = ['blend', 'model', 'lexical'] as const;
export type Ranking = (typeof RANKINGS)[number];
export const DEFAULT_RANK: Ranking = 'lexical';
