import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Candidate, ranked } from '../../src/dedupe/dedupe.js';

const c = (index: number, probability: number, lexicalRank: number | null): Candidate => ({
  index,
  probability,
  lexicalRank,
  retrieved: lexicalRank === null ? ['encoder'] : ['lexical'],
});

// BM25 order: 10, 11, 12; the model prefers 12, then 13 (encoder only), then 11, then 10.
const LIST = [c(10, 0.2, 1), c(11, 0.6, 2), c(12, 0.9, 3), c(13, 0.7, null)];

describe('ranked', () => {
  it('model: most probable first', () => {
    assert.deepEqual(
      ranked(LIST, 'model', 30).map((x) => x.index),
      [12, 13, 11, 10],
    );
  });

  it("lexical: BM25's order, then the encoder's candidates by probability", () => {
    assert.deepEqual(
      ranked([...LIST, c(14, 0.95, null)], 'lexical', 30).map((x) => x.index),
      [10, 11, 12, 14, 13],
    );
  });

  it('blend: reciprocal-rank fusion of both orders, computed by hand', () => {
    const modelRank = { 10: 4, 11: 3, 12: 1, 13: 2 } as const;
    const lexRank = { 10: 1, 11: 2, 12: 3, 13: 31 } as const;
    const fused = (i: 10 | 11 | 12 | 13) => 1 / (60 + modelRank[i]) + 1 / (60 + lexRank[i]);
    const expected = ([10, 11, 12, 13] as const).slice().sort((a, b) => fused(b) - fused(a) || a - b);
    assert.deepEqual(
      ranked(LIST, 'blend', 30).map((x) => x.index),
      expected,
    );
    assert.deepEqual(expected, [12, 10, 11, 13]);
  });

  it('ties are broken by corpus order', () => {
    const tied = [c(5, 0.5, null), c(2, 0.5, null), c(9, 0.5, null)];
    for (const rank of ['model', 'lexical', 'blend'] as const) {
      assert.deepEqual(
        ranked(tied, rank, 30).map((x) => x.index),
        [2, 5, 9],
      );
    }
  });
});
