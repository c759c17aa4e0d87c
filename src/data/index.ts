/**
 * The data library of qqp, in one import.
 *
 * - read.ts: `streamPairs(file, opts)` / `readPairs(file, opts)` read any supported format
 *   (Kaggle CSV, Kaggle test CSV, GLUE/Quora TSV, GLUE test TSV, headerless pairs TSV), detected from
 *   the first line; rows are `PairRow`s, problems go to a `ReadReport`.
 * - tokenizer.ts: `Tokenizer` (config from the `data.tokenizer` section).
 * - vocabulary.ts: `Vocabulary` (ids 0 `<pad>`, 1 `<oov>`, 2 `<sep>`), JSON save/load with its tokenizer.
 * - encode.ts: `encodePairs` -> `EncodedPairs` (Int32Array inputs, Float32Array labels), `sequenceLength`.
 * - split.ts: `splitRows` seeded split by fractions, optional stratification.
 * - load.ts: `loadDataset(config)` -> splits + reports + fingerprint; `prepareDataset` -> encoded splits.
 * - stats.ts: `computeStats(file)` for `qqp data stats`.
 */
export * from './encode.js';
export * from './load.js';
export * from './read.js';
export * from './split.js';
export * from './stats.js';
export * from './tokenizer.js';
export * from './vocabulary.js';
