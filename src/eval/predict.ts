import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BackendRequest } from '../backend/index.js';
import type { ColumnMapping } from '../data/formats/columns.js';
import { type SkippedRows, skippedRows } from '../data/read.js';
import type { DataFormat } from '../data/schema.js';
import { DataError, UsageError } from '../errors.js';
import type { RunRef } from '../runs/records.js';
import { type AtomicTextFile, openTextFileAtomic } from '../util/atomic.js';
import { loadScorers, openMembers } from './ensemble.js';
import { pairRows, type QuestionPair } from './predictor.js';
import { runRef } from './run.js';

export type { QuestionPair } from './predictor.js';

import { DEFAULT_THRESHOLD } from './options.js';
import { estimateRows, openStream, type RowProgress, scoreFile } from './stream.js';

export { DEFAULT_THRESHOLD };

/** A probability at or above the threshold predicts "duplicate" (as the metrics count it). */
export function checkThreshold(threshold: number): number {
  if (!Number.isFinite(threshold) || threshold < 0 || threshold > 1) {
    throw new UsageError(
      'PREDICT_BAD_THRESHOLD',
      `the threshold must be a number from 0 to 1, got ${threshold}`,
      {
        suggestions: ['e.g. --threshold 0.5, or the F1-best threshold that `qqp eval` reports'],
      },
    );
  }
  return threshold;
}

/** A probability in CSV: 7 significant digits, about what a float32 holds. */
export function formatProbability(p: number): string {
  return String(Number(p.toPrecision(7)));
}

/** One CSV field, quoted when it holds a comma, quote or line break (RFC 4180). */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export interface PairPrediction extends QuestionPair {
  probability: number;
  prediction: 0 | 1;
}

export interface PredictPairsOptions {
  /** A run; several: their ensemble (the mean of their probabilities). */
  run: string | readonly string[];
  experimentsDir: string;
  pairs: QuestionPair[];
  threshold?: number;
  backend?: BackendRequest;
  batchSize?: number;
}

export interface PredictPairsResult {
  /** The run (an ensemble's first member). */
  run: RunRef;
  /** An ensemble's runs, in order (absent for one run). */
  members?: RunRef[];
  backend: string;
  threshold: number;
  predictions: PairPrediction[];
}

/** P(duplicate) of a few pairs given as text, with the run's tokenizer, vocabulary and final model. */
export async function predictPairs(options: PredictPairsOptions): Promise<PredictPairsResult> {
  const threshold = checkThreshold(options.threshold ?? DEFAULT_THRESHOLD);
  // Checked before the run is opened, so an empty question is reported before anything slow.
  const rows = pairRows(options.pairs);
  const refs = runList(options.run);
  // Every run opened (and a repeated one refused) before any model loads.
  const opened = await openMembers(refs, options.experimentsDir);
  const { predictors, score, dispose } = await loadScorers(opened, options.backend);
  try {
    const probs = score(rows, options.batchSize ?? 256);
    return {
      run: predictors[0]!.ref,
      ...(predictors.length > 1 ? { members: predictors.map((p) => p.ref) } : {}),
      backend: predictors[0]!.backend,
      threshold,
      predictions: rows.map((r, i) => {
        const probability = probs[i]!;
        return {
          question1: r.question1,
          question2: r.question2,
          probability,
          prediction: probability >= threshold ? 1 : 0,
        };
      }),
    };
  } finally {
    dispose();
  }
}

/** The runs asked for, refused when none. */
function runList(run: string | readonly string[]): string[] {
  const refs = typeof run === 'string' ? [run] : [...run];
  if (refs.length === 0) throw new UsageError('PREDICT_NO_RUN', 'name a run to predict with');
  return refs;
}

export interface PredictFileOptions {
  /** A run; several: their ensemble (the mean of their probabilities). */
  run: string | readonly string[];
  experimentsDir: string;
  /** Any readable format, labelled or not (Kaggle's test.csv included). */
  data: string;
  /** The CSV to write; refused when it exists, unless `force`. */
  out: string;
  format?: DataFormat;
  /** The file's column names, as data.columns. */
  columns?: ColumnMapping;
  threshold?: number;
  /** Kaggle's submission format: `test_id,is_duplicate` with the probability. */
  kaggle?: boolean;
  force?: boolean;
  backend?: BackendRequest;
  batchSize?: number;
  /** Aborting stops after the current batch; nothing is written under `out` then. */
  signal?: AbortSignal;
  onProgress?: (progress: RowProgress) => void;
}

export interface PredictFileResult {
  /** The run (an ensemble's first member). */
  run: RunRef;
  /** An ensemble's runs, in order (absent for one run). */
  members?: RunRef[];
  backend: string;
  status: 'completed' | 'interrupted';
  input: {
    file: string;
    format: string;
    labelled: boolean;
  } & SkippedRows;
  /** The file written (null when interrupted: nothing is written then). */
  out: string | null;
  columns: string[];
  /** Pairs predicted (rows written, header excluded). */
  rows: number;
  threshold: number;
  /** Pairs at or above the threshold. */
  predictedDuplicates: number;
  meanProbability: number | null;
}

/** The columns written: Kaggle's submission, or id, probability, prediction (and the file's label). */
export function predictionColumns(kaggle: boolean, labelled: boolean): string[] {
  if (kaggle) return ['test_id', 'is_duplicate'];
  return labelled ? ['id', 'probability', 'prediction', 'label'] : ['id', 'probability', 'prediction'];
}

function checkOut(out: string, force: boolean): void {
  if (!existsSync(out)) return;
  if (statSync(out).isDirectory()) {
    throw new UsageError(
      'PREDICT_OUT_IS_DIRECTORY',
      `--out ${out} is a directory: name the CSV file to write`,
      {
        suggestions: [`e.g. --out ${join(out, 'predictions.csv')}`],
      },
    );
  }
  if (!force) {
    throw new UsageError('PREDICT_OUT_EXISTS', `${out} already exists; not overwriting it`, {
      suggestions: ['add --force to replace it, or choose another --out file'],
    });
  }
}

/**
 * Predicts every pair of a file, streamed chunk by chunk (memory stays bounded), into a CSV with
 * a header. The CSV is written to a temporary file beside `out` and renamed at the end, so a failure
 * or an interruption never leaves a half-written file under the final name.
 */
export async function predictFile(options: PredictFileOptions): Promise<PredictFileResult> {
  const threshold = checkThreshold(options.threshold ?? DEFAULT_THRESHOLD);
  const out = resolve(options.out);
  const kaggle = options.kaggle ?? false;
  checkOut(out, options.force ?? false);
  const runs = await openMembers(runList(options.run), options.experimentsDir);
  const input = resolve(options.data);
  // The data file is checked (exists, format known) before the model loads.
  // Every row gets a prediction, even one with an empty question (Kaggle's test.csv has some).
  const stream = await openStream(input, options.format, {
    allowEmptyQuestions: true,
    columns: options.columns,
  });
  const labelled = stream.labelled;
  const { predictors, score, dispose: disposeModels } = await loadScorers(runs, options.backend);
  const columns = predictionColumns(kaggle, labelled);
  const total = options.onProgress ? await estimateRows(input, stream.format) : 0;

  const writeFailed = (err: unknown) =>
    new DataError('PREDICT_WRITE_FAILED', `cannot write ${out}: ${(err as Error).message}`, {
      suggestions: ['check that the folder is writable and the disk has room'],
      cause: err,
    });
  let file: AtomicTextFile;
  try {
    file = openTextFileAtomic(out);
  } catch (err) {
    disposeModels();
    throw writeFailed(err);
  }

  let rows = 0;
  let duplicates = 0;
  let sum = 0;
  let interrupted = false;
  let writing = true;
  try {
    await file.write(`${columns.join(',')}\n`);
    writing = false;
    for await (const batch of scoreFile(score, stream, {
      batchSize: options.batchSize ?? 256,
      ...(options.signal ? { signal: options.signal } : {}),
      onRows: (done) => options.onProgress?.({ done, total: Math.max(total, done), estimated: true }),
    })) {
      const lines: string[] = new Array(batch.rows.length);
      batch.rows.forEach((row, i) => {
        const p = batch.probabilities[i]!;
        const predicted = p >= threshold ? 1 : 0;
        duplicates += predicted;
        sum += p;
        const id = csvField(row.id);
        lines[i] = kaggle
          ? `${id},${formatProbability(p)}\n`
          : `${id},${formatProbability(p)},${predicted}${labelled ? `,${row.label}` : ''}\n`;
      });
      rows += batch.rows.length;
      writing = true;
      await file.write(lines.join(''));
      writing = false;
    }
    interrupted = options.signal?.aborted ?? false;
    writing = true;
    if (interrupted) file.abort();
    else await file.commit();
  } catch (err) {
    file.abort();
    // A failure of the file (not of reading or predicting) is reported as one.
    if (writing) throw writeFailed(err);
    throw err;
  } finally {
    disposeModels();
  }
  return {
    run: runRef(runs[0]!),
    ...(runs.length > 1 ? { members: runs.map(runRef) } : {}),
    backend: predictors[0]!.backend,
    status: interrupted ? 'interrupted' : 'completed',
    input: {
      file: input,
      format: stream.format,
      labelled,
      ...skippedRows(stream.report),
    },
    out: interrupted ? null : out,
    columns,
    rows,
    threshold,
    predictedDuplicates: duplicates,
    meanProbability: rows === 0 ? null : sum / rows,
  };
}
