/** `qqp eval` and `qqp predict`: a trained run's final model on its splits, on files, on single pairs. */
export {
  EVAL_SPLITS,
  type EvalSplit,
  type EvaluateOptions,
  type EvaluationMetrics,
  type EvaluationResult,
  type EvaluationSource,
  evaluateRun,
  evaluationFileName,
  toMetrics,
} from './evaluate.js';
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
  type QuestionPair,
} from './predict.js';
export { encodeForRun, loadRunModel, type OpenedRun, openRun, type RunRef, runRef } from './run.js';
export { estimateRows, type RowProgress, type ScoredBatch, scoreFile } from './stream.js';
