import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodePairs, encodeQuestion, sequenceLength, writeQuestion } from '../../src/data/encode.js';
import type { PairRow } from '../../src/data/read.js';
import { Tokenizer } from '../../src/data/tokenizer.js';
import { OOV_ID, SEP_ID, Vocabulary } from '../../src/data/vocabulary.js';

const tok = new Tokenizer({ splitPunctuation: false });
// Ids: a=3 b=4 c=5 d=6 e=7 (counts descending then by token).
const vocab = Vocabulary.build(['a a a a a b b b b c c c d d e'], {}, tok);
const row = (q1: string, q2: string, label: 0 | 1 | null = 1, id = '1'): PairRow => ({
  line: 1,
  id,
  question1: q1,
  question2: q2,
  label,
});

function q(ids: number[], maxLength: number, padding: 'pre' | 'post', truncation: 'pre' | 'post'): number[] {
  const out = new Int32Array(maxLength).fill(-1);
  writeQuestion(ids, out, 0, { maxLength, padding, truncation });
  return [...out];
}

describe('encoding', () => {
  it('sequenceLength is 2*maxLength+1 for concat and maxLength for siamese', () => {
    assert.equal(sequenceLength({ pair: 'concat', maxLength: 20 }), 41);
    assert.equal(sequenceLength({ pair: 'separate', maxLength: 20 }), 20);
  });

  it('pads and truncates before or after', () => {
    assert.deepEqual(q([3, 4], 4, 'pre', 'pre'), [0, 0, 3, 4]);
    assert.deepEqual(q([3, 4], 4, 'post', 'pre'), [3, 4, 0, 0]);
    assert.deepEqual(q([3, 4, 5, 6, 7], 3, 'pre', 'pre'), [5, 6, 7]);
    assert.deepEqual(q([3, 4, 5, 6, 7], 3, 'pre', 'post'), [3, 4, 5]);
    assert.deepEqual(q([], 2, 'pre', 'pre'), [0, 0]);
  });

  it('maps unknown tokens to the out-of-vocabulary id', () => {
    assert.deepEqual([...encodeQuestion('a zebra', tok, vocab, { maxLength: 3 })], [0, 3, OOV_ID]);
  });

  it('concat: q1, <sep>, q2, each half padded on its own, fixed length', () => {
    const e = encodePairs([row('a b', 'c d e f g'), row('e', 'a', 0, '2')], tok, vocab, {
      pair: 'concat',
      maxLength: 3,
    });
    assert.equal(e.sequenceLength, 7);
    assert.equal(e.count, 2);
    assert.equal(e.inputs.length, 1);
    assert.equal(e.inputs[0]!.length, 14);
    // 'c d e f g' -> [5, 6, 7, oov, oov], truncated 'pre' keeps the last three.
    assert.deepEqual([...e.inputs[0]!.subarray(0, 7)], [0, 3, 4, SEP_ID, 7, OOV_ID, OOV_ID]);
    assert.deepEqual([...e.inputs[0]!.subarray(7, 14)], [0, 0, 7, SEP_ID, 0, 0, 3]);
    assert.deepEqual([...e.labels!], [1, 0]);
    assert.deepEqual(e.ids, ['1', '2']);
  });

  it('siamese: two sequences of maxLength', () => {
    const e = encodePairs([row('a b', 'c')], tok, vocab, { pair: 'separate', maxLength: 2, padding: 'post' });
    assert.equal(e.sequenceLength, 2);
    assert.equal(e.inputs.length, 2);
    assert.deepEqual([...e.inputs[0]!], [3, 4]);
    assert.deepEqual([...e.inputs[1]!], [5, 0]);
  });

  it('swap augmentation adds (q2, q1) right after each pair with the same label', () => {
    const rows = [row('a', 'b', 1, 'x'), row('c', 'd', 0, 'y')];
    const e = encodePairs(rows, tok, vocab, { pair: 'separate', maxLength: 1 }, { augment: true });
    assert.equal(e.count, 4);
    assert.deepEqual([...e.inputs[0]!], [3, 4, 5, 6]);
    assert.deepEqual([...e.inputs[1]!], [4, 3, 6, 5]);
    assert.deepEqual([...e.labels!], [1, 1, 0, 0]);
    assert.deepEqual(e.ids, ['x', 'x', 'y', 'y']);
    assert.deepEqual([...e.swapped], [0, 1, 0, 1]);
    assert.equal(encodePairs(rows, tok, vocab, { maxLength: 1 }).count, 2);
  });

  it('gives null labels for unlabelled rows and refuses a mix', () => {
    assert.equal(encodePairs([row('a', 'b', null)], tok, vocab).labels, null);
    assert.throws(() => encodePairs([row('a', 'b', null), row('a', 'b', 1)], tok, vocab), {
      code: 'DATA_MIXED_LABELS',
    });
  });
});
