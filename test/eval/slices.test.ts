import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readPairs } from '../../src/data/read.js';
import { DEFAULT_TOKENIZER, Tokenizer } from '../../src/data/tokenizer.js';
import { DataError, UsageError } from '../../src/errors.js';
import {
  checkSlices,
  LENGTH_SLICE,
  lengthBuckets,
  MAX_SLICE_ROWS,
  SliceValues,
  sliceTable,
  sliceThreshold,
  sliceThresholdLabel,
} from '../../src/eval/slices.js';

const dir = mkdtempSync(join(tmpdir(), 'qqp-slices-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A tiny labelled file with a `kind` column, and a probability per pair: the figures per kind are
 * counted by hand below, not by the code under test.
 */
const PAIRS: [q1: string, q2: string, label: 0 | 1, kind: string, prob: number][] = [
  ['How do I learn Python?', 'What is the best way to learn Python?', 1, 'paraphrase', 0.9],
  ['How can I lose weight?', 'What helps to lose weight fast?', 1, 'paraphrase', 0.4],
  ['Is it safe to fly?', 'Is flying safe?', 1, 'paraphrase', 0.7],
  ['Who founded Apple?', 'Who founded Google?', 0, 'entity', 0.8],
  ['Who is the CEO of Tesla?', 'Who is the CEO of Ford?', 0, 'entity', 0.3],
  ['Is 5 a prime?', 'Is 6 a prime?', 0, 'number', 0.6],
  ['Is 7 a prime?', 'Is seven a prime number?', 1, 'number', 0.65],
  ['Why is the sky blue?', 'How do I cook rice?', 0, 'unrelated', 0.1],
  ['What is love?', 'Where is Paris?', 0, 'unrelated', 0.2],
];
const FILE = join(dir, 'kinds.csv');
writeFileSync(
  FILE,
  `id,question1,question2,is_duplicate,kind\n${PAIRS.map(([a, b, l, k], i) => `${i},"${a}","${b}",${l},${k}`).join('\n')}\n`,
);
const probs = Float32Array.from(PAIRS.map((p) => p[4]));
const labels = Float32Array.from(PAIRS.map((p) => p[2]));
const kinds = PAIRS.map((p) => p[3]);

describe('sliceTable', () => {
  it('per kind at 0.5: pairs, positives, errors and the ratios, as counted by hand', () => {
    const t = sliceTable('kind', kinds, probs, labels, 0.5);
    assert.equal(t.by, 'kind');
    assert.equal(t.threshold, 0.5);
    assert.equal(t.note, undefined);
    // Most pairs first, ties by value.
    assert.deepEqual(
      t.rows.map((r) => r.value),
      ['paraphrase', 'entity', 'number', 'unrelated'],
    );
    const [para, entity, number, unrelated] = t.rows;
    // paraphrase: 0.9, 0.4, 0.7 all duplicates → TP 2, FN 1.
    assert.deepEqual(
      { pairs: para!.pairs, positives: para!.positives, errors: para!.errors },
      { pairs: 3, positives: 3, errors: 1 },
    );
    assert.equal(para!.accuracy, 2 / 3);
    assert.equal(para!.precision, 1);
    assert.equal(para!.recall, 2 / 3);
    assert.equal(para!.f1, (2 * 1 * (2 / 3)) / (1 + 2 / 3));
    assert.equal(para!.rocAuc, null, 'one class only: no AUC');
    const expectedLoss = -(Math.log(0.9) + Math.log(0.4) + Math.log(0.7)) / 3;
    assert.ok(Math.abs(para!.logLoss - expectedLoss) < 1e-6, `${para!.logLoss} vs ${expectedLoss}`);
    // entity: 0.8 (not dup) is a false positive, 0.3 right.
    assert.deepEqual(
      [entity!.pairs, entity!.positives, entity!.errors, entity!.accuracy, entity!.precision, entity!.recall],
      [2, 0, 1, 0.5, 0, 0],
    );
    // number: 0.6 not dup → FP; 0.65 dup → TP; AUC 1 (the duplicate scores higher).
    assert.deepEqual([number!.errors, number!.precision, number!.recall, number!.rocAuc], [1, 0.5, 1, 1]);
    assert.deepEqual([unrelated!.errors, unrelated!.accuracy, unrelated!.rocAuc], [0, 1, null]);
    // The rows add up to the whole.
    assert.equal(
      t.rows.reduce((a, r) => a + r.pairs, 0),
      PAIRS.length,
    );
  });

  it('at another threshold the errors move: 0.35 makes the 0.4 paraphrase right and the 0.3 entity still right', () => {
    const t = sliceTable('kind', kinds, probs, labels, 0.35);
    assert.equal(t.threshold, 0.35);
    assert.equal(t.rows.find((r) => r.value === 'paraphrase')!.errors, 0);
    assert.equal(t.rows.find((r) => r.value === 'entity')!.errors, 1);
  });

  it('numbers sort as numbers; empty and missing values come last', () => {
    const values = ['10', '9', '(missing)', '10', '(empty)', '100'];
    const t = sliceTable('n', values, probs.slice(0, 6), labels.slice(0, 6), 0.5);
    assert.deepEqual(
      t.rows.map((r) => r.value),
      ['9', '10', '100', '(empty)', '(missing)'],
    );
  });

  it(`more than ${MAX_SLICE_ROWS} values: the largest kept, the rest one row, and a note says so`, () => {
    const n = MAX_SLICE_ROWS + 10;
    const values = Array.from({ length: 2 * n }, (_, i) => (i < 10 ? 'big' : `v${i % n}`));
    const p = new Float32Array(values.length).fill(0.7);
    const l = Float32Array.from(values, (_, i) => i % 2);
    const t = sliceTable('id', values, p, l, 0.5);
    assert.equal(t.rows.length, MAX_SLICE_ROWS);
    assert.equal(t.rows[0]!.value, 'big');
    assert.match(t.rows.at(-1)!.value, /^\(\d+ other values\)$/);
    assert.equal(
      t.rows.reduce((a, r) => a + r.pairs, 0),
      values.length,
    );
    assert.match(t.note ?? '', /distinct values/);
  });
});

describe('length buckets', () => {
  it('splits at maxLength so every bucket is cut or not as a whole, in order', () => {
    const b = lengthBuckets(8);
    assert.deepEqual(b.order, [
      '0-5',
      '6-8',
      '9-10 (cut)',
      '11-15 (cut)',
      '16-20 (cut)',
      '21-30 (cut)',
      '31-40 (cut)',
      '41-60 (cut)',
      '61+ (cut)',
    ]);
    assert.deepEqual([0, 5, 6, 8, 9, 61, 500].map(b.bucketOf), [
      '0-5',
      '0-5',
      '6-8',
      '6-8',
      '9-10 (cut)',
      '61+ (cut)',
      '61+ (cut)',
    ]);
    assert.equal(
      lengthBuckets(20)
        .order.filter((l) => !l.endsWith('(cut)'))
        .at(-1),
      '16-20',
    );
    assert.deepEqual(lengthBuckets(100).order.slice(-2), ['61-100', '101+ (cut)']);
  });
});

describe('SliceValues', () => {
  const tokenizer = new Tokenizer(DEFAULT_TOKENIZER);
  const run = { tokenizer, maxLength: 5, truncation: 'pre' as const };

  it('collects kind and length from the rows read with the kind column, and makes both tables', async () => {
    const values = new SliceValues(['kind', LENGTH_SLICE], run);
    assert.deepEqual(values.columns, ['kind']);
    const { rows, report } = await readPairs(FILE, { extraColumns: values.columns });
    values.add(rows);
    values.check([report], 'the file');
    const [byKind, byLength] = values.tables(probs, labels, 0.5, [report]);
    assert.deepEqual(byKind, sliceTable('kind', kinds, probs, labels, 0.5));
    // Lengths counted here: the longer question's tokens.
    const longer = PAIRS.map(([a, b]) =>
      Math.max(tokenizer.tokenize(a).length, tokenizer.tokenize(b).length),
    );
    const bucket = lengthBuckets(5).bucketOf;
    assert.equal(byLength!.by, 'length');
    for (const row of byLength!.rows) {
      assert.equal(row.pairs, longer.filter((n) => bucket(n) === row.value).length, row.value);
    }
    assert.ok(byLength!.rows.some((r) => r.value.endsWith('(cut)')));
    assert.match(byLength!.note ?? '', /maxLength 5/);
  });

  it('a column no pair has: a DataError naming the file, its columns and the flag', async () => {
    const values = new SliceValues(['topic'], run);
    const { rows, report } = await readPairs(FILE, { extraColumns: values.columns });
    values.add(rows);
    assert.throws(
      () => values.check([report], 'the file'),
      (err: unknown) => {
        assert.ok(err instanceof DataError);
        assert.equal(err.code, 'EVAL_SLICE_COLUMN');
        assert.match(
          err.message,
          /--slice topic: .*kinds\.csv \(.*\) has no column topic; its columns are id, question1, question2, is_duplicate, kind/,
        );
        return true;
      },
    );
  });

  it('a column in some files only: their pairs are (missing), and the note names the file', async () => {
    const other = join(dir, 'plain.csv');
    writeFileSync(other, 'id,question1,question2,is_duplicate\n1,A?,B?,1\n2,C?,D?,0\n');
    const values = new SliceValues(['kind'], run);
    const a = await readPairs(FILE, { extraColumns: values.columns });
    const b = await readPairs(other, { extraColumns: values.columns });
    values.add([...a.rows, ...b.rows]);
    values.check([a.report, b.report], 'the test split');
    const [t] = values.tables(
      Float32Array.from([...probs, 0.9, 0.1]),
      Float32Array.from([...labels, 1, 0]),
      0.5,
      [a.report, b.report],
    );
    const missing = t!.rows.at(-1)!;
    assert.deepEqual([missing.value, missing.pairs, missing.errors], ['(missing)', 2, 0]);
    assert.match(t!.note ?? '', /plain\.csv has no column kind: 2 pair\(s\) from it are \(missing\)/);
  });

  it('a file without column names: the error says so', async () => {
    const tsv = join(dir, 'pairs.tsv');
    writeFileSync(tsv, '1\tA?\tB?\t1\n0\tC?\tD?\t2\n');
    const values = new SliceValues(['kind'], run);
    const { rows, report } = await readPairs(tsv, { extraColumns: values.columns });
    values.add(rows);
    assert.throws(
      () => values.check([report], 'the file'),
      /has no column names \(a format without a header\)/,
    );
  });
});

describe('the slice threshold and the flag values', () => {
  const best = {
    threshold: 0.42,
    accuracy: 0,
    precision: 0,
    recall: 0,
    f1: 0,
    confusion: { tp: 0, fp: 0, tn: 0, fn: 0 },
  };
  it('the F1-best threshold when chosen on other pairs, else 0.5', () => {
    assert.equal(sliceThreshold({ bestF1: { ...best, chosenOn: 'validation', optimistic: false } }), 0.42);
    assert.equal(sliceThreshold({ bestF1: { ...best, chosenOn: 'test', optimistic: true } }), 0.5);
    assert.match(
      sliceThresholdLabel({ bestF1: { ...best, chosenOn: 'validation', optimistic: false } }),
      /^0\.4200 \(best F1 on validation\)$/,
    );
    assert.match(sliceThresholdLabel({ bestF1: { ...best, optimistic: true } }), /^0\.5 /);
  });

  it('--slice values: repeats dropped, an empty one refused', () => {
    assert.deepEqual(checkSlices(['kind', 'length', 'kind']), ['kind', 'length']);
    assert.throws(() => checkSlices([' ']), UsageError);
  });
});
