import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { distance } from 'fastest-levenshtein';
import { encodePairs, namedInputs } from '../../src/data/encode.js';
import {
  charTerms,
  commonSubstringRatio,
  exactMatchBits,
  type FeatureStats,
  featureStatsProblem,
  featureWords,
  fitFeatures,
  idf,
  PairFeaturizer,
  wordTerms,
} from '../../src/data/features.js';
import { prepareDataset } from '../../src/data/load.js';
import type { PairRow } from '../../src/data/read.js';
import { isVectorFeature, PAIR_FEATURE_NAMES, pairFeatureNames } from '../../src/data/schema.js';
import { Tokenizer } from '../../src/data/tokenizer.js';
import { Vocabulary } from '../../src/data/vocabulary.js';

const tok = new Tokenizer({});
/** The features computed from the texts alone (not from word vectors). */
const LEXICAL = PAIR_FEATURE_NAMES.filter((n) => !isVectorFeature(n));
let line = 0;
const row = (q1: string, q2: string, label: 0 | 1 | null = 1): PairRow => ({
  line: ++line,
  id: String(line),
  question1: q1,
  question2: q2,
  label,
});

/** Stats with these document frequencies and identity standardisation, for direct computations. */
function stats(over: Partial<FeatureStats> = {}): FeatureStats {
  return {
    kind: 'qqp-features',
    version: 1,
    pair: [...LEXICAL],
    exactMatch: false,
    documents: 4,
    minDf: 2,
    wordDf: {},
    charDf: {},
    mean: LEXICAL.map(() => 0),
    std: LEXICAL.map(() => 1),
    ...over,
  };
}

function byName(values: number[], names: readonly string[] = LEXICAL): Record<string, number> {
  return Object.fromEntries(names.map((n, i) => [n, values[i]!]));
}

describe('pair features, computed directly', () => {
  it('every feature on a tiny pair (idf from a small table; all other terms unseen)', () => {
    // N = 4 documents; df(how) = 3, df(is) = 2, everything else unseen (df 0).
    const s = stats({ wordDf: { how: 3, is: 2 }, charDf: {} });
    const f = new PairFeaturizer(s, tok);
    const got = byName(f.raw('How is 2 cats?', 'How is 3 dogs ok?'));
    const i = (df: number) => Math.log(5 / (1 + df)) + 1;
    // Words (punctuation left out): [how, is, 2, cats] and [how, is, 3, dogs, ok].
    // 1-grams and 2-grams, tf 1 each: shared terms how, is, "how is".
    const a = ['how', 'is', '2', 'cats', 'how is', 'is 2', '2 cats'].map((t) => s.wordDf[t] ?? 0).map(i);
    const b = ['how', 'is', '3', 'dogs', 'ok', 'how is', 'is 3', '3 dogs', 'dogs ok']
      .map((t) => s.wordDf[t] ?? 0)
      .map(i);
    const sq = (xs: number[]) => xs.reduce((x, y) => x + y * y, 0);
    const dot = i(3) ** 2 + i(2) ** 2 + i(0) ** 2;
    assert.ok(Math.abs(got.wordTfidf! - dot / Math.sqrt(sq(a) * sq(b))) < 1e-12);
    // Char 3-grams of " how is 2 cats " and " how is 3 dogs ok ", all idf i(0): a plain count cosine.
    const ca = charTerms(['how', 'is', '2', 'cats']);
    const cb = charTerms(['how', 'is', '3', 'dogs', 'ok']);
    let cdot = 0;
    for (const [t, c] of ca) cdot += c * (cb.get(t) ?? 0);
    const norm = (m: Map<string, number>) => Math.sqrt([...m.values()].reduce((x, c) => x + c * c, 0));
    assert.ok(Math.abs(got.charTfidf! - cdot / (norm(ca) * norm(cb))) < 1e-12);
    assert.equal(got.jaccard, 2 / 7);
    const shared = i(3) + i(2);
    assert.ok(Math.abs(got.idfOverlap! - shared / (shared + 5 * i(0))) < 1e-12);
    assert.equal(got.lengthDiff, 1);
    assert.equal(got.lengthRatio, 4 / 5);
    assert.equal(got.charLengthDiff, '"How is 3 dogs ok?"'.length - '"How is 2 cats?"'.length);
    assert.equal(got.sharedNumbers, 0);
    assert.equal(got.numberMismatch, 1);
    assert.equal(got.questionWord, 1);
  });

  it('numbers, question words and empty cases', () => {
    const f = new PairFeaturizer(stats(), tok);
    const same = byName(f.raw('What is 1,000 + 5?', 'what is 1000 plus 5'));
    assert.equal(same.sharedNumbers, 1);
    assert.equal(same.numberMismatch, 0);
    const none = byName(f.raw('Why cats', 'How dogs'));
    assert.equal(none.sharedNumbers, 1, 'neither has a number');
    assert.equal(none.numberMismatch, 0);
    assert.equal(none.questionWord, 0, 'why ≠ how');
    assert.equal(byName(f.raw('cats here', 'dogs there')).questionWord, 1, 'neither has one');
    const half = byName(f.raw('Is it 3 or 4', 'Is it 4'));
    assert.equal(half.sharedNumbers, 1 / 2);
    assert.equal(half.numberMismatch, 1);
    const empty = byName(f.raw('?', '!'));
    assert.equal(empty.wordTfidf, 0);
    assert.equal(empty.jaccard, 0);
    assert.equal(empty.idfOverlap, 0);
    assert.equal(empty.lengthRatio, 1);
  });

  it('word-position, overlap-ratio and string-similarity features', () => {
    const f = new PairFeaturizer(stats(), tok);
    // Words: [how, do, i, quickly, learn, python] and [what, is, the, fastest, way, to, learn, python].
    const got = byName(f.raw('How do I quickly learn Python?', 'What is the fastest way to learn Python?'));
    assert.equal(got.firstWordEqual, 0);
    assert.equal(got.lastWordEqual, 1, 'both end in "python"');
    assert.equal(got.lengthMean, (6 + 8) / 2);
    assert.equal(got.sharedMin, 2 / 6, 'learn, python shared; 6 distinct words in the shorter');
    assert.equal(got.sharedMax, 2 / 8);
    // Content words (stop words out): [quickly, learn, python] and [fastest, way, learn, python].
    assert.equal(got.contentSharedMin, 2 / 3);
    assert.equal(got.contentSharedMax, 2 / 4);
    // Stop words: [how, do, i] and [what, is, the, to]: none shared.
    assert.equal(got.stopSharedMin, 0);
    const s1 = 'how do i quickly learn python';
    const s2 = 'what is the fastest way to learn python';
    assert.equal(got.editRatio, 1 - distance(s1, s2) / s2.length);
    const sorted1 = 'do how i learn python quickly';
    const sorted2 = 'fastest is learn python the to way what';
    assert.equal(got.sortedEditRatio, 1 - distance(sorted1, sorted2) / sorted2.length);
    assert.equal(got.commonSubstring, ' learn python'.length / s1.length);
    // Word order does not change sortedEditRatio; an identical pair has every ratio 1.
    const swapped = byName(f.raw('python learn fast', 'fast learn python'));
    assert.equal(swapped.sortedEditRatio, 1);
    assert.ok(swapped.editRatio! < 1);
    const same = byName(f.raw(s1, s1));
    for (const n of [
      'firstWordEqual',
      'lastWordEqual',
      'sharedMin',
      'sharedMax',
      'contentSharedMin',
      'stopSharedMin',
      'editRatio',
      'sortedEditRatio',
      'commonSubstring',
    ] as const)
      assert.equal(same[n], 1, n);
    // No words: nothing shared, positions unequal, edit ratio of two empty strings 1.
    const empty = byName(f.raw('?', '!'));
    assert.equal(empty.firstWordEqual, 0);
    assert.equal(empty.sharedMin, 0);
    assert.equal(empty.contentSharedMax, 0);
    assert.equal(empty.editRatio, 1);
    assert.equal(empty.commonSubstring, 0);
  });

  it('commonSubstringRatio: the longest common run over the shorter string', () => {
    assert.equal(commonSubstringRatio('abcdef', 'zcdez'), 3 / 5);
    assert.equal(commonSubstringRatio('abc', 'xyz'), 0);
    assert.equal(commonSubstringRatio('', 'abc'), 0);
    assert.equal(commonSubstringRatio('abab', 'bab'), 1);
  });

  it('is symmetric, and an identical pair has cosines, Jaccard and overlap 1', () => {
    const f = new PairFeaturizer(stats({ wordDf: { cat: 2 } }), tok);
    const q1 = 'How do I feed a cat in 2024?';
    const q2 = 'What should a cat eat?';
    const ab = f.raw(q1, q2);
    const ba = f.raw(q2, q1);
    ab.forEach((x, i) => {
      assert.ok(Math.abs(x - ba[i]!) < 1e-12, LEXICAL[i]);
    });
    const same = byName(f.raw(q1, q1));
    for (const n of ['wordTfidf', 'charTfidf', 'jaccard', 'idfOverlap', 'lengthRatio'] as const)
      assert.ok(Math.abs(same[n]! - 1) < 1e-12, n);
  });

  it('terms: word 1- and 2-grams; char 3-grams with a space at each end', () => {
    assert.deepEqual(
      [...wordTerms(['a', 'b', 'a'])],
      [
        ['a', 2],
        ['a b', 1],
        ['b', 1],
        ['b a', 1],
      ],
    );
    assert.deepEqual(
      [...charTerms(['ab'])],
      [
        [' ab', 1],
        ['ab ', 1],
      ],
    );
    assert.equal(idf(0, 4), Math.log(5) + 1);
  });

  it('pairFeatureNames: true is all (the vector ones only with vectors), a list keeps the table order', () => {
    assert.deepEqual(pairFeatureNames({ pair: true }), LEXICAL);
    assert.equal(LEXICAL.length, 21);
    assert.deepEqual(pairFeatureNames({ pair: true, vectors: { source: 'v.txt' } }), [
      ...LEXICAL,
      'softAlign',
      'vectorCosine',
    ]);
    assert.deepEqual(pairFeatureNames({ pair: ['vectorCosine', 'jaccard'], vectors: { source: 'v.txt' } }), [
      'jaccard',
      'vectorCosine',
    ]);
    assert.deepEqual(pairFeatureNames({ pair: ['jaccard', 'wordTfidf'] }), ['wordTfidf', 'jaccard']);
    assert.deepEqual(pairFeatureNames({ pair: false }), []);
    assert.deepEqual(pairFeatureNames(undefined), []);
  });
});

describe('vector features, computed directly', () => {
  // 2-d vectors: cat and dog close, car far from both; "is" has none.
  const vectors = {
    dim: 2,
    words: ['cat', 'dog', 'car', 'how', 'zero'],
    values: Float32Array.from([1, 0, 0.8, 0.6, 0, 2, 0, -1, 0, 0]),
  };
  const names = ['softAlign', 'vectorCosine'] as const;
  const vstats = stats({
    pair: [...names],
    mean: [0, 0],
    std: [1, 1],
    vectors: { source: 'v', sha256: 'x', dim: 2, words: 5 },
  });
  const f = new PairFeaturizer(vstats, tok, vectors);
  const unit = (x: number, y: number) => {
    const n = Math.hypot(x, y);
    return [x / n, y / n] as const;
  };
  const cos = (a: readonly number[], b: readonly number[]) =>
    (a[0]! * b[0]! + a[1]! * b[1]!) / (Math.hypot(...a) * Math.hypot(...b));

  it('softAlign: best cosine per word, averaged over words, then over both directions; vectorCosine of the sums', () => {
    // q1 words with vectors: how, cat (is has none); q2: cat? no — dog, car.
    const got = byName(f.raw('How is the cat?', 'Dog or car?'), names);
    const how = unit(0, -1);
    const cat = unit(1, 0);
    const dog = unit(0.8, 0.6);
    const car = unit(0, 2);
    const best = (x: readonly number[], ys: (readonly number[])[]) => Math.max(...ys.map((y) => cos(x, y)));
    const ab = (best(how, [dog, car]) + best(cat, [dog, car])) / 2;
    const ba = (best(dog, [how, cat]) + best(car, [how, cat])) / 2;
    assert.ok(Math.abs(got.softAlign! - (ab + ba) / 2) < 1e-6);
    const sum = (vs: (readonly number[])[]) => [
      vs.reduce((s, v) => s + v[0]!, 0),
      vs.reduce((s, v) => s + v[1]!, 0),
    ];
    assert.ok(Math.abs(got.vectorCosine! - cos(sum([how, cat]), sum([dog, car]))) < 1e-6);
    // Symmetric; the same question aligned with itself gives 1.
    const back = byName(f.raw('Dog or car?', 'How is the cat?'), names);
    assert.ok(Math.abs(back.softAlign! - got.softAlign!) < 1e-12);
    const same = byName(f.raw('cat dog', 'dog cat'), names);
    assert.ok(Math.abs(same.softAlign! - 1) < 1e-6 && Math.abs(same.vectorCosine! - 1) < 1e-6);
  });

  it('a question with no word that has a (non-zero) vector gives 0; vectors are needed when asked for', () => {
    assert.deepEqual(f.raw('is it zero?', 'cat'), [0, 0]);
    assert.throws(() => new PairFeaturizer(vstats, tok), /need word vectors/);
    assert.throws(
      () => fitFeatures([row('a', 'b')], tok, { pair: [...names], vectors: { source: 'v' } }),
      /need word vectors/,
    );
  });

  it('fitting records where the vectors came from, and featureWords lists what to look up', () => {
    const train = [row('How is the cat?', 'Dog or car?'), row('cat dog', 'the car')];
    const fitted = fitFeatures(
      train,
      tok,
      { pair: [...names], vectors: { source: 'v.txt' } },
      {
        source: 'v.txt',
        sha256: 'abc',
        vectors,
      },
    );
    assert.deepEqual(fitted.vectors, { source: 'v.txt', sha256: 'abc', dim: 2, words: 5 });
    assert.deepEqual(featureWords(train, tok), ['car', 'cat', 'dog', 'how', 'is', 'or', 'the']);
    assert.equal(
      featureStatsProblem(
        { ...fitted, vectors: undefined },
        { pair: [...names], vectors: { source: 'v.txt' } },
      ) !== null,
      true,
    );
    assert.equal(featureStatsProblem(fitted, { pair: [...names], vectors: { source: 'v.txt' } }), null);
  });
});

describe('fitting', () => {
  const train = [
    row('how do cats sleep', 'how do dogs sleep', 1),
    row('how do cats eat', 'what do cats eat', 0),
    row('why is the sky blue', 'why is sky blue', 1),
  ];

  it('document frequencies count each training question once per term; rare terms are left out', () => {
    const s = fitFeatures(train, tok, { pair: true });
    assert.equal(s.documents, 6);
    assert.equal(s.wordDf.how, 3);
    assert.equal(s.wordDf.cats, 3);
    assert.equal(s.wordDf['do cats'], 3);
    assert.equal(s.wordDf['cats eat'], 2);
    assert.equal(s.wordDf.dogs, undefined, 'df 1 < minDf');
    assert.equal(s.charDf[' ho'], 3);
  });

  it('means and deviations are those of the raw training features; a constant one gets 1', () => {
    const s = fitFeatures(train, tok, { pair: ['jaccard', 'questionWord'] });
    const j = [3 / 5, 3 / 5, 4 / 5];
    const mean = (j[0]! + j[1]! + j[2]!) / 3;
    assert.ok(Math.abs(s.mean[0]! - mean) < 1e-12);
    const sd = Math.sqrt(j.reduce((x, v) => x + (v - mean) ** 2, 0) / 3);
    assert.ok(Math.abs(s.std[0]! - sd) < 1e-9);
    // questionWord: 1, 0, 1
    assert.ok(Math.abs(s.mean[1]! - 2 / 3) < 1e-12);
    const only = fitFeatures([train[0]!], tok, { pair: ['jaccard'] });
    assert.equal(only.std[0], 1, 'one row: no spread');
    const f = new PairFeaturizer(s, tok);
    assert.ok(
      Math.abs(f.standardized('how do cats sleep', 'how do dogs sleep')[0]! - (3 / 5 - mean) / sd) < 1e-6,
    );
  });

  it('uses the training split only: other test or validation rows give the same statistics and training features', () => {
    const data = { encoding: { pair: 'separate' as const, maxLength: 6 }, features: { pair: true } };
    const test1 = [row('a completely different question', 'what about this one', 0)];
    const test2 = [row('how do cats sleep', 'how do cats sleep', 1), row('the sky sky sky', 'sky', 0)];
    const p1 = prepareDataset({ train, validation: test2, test: test1 }, data);
    const p2 = prepareDataset({ train, validation: test1, test: test2 }, data);
    assert.ok(p1.features);
    assert.deepEqual(p1.features, p2.features);
    assert.deepEqual(p1.features, fitFeatures(train, tok, data.features));
    assert.deepEqual(p1.train.features, p2.train.features);
    // And the training rows do change them.
    const p3 = prepareDataset({ train: train.slice(1), validation: [], test: test1 }, data);
    assert.notDeepEqual(p3.features, p1.features);
    // Given stats are used as they are (eval, predict, resume): nothing is refitted.
    const fixed = { ...p1.features, mean: p1.features.mean.map(() => 5) };
    const p4 = prepareDataset({ train: train.slice(1), validation: [], test: test1 }, data, {
      features: fixed,
    });
    assert.equal(p4.features, fixed);
    assert.deepEqual(
      [...p4.test.features!],
      new PairFeaturizer(fixed, tok).standardized(test1[0]!.question1, test1[0]!.question2).map(Math.fround),
    );
  });

  it('featureStatsProblem: a file that is not what the config asks for', () => {
    const s = fitFeatures(train, tok, { pair: ['jaccard'] });
    assert.equal(featureStatsProblem(s, { pair: ['jaccard'] }), null);
    assert.match(featureStatsProblem(s, { pair: true }) ?? '', /config asks for/);
    assert.match(featureStatsProblem({ ...s, std: [0] }, { pair: ['jaccard'] }) ?? '', /std > 0/);
    assert.match(featureStatsProblem([], { pair: ['jaccard'] }) ?? '', /not a qqp features file/);
  });
});

describe('encoded extra inputs', () => {
  const vocab = Vocabulary.build(['how do cats sleep dogs eat'], {}, tok);

  it('exact-match bits follow the ids through padding, truncation and swapped copies', () => {
    assert.deepEqual([...exactMatchBits(['how', 'do', 'cats', '?'], ['cats', 'do', '?'])], [0, 1, 1, 0]);
    const rows = [row('how do cats sleep ?', 'do cats eat ?', 1)];
    const enc = {
      pair: 'separate' as const,
      maxLength: 3,
      padding: 'pre' as const,
      truncation: 'post' as const,
    };
    const s = fitFeatures(rows, tok, { exactMatch: true });
    const f = new PairFeaturizer(s, tok);
    const e = f.encode(encodePairs(rows, tok, vocab, enc, { augment: true }), rows, enc);
    // q1 cut after 3 tokens: how do cats -> 0 1 1; q2 has 4 tokens: do cats eat -> 1 1 0.
    assert.deepEqual([...e.exactMatch![0]], [0, 1, 1, 1, 1, 0]);
    assert.deepEqual([...e.exactMatch![1]], [1, 1, 0, 0, 1, 1]);
    const post = { ...enc, maxLength: 6, padding: 'post' as const };
    const p = f.encode(encodePairs(rows, tok, vocab, post), rows, post);
    // Padding positions are 0, like the pad id: ids [how do cats sleep ? <pad>].
    assert.deepEqual([...p.exactMatch![0]], [0, 1, 1, 0, 0, 0]);
    assert.deepEqual(
      [...p.inputs[0]!].map((id) => (id === 0 ? 'pad' : 'id')),
      ['id', 'id', 'id', 'id', 'id', 'pad'],
    );
  });

  it('named inputs: question1, question2, features, exactMatch1, exactMatch2', () => {
    const rows = [row('how do cats sleep', 'how do dogs sleep'), row('cats eat', 'dogs eat')];
    const enc = { pair: 'separate' as const, maxLength: 4 };
    const p = prepareDataset(
      { train: rows, validation: [], test: [] },
      { encoding: enc, features: { pair: ['jaccard', 'lengthDiff'], exactMatch: true } },
    );
    const named = namedInputs(p.train);
    assert.deepEqual(
      named.map((i) => [i.name, i.width, i.dtype]),
      [
        ['question1', 4, 'int32'],
        ['question2', 4, 'int32'],
        ['features', 2, 'float32'],
        ['exactMatch1', 4, 'float32'],
        ['exactMatch2', 4, 'float32'],
      ],
    );
    // Standardised over the two training rows: each feature has mean 0.
    const fs = p.train.features!;
    assert.ok(Math.abs(fs[0]! + fs[2]!) < 1e-6 && Math.abs(fs[1]! + fs[3]!) < 1e-6);
  });
});
