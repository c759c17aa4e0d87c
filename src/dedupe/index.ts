export { clustersOf } from './clusters.js';
export { type Corpus, type CorpusQuestion, readCorpus } from './corpus.js';
export {
  type Candidate,
  CLUSTER_COLUMNS,
  type DedupeOptions,
  type DedupeProgress,
  type DedupeResult,
  dedupe,
  type Finder,
  type FindOptions,
  findDuplicates,
  PAIR_COLUMNS,
  type QueryResult,
  RETRIEVERS,
  type Retriever,
} from './dedupe.js';
export { DEFAULT_LEXICAL, LexicalIndex, type LexicalOptions } from './lexical.js';
export { VectorIndex } from './neighbours.js';
export { encoderScorer, modelScorer, type PairScorer, splitSiamese } from './scorer.js';
