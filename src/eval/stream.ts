import { createReadStream } from 'node:fs';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { ColumnMapping } from '../data/formats/columns.js';
import { formatEntry } from '../data/formats/index.js';
import { type PairRow, type PairStream, streamPairs } from '../data/read.js';
import type { DataFormat } from '../data/schema.js';
import { predictProbabilities } from '../train/predict.js';
import { encodeForRun, type OpenedRun } from './run.js';

/** How far a long job has got; `total` is an estimate (physical lines) when `estimated`. */
export interface RowProgress {
  done: number;
  total: number;
  estimated: boolean;
}

/**
 * Physical lines of a file, minus a header when the format has one: a quick estimate of its rows
 * for progress (a quoted field holding newlines makes it a little high).
 */
export async function estimateRows(file: string, format: PairStream['format']): Promise<number> {
  const entry = formatEntry(format);
  if (entry.countRows) return entry.countRows(file);
  let lines = 0;
  let last = 0x0a;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    const buf = chunk as Buffer;
    for (let i = buf.indexOf(0x0a); i >= 0; i = buf.indexOf(0x0a, i + 1)) lines++;
    if (buf.length > 0) last = buf[buf.length - 1]!;
  }
  if (last !== 0x0a) lines++;
  return Math.max(0, lines - (entry.header ? 1 : 0));
}

/** One streamed chunk of rows and their probabilities. */
export interface ScoredBatch {
  rows: PairRow[];
  probabilities: Float32Array;
}

/** P(duplicate) of each row, in order: one run's model, or the mean of several (an ensemble). */
export type RowScorer = (rows: readonly PairRow[], batchSize: number) => Float32Array;

/** A run's model as a RowScorer (encoded with the run's tokenizer, vocabulary and features). */
export function runScorer(run: OpenedRun, model: tfl.LayersModel): RowScorer {
  // Encoding refuses a mix of labelled and unlabelled rows; a file has one format, so never mixed.
  return (rows, batchSize) => predictProbabilities(model, encodeForRun(run, rows), { batchSize });
}

/**
 * Streams a data file through a scorer (a run's model: runScorer), one reader chunk (~1 MB of
 * text) at a time, so memory stays bounded whatever the file size. Inside a chunk, rows go through
 * the model one batch at a time, so `onRows` (rows done in all) and `signal` respond within a
 * batch, even with a slow model; an aborted chunk is not yielded.
 */
export async function* scoreFile(
  score: RowScorer,
  stream: PairStream,
  options: { batchSize?: number; signal?: AbortSignal; onRows?: (done: number) => void } = {},
): AsyncGenerator<ScoredBatch> {
  const batchSize = options.batchSize ?? 256;
  let done = 0;
  for await (const rows of stream.batches) {
    const probabilities = new Float32Array(rows.length);
    for (let start = 0; start < rows.length; start += batchSize) {
      // Inference is synchronous: give the event loop a turn so a signal handler can run.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (options.signal?.aborted) return;
      const slice = rows.slice(start, start + batchSize);
      probabilities.set(score(slice, batchSize), start);
      done += slice.length;
      options.onRows?.(done);
    }
    yield { rows, probabilities };
  }
}

export async function openStream(
  file: string,
  format: DataFormat | undefined,
  options: {
    allowEmptyQuestions?: boolean;
    columns?: ColumnMapping | undefined;
    /** Extra columns to carry on the rows (ReadOptions.extraColumns). */
    extraColumns?: readonly string[];
  } = {},
): Promise<PairStream> {
  const { columns, ...rest } = options;
  return streamPairs(file, {
    format: format ?? 'auto',
    onBadRow: 'skip',
    ...rest,
    ...(columns ? { columns } : {}),
  });
}
