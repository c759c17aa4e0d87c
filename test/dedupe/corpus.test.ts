import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readCorpus } from '../../src/dedupe/corpus.js';
import { QqpError } from '../../src/errors.js';

let tmp: string;
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'qqp-corpus-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
}

async function refusal(path: string): Promise<QqpError> {
  try {
    await readCorpus(path, '--data');
  } catch (err) {
    assert.ok(err instanceof QqpError, `not a QqpError: ${String(err)}`);
    return err;
  }
  assert.fail(`${path} was read`);
}

describe('readCorpus', () => {
  it('a .txt file: one question a line, blank lines skipped, ids are line numbers', async () => {
    const c = await readCorpus(
      file('q.txt', '\uFEFFHow do I learn Go?\n\n  Why is the sky blue?  \r\nWhat is love?\n'),
    );
    assert.equal(c.kind, 'questions');
    assert.deepEqual(
      c.questions.map((q) => [q.id, q.text, q.line]),
      [
        ['1', 'How do I learn Go?', 1],
        ['3', 'Why is the sky blue?', 3],
        ['4', 'What is love?', 4],
      ],
    );
  });

  it('a CSV with id and question columns, quoted fields across lines keep their start line', async () => {
    const c = await readCorpus(
      file(
        'q.csv',
        'qid,question\n7,"How do I, a beginner, learn Go?"\n9,"A question\nover two lines?"\n11,Third?\n',
      ),
    );
    assert.deepEqual(
      c.questions.map((q) => [q.id, q.text, q.line]),
      [
        ['7', 'How do I, a beginner, learn Go?', 2],
        ['9', 'A question\nover two lines?', 3],
        ['11', 'Third?', 5],
      ],
    );
  });

  it('a TSV with a text column and no id: rows numbered; empty questions counted with their lines', async () => {
    const c = await readCorpus(file('q.tsv', 'text\tsource\nFirst?\tweb\n\tweb\nSecond?\tapp\n'));
    assert.deepEqual(
      c.questions.map((q) => [q.id, q.text]),
      [
        ['1', 'First?'],
        ['2', 'Second?'],
      ],
    );
    assert.deepEqual(c.empty, { count: 1, lines: [3] });
  });

  it('a file of pairs: each distinct question once, with its qid, repeats merged', async () => {
    const c = await readCorpus(
      file(
        'pairs.csv',
        'id,qid1,qid2,question1,question2,is_duplicate\n0,1,2,How do I learn Go?,How can I learn Go?,1\n1,3,1,Why is the sky blue?,How do I learn Go?,0\n',
      ),
    );
    assert.equal(c.kind, 'pairs');
    assert.deepEqual(
      c.questions.map((q) => [q.id, q.text, q.line]),
      [
        ['1', 'How do I learn Go?', 2],
        ['2', 'How can I learn Go?', 2],
        ['3', 'Why is the sky blue?', 3],
      ],
    );
    assert.equal(c.merged, 1);
  });

  it('a repeated id is refused at the line that repeats it (after a multi-line field)', async () => {
    const err = await refusal(file('dup.csv', 'id,question\na,"One\ntwo"\nb,Three?\na,Four?\n'));
    assert.equal(err.code, 'DEDUPE_CORPUS_DUPLICATE_ID');
    assert.match(err.message, /dup\.csv:5: id a was already used on line 2/);
  });

  it('an empty id is refused at its line', async () => {
    const err = await refusal(file('noid.csv', 'id,question\nx,One?\n,Two?\n'));
    assert.equal(err.code, 'DEDUPE_CORPUS_NO_ID');
    assert.match(err.message, /noid\.csv:3:/);
  });

  it('a missing file, a folder, an empty file and a file of unknown shape are refused by name', async () => {
    assert.equal((await refusal(join(tmp, 'nope.csv'))).code, 'DEDUPE_CORPUS_NOT_FOUND');
    const dir = join(tmp, 'folder.csv');
    mkdirSync(dir);
    assert.equal((await refusal(dir)).code, 'DEDUPE_CORPUS_IS_DIRECTORY');
    assert.equal((await refusal(file('empty.csv', ''))).code, 'DEDUPE_CORPUS_EMPTY');
    const unknown = await refusal(file('odd.csv', 'alpha,beta\n1,2\n'));
    assert.equal(unknown.code, 'DEDUPE_CORPUS_UNKNOWN_FORMAT');
    assert.match(unknown.message, /odd\.csv:1: .*header alpha,beta/);
    assert.ok(unknown.suggestions.some((s) => /question/.test(s)));
  });
});
