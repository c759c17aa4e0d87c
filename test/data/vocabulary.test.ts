import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Tokenizer } from '../../src/data/tokenizer.js';
import { countTokens, OOV_ID, PAD_ID, SEP_ID, Vocabulary } from '../../src/data/vocabulary.js';
import { DataError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'qqp-vocab-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const counts = () =>
  countTokens([
    ['b', 'a', 'c', 'a'],
    ['b', 'd', 'a'],
    ['e', 'c'],
  ]);
// a:3, b:2, c:2, d:1, e:1

describe('Vocabulary', () => {
  it('reserves ids 0-2 and orders by count, ties by token', () => {
    const v = Vocabulary.fromCounts(counts());
    assert.deepEqual(v.tokens, ['<pad>', '<oov>', '<sep>', 'a', 'b', 'c', 'd', 'e']);
    assert.deepEqual(v.counts, [0, 0, 0, 3, 2, 2, 1, 1]);
    assert.equal(v.idOf('<pad>'), PAD_ID);
    assert.equal(v.idOf('<oov>'), OOV_ID);
    assert.equal(v.idOf('<sep>'), SEP_ID);
    assert.deepEqual(v.encode(['a', 'zzz', 'e']), [3, OOV_ID, 7]);
  });

  it('drops tokens below minCount', () => {
    const v = Vocabulary.fromCounts(counts(), { minCount: 2 });
    assert.deepEqual(v.tokens.slice(3), ['a', 'b', 'c']);
    assert.equal(v.idOf('d'), OOV_ID);
  });

  it('caps the size at maxSize including the reserved ids', () => {
    const v = Vocabulary.fromCounts(counts(), { maxSize: 5 });
    assert.equal(v.size, 5);
    assert.deepEqual(v.tokens.slice(3), ['a', 'b']);
    assert.equal(Vocabulary.fromCounts(counts(), { maxSize: 4 }).size, 4);
  });

  it('does not depend on the order tokens were seen in', () => {
    const a = Vocabulary.fromCounts(countTokens([['x', 'y', 'z']]));
    const b = Vocabulary.fromCounts(countTokens([['z', 'y', 'x']]));
    assert.deepEqual(a.tokens, b.tokens);
    assert.deepEqual(a.tokens.slice(3), ['x', 'y', 'z']);
  });

  it('builds from texts with a tokenizer and remembers the tokenizer config', () => {
    const tok = new Tokenizer({ numbers: 'token', splitPunctuation: false });
    const v = Vocabulary.build(['Is 42 big?', 'is 7 small'], {}, tok);
    assert.deepEqual(v.tokens.slice(3), ['<num>', 'is', 'big', 'small']);
    assert.deepEqual(v.tokenizerConfig, tok.config);
    assert.deepEqual(v.tokenizer().tokenize('Is 9?'), ['is', '<num>']);
  });

  it('round-trips through save/load with its tokenizer config, writing atomically', async () => {
    const tok = new Tokenizer({ lowercase: false, numbers: 'digits' });
    const v = Vocabulary.fromCounts(counts(), { minCount: 1, maxSize: 7 }, tok.config);
    const path = join(dir, 'vocab.json');
    await v.save(path);
    assert.deepEqual(readdirSync(dir), ['vocab.json']); // no temporary file left behind
    const back = await Vocabulary.load(path);
    assert.deepEqual(back.tokens, v.tokens);
    assert.deepEqual(back.counts, v.counts);
    assert.deepEqual(back.tokenizerConfig, tok.config);
    assert.deepEqual(back.config, { minCount: 1, maxSize: 7 });
    assert.deepEqual(back.toJSON(), v.toJSON());
  });

  it('fails clearly on a missing or corrupt file', async () => {
    await assert.rejects(Vocabulary.load(join(dir, 'missing.json')), (e: unknown) => {
      assert.ok(e instanceof DataError);
      assert.equal(e.code, 'DATA_VOCABULARY_NOT_FOUND');
      assert.match(e.message, /missing\.json/);
      return true;
    });
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"kind": "qqp-vocabulary", ');
    await assert.rejects(Vocabulary.load(broken), {
      code: 'DATA_VOCABULARY_CORRUPT',
      message: /broken\.json is not valid JSON/,
    });
    const wrong = join(dir, 'wrong.json');
    const doc = Vocabulary.fromCounts(counts()).toJSON();
    writeFileSync(wrong, JSON.stringify({ ...doc, tokens: ['a', ...doc.tokens.slice(1)] }));
    await assert.rejects(Vocabulary.load(wrong), {
      code: 'DATA_VOCABULARY_CORRUPT',
      message: /first tokens must be/,
    });
  });
});
