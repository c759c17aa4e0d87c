/**
 * Seeded train/validation/test split of one file's rows. One permutation of all rows (Fisher-Yates
 * with pure-rand's xoroshiro128+ and unbiased uniformInt) decides everything, so the same rows and
 * settings always give the same split. Test takes round(n*test) rows, validation round(n*validation),
 * train the rest. With `stratify`, each label's rows are split on their own by the same fractions,
 * and each split keeps the permutation order.
 */
import { ConfigError } from '../errors.js';
import { Rng } from '../util/rng.js';
import type { SplitConfig } from './schema.js';

export const DEFAULT_SPLIT: SplitConfig = {
  train: 0.8,
  validation: 0,
  test: 0.2,
  seed: 2019,
  stratify: false,
};

export interface Splits<T> {
  train: T[];
  validation: T[];
  test: T[];
}

const EPSILON = 1e-6;

/** Throws a ConfigError unless the fractions are in [0, 1], train > 0, and they sum to 1. */
export function checkSplitFractions(split: Pick<SplitConfig, 'train' | 'validation' | 'test'>): void {
  const { train, validation, test } = split;
  for (const [name, v] of Object.entries({ train, validation, test })) {
    if (!Number.isFinite(v) || v < 0 || v > 1) {
      throw new ConfigError(
        'DATA_SPLIT_FRACTION',
        `data.split.${name} is ${v}: a fraction must be between 0 and 1`,
      );
    }
  }
  if (train <= 0) {
    throw new ConfigError(
      'DATA_SPLIT_FRACTION',
      `data.split.train is ${train}: training needs a fraction above 0`,
    );
  }
  const sum = train + validation + test;
  if (Math.abs(sum - 1) > EPSILON) {
    const fixedTrain = Math.round((1 - validation - test) * 1e6) / 1e6;
    throw new ConfigError(
      'DATA_SPLIT_SUM',
      `data.split fractions must sum to 1: train ${train} + validation ${validation} + test ${test} = ${Math.round(sum * 1e6) / 1e6}`,
      {
        suggestions: fixedTrain > 0 ? [`set data.split.train: ${fixedTrain}`] : ['lower validation or test'],
      },
    );
  }
}

/** A seeded permutation of 0..n-1. */
export function permutation(n: number, seed: number): Uint32Array {
  const rng = new Rng(seed);
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(0, i);
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}

/** Cuts an ordered list of row indices into test, validation, train (in that order). */
function allocate(items: number[], split: SplitConfig, out: Splits<number>): void {
  const n = items.length;
  const nTest = Math.round(n * split.test);
  const nVal = Math.min(n - nTest, Math.round(n * split.validation));
  for (let i = 0; i < n; i++) {
    const dest = i < nTest ? out.test : i < nTest + nVal ? out.validation : out.train;
    dest.push(items[i]!);
  }
}

/** Splits rows by the fractions in `split` (defaults: 80/0/20, seed 2019, not stratified). */
export function splitRows<T extends { label: 0 | 1 | null }>(
  rows: readonly T[],
  split: Partial<SplitConfig> = {},
): Splits<T> {
  const cfg = { ...DEFAULT_SPLIT, ...split };
  checkSplitFractions(cfg);
  const perm = Array.from(permutation(rows.length, cfg.seed));
  const idx: Splits<number> = { train: [], validation: [], test: [] };
  if (!cfg.stratify) {
    allocate(perm, cfg, idx);
  } else {
    const rank = new Uint32Array(rows.length);
    perm.forEach((r, i) => {
      rank[r] = i;
    });
    for (const label of [0, 1, null] as const) {
      const group = perm.filter((i) => rows[i]!.label === label);
      if (group.length > 0) allocate(group, cfg, idx);
    }
    const byRank = (a: number, b: number) => rank[a]! - rank[b]!;
    idx.train.sort(byRank);
    idx.validation.sort(byRank);
    idx.test.sort(byRank);
  }
  const pick = (list: number[]) => list.map((i) => rows[i]!);
  return { train: pick(idx.train), validation: pick(idx.validation), test: pick(idx.test) };
}
