import { createHash } from 'node:crypto';
import { basename, resolve } from 'node:path';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { BackendRequest } from '../backend/index.js';
import type { ColumnMapping } from '../data/formats/columns.js';
import { type LoadedDataset, loadDataset } from '../data/load.js';
import { firstBadRows, type PairRow, type PairStream, type ReadReport, skippedRows } from '../data/read.js';
import type { DataFormat } from '../data/schema.js';
import { DataError, RunError, UsageError } from '../errors.js';
import { RUN_FILES } from '../runs/folder.js';
import type {
  BinaryEvaluation,
  EvaluationMetrics,
  EvaluationResult,
  EvaluationSource,
} from '../runs/records.js';
import { bestF1Threshold, evaluateBinary, type ThresholdChoice } from '../train/metrics.js';
import { predictProbabilities } from '../train/predict.js';
import { EVAL_SPLITS, type EvalSplit } from './options.js';
import { encodeForRun, loadRunModel, type OpenedRun, openRun, runRef } from './run.js';
import { checkSlices, SliceValues, sliceThreshold } from './slices.js';
import { estimateRows, openStream, type RowProgress, runScorer, scoreFile } from './stream.js';

export { EVAL_SPLITS, type EvalSplit };

export interface EvaluateOptions {
  /** Run folder path, or run id under `experimentsDir`. */
  run: string;
  experimentsDir: string;
  /** The run's own split to evaluate (default test); not with `data`. */
  split?: EvalSplit;
  /** A labelled file in any readable format instead of a split. */
  data?: string;
  format?: DataFormat;
  /** The file's column names, as data.columns. */
  columns?: ColumnMapping;
  /** Overrides the run's training.backend. */
  backend?: BackendRequest;
  batchSize?: number;
  /**
   * Where the F1-best threshold is chosen before it is applied to the evaluated pairs: the run's
   * validation split, or a labelled file. Default: validation when the run has one (and it is not
   * the evaluated split); else the evaluated pairs themselves, marked optimistic.
   */
  thresholdFrom?: 'validation' | { file: string };
  /**
   * Error analysis: the metrics per value of each of these extra columns of the data (e.g. `kind`)
   * or per question-length bucket (`length`), at the threshold `sliceThreshold` picks; kept in the
   * result's `slices`.
   */
  slices?: readonly string[];
  /** Write the result into the run folder (default true). */
  save?: boolean;
  onProgress?: (progress: RowProgress) => void;
}

/** What scoring pairs needs of the options (not which run, slices or saving). */
export type ScoringOptions = Omit<EvaluateOptions, 'run' | 'slices' | 'save'>;

export function toMetrics(e: BinaryEvaluation): EvaluationMetrics {
  return { ...e, rocAuc: Number.isNaN(e.rocAuc) ? null : e.rocAuc };
}

/** Grows a Float32Array by doubling, so a long stream appends in amortised constant time. */
class FloatBuffer {
  private data = new Float32Array(1024);
  length = 0;
  append(values: ArrayLike<number>): void {
    if (this.length + values.length > this.data.length) {
      let size = this.data.length;
      while (size < this.length + values.length) size *= 2;
      const next = new Float32Array(size);
      next.set(this.data.subarray(0, this.length));
      this.data = next;
    }
    this.data.set(values, this.length);
    this.length += values.length;
  }
  values(): Float32Array {
    return this.data.subarray(0, this.length);
  }
}

/** The evaluated pairs' probabilities and labels, where they came from, and their read reports. */
export interface Predictions {
  probs: Float32Array;
  labels: Float32Array;
  source: EvaluationSource;
  reports: ReadReport[];
  /** A digest of the pairs' texts and labels in order: equal only when the same pairs were scored. */
  rowsDigest: string;
}

/** A running digest of rows (their questions and labels, in order). */
class RowsDigest {
  private readonly hash = createHash('sha256');
  add(rows: readonly PairRow[]): void {
    for (const r of rows) this.hash.update(`${r.question1}\u0000${r.question2}\u0000${r.label}\u0001`);
  }
  digest(): string {
    return this.hash.digest('hex');
  }
}

/**
 * A run's data read again from its config (paths relative to the run folder), refused when its
 * fingerprint is not the one in run.json (`split` names the split that could not be reproduced);
 * read once per run and evaluation, for the evaluated split and the threshold's validation split.
 */
export async function loadRunDataset(
  run: OpenedRun,
  split: EvalSplit,
  slices?: SliceValues,
): Promise<LoadedDataset> {
  const extra = slices?.columns ?? [];
  const load = extra.length > 0 ? { extraColumns: extra } : {};
  const dataset = await loadDataset(run.config.data, load).catch((err: unknown) => {
    if (err instanceof DataError && err.code === 'DATA_FILE_NOT_FOUND') {
      throw new DataError(err.code, `${err.message} (named by ${run.folder.path(RUN_FILES.config)})`, {
        suggestions: [
          "the run's config names its data relative to the run folder; restore the file there, or evaluate on a file: qqp eval RUN --data FILE",
        ],
        cause: err,
      });
    }
    throw err;
  });
  const recorded = run.meta.data?.fingerprint;
  if (recorded !== undefined && recorded !== dataset.fingerprint) {
    throw new RunError(
      'RUN_DATA_CHANGED',
      `the data of run ${run.id} changed since it was trained (fingerprint ${dataset.fingerprint.slice(0, 12)} ≠ ${recorded.slice(0, 12)} in run.json): its ${split} split cannot be reproduced`,
      {
        suggestions: [
          `restore the files the run was trained on (${dataset.reports.map((r) => r.file).join(', ')})`,
          'or evaluate on a labelled file: qqp eval RUN --data FILE',
        ],
      },
    );
  }
  return dataset;
}

/** A run's probabilities on one split of its data (loadRunDataset). */
export async function splitPredictions(
  run: OpenedRun,
  model: tfl.LayersModel,
  dataset: LoadedDataset,
  split: EvalSplit,
  options: ScoringOptions,
  slices?: SliceValues,
): Promise<Predictions> {
  const rows = dataset.splits[split];
  if (rows.length === 0) {
    const other = split === 'test' ? 'validation' : 'test';
    throw new DataError(
      'EVAL_EMPTY_SPLIT',
      `run ${run.id} has no ${split} split (0 pairs): nothing to evaluate`,
      {
        suggestions: [`evaluate the ${other} split (--split ${other}) or a labelled file (--data FILE)`],
      },
    );
  }
  if (slices) {
    slices.add(rows);
    slices.check(dataset.reports, `the ${split} split`);
  }
  const encoded = encodeForRun(run, rows);
  if (!encoded.labels) {
    throw new DataError(
      'EVAL_UNLABELLED',
      `the ${split} split of run ${run.id} has no labels: metrics need labels`,
      {
        suggestions: [
          'give a labelled file with --data FILE, or predict: qqp predict RUN --data FILE --out preds.csv',
        ],
      },
    );
  }
  const probs = predictProbabilities(model, encoded, {
    batchSize: options.batchSize ?? 256,
    onProgress: (done, total) => options.onProgress?.({ done, total, estimated: false }),
  });
  const digest = new RowsDigest();
  digest.add(rows);
  return {
    probs,
    labels: encoded.labels,
    source: { kind: 'split', split, dataFingerprint: dataset.fingerprint },
    reports: dataset.reports,
    rowsDigest: digest.digest(),
  };
}

/** The stream's batches, the extra columns checked against the file's header before the first. */
async function* checkedBatches(
  stream: PairStream,
  slices: SliceValues,
  file: string,
): AsyncGenerator<PairRow[]> {
  let first = true;
  for await (const batch of stream.batches) {
    if (first) slices.check([stream.report], file);
    first = false;
    yield batch;
  }
}

export async function filePredictions(
  run: OpenedRun,
  model: tfl.LayersModel,
  data: string,
  options: ScoringOptions,
  slices?: SliceValues,
): Promise<Predictions> {
  const file = resolve(data);
  const extra = slices?.columns ?? [];
  const opened = await openStream(file, options.format, {
    columns: options.columns,
    ...(extra.length > 0 ? { extraColumns: extra } : {}),
  });
  const stream = slices ? { ...opened, batches: checkedBatches(opened, slices, file) } : opened;
  if (!stream.labelled) {
    throw new DataError(
      'EVAL_UNLABELLED',
      `${file} has no labels (${stream.format}): metrics need labelled pairs`,
      {
        suggestions: [`predict it instead: qqp predict ${run.id} --data ${data} --out preds.csv`],
      },
    );
  }
  const total = options.onProgress ? await estimateRows(file, stream.format) : 0;
  const probs = new FloatBuffer();
  const labels = new FloatBuffer();
  const digest = new RowsDigest();
  const scored = scoreFile(runScorer(run, model), stream, {
    batchSize: options.batchSize ?? 256,
    onRows: (done) => options.onProgress?.({ done, total: Math.max(total, done), estimated: true }),
  });
  for await (const batch of scored) {
    probs.append(batch.probabilities);
    // Labelled formats only reach here, so every row has a label.
    labels.append(batch.rows.map((r) => r.label as number));
    digest.add(batch.rows);
    slices?.add(batch.rows);
  }
  if (probs.length === 0) {
    throw new DataError(
      'EVAL_NO_ROWS',
      `${file} holds no readable pairs (${stream.report.badRows} bad row(s) skipped${firstBadRows(stream.report)}): nothing to evaluate`,
      {
        suggestions: ['`qqp data stats FILE` shows what is wrong with its rows'],
      },
    );
  }
  return {
    probs: probs.values(),
    labels: labels.values(),
    source: {
      kind: 'file',
      file,
      format: stream.format,
      ...skippedRows(stream.report),
    },
    reports: [stream.report],
    rowsDigest: digest.digest(),
  };
}

/** The evaluated pairs' name in a threshold's `chosenOn`: the split, or the file's name. */
function sourceName(source: EvaluationSource): string {
  return source.kind === 'split' ? source.split : basename(source.file);
}

/**
 * The pairs the F1-best threshold is chosen on (see EvaluateOptions.thresholdFrom): the validation
 * split or a file, predicted by this model; null when it is chosen on the evaluated pairs themselves
 * (no validation split, or the evaluated pairs are the ones asked for), which marks it optimistic.
 */
export async function thresholdPredictions(
  run: OpenedRun,
  model: tfl.LayersModel,
  source: EvaluationSource,
  options: ScoringOptions,
  /** The run's data when already read for the evaluated split (else read here). */
  dataset?: LoadedDataset,
): Promise<Predictions | null> {
  const from =
    options.thresholdFrom ?? ((run.meta.data?.sizes.validation ?? 0) > 0 ? 'validation' : undefined);
  if (from === undefined) return null;
  if (from === 'validation') {
    if (source.kind === 'split' && source.split === 'validation') return null;
    if ((run.meta.data?.sizes.validation ?? 0) === 0) {
      throw new UsageError(
        'EVAL_NO_VALIDATION',
        `run ${run.id} has no validation split to choose a threshold on`,
        {
          suggestions: [
            '--threshold-from FILE (a labelled file)',
            'leave out --threshold-from: chosen on the evaluated pairs, marked optimistic',
          ],
        },
      );
    }
    const { onProgress: _p, ...quiet } = options;
    return splitPredictions(
      run,
      model,
      dataset ?? (await loadRunDataset(run, 'validation')),
      'validation',
      quiet,
    );
  }
  const { onProgress: _q, columns: _c, ...rest } = options;
  const f = await filePredictions(run, model, from.file, { ...rest, format: 'auto' });
  if (
    source.kind === 'file' &&
    resolve(source.file) === resolve(f.source.kind === 'file' ? f.source.file : '')
  )
    return null;
  return f;
}

/** The F1-best threshold chosen on `on` (thresholdPredictions), or on the evaluated pairs when null. */
export function choiceFrom(on: Predictions | null, source: EvaluationSource): ThresholdChoice {
  if (on === null) return { scoredOn: sourceName(source) };
  return { threshold: bestF1Threshold(on.probs, on.labels).threshold, chosenOn: sourceName(on.source) };
}

/**
 * Evaluates a run's final model on its test or validation split (reproduced exactly from its
 * config; refused when the data changed) or on a labelled file, and saves the result in the run
 * folder: eval-test.json, eval-validation.json or eval-<file name>.json.
 */
export async function evaluateRun(options: EvaluateOptions): Promise<EvaluationResult> {
  if (options.data !== undefined && options.split !== undefined) {
    throw new UsageError('EVAL_SPLIT_AND_DATA', 'give either --split or --data FILE, not both');
  }
  const asked = checkSlices(options.slices ?? []);
  const run = await openRun(options.run, options.experimentsDir);
  const slices =
    asked.length > 0
      ? new SliceValues(asked, {
          tokenizer: run.tokenizer,
          maxLength: run.encoding.maxLength,
          truncation: run.encoding.truncation,
        })
      : undefined;
  // The model first: a damaged run fails fast, before a long read of the data.
  const { model, backend } = await loadRunModel(run, options.backend);
  try {
    // A split's data is read once, for it and for the validation split the threshold is chosen on.
    let dataset: LoadedDataset | undefined;
    let scored: Predictions;
    if (options.data !== undefined) {
      scored = await filePredictions(run, model, options.data, options, slices);
    } else {
      const split = options.split ?? 'test';
      dataset = await loadRunDataset(run, split, slices);
      scored = await splitPredictions(run, model, dataset, split, options, slices);
    }
    const { probs, labels, source, reports } = scored;
    const choice = choiceFrom(await thresholdPredictions(run, model, source, options, dataset), source);
    const metrics = toMetrics(evaluateBinary(probs, labels, choice));
    const result: EvaluationResult = {
      run: runRef(run),
      source,
      backend: backend.name,
      evaluatedAt: new Date().toISOString(),
      savedTo: null,
      ...metrics,
      ...(slices ? { slices: slices.tables(probs, labels, sliceThreshold(metrics), reports) } : {}),
    };
    if (options.save ?? true) {
      result.savedTo = run.folder.evaluationPath(source);
      run.folder.writeEvaluation(result);
    }
    return result;
  } finally {
    model.dispose();
  }
}
