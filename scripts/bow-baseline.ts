/**
 * A bag-of-words logistic regression baseline for QQP-style data: how far do word identities alone
 * get? Features per pair: words in one question but not the other (|bow(q1) - bow(q2)|), words in
 * both (bow(q1) * bow(q2)), hashed into a fixed number of buckets, plus word-overlap ratios. Trained
 * with plain AdaGrad SGD on a seeded 80/20 split.
 *
 * Usage: node --import tsx scripts/bow-baseline.ts [file.csv] [--seed N] [--epochs N] [--bigrams] [--json]
 *   file.csv  Kaggle-format CSV (columns question1, question2, is_duplicate; others ignored),
 *             default data/qqp-synthetic.csv
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse/sync';
import { splitRows } from '../src/data/split.js';
import { DataError, QqpError, UsageError } from '../src/errors.js';
import { rocAuc } from '../src/train/metrics.js';
import { Rng } from '../src/util/rng.js';

export interface Pair {
  q1: string;
  q2: string;
  label: 0 | 1;
  /** The file's `kind` column (the synthetic data's pair kind), when it has one. */
  kind?: string;
}

export interface BaselineOptions {
  seed: number;
  epochs: number;
  /** Hash buckets per block (difference block and shared block). */
  buckets: number;
  learningRate: number;
  l2: number;
  testFraction: number;
  /** Add word bigrams: a little word order, to show how much order alone adds. */
  bigrams: boolean;
}

export const BASELINE_DEFAULTS: Readonly<BaselineOptions> = {
  seed: 2019,
  epochs: 15,
  buckets: 1 << 16,
  learningRate: 0.2,
  l2: 1e-5,
  testFraction: 0.2,
  bigrams: false,
};

export interface BaselineMetrics {
  train: number;
  test: number;
  testPositiveRate: number;
  accuracy: number;
  f1: number;
  logLoss: number;
  rocAuc: number;
  majorityAccuracy: number;
  trainAccuracy: number;
  /** Test accuracy per value of the `kind` column (absent when the file has none). */
  byKind?: Record<string, { pairs: number; accuracy: number }>;
}

export function readPairs(path: string): { pairs: Pair[]; skipped: number } {
  if (!existsSync(path)) {
    throw new DataError('BASELINE_NO_FILE', `no such file: ${path}`, {
      suggestions: ['run `npm run data:synthetic` to create data/qqp-synthetic.csv'],
    });
  }
  const records = parse(readFileSync(path, 'utf8'), {
    columns: true,
    skip_empty_lines: true,
    bom: true,
  }) as Record<string, string | undefined>[];
  const first = records[0];
  if (first && !('question1' in first && 'question2' in first && 'is_duplicate' in first)) {
    throw new DataError(
      'BASELINE_COLUMNS',
      `${path}:1 the header needs question1, question2 and is_duplicate`,
    );
  }
  const pairs: Pair[] = [];
  let skipped = 0;
  for (const r of records) {
    const label = r.is_duplicate === '1' ? 1 : r.is_duplicate === '0' ? 0 : undefined;
    if (label === undefined) {
      skipped++;
      continue;
    }
    pairs.push({
      q1: r.question1 ?? '',
      q2: r.question2 ?? '',
      label,
      ...(r.kind !== undefined ? { kind: r.kind } : {}),
    });
  }
  return { pairs, skipped };
}

function tokens(text: string, bigrams: boolean): Set<string> {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+(?:'\p{L}+)?/gu) ?? [];
  const out = new Set(words);
  if (bigrams) for (let i = 1; i < words.length; i++) out.add(`${words[i - 1]} ${words[i]}`);
  return out;
}

/** FNV-1a: a stable hash, so the features (and the figures) do not depend on insertion order. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const DENSE = 5;

interface Example {
  sparse: Int32Array;
  dense: Float64Array;
  label: 0 | 1;
}

function featurize(p: Pair, buckets: number, bigrams: boolean): Example {
  const a = tokens(p.q1, bigrams);
  const b = tokens(p.q2, bigrams);
  const idx: number[] = [];
  let shared = 0;
  for (const t of a) {
    if (b.has(t)) {
      shared++;
      idx.push(buckets + (hash(t) % buckets));
    } else idx.push(hash(t) % buckets);
  }
  for (const t of b) if (!a.has(t)) idx.push(hash(t) % buckets);
  const union = a.size + b.size - shared;
  const min = Math.max(1, Math.min(a.size, b.size));
  const max = Math.max(1, a.size, b.size);
  const dense = Float64Array.from([
    1,
    union === 0 ? 0 : shared / union,
    shared / min,
    shared / max,
    Math.abs(a.size - b.size) / max,
  ]);
  return { sparse: Int32Array.from(idx), dense, label: p.label };
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

class LogisticRegression {
  readonly w: Float64Array;
  private readonly g2: Float64Array;

  constructor(private readonly sparseSize: number) {
    this.w = new Float64Array(sparseSize + DENSE);
    this.g2 = new Float64Array(sparseSize + DENSE).fill(1e-8);
  }

  predict(x: Example): number {
    let z = 0;
    for (const i of x.sparse) z += this.w[i] ?? 0;
    x.dense.forEach((v, j) => {
      z += (this.w[this.sparseSize + j] ?? 0) * v;
    });
    return sigmoid(z);
  }

  /** One AdaGrad step on the log loss, with L2 applied to the weights this example touches. */
  step(x: Example, lr: number, l2: number): void {
    const err = this.predict(x) - x.label;
    const update = (i: number, grad: number) => {
      const g = grad + l2 * (this.w[i] ?? 0);
      this.g2[i] = (this.g2[i] ?? 0) + g * g;
      this.w[i] = (this.w[i] ?? 0) - (lr * g) / Math.sqrt(this.g2[i] ?? 1);
    };
    for (const i of x.sparse) update(i, err);
    x.dense.forEach((v, j) => {
      update(this.sparseSize + j, err * v);
    });
  }
}

function shuffle<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

function accuracyOf(predict: (p: Pair) => number, xs: readonly Pair[]): number {
  let right = 0;
  for (const x of xs) if ((predict(x) >= 0.5 ? 1 : 0) === x.label) right++;
  return xs.length === 0 ? 0 : right / xs.length;
}

/** Trains the model on `pairs` and returns its duplicate probability for any pair. */
export function trainBow(
  pairs: readonly Pair[],
  options: BaselineOptions = BASELINE_DEFAULTS,
): (p: Pair) => number {
  const rng = new Rng(options.seed);
  const train = pairs.map((p) => featurize(p, options.buckets, options.bigrams));
  const model = new LogisticRegression(2 * options.buckets);
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    for (const x of shuffle([...train], rng)) model.step(x, options.learningRate, options.l2);
  }
  return (p) => model.predict(featurize(p, options.buckets, options.bigrams));
}

/**
 * The split qqp itself makes for `data.split: { train: 1 - testFraction, test: testFraction, seed }`
 * (src/data/split.ts), so the baseline is scored on the same test pairs as configs/bilstm.yaml.
 */
export function splitPairs<T extends Pair>(
  pairs: readonly T[],
  options: BaselineOptions,
): { train: T[]; test: T[] } {
  const { train, test } = splitRows(pairs, {
    train: 1 - options.testFraction,
    test: options.testFraction,
    seed: options.seed,
  });
  return { train, test };
}

export function runBowBaseline(
  pairs: readonly Pair[],
  options: BaselineOptions = BASELINE_DEFAULTS,
): BaselineMetrics {
  if (pairs.length < 10)
    throw new DataError('BASELINE_TOO_SMALL', `need at least 10 labelled pairs, got ${pairs.length}`);
  const { train, test } = splitPairs(pairs, options);
  const predict = trainBow(train, options);

  let tp = 0;
  let fp = 0;
  let fn = 0;
  let right = 0;
  let loss = 0;
  const probs = new Float64Array(test.length);
  const kinds = new Map<string, { pairs: number; right: number }>();
  test.forEach((x, i) => {
    const p = Math.min(1 - 1e-15, Math.max(1e-15, predict(x)));
    probs[i] = p;
    const yhat = p >= 0.5 ? 1 : 0;
    if (x.kind !== undefined) {
      const k = kinds.get(x.kind) ?? { pairs: 0, right: 0 };
      k.pairs++;
      if (yhat === x.label) k.right++;
      kinds.set(x.kind, k);
    }
    if (yhat === x.label) right++;
    if (yhat === 1 && x.label === 1) tp++;
    if (yhat === 1 && x.label === 0) fp++;
    if (yhat === 0 && x.label === 1) fn++;
    loss -= x.label === 1 ? Math.log(p) : Math.log(1 - p);
  });
  const trainPositives = train.filter((x) => x.label === 1).length;
  const majority = trainPositives * 2 > train.length ? 1 : 0;
  const testPositives = test.filter((x) => x.label === 1).length;
  return {
    train: train.length,
    test: test.length,
    testPositiveRate: testPositives / test.length,
    accuracy: right / test.length,
    f1: tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn),
    logLoss: loss / test.length,
    rocAuc: rocAuc(
      probs,
      test.map((x) => x.label),
    ),
    majorityAccuracy: (majority === 1 ? testPositives : test.length - testPositives) / test.length,
    trainAccuracy: accuracyOf(predict, train),
    ...(kinds.size > 0
      ? {
          byKind: Object.fromEntries(
            [...kinds].map(([k, v]) => [k, { pairs: v.pairs, accuracy: v.right / v.pairs }]),
          ),
        }
      : {}),
  };
}

function intFlag(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new UsageError('BASELINE_FLAG', `--${name} must be a whole number, got "${value}"`);
  return n;
}

function main(): void {
  const { values, positionals } = parseArgs({
    options: {
      seed: { type: 'string' },
      epochs: { type: 'string' },
      bigrams: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
    allowPositionals: true,
  });
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const file = positionals[0] ?? join(root, 'data', 'qqp-synthetic.csv');
  const options: BaselineOptions = {
    ...BASELINE_DEFAULTS,
    seed: intFlag('seed', values.seed, BASELINE_DEFAULTS.seed),
    epochs: intFlag('epochs', values.epochs, BASELINE_DEFAULTS.epochs),
    bigrams: values.bigrams,
  };
  const { pairs, skipped } = readPairs(file);
  const metrics = runBowBaseline(pairs, options);
  const result = { file, rows: pairs.length, skipped, ...metrics, options };
  if (values.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  process.stdout.write(
    [
      `bag-of-words${options.bigrams ? ' + bigrams' : ''} logistic regression on ${file}`,
      `  rows ${pairs.length} (skipped ${skipped}), train ${metrics.train}, test ${metrics.test}, test duplicates ${pct(metrics.testPositiveRate)}`,
      `  accuracy           ${pct(metrics.accuracy)}`,
      `  F1 (duplicate)     ${metrics.f1.toFixed(3)}`,
      `  log loss           ${metrics.logLoss.toFixed(4)}`,
      `  ROC AUC            ${metrics.rocAuc.toFixed(4)}`,
      `  majority accuracy  ${pct(metrics.majorityAccuracy)}`,
      `  train accuracy     ${pct(metrics.trainAccuracy)}`,
      ...(metrics.byKind
        ? [
            `  accuracy by kind   ${Object.entries(metrics.byKind)
              .sort((a, b) => b[1].pairs - a[1].pairs)
              .map(([k, v]) => `${k} ${pct(v.accuracy)} (${v.pairs})`)
              .join(', ')}`,
          ]
        : []),
      '',
    ].join('\n'),
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    main();
  } catch (e) {
    if (e instanceof QqpError) {
      process.stderr.write(`error: ${e.describe()}\n`);
      process.exit(e.category === 'usage' ? 2 : 4);
    }
    throw e;
  }
}
