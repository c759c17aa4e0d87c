import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { kindCsv, makeKindRun, type TinyRun, writeFile } from '../eval/fixture.js';
import { type CliResult, runCli } from '../helpers/cli.js';

/**
 * `qqp eval --slice` given what it cannot slice by: a column the data lacks, a file without column
 * names, an empty name, terminal escapes in the values. Each ends with a clear message, the
 * documented exit code, no stack trace and no eval-*.json; values reach the terminal escaped.
 */

let run: TinyRun & { data: string };
let flags: string[];
before(async () => {
  run = await makeKindRun();
  flags = ['--experiments-dir', run.experimentsDir];
});
after(() => {
  if (run) rmSync(run.tmp, { recursive: true, force: true });
});

function assertNoStack(r: CliResult, what: string): void {
  assert.doesNotMatch(r.stderr, /^ {4}at /m, `${what}: a stack trace\n${r.stderr}`);
  assert.doesNotMatch(r.stdout, /^ {4}at /m, `${what}: a stack trace\n${r.stdout}`);
}

/** The run folder holds no eval-*.json (a refused evaluation writes nothing). */
function assertNoEvaluation(what: string): void {
  assert.deepEqual(
    readdirSync(run.dir).filter((f) => f.startsWith('eval-')),
    [],
    `${what}: an evaluation was saved`,
  );
}

describe('hostile --slice', () => {
  it("a column the run's data lacks: exit 4 naming the file, its columns and the flag; JSON with --json", () => {
    const files = readdirSync(run.tmp).sort();
    const r = runCli(['eval', run.id, '--slice', 'topic', ...flags], { cwd: run.tmp });
    assert.equal(r.code, 4, r.stderr);
    assert.match(
      r.stderr,
      /Error: --slice topic: .*kinds\.csv \(kaggle-csv\) has no column topic; its columns are id, qid1, qid2, question1, question2, is_duplicate, kind/,
    );
    assert.match(r.stderr, /columns to slice by: qid1, qid2, kind/);
    assertNoStack(r, '--slice topic');
    const j = runCli(['eval', run.id, '--slice', 'length', '--slice', 'topic', '--json', ...flags], {
      cwd: run.tmp,
    });
    assert.equal(j.code, 4, j.stderr);
    const e = (JSON.parse(j.stdout) as { error: { code: string; category: string; message: string } }).error;
    assert.equal(e.code, 'EVAL_SLICE_COLUMN');
    assert.equal(e.category, 'data');
    assert.match(e.message, /--slice topic/);
    assertNoEvaluation('--slice topic');
    assert.deepEqual(readdirSync(run.tmp).sort(), files, 'nothing written beside the run');
  });

  it('--data FILE without the column, or without column names (headerless TSV): exit 4 saying which', () => {
    const plain = writeFile(
      run.tmp,
      'plain.csv',
      'id,question1,question2,is_duplicate\n1,Is a?,Is b?,1\n2,Is c?,Is d?,0\n',
    );
    const r = runCli(['eval', run.id, '--data', plain, '--slice', 'kind', ...flags], { cwd: run.tmp });
    assert.equal(r.code, 4, r.stderr);
    assert.match(
      r.stderr,
      /--slice kind: .*plain\.csv \(kaggle-csv\) has no column kind; its columns are id, question1, question2, is_duplicate/,
    );
    assert.match(r.stderr, /the file has no columns besides the pair itself/);
    assertNoStack(r, '--data plain.csv --slice kind');
    const tsv = writeFile(run.tmp, 'pairs.tsv', '1\tIs a?\tIs b?\t1\n0\tIs c?\tIs d?\t2\n');
    const h = runCli(['eval', run.id, '--data', tsv, '--slice', 'kind', ...flags], { cwd: run.tmp });
    assert.equal(h.code, 4, h.stderr);
    assert.match(
      h.stderr,
      /pairs\.tsv \(pairs-tsv\) has no column names \(a format without a header\), so it has no column kind/,
    );
    assert.match(h.stderr, /--slice length .* works for every file/);
    assertNoStack(h, '--data pairs.tsv --slice kind');
    assertNoEvaluation('--data --slice kind');
    // Length needs no column: it works on the headerless file.
    const ok = runCli(['eval', run.id, '--data', tsv, '--slice', 'length', '--json', ...flags], {
      cwd: run.tmp,
    });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal((JSON.parse(ok.stdout) as { slices: { by: string }[] }).slices[0]?.by, 'length');
  });

  it('an empty --slice: exit 2', () => {
    const r = runCli(['eval', run.id, '--slice', ' ', ...flags], { cwd: run.tmp });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--slice needs a column name or `length`/);
    assertNoStack(r, "--slice ' '");
  });

  it('terminal escapes in the values are shown escaped in the table', () => {
    const evil = kindCsv(24).replaceAll(',entity\n', ',ent\x1b[2Jity\u202e\n');
    const file = writeFile(run.tmp, 'evil.csv', evil);
    const r = runCli(['eval', run.id, '--data', file, '--slice', 'kind', ...flags], { cwd: run.tmp });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /│ ent\\x1b\[2Jity\\u202e +│/);
    for (const raw of ['\x1b', '\u202e'])
      assert.ok(!r.stdout.includes(raw), `a raw ${JSON.stringify(raw)} was printed`);
  });
});
