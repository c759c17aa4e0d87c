/** `qqp eval` and `qqp predict`: a trained run's final model on its splits, on files, on single pairs. */
// The on-disk records and eval-*.json's name are the run folder's (src/runs), offered here too.
export { evaluationFileName } from '../runs/folder.js';
export type {
  EvaluationMetrics,
  EvaluationResult,
  EvaluationSource,
  RunRef,
  SliceRow,
  SliceTable,
} from '../runs/records.js';
export {
  type EnsembleEvaluation,
  type EnsembleMember,
  type EnsembleOptions,
  evaluateEnsemble,
  meanProbabilities,
} from './ensemble.js';
export { EVAL_SPLITS, type EvalSplit, type EvaluateOptions, evaluateRun, toMetrics } from './evaluate.js';
export {
  checkThreshold,
  csvField,
  DEFAULT_THRESHOLD,
  formatProbability,
  type PairPrediction,
  type PredictFileOptions,
  type PredictFileResult,
  type PredictPairsOptions,
  type PredictPairsResult,
  predictFile,
  predictionColumns,
  predictPairs,
} from './predict.js';
export {
  type OpenPredictorOptions,
  openPredictor,
  type Predictor,
  pairRows,
  type QuestionPair,
} from './predictor.js';
export { encodeForRun, loadRunModel, type OpenedRun, openRun, runRef } from './run.js';
export {
  checkSlices,
  LENGTH_SLICE,
  lengthBuckets,
  SliceValues,
  sliceTable,
  sliceThreshold,
  sliceThresholdLabel,
} from './slices.js';
export { estimateRows, type RowProgress, type ScoredBatch, scoreFile } from './stream.js';
