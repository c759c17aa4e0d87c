import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkSplitFractions, permutation, splitRows } from '../../src/data/split.js';
import { ConfigError } from '../../src/errors.js';

interface R {
  id: number;
  label: 0 | 1 | null;
}
// 1000 rows, 30% duplicates, clustered at the start so an unstratified split can drift.
const rows: R[] = Array.from({ length: 1000 }, (_, i) => ({ id: i, label: i < 300 ? 1 : 0 }));
const rate = (xs: R[]) => xs.filter((r) => r.label === 1).length / xs.length;

describe('splitRows', () => {
  it('defaults to 80/20 and covers every row exactly once', () => {
    const s = splitRows(rows);
    assert.equal(s.train.length, 800);
    assert.equal(s.test.length, 200);
    assert.equal(s.validation.length, 0);
    const ids = [...s.train, ...s.test].map((r) => r.id).sort((a, b) => a - b);
    assert.deepEqual(
      ids,
      rows.map((r) => r.id),
    );
  });

  it('is the same byte for byte for the same seed, and different for another seed', () => {
    const a = JSON.stringify(splitRows(rows, { seed: 7, validation: 0.1, train: 0.7 }));
    const b = JSON.stringify(splitRows(rows, { seed: 7, validation: 0.1, train: 0.7 }));
    assert.equal(a, b);
    assert.notEqual(JSON.stringify(splitRows(rows, { seed: 8, validation: 0.1, train: 0.7 })), a);
  });

  it('shuffles (the test split is not the file tail)', () => {
    const s = splitRows(rows);
    assert.ok(s.test.some((r) => r.id < 800));
  });

  it('takes validation and test by fraction', () => {
    const s = splitRows(rows, { train: 0.6, validation: 0.15, test: 0.25 });
    assert.deepEqual([s.train.length, s.validation.length, s.test.length], [600, 150, 250]);
  });

  it('stratify keeps the label rate equal in every split', () => {
    const s = splitRows(rows, { train: 0.7, validation: 0.1, test: 0.2, stratify: true, seed: 3 });
    assert.equal(rate(s.train), 0.3);
    assert.equal(rate(s.validation), 0.3);
    assert.equal(rate(s.test), 0.3);
    assert.equal(s.train.length + s.validation.length + s.test.length, 1000);
    const again = splitRows(rows, { train: 0.7, validation: 0.1, test: 0.2, stratify: true, seed: 3 });
    assert.equal(JSON.stringify(again), JSON.stringify(s));
  });

  it('rejects fractions that do not sum to 1, are out of range, or leave no training rows', () => {
    assert.throws(
      () => splitRows(rows, { validation: 0.1 }),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.equal(e.code, 'DATA_SPLIT_SUM');
        assert.match(e.message, /= 1\.1/);
        assert.deepEqual(e.suggestions, ['set data.split.train: 0.7']);
        return true;
      },
    );
    assert.throws(() => checkSplitFractions({ train: 1.2, validation: 0, test: -0.2 }), {
      code: 'DATA_SPLIT_FRACTION',
    });
    assert.throws(() => checkSplitFractions({ train: 0, validation: 0, test: 1 }), {
      code: 'DATA_SPLIT_FRACTION',
    });
    assert.doesNotThrow(() => checkSplitFractions({ train: 0.7, validation: 0.2, test: 0.1 }));
  });

  it('permutation is a seeded permutation', () => {
    const p = permutation(50, 2019);
    assert.deepEqual(
      [...p].sort((a, b) => a - b),
      Array.from({ length: 50 }, (_, i) => i),
    );
    assert.deepEqual([...permutation(50, 2019)], [...p]);
    assert.notDeepEqual([...permutation(50, 2020)], [...p]);
  });
});
