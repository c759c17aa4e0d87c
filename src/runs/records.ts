import type * as tfc from '@tensorflow/tfjs-core';

export type { FeatureStats } from '../data/features.js';

/**
 * The records a run folder holds, one type per file. Writers go through RunFolder's typed methods
 * (folder.ts); the loose readers of `qqp runs`/`compare`/`report` (src/report/read.ts) check them
 * field by field, since a folder on disk may be old, partial or damaged.
 *
 *   run.json                 RunMeta
 *   metrics.jsonl            one EpochRecord a line
 *   summary.json             RunSummary
 *   checkpoint/state.json    TrainerState
 *   checkpoint/optimizer.json + optimizer.bin   OptimizerSnapshot: slots and their bytes
 *   metrics.superseded.jsonl an EpochRecord a line, with supersededAt (kept aside by a resume)
 *   eval-*.json              EvaluationResult (with its OperatingCurve; `slices` with --slice)
 *   features.json            FeatureStats (src/data/features.ts; with data.features): the pair-feature
 *                            statistics fitted on the training split, reused by eval, predict, resume
 *
 * summary.json's `test` and each eval-*.json keep an OperatingCurve: the few hundred numbers the
 * HTML report draws ROC, precision-recall and F1-by-threshold curves from (older files lack it).
 */

export type RunStatus = 'running' | 'completed' | 'interrupted' | 'failed';

/** run.json: what the run is, where it came from and where it stands. */
export interface RunMeta {
  id: string;
  name: string;
  status: RunStatus;
  createdAt: string;
  updatedAt: string;
  finishedAt?: string;
  /** Seconds spent training, summed over every session of the run (resumes included). */
  trainSeconds: number;
  epochsCompleted: number;
  failure?: { code: string; message: string; epoch?: number; batch?: number };
  seed: number;
  tags: string[];
  backend?: { name: string; reason: string; details?: unknown };
  host: string;
  /** The command lines that ran (the first, then each resume). */
  commands: string[][];
  /** Directory the run was started from. */
  cwd: string;
  gitCommit: string | null;
  versions: Record<string, string>;
  configFiles: string[];
  overrides: string[];
  data?: {
    fingerprint: string;
    mode: string;
    sizes: { train: number; validation: number; test: number };
    /** Which split the per-epoch held-out figures come from: val_* on validation, test_* on test (older runs: val_*). */
    validationSplit: 'validation' | 'test' | 'none';
    /** Each file read, with what reading it skipped (the first 10 samples of each kind). */
    files: DataFileRecord[];
    /**
     * Pairs `data.dedupe` and `data.dropTestOverlap` left out of the training and validation splits
     * (present when either is on).
     */
    dropped?: {
      duplicates: { train: number; validation: number };
      testOverlap: { train: number; validation: number };
    };
    /** Explicit files: the validation split was held out of the training rows (`data.split.validation`). */
    validationFromTrain?: boolean;
    vocabularySize: number;
    sequenceLength: number;
  };
  /** The sweep and trial the run belongs to; `attempt`: the trial's attempt this session is (1 first). */
  sweep?: { id: string; trial: string; attempt?: number };
  /** Pretrained vectors the embedding tables started from, one per source. */
  embeddings?: EmbeddingsRecord[];
}

/** The pretrained vectors of a run (run.json's embeddings): where from, and how much they cover. */
export interface EmbeddingsRecord {
  /** As the config names it (a file path or a package name). */
  source: string;
  /** The file read. */
  file: string;
  sha256: string;
  dim: number;
  trainable: boolean;
  oov: 'random' | 'zeros' | 'shared';
  /** Words in the source. */
  sourceWords: number;
  /** Vocabulary words (reserved ids not counted) and how many have a vector. */
  vocabularyWords: number;
  vocabularyFound: number;
  vocabularyCoverage: number;
  /** Token occurrences of the training split and how many of them have a vector. */
  trainTokens: number;
  trainTokensFound: number;
  trainTokenCoverage: number;
  /** Rows trained although the table is frozen (<oov>, <sep>, words without a vector). */
  tunedRows: number;
  /** Read from the qqp cache (no pass over the source). */
  cached: boolean;
}

/**
 * What reading a data file skipped: bad rows (suspect fields among them: records over many lines,
 * likely a broken quote, with their first line) and lines of invalid UTF-8 (kept, with U+FFFD).
 * The samples are the first few in file order. Records written before samples were kept (qqp 0.1
 * runs) have the counts only.
 */
export interface SkippedRowsRecord {
  badRows: number;
  badRowSamples?: { line: number; reason: string }[];
  suspectFields?: number;
  suspectFieldSamples?: { line: number; lines: number; field?: string }[];
  invalidUtf8Lines: number;
  invalidUtf8Samples?: number[];
  /** What the sample numbers count: lines (absent) or 1-based rows (Parquet). */
  position?: 'line' | 'row';
}

/** One data file of a run (run.json's data.files). */
export interface DataFileRecord extends SkippedRowsRecord {
  file: string;
  /** The role the file was read for: source, train, validation or test (absent in older runs). */
  role?: string;
  format: string;
  /**
   * The file's column each field was read from (`field N` for a headerless file); `id` null: ids
   * are row numbers. Absent in older runs.
   */
  columns?: { question1: string; question2: string; label: string | null; id: string | null } | null;
  rows: number;
}

/** One line of metrics.jsonl. */
export interface EpochRecord {
  epoch: number;
  learningRate: number;
  seconds: number;
  examplesPerSecond: number;
  /** loss, each metric, and val_loss / val_<metric> on a validation split (test_loss / test_<metric> without one). */
  [name: string]: number;
}

export interface Confusion {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

export interface ThresholdMetrics {
  threshold: number;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  confusion: Confusion;
}

/** Binary-classification figures of a set of pairs (summary.json's `test`, eval-*.json). */
export interface BinaryEvaluation {
  count: number;
  positives: number;
  logLoss: number;
  rocAuc: number;
  /** At threshold 0.5. */
  atHalf: ThresholdMetrics;
  /**
   * At the F1-best threshold, and where that threshold was chosen: on the validation split (or a
   * file) and applied here, or on these very pairs (`optimistic`: tuned on what it scores). Older
   * files lack `chosenOn` and `optimistic`: their threshold was chosen on these pairs.
   */
  bestF1: ChosenThreshold;
  /** The pairs' operating curve (absent in files written before curves were saved). */
  curve?: OperatingCurve;
}

/**
 * A compact operating curve of a set of pairs, for the report's ROC, precision-recall and
 * F1-by-threshold charts. At each kept cut `thresholds[i]` (descending; a pair is called a duplicate
 * when its probability is >= the cut), `tp[i]` duplicates and `fp[i]` non-duplicates are called
 * duplicates; with the evaluation's `count` and `positives` that gives every rate. A cut is kept where
 * the true- or the false-positive rate moved by at least 1/`resolution` since the last kept one, and
 * the last cut (every pair called a duplicate) always: at most 2 × resolution + 1 points, however
 * many pairs. Thresholds are rounded to 5 significant digits.
 */
export interface OperatingCurve {
  resolution: number;
  thresholds: number[];
  tp: number[];
  fp: number[];
}

/** Threshold figures at the F1-best threshold of some pairs, and which pairs chose it. */
export interface ChosenThreshold extends ThresholdMetrics {
  /** `validation`, `test`, or a file's name: the pairs the threshold maximized F1 on. */
  chosenOn?: string;
  /** True when chosen on the pairs it is scored on (the figure flatters). */
  optimistic?: boolean;
}

/** summary.json, written when a run completes. */
export interface RunSummary {
  status: 'completed' | 'interrupted';
  epochs: number;
  stoppedEarly: boolean;
  /** Set when `shouldStop` (a sweep scheduler such as ASHA) ended the run before its last epoch. */
  stoppedBy?: 'scheduler';
  /** The value that picked the best epoch; null when nothing did (no validation split, no early stopping). */
  bestMonitor: string | null;
  bestEpoch: number | null;
  best: EpochRecord | null;
  last: EpochRecord | null;
  /** Weights the final model holds: those of the best epoch (restored) or of the last. */
  finalWeights: 'best' | 'last';
  test: (BinaryEvaluation & { split: 'test' }) | null;
  trainSeconds: number;
}

/** checkpoint/state.json: the trainer's own state at the end of an epoch, to resume exactly. */
export interface TrainerState {
  epochsCompleted: number;
  learningRate: number;
  scheduleMemory: Record<string, number>;
  best: { value: number; epoch: number } | null;
  wait: number;
  stoppedEarly: boolean;
  trainSeconds: number;
  /** metrics.jsonl's lines so far (kept here too, so checkpoint and metrics never disagree). */
  records: EpochRecord[];
}

/** One part of the optimizer's state (a moment, a power of beta, the iteration count) in checkpoint/optimizer.json. */
export interface OptimizerSlot {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
}

/**
 * The optimizer's state and its values, back to back in slot order (checkpoint/optimizer.bin).
 * `format` says how the slots were taken: 'state', every part of the optimizer by name
 * (train/optimizer-state.ts optimizerState; optimizer.json `{"format": "state", "slots": [...]}`), or
 * 'weights', tfjs' getWeights() order (optimizer.json a bare list: checkpoints of older versions).
 */
export interface OptimizerSnapshot {
  format: 'state' | 'weights';
  slots: OptimizerSlot[];
  bytes: Uint8Array;
}

/** Everything checkpoint/ holds, written and replaced as one folder. */
export interface Checkpoint {
  /** The last epoch's model (checkpoint/model/, the same files as model/last/). */
  model: tfc.io.ModelArtifacts;
  optimizer: OptimizerSnapshot;
  state: TrainerState;
}

/** Where an evaluation result's run and model came from. */
export interface RunRef {
  id: string;
  dir: string;
  weights: 'best' | 'last';
  completed: boolean;
  notes: string[];
}

export type EvaluationSource =
  | { kind: 'split'; split: 'test' | 'validation'; dataFingerprint: string }
  | ({ kind: 'file'; file: string; format: string } & SkippedRowsRecord);

/** evaluateBinary's figures; ROC AUC is null when the pairs hold one class only (it is undefined then). */
export type EvaluationMetrics = Omit<BinaryEvaluation, 'rocAuc'> & { rocAuc: number | null };

export interface SliceRow {
  value: string;
  pairs: number;
  positives: number;
  errors: number;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  logLoss: number;
  rocAuc: number | null;
}

export interface SliceTable {
  by: string /* column name, or 'length' */;
  threshold: number;
  note?: string;
  rows: SliceRow[];
}

/** eval-*.json: `qqp eval`'s result, as returned and as saved in the run folder. */
export interface EvaluationResult extends EvaluationMetrics {
  run: RunRef;
  source: EvaluationSource;
  backend: string;
  evaluatedAt: string;
  /** The file the result was saved to, inside the run folder (null with `save: false`). */
  savedTo: string | null;
  slices?: SliceTable[];
}

/** One line about a run's pretrained vectors (train.log and the train command). */
export function describeEmbeddings(e: EmbeddingsRecord): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  return (
    `embeddings: ${e.source} (sha256 ${e.sha256.slice(0, 12)}, ${e.dim}d, ${e.trainable ? 'fine-tuned' : 'frozen'}, oov ${e.oov}` +
    `${e.cached ? ', cached' : ''}): vectors for ${pct(e.vocabularyCoverage)} of the vocabulary (${e.vocabularyFound}/${e.vocabularyWords} words) ` +
    `and ${pct(e.trainTokenCoverage)} of training tokens; ${e.tunedRows} trainable rows`
  );
}
