import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NUM_TOKEN, Tokenizer } from '../../src/data/tokenizer.js';

describe('Tokenizer', () => {
  const t = new Tokenizer();

  it('lower-cases, splits punctuation into tokens and keeps inner apostrophes', () => {
    assert.deepEqual(t.tokenize("What's the best way to learn C++?"), [
      "what's",
      'the',
      'best',
      'way',
      'to',
      'learn',
      'c',
      '+',
      '+',
      '?',
    ]);
    assert.deepEqual(t.tokenize('Don’t stop'), ["don't", 'stop']);
  });

  it('drops punctuation when splitPunctuation is false', () => {
    const d = new Tokenizer({ splitPunctuation: false });
    assert.deepEqual(d.tokenize('Hello, world! (really?)'), ['hello', 'world', 'really']);
  });

  it('keeps case when lowercase is false', () => {
    assert.deepEqual(new Tokenizer({ lowercase: false }).tokenize('Paris IS big'), ['Paris', 'IS', 'big']);
  });

  it('applies NFKC (full-width letters, superscripts) unless normalisation is off', () => {
    assert.deepEqual(t.tokenize('ＡＢＣ x²'), ['abc', 'x2']);
    assert.deepEqual(new Tokenizer({ normalize: 'none', lowercase: false }).tokenize('ＡＢＣ'), ['ＡＢＣ']);
    // NFC composes e + combining acute into one code point; without it the two stay apart.
    assert.deepEqual(new Tokenizer({ normalize: 'NFC' }).tokenize('cafe\u0301'), ['caf\u00e9']);
    assert.deepEqual(new Tokenizer({ normalize: 'none' }).tokenize('cafe\u0301'), ['cafe\u0301']);
  });

  it('handles numbers: keep, <num> token, or single digits', () => {
    const text = 'Is 3.14 more than 1,000 in 2017? mp3';
    assert.deepEqual(t.tokenize(text), ['is', '3.14', 'more', 'than', '1,000', 'in', '2017', '?', 'mp3']);
    assert.deepEqual(new Tokenizer({ numbers: 'token' }).tokenize(text), [
      'is',
      NUM_TOKEN,
      'more',
      'than',
      NUM_TOKEN,
      'in',
      NUM_TOKEN,
      '?',
      'mp3',
    ]);
    assert.deepEqual(new Tokenizer({ numbers: 'digits' }).tokenize('3.14 in 2017'), [
      '3',
      '.',
      '1',
      '4',
      'in',
      '2',
      '0',
      '1',
      '7',
    ]);
    assert.deepEqual(new Tokenizer({ numbers: 'digits', splitPunctuation: false }).tokenize('3.14'), [
      '3',
      '1',
      '4',
    ]);
  });

  it('splits on any Unicode white space and handles non-English text', () => {
    assert.deepEqual(t.tokenize('a\u00a0b\u2003c\td\ne'), ['a', 'b', 'c', 'd', 'e']);
    assert.deepEqual(t.tokenize('¿Qué es? Это тест.'), ['¿', 'qué', 'es', '?', 'это', 'тест', '.']);
    // Han characters are one token each (no spaces between words in Chinese).
    assert.deepEqual(t.tokenize('什么是爱'), ['什', '么', '是', '爱']);
  });

  it('reduces URLs to their word parts', () => {
    assert.deepEqual(t.tokenize('see https://www.example.com/a-b?x=1 now'), [
      'see',
      'https',
      'www',
      'example',
      'com',
      'a',
      'b',
      'x',
      '1',
      'now',
    ]);
  });

  it('is deterministic and keeps U+FFFD as a token of its own', () => {
    const s = 'Broken \ufffd quote?';
    assert.deepEqual(t.tokenize(s), t.tokenize(s));
    assert.deepEqual(t.tokenize(s), ['broken', '\ufffd', 'quote', '?']);
  });

  it('returns no tokens for white space only', () => {
    assert.deepEqual(t.tokenize('  \t '), []);
  });
});

describe('tokenizer contractions', () => {
  it('split: clitics split off as in GloVe; keep (default): one token', () => {
    const split = new Tokenizer({ contractions: 'split' });
    assert.deepEqual(split.tokenize("Don't you think it's what we're doing?"), [
      'do',
      "n't",
      'you',
      'think',
      'it',
      "'s",
      'what',
      'we',
      "'re",
      'doing',
      '?',
    ]);
    assert.deepEqual(split.tokenize('I’ll go; rock’n’roll'), ['i', "'ll", 'go', ';', "rock'n'roll"]);
    assert.deepEqual(new Tokenizer().tokenize("Don't it's"), ["don't", "it's"]);
  });
});
