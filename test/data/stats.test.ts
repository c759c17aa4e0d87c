import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { computeStats, percentile } from '../../src/data/stats.js';
import { PROJECT_ROOT } from '../helpers/cli.js';

const FIX = join(PROJECT_ROOT, 'test', 'fixtures', 'data');

describe('computeStats', () => {
  it('percentile uses the nearest rank', () => {
    const xs = Uint32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.equal(percentile(xs, 50), 5);
    assert.equal(percentile(xs, 90), 9);
    assert.equal(percentile(xs, 99), 10);
    assert.equal(percentile([], 50), 0);
  });

  it('summarises a labelled file with bad rows', async () => {
    const s = await computeStats(join(FIX, 'kaggle-plain.csv'));
    assert.equal(s.format, 'kaggle-csv');
    assert.equal(s.rows, 3);
    assert.equal(s.labelled, 3);
    assert.equal(s.duplicates, 2);
    assert.equal(s.duplicateRate, 2 / 3);
    assert.equal(s.badRows, 3);
    assert.deepEqual(
      s.badRowSamples.map((b) => b.line),
      [4, 5, 6],
    );
    // Question lengths in tokens (punctuation included): 7, 8, 5, 6, 6, 6.
    assert.equal(s.questionTokens.max, 8);
    assert.equal(s.questionTokens.p50, 6);
  });

  it('counts the questions encoding.maxLength would cut (default 20)', async () => {
    const file = join(FIX, 'kaggle-plain.csv');
    // Question lengths 7, 8, 5, 6, 6, 6: maxLength 6 cuts the 7 and the 8.
    assert.deepEqual((await computeStats(file, { maxLength: 6 })).cutByMaxLength, {
      maxLength: 6,
      questions: 2,
      share: 2 / 6,
    });
    assert.deepEqual((await computeStats(file, { maxLength: 8 })).cutByMaxLength.questions, 0);
    assert.deepEqual((await computeStats(file)).cutByMaxLength, { maxLength: 20, questions: 0, share: 0 });
  });

  it('counts the vocabulary at a min count and handles unlabelled files', async () => {
    const all = await computeStats(join(FIX, 'kaggle-test.csv'));
    const twice = await computeStats(join(FIX, 'kaggle-test.csv'), { minCount: 2 });
    assert.equal(all.duplicateRate, null);
    assert.equal(all.unlabelled, 2);
    assert.equal(all.vocabularySize, 16);
    // Seen at least twice: is, the, moon, ?, ',', timbuktu.
    assert.equal(twice.vocabularySize, 6);
    assert.equal(twice.minCount, 2);
  });

  it('reports a broken quote as a bad row and a suspect field, so no question holds the swallowed rows', async () => {
    const s = await computeStats(join(FIX, 'kaggle-broken-quote.csv'));
    assert.equal(s.rows, 12);
    assert.equal(s.badRows, 1);
    assert.equal(s.suspectFields, 1);
    assert.deepEqual(s.suspectFieldSamples, [{ line: 6, lines: 28, field: 'question1' }]);
    // The merged record would have been a question of well over 100 tokens.
    assert.ok(s.questionTokens.max < 20, `max ${s.questionTokens.max}`);
  });
});
