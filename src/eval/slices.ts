/**
 * Error analysis: an evaluation's metrics per slice of its pairs, by the value of an extra column
 * of the data file (e.g. the synthetic data's `kind`) or by question length in the run's tokens.
 * The pairs' values are collected as they are read (`SliceValues`), then each slice is scored at
 * the threshold the evaluation reports (`sliceThreshold`).
 */
import type { ReadReport } from '../data/read.js';
import type { Tokenizer } from '../data/tokenizer.js';
import { DataError, UsageError } from '../errors.js';
import type { EvaluationMetrics, SliceRow, SliceTable } from '../runs/records.js';
import { confusionAt, fromConfusion, logLoss, rocAuc, thresholdLabel } from '../train/metrics.js';

/** `--slice length`: by the length in tokens of the longer question of each pair. */
export const LENGTH_SLICE = 'length';
/** The value of a pair whose file has no such column (a column in some files only). */
export const MISSING_VALUE = '(missing)';
/** The value of a pair whose field in the column is empty. */
export const EMPTY_VALUE = '(empty)';
/** A table keeps this many rows at most: the largest values, the rest as one row. */
export const MAX_SLICE_ROWS = 30;
/** Upper ends of the length buckets (tokens), besides the run's maxLength. */
const LENGTH_EDGES = [5, 10, 15, 20, 30, 40, 60];

/**
 * The threshold slices are scored at: the F1-best one when it was chosen on other pairs (the
 * validation split, a file) and applied to these; 0.5 when the F1-best one was chosen on these very
 * pairs (it would flatter every slice).
 */
export function sliceThreshold(m: Pick<EvaluationMetrics, 'bestF1'>): number {
  return m.bestF1.optimistic === false ? m.bestF1.threshold : 0.5;
}

/** The slice threshold in words: `0.4123 (best F1 on validation)`, or `0.5`. */
export function sliceThresholdLabel(m: Pick<EvaluationMetrics, 'bestF1'>, digits = 4): string {
  return m.bestF1.optimistic === false
    ? thresholdLabel(m.bestF1, digits)
    : '0.5 (the F1-best threshold was chosen on these pairs)';
}

/** Length buckets for a run's `maxLength`: in order, each above maxLength marked `(cut)`. */
export function lengthBuckets(maxLength: number): { order: string[]; bucketOf(tokens: number): string } {
  const edges = [...new Set([...LENGTH_EDGES, maxLength])].sort((a, b) => a - b);
  const labels: string[] = [];
  let low = 0;
  for (const high of edges) {
    labels.push(`${low === high ? low : `${low}-${high}`}${low > maxLength ? ' (cut)' : ''}`);
    low = high + 1;
  }
  labels.push(`${low}+${low > maxLength ? ' (cut)' : ''}`);
  return {
    order: labels,
    bucketOf(tokens: number): string {
      const i = edges.findIndex((e) => tokens <= e);
      return labels[i < 0 ? edges.length : i]!;
    },
  };
}

/** A slice's figures, from its pairs' probabilities and labels, at `threshold`. */
export function sliceRow(
  value: string,
  probs: ArrayLike<number>,
  labels: ArrayLike<number>,
  threshold: number,
): SliceRow {
  const m = fromConfusion(confusionAt(probs, labels, threshold), threshold);
  const auc = rocAuc(probs, labels);
  return {
    value,
    pairs: probs.length,
    positives: m.confusion.tp + m.confusion.fn,
    errors: m.confusion.fp + m.confusion.fn,
    accuracy: m.accuracy,
    precision: m.precision,
    recall: m.recall,
    f1: m.f1,
    logLoss: logLoss(probs, labels),
    rocAuc: Number.isNaN(auc) ? null : auc,
  };
}

const SPECIAL = new Set([MISSING_VALUE, EMPTY_VALUE]);

/**
 * Orders column values: numerically when every value is a number, else by pairs (most first) and
 * then by value; the empty and missing values last.
 */
function columnOrder(counts: Map<string, number>): string[] {
  const values = [...counts.keys()];
  const plain = values.filter((v) => !SPECIAL.has(v));
  const numeric = plain.length > 0 && plain.every((v) => v.trim() !== '' && Number.isFinite(Number(v)));
  plain.sort((a, b) =>
    numeric ? Number(a) - Number(b) : counts.get(b)! - counts.get(a)! || (a < b ? -1 : a > b ? 1 : 0),
  );
  return [...plain, ...[EMPTY_VALUE, MISSING_VALUE].filter((v) => counts.has(v))];
}

/**
 * The metrics per value of `values` (one per pair, in the order of `probs` and `labels`), at
 * `threshold`. Rows follow `order` when given (values not in it after), else `columnOrder`; with
 * more than `MAX_SLICE_ROWS` values, the smallest are one row `(N other values)`.
 */
export function sliceTable(
  by: string,
  values: readonly string[],
  probs: ArrayLike<number>,
  labels: ArrayLike<number>,
  threshold: number,
  options: { order?: readonly string[]; notes?: readonly string[] } = {},
): SliceTable {
  if (values.length !== probs.length || labels.length !== probs.length) {
    throw new Error(`slice ${by}: ${values.length} values for ${probs.length} pairs`);
  }
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let order: string[];
  if (options.order) {
    const known = new Set(options.order);
    order = [
      ...options.order.filter((v) => counts.has(v)),
      ...columnOrder(counts).filter((v) => !known.has(v)),
    ];
  } else {
    order = columnOrder(counts);
  }
  const notes = [...(options.notes ?? [])];
  /** Which row each value goes to (all values past the cap share the last). */
  const rowOf = new Map<string, number>();
  let names = order;
  if (order.length > MAX_SLICE_ROWS) {
    const bySize = [...order].sort((a, b) => counts.get(b)! - counts.get(a)!);
    const kept = new Set(bySize.slice(0, MAX_SLICE_ROWS - 1));
    const others = order.length - kept.size;
    names = [...order.filter((v) => kept.has(v)), `(${others} other values)`];
    notes.push(
      `${order.length} distinct values: the ${MAX_SLICE_ROWS - 1} with the most pairs are shown, the other ${others} are one row`,
    );
    for (const v of order) rowOf.set(v, kept.has(v) ? names.indexOf(v) : names.length - 1);
  } else {
    order.forEach((v, i) => {
      rowOf.set(v, i);
    });
  }
  // The pairs of each row, by index, then each row's figures from its own probabilities.
  const size = new Array<number>(names.length).fill(0);
  for (const v of values) size[rowOf.get(v)!]!++;
  const rowProbs = size.map((n) => new Float32Array(n));
  const rowLabels = size.map((n) => new Float32Array(n));
  const filled = new Array<number>(names.length).fill(0);
  for (let i = 0; i < values.length; i++) {
    const r = rowOf.get(values[i]!)!;
    const at = filled[r]!++;
    rowProbs[r]![at] = probs[i]!;
    rowLabels[r]![at] = labels[i]!;
  }
  return {
    by,
    threshold,
    ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
    rows: names.map((name, r) => sliceRow(name, rowProbs[r]!, rowLabels[r]!, threshold)),
  };
}

/** Checks `--slice` values: none empty; repeats dropped. */
export function checkSlices(slices: readonly string[]): string[] {
  const out: string[] = [];
  for (const s of slices) {
    if (s.trim() === '') {
      throw new UsageError(
        'EVAL_SLICE_EMPTY',
        '--slice needs a column name or `length`, got an empty value',
        {
          suggestions: ['e.g. --slice kind, or --slice length'],
        },
      );
    }
    if (!out.includes(s.trim())) out.push(s.trim());
  }
  return out;
}

/** The columns of a file, for a message: `a, b, c` (at most 20). */
function namesText(names: readonly string[]): string {
  return `${names.slice(0, 20).join(', ')}${names.length > 20 ? ', ...' : ''}`;
}

/** Where each extra column is missing, from the read reports (those asked for extra columns). */
function lacking(reports: readonly ReadReport[], column: string): ReadReport[] {
  return reports.filter((r) => r.extra?.missing.includes(column) ?? false);
}

/** The error for a slice column that none of the evaluated pairs' files has. */
function unknownColumn(column: string, reports: readonly ReadReport[], what: string): DataError {
  const without = lacking(reports, column);
  const first = without[0] ?? reports[0];
  const others = without.slice(1).map((r) => r.file);
  const having = reports.filter((r) => r.extra !== undefined && r.extra !== null && !without.includes(r));
  const names = first?.extra?.names;
  const where = first ? `${first.file} (${first.format})` : what;
  const message =
    names === null
      ? `--slice ${column}: ${where} has no column names (a format without a header), so it has no column ${column}`
      : `--slice ${column}: ${where} has no column ${column}; its columns are ${namesText(names ?? [])}`;
  const also = others.length > 0 ? ` (nor has ${others.join(', ')})` : '';
  const only =
    having.length > 0
      ? `; only ${having.map((r) => r.file).join(', ')} ${having.length === 1 ? 'has' : 'have'} it, and none of ${what} comes from ${having.length === 1 ? 'it' : 'them'}`
      : '';
  // The columns a slice could be: those the pair's fields do not come from.
  const used = new Set(
    Object.values(first?.columns ?? {})
      .filter((c): c is string => c !== null)
      .map((c) => c.toLowerCase()),
  );
  const free = (names ?? []).filter((n) => !used.has(n.toLowerCase()));
  return new DataError('EVAL_SLICE_COLUMN', `${message}${also}${only}`, {
    suggestions: [
      ...(names
        ? [
            free.length > 0
              ? `columns to slice by: ${namesText(free)} (--slice ${free[free.length - 1]})`
              : 'the file has no columns besides the pair itself',
          ]
        : []),
      '--slice length (question length in tokens) works for every file',
    ],
  });
}

/**
 * Collects each pair's value for every slice asked for, as the evaluated rows are read, and makes
 * the tables once the probabilities are known. A column some files lack gives their pairs the
 * value `(missing)` (and a note); one that none of the pairs' files has is a DataError.
 */
export class SliceValues {
  private readonly values: string[][];
  private readonly missing: number[];
  private readonly buckets: ReturnType<typeof lengthBuckets>;

  /**
   * @param slices column names and/or `length` (checked by `checkSlices`)
   * @param run the tokenizer and `maxLength` the run encodes with (for `length`)
   */
  constructor(
    readonly slices: readonly string[],
    private readonly run: { tokenizer: Tokenizer; maxLength: number; truncation: 'pre' | 'post' },
  ) {
    this.values = slices.map(() => []);
    this.missing = slices.map(() => 0);
    this.buckets = lengthBuckets(run.maxLength);
  }

  /** The extra columns the reader must carry (every slice but `length`). */
  get columns(): string[] {
    return this.slices.filter((s) => s !== LENGTH_SLICE);
  }

  /** Takes the next pairs' values (in evaluation order). */
  add(rows: readonly { question1: string; question2: string; extra?: Record<string, string> }[]): void {
    this.slices.forEach((slice, s) => {
      const out = this.values[s]!;
      for (const row of rows) {
        if (slice === LENGTH_SLICE) {
          const tokens = Math.max(
            this.run.tokenizer.tokenize(row.question1).length,
            this.run.tokenizer.tokenize(row.question2).length,
          );
          out.push(this.buckets.bucketOf(tokens));
          continue;
        }
        const v = row.extra?.[slice];
        if (v === undefined) this.missing[s]!++;
        out.push(v === undefined ? MISSING_VALUE : v === '' ? EMPTY_VALUE : v);
      }
    });
  }

  /**
   * Refuses a column that no pair so far has, naming the file(s), their columns and the flag; call
   * it once the first rows are in (`what`: the evaluated pairs in words, e.g. `the test split`).
   */
  check(reports: readonly ReadReport[], what: string): void {
    this.slices.forEach((slice, s) => {
      if (slice === LENGTH_SLICE) return;
      const n = this.values[s]!.length;
      if (n > 0 && this.missing[s] === n) throw unknownColumn(slice, reports, what);
      // Before any row: the file's header already says (a file without rows fails later anyway).
      if (n === 0 && reports.length > 0 && reports.every((r) => lacking([r], slice).length > 0))
        throw unknownColumn(slice, reports, what);
    });
  }

  /** The tables, at `threshold`, for pairs whose probabilities and labels are in collection order. */
  tables(
    probs: ArrayLike<number>,
    labels: ArrayLike<number>,
    threshold: number,
    reports: readonly ReadReport[],
  ): SliceTable[] {
    return this.slices.map((slice, s) => {
      const notes: string[] = [];
      if (slice === LENGTH_SLICE) {
        notes.push(
          `tokens of the longer question (the run's tokenizer); maxLength ${this.run.maxLength}: a question over it loses its ${this.run.truncation === 'pre' ? 'first' : 'last'} tokens (buckets marked cut)`,
        );
      } else if (this.missing[s]! > 0) {
        const files = lacking(reports, slice).map((r) => r.file);
        notes.push(
          `${files.join(', ') || 'some files'} ${files.length === 1 ? 'has' : 'have'} no column ${slice}: ${this.missing[s]} pair(s) from ${files.length === 1 ? 'it' : 'them'} are ${MISSING_VALUE}`,
        );
      }
      return sliceTable(slice, this.values[s]!, probs, labels, threshold, {
        ...(slice === LENGTH_SLICE ? { order: this.buckets.order } : {}),
        notes,
      });
    });
  }
}
