/**
 * qqp as a library: `import { loadConfig, train, evaluate, predict } from 'qqp'`.
 *
 * The same functions the commands call, with no oclif in them: they return values and throw
 * `QqpError`s (`ConfigError`, `DataError`, ...) whose `problems` say where (file:line:col) and what
 * would be right. Everything that trains, evaluates or predicts reads and writes run folders under
 * the `experimentsDir` it is given, exactly as `qqp train` does.
 */

// Configs: load (extends, --set, validation with positions), validate, inspect.
export {
  type LoadedConfig,
  type LoadOptions,
  loadConfig,
  loadConfigText,
  type TextLoadOptions,
} from './config/load.js';
export type { ResolvedConfig } from './config/schema.js';
// Data: read any supported format, statistics.
export type { ColumnMapping, UsedColumns } from './data/formats/columns.js';
export { type PairRow, type ReadOptions, readPairs, streamPairs } from './data/read.js';
export { computeStats, type DataStats } from './data/stats.js';
export { type DedupeOptions, type DedupeResult, dedupe, findDuplicates } from './dedupe/index.js';
// Errors, with their located problems.
export {
  ConfigError,
  DataError,
  NetworkError,
  type Problem,
  QqpError,
  RunError,
  TrainingError,
  UsageError,
} from './errors.js';
// Evaluation and prediction from a run folder.
export {
  type EnsembleEvaluation,
  type EnsembleOptions,
  evaluateEnsemble,
} from './eval/ensemble.js';
export { type EvaluateOptions, evaluateRun as evaluate } from './eval/evaluate.js';
export {
  type PairPrediction,
  type PredictFileOptions,
  type PredictFileResult,
  type PredictPairsOptions,
  type PredictPairsResult,
  predictFile,
  predictPairs as predict,
} from './eval/predict.js';
export {
  type OpenPredictorOptions,
  openPredictor,
  type Predictor,
  type QuestionPair,
} from './eval/predictor.js';
// Exports: a run's model as a folder that runs without qqp.
export { type ExportOptions, type ExportResult, exportRun } from './export/export.js';
export { buildModel } from './model/build.js';
export { type ValidationReport, validateConfigFiles } from './model/check-files.js';
export { type ConfigModelSummary, summarizeConfig } from './model/summary.js';
// The registry: every component with its parameters.
export { type RegistryCatalog, registryCatalog } from './registry/catalog.js';
export { type CompareOptions, type Comparison, compareRuns } from './report/compare.js';
export { listRuns, type RunInfo, readRun } from './report/read.js';
// Run folders: their records, listing, reading and comparing.
export type { EpochRecord, EvaluationResult, RunMeta, RunSummary } from './runs/records.js';
// Training.
export { type TrainEvent, type TrainOptions, type TrainResult, train } from './train/trainer.js';
