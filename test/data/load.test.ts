import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { encodePairs } from '../../src/data/encode.js';
import { describeDropped, hashFile, loadDataset, prepareDataset } from '../../src/data/load.js';
import { Tokenizer } from '../../src/data/tokenizer.js';
import { Vocabulary } from '../../src/data/vocabulary.js';
import { ConfigError, DataError } from '../../src/errors.js';
import { PROJECT_ROOT } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'qqp-load-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const FIX = join(PROJECT_ROOT, 'test', 'fixtures', 'data');

// 100 made-up pairs: words w0..w9 in train-like rows; label alternates.
const lines = ['id,qid1,qid2,question1,question2,is_duplicate'];
for (let i = 0; i < 100; i++)
  lines.push(`${i},${2 * i},${2 * i + 1},Is w${i % 10} like w${(i + 1) % 10}?,What is w${i % 7}?,${i % 2}`);
writeFileSync(join(dir, 'source.csv'), `${lines.join('\n')}\n`);

describe('loadDataset', () => {
  it('splits one source file by fractions with a stable fingerprint', async () => {
    const cfg = {
      source: 'source.csv',
      split: { train: 0.7, validation: 0.1, test: 0.2, seed: 5, stratify: false },
    };
    const a = await loadDataset(cfg, { baseDir: dir });
    assert.equal(a.mode, 'source');
    assert.deepEqual([a.splits.train.length, a.splits.validation.length, a.splits.test.length], [70, 10, 20]);
    assert.equal(a.reports.length, 1);
    assert.equal(a.reports[0]!.rows, 100);
    assert.match(a.fingerprint, /^[0-9a-f]{64}$/);
    const b = await loadDataset(cfg, { baseDir: dir });
    assert.equal(JSON.stringify(b.splits), JSON.stringify(a.splits));
    assert.equal(b.fingerprint, a.fingerprint);
    const c = await loadDataset({ ...cfg, split: { ...cfg.split, seed: 6 } }, { baseDir: dir });
    assert.notEqual(c.fingerprint, a.fingerprint);
  });

  it('extraColumns: the same splits in the same order and the same fingerprint, each row with its value', async () => {
    const kinds = ['entity', 'number', 'order'];
    const withKind = lines.map((l, i) => (i === 0 ? `${l},kind` : `${l},${kinds[i % 3]}`));
    writeFileSync(join(dir, 'kinds.csv'), `${withKind.join('\n')}\n`);
    const cfg = {
      source: 'kinds.csv',
      split: { train: 0.6, validation: 0.2, test: 0.2, seed: 3, stratify: true },
    };
    const plain = await loadDataset(cfg, { baseDir: dir });
    const carried = await loadDataset(cfg, { baseDir: dir, extraColumns: ['kind'] });
    assert.equal(carried.fingerprint, plain.fingerprint);
    for (const split of ['train', 'validation', 'test'] as const) {
      assert.deepEqual(
        carried.splits[split].map(({ extra: _e, ...r }) => r),
        plain.splits[split],
      );
      // Each row's kind is the one on its line of the file (line 2 is data row 1).
      for (const r of carried.splits[split]) assert.equal(r.extra?.kind, kinds[(r.line - 1) % 3]);
    }
    assert.equal(plain.splits.test[0]?.extra, undefined);
  });

  it('reads explicit train/validation/test files', async () => {
    const d = await loadDataset({
      train: join(FIX, 'kaggle-quoted.csv'),
      test: join(FIX, 'kaggle-test.csv'),
    });
    assert.equal(d.mode, 'files');
    assert.equal(d.splits.train.length, 4);
    assert.equal(d.splits.validation.length, 0);
    assert.equal(d.splits.test.length, 2);
    assert.deepEqual(
      d.reports.map((r) => r.format),
      ['kaggle-csv', 'kaggle-test-csv'],
    );
  });

  it('rejects source plus explicit files, and no file at all', async () => {
    await assert.rejects(loadDataset({ source: 'a.csv', train: 'b.csv' }), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.code, 'DATA_SOURCE_CONFLICT');
      assert.match(e.message, /data\.source and data\.train/);
      return true;
    });
    await assert.rejects(loadDataset({}), { code: 'DATA_NO_FILES' });
  });

  it('rejects bad split fractions before reading, and an unlabelled source', async () => {
    await assert.rejects(loadDataset({ source: 'missing.csv', split: { train: 0.9, test: 0.2 } }), {
      code: 'DATA_SPLIT_SUM',
    });
    await assert.rejects(loadDataset({ source: join(FIX, 'kaggle-test.csv') }), (e: unknown) => {
      assert.ok(e instanceof DataError);
      assert.equal(e.code, 'DATA_SOURCE_UNLABELLED');
      return true;
    });
  });

  it("passes onBadRow: 'error' and limit to the reader", async () => {
    await assert.rejects(loadDataset({ train: join(FIX, 'kaggle-plain.csv'), onBadRow: 'error' }), {
      code: 'DATA_BAD_ROW',
      message: /kaggle-plain\.csv:4:/,
    });
    const d = await loadDataset({ source: 'source.csv', limit: 10 }, { baseDir: dir });
    assert.equal(d.splits.train.length + d.splits.test.length, 10);
  });
});

describe('prepareDataset', () => {
  it('builds the vocabulary from the training split only and encodes every split', async () => {
    const { splits } = await loadDataset({ source: 'source.csv' }, { baseDir: dir });
    // A token only in the test split must be out of vocabulary.
    splits.test[0] = { ...splits.test[0]!, question1: 'Is zyzzyva here?' };
    const p = prepareDataset(splits, { encoding: { pair: 'concat', maxLength: 5, swapAugment: true } });
    assert.equal(p.vocabulary.idOf('zyzzyva'), 1);
    assert.equal(p.sequenceLength, 11);
    assert.equal(p.train.count, splits.train.length * 2); // swapped copies in training only
    assert.equal(p.test.count, splits.test.length);
    assert.equal(p.train.inputs[0]!.length, p.train.count * 11);
    assert.ok(p.train.labels);
  });

  it('encodes the training split as encodePairs would with the built vocabulary', async () => {
    const { splits } = await loadDataset({ source: 'source.csv' }, { baseDir: dir });
    const enc = {
      pair: 'separate',
      maxLength: 4,
      padding: 'post',
      truncation: 'post',
      swapAugment: false,
    } as const;
    const p = prepareDataset(splits, {
      vocabulary: { maxSize: 8 },
      tokenizer: { splitPunctuation: false },
      encoding: enc,
    });
    assert.equal(p.vocabulary.size, 8);
    const direct = encodePairs(splits.train, p.tokenizer, p.vocabulary, enc);
    assert.deepEqual(p.train.inputs, direct.inputs);
    assert.deepEqual(p.train.labels, direct.labels);
    assert.ok(p.train.inputs[0]!.some((id) => id === 1)); // maxSize 8 leaves some tokens out of vocabulary
  });

  it('reuses a saved vocabulary and its tokenizer settings', async () => {
    const { splits } = await loadDataset({ source: 'source.csv' }, { baseDir: dir });
    const vocab = Vocabulary.build(['w1 w2'], {}, new Tokenizer({ lowercase: false }));
    const p = prepareDataset(splits, { tokenizer: { lowercase: true } }, { vocabulary: vocab });
    assert.equal(p.vocabulary, vocab);
    assert.equal(p.tokenizer.config.lowercase, false);
  });

  it('refuses an empty training split', () => {
    assert.throws(() => prepareDataset({ train: [], validation: [], test: [] }, {}), {
      code: 'DATA_EMPTY_TRAIN',
    });
  });
});

describe('lists of files, dedupe, dropTestOverlap and a validation split of the training files', () => {
  const a = join(dir, 'a.tsv');
  const b = join(dir, 'b.csv');
  const t = join(dir, 't.tsv');
  const writeA = (extra = '') =>
    writeFileSync(
      a,
      `1\tWhy is ice slippery?\tWhat makes ice slippery?\t1\n0\tWhat is jazz?\tWho invented the piano?\t2\n${extra}`,
    );
  writeA();
  // b repeats a's first pair (other case and spacing, questions swapped) and has one sharing a question with the test file.
  writeFileSync(
    b,
    'question1,question2,is_duplicate\nwhat makes  ICE slippery?,Why is ice slippery?,1\nHow do I cook rice?,How tall is Everest?,0\nWhy do cats purr?,What makes cats purr?,1\n',
  );
  writeFileSync(t, '0\tHow tall is  everest? \tHow old is the universe?\t9\n');

  it('reads a list of files of mixed formats in order as one split, each file reported with its role', async () => {
    const d = await loadDataset({ train: [a, b], test: t });
    assert.deepEqual(
      d.splits.train.map((r) => r.question1),
      [
        'Why is ice slippery?',
        'What is jazz?',
        'what makes  ICE slippery?',
        'How do I cook rice?',
        'Why do cats purr?',
      ],
    );
    assert.deepEqual(
      d.reports.map((r) => r.format),
      ['pairs-tsv', 'minimal-csv', 'pairs-tsv'],
    );
    assert.deepEqual(d.roles, ['train', 'train', 'test']);
    assert.equal(d.dropped, undefined);
  });

  it('keeps the fingerprint of a single file as it was, and changes it when any file of a list changes', async () => {
    const one = await loadDataset({ train: a, test: t });
    const expected = createHash('sha256')
      .update(
        JSON.stringify({
          files: [
            { role: 'train', sha256: await hashFile(a) },
            { role: 'test', sha256: await hashFile(t) },
          ],
          settings: { format: 'auto', onBadRow: 'skip', limit: null },
        }),
      )
      .digest('hex');
    assert.equal(one.fingerprint, expected);
    const before = (await loadDataset({ train: [a, b], test: t })).fingerprint;
    assert.notEqual(before, one.fingerprint);
    writeA('1\tHow do I swim?\tHow can I learn to swim?\t3\n');
    const changedA = (await loadDataset({ train: [a, b], test: t })).fingerprint;
    writeA();
    assert.notEqual(changedA, before);
    assert.equal((await loadDataset({ train: [a, b], test: t })).fingerprint, before);
    const original = readFileSync(b);
    writeFileSync(b, `${original.toString()}Who are you?,Who is he?,0\n`);
    const changedB = (await loadDataset({ train: [a, b], test: t })).fingerprint;
    writeFileSync(b, original);
    assert.notEqual(changedB, before);
    assert.notEqual(changedB, changedA);
  });

  it('drops repeated pairs and pairs sharing a question with the test file, and says so', async () => {
    const d = await loadDataset({ train: [a, b], test: t, dedupe: true, dropTestOverlap: true });
    assert.deepEqual(
      d.splits.train.map((r) => r.question1),
      ['Why is ice slippery?', 'What is jazz?', 'Why do cats purr?'],
    );
    assert.deepEqual(d.dropped, {
      duplicates: { train: 1, validation: 0 },
      testOverlap: { train: 1, validation: 0 },
    });
    assert.deepEqual(describeDropped(d.dropped), [
      'dropped 1 training pair repeating an earlier pair (data.dedupe)',
      'dropped 1 training pair whose text is in the test file (data.dropTestOverlap)',
    ]);
    const plain = await loadDataset({ train: [a, b], test: t });
    assert.notEqual(d.fingerprint, plain.fingerprint);
  });

  it('holds out split.validation of the training rows when there is no validation file', async () => {
    const split = { train: 0.8, validation: 0.4, test: 0.2, seed: 3, stratify: false };
    const d = await loadDataset({ train: [a, b], test: t, split });
    assert.equal(d.splits.validation.length, 2);
    assert.equal(d.splits.train.length, 3);
    assert.equal(d.splits.test.length, 1);
    assert.equal(d.validationFromTrain, true);
    const again = await loadDataset({ train: [a, b], test: t, split });
    assert.equal(JSON.stringify(again.splits), JSON.stringify(d.splits));
    const other = await loadDataset({ train: [a, b], test: t, split: { ...split, seed: 4 } });
    assert.notEqual(other.fingerprint, d.fingerprint);
  });

  it('split.validationFrom holds the validation rows out of that one training file, the rest all train', async () => {
    const csv = (name: string, tag: string) => {
      const rows = Array.from(
        { length: 10 },
        (_, i) => `${tag}${i},${tag}${i}a,${tag}${i}b,What is ${tag} ${i}?,Who is ${tag} ${i}?,${i % 2}`,
      );
      const path = join(dir, name);
      writeFileSync(path, `id,qid1,qid2,question1,question2,is_duplicate\n${rows.join('\n')}\n`);
      return path;
    };
    const x = csv('from-x.csv', 'x');
    const y = csv('from-y.csv', 'y');
    const split = { train: 0.8, validation: 0.4, test: 0.2, seed: 3, stratify: false };
    const d = await loadDataset({ train: [x, y], test: t, split: { ...split, validationFrom: y } });
    assert.equal(d.splits.validation.length, 4);
    assert.ok(d.splits.validation.every((r) => r.question1.startsWith('What is y ')));
    assert.equal(d.splits.train.length, 16);
    assert.equal(d.splits.train.filter((r) => r.question1.startsWith('What is x ')).length, 10);
    // No row lost or doubled.
    const all = [...d.splits.train, ...d.splits.validation].map((r) => r.question1).sort();
    assert.equal(new Set(all).size, 20);
    // The training rows come in a seeded order, not one file after the other.
    const order = d.splits.train.map((r) => r.question1[8]);
    assert.notDeepEqual(order, [...order].sort());
    const again = await loadDataset({ train: [x, y], test: t, split: { ...split, validationFrom: y } });
    assert.equal(JSON.stringify(again.splits), JSON.stringify(d.splits));
    const plain = await loadDataset({ train: [x, y], test: t, split });
    assert.notEqual(plain.fingerprint, d.fingerprint);
    await assert.rejects(
      loadDataset({ train: [x], test: t, split: { ...split, validationFrom: y } }),
      (err: unknown) => err instanceof ConfigError && err.code === 'DATA_VALIDATION_FROM',
    );
  });
});
