export { clustersOf } from './clusters.js';
export { type Corpus, type CorpusQuestion, readCorpus } from './corpus.js';
export {
  type Candidate,
  CLUSTER_COLUMNS,
  DEFAULT_RANK,
  DEFAULT_RETRIEVERS,
  type DedupeOptions,
  type DedupeProgress,
  type DedupeResult,
  dedupe,
  type Finder,
  type FindOptions,
  findDuplicates,
  PAIR_COLUMNS,
  type QueryResult,
  RANKINGS,
  type Ranking,
  RETRIEVERS,
  type Retriever,
  ranked,
} from './dedupe.js';
export { DEFAULT_LEXICAL, LexicalIndex, type LexicalOptions } from './lexical.js';
export { VectorIndex } from './neighbours.js';
export { encoderScorer, modelScorer, type PairScorer, splitSiamese } from './scorer.js';
