import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Tokenizer } from '../../src/data/tokenizer.js';
import { LexicalIndex } from '../../src/dedupe/lexical.js';

const tokenizer = new Tokenizer();
const CORPUS = [
  'How do I learn Python quickly?',
  'What is the best way to learn Python?',
  'How do I cook rice?',
  'What is the capital of France?',
  'How do I learn Go?',
  'Why is the sky blue?',
  'How can I cook brown rice?',
  'What is the capital of Peru?',
];

describe('LexicalIndex', () => {
  it('finds the questions sharing rare words first, and leaves out the excluded one', () => {
    const index = new LexicalIndex(CORPUS, tokenizer, { maxDocFraction: 1 });
    assert.equal(index.size, CORPUS.length);
    const hits = index.search('How should I cook rice?', 3);
    assert.deepEqual(
      hits
        .slice(0, 2)
        .map((h) => h.index)
        .sort(),
      [2, 6],
    );
    assert.ok(hits[0]!.score >= hits[1]!.score && hits[1]!.score >= (hits[2]?.score ?? 0));
    const self = index.search(CORPUS[5]!, 5, 5);
    assert.ok(!self.some((h) => h.index === 5));
    assert.equal(index.search(CORPUS[5]!, 1)[0]!.index, 5);
  });

  it('ties are in corpus order, so results do not depend on insertion accidents', () => {
    const same = ['alpha beta', 'gamma', 'alpha beta', 'alpha beta'];
    const index = new LexicalIndex(same, tokenizer, { maxDocFraction: 1 });
    assert.deepEqual(
      index.search('alpha beta', 3).map((h) => h.index),
      [0, 2, 3],
    );
  });

  it('a query keeps its uncommon terms, and at least its minTerms rarest', () => {
    // "is" is in 4 of 8 questions, "the" in 4, "what" in 3: above a 25% cut.
    const index = new LexicalIndex(CORPUS, tokenizer, { maxDocFraction: 0.25, minTerms: 1, minDocCount: 1 });
    const terms = index.queryTerms('What is the capital of Peru?');
    assert.ok(terms.includes('peru') && terms.includes('capital'));
    assert.ok(!terms.includes('is') && !terms.includes('the'));
    const common = new LexicalIndex(CORPUS, tokenizer, { maxDocFraction: 0.01, minTerms: 2, minDocCount: 1 });
    // Only "peru" is in at most 1 question; the next rarest (df 2, alphabetical) tops it up.
    assert.deepEqual(common.queryTerms('What is the capital of Peru?'), ['peru', 'capital']);
  });

  it('a small corpus is not pruned: common words still find candidates', () => {
    const index = new LexicalIndex(CORPUS, tokenizer, { maxDocFraction: 0.01, minTerms: 1 });
    assert.ok(index.queryTerms('What is the capital of Peru?').includes('what'));
  });

  it('a query with no word of the corpus finds nothing', () => {
    const index = new LexicalIndex(CORPUS, tokenizer);
    assert.deepEqual(index.search('zzz qqq', 5), []);
  });
});
