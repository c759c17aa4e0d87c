// CLI tests (spawn the built CLI: run `npm run build` first).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DataStats } from '../../src/data/stats.js';
import type { PredictFileResult } from '../../src/eval/predict.js';
import type { EvaluationResult, RunMeta } from '../../src/runs/records.js';
import { PROJECT_ROOT, runCli, runCliJson } from '../helpers/cli.js';

/**
 * Data files with rows that cannot be used: every command that reads one says how many rows it
 * skipped, on which lines and why, and a broken quote that swallowed the rows after it is named by
 * its starting line. Skipping is not an error (exit 0); `onBadRow: error` makes it one (exit 4).
 * No stack trace, nothing written outside the experiments folder.
 */

const FIX = join(PROJECT_ROOT, 'test', 'fixtures', 'data');
const TINY = join(PROJECT_ROOT, 'test', 'fixtures', 'configs', 'tiny.yaml');
/** 60 rows: a bad label (line 5), too few fields (8), invalid UTF-8 (11, kept), an empty question
 * (14), and a quote opened on line 21 that takes lines 21-30 in as one field. */
const HOSTILE = join(FIX, 'kaggle-hostile-rows.csv');
/** 40 rows: a quote opened on line 6 swallows the 27 rows after it (to line 33). */
const BROKEN_QUOTE = join(FIX, 'kaggle-broken-quote.csv');

const root = mkdtempSync(join(tmpdir(), 'qqp-hostile-rows-'));
after(() => rmSync(root, { recursive: true, force: true }));
const exp = join(root, 'exp');

// oclif wraps long error messages and prefixes lines with ›: compare the text without that.
const flat = (s: string) => s.replace(/›/g, ' ').replace(/\s+/g, ' ');

function assertClean(r: { stdout: string; stderr: string }, what: string): void {
  assert.doesNotMatch(r.stderr, /^ {4}at /m, `${what}: a stack trace\n${r.stderr}`);
  assert.doesNotMatch(r.stdout, /^ {4}at /m, `${what}: a stack trace\n${r.stdout}`);
}

/** The warning lines for HOSTILE, as train, eval and predict print them (predict keeps line 14). */
function assertHostileWarnings(stderr: string, what: string, { emptyKept = false } = {}): void {
  const lines = emptyKept ? '5, 8, 21' : '5, 8, 14, 21';
  const count = emptyKept ? 3 : 4;
  assert.match(
    stderr,
    new RegExp(
      `warning: .*kaggle-hostile-rows\\.csv: ${count} bad rows skipped \\(lines ${lines}\\); 1 is a record over many lines, likely a broken quote \\(starting on line 21\\)`,
    ),
    `${what}\n${stderr}`,
  );
  assert.match(stderr, /^ {2}line 5: label must be 0 or 1, found "yes"$/m, what);
  assert.match(stderr, /^ {2}line 8: expected 6 fields, found 4$/m, what);
  if (!emptyKept) assert.match(stderr, /^ {2}line 14: question1 is empty$/m, what);
  assert.match(
    stderr,
    /^ {2}line 21: question1 runs over 10 lines \(lines 21-30\): likely a quote not closed on line 21/m,
    what,
  );
  assert.match(
    stderr,
    /1 line of invalid UTF-8 read with U\+FFFD in place of the bad bytes \(line 11\)/,
    what,
  );
}

describe('hostile rows: qqp data stats', () => {
  it('reports the broken quote that merged 27 rows: bad rows 1 and a suspect field at line 6', () => {
    const r = runCli(['data', 'stats', BROKEN_QUOTE], { cwd: root });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /bad rows\s+│ 1 \(line 6\)/);
    assert.match(r.stdout, /suspect fields\s+│ 1 \(line 6\)/);
    assert.match(
      r.stdout,
      /line 6: question1 runs over 28 lines \(lines 6-33\): likely a quote not closed on line 6/,
    );
    assert.doesNotMatch(r.stdout, /bad rows\s+│ 0/);
    assertClean(r, 'data stats');
  });

  it('gives the same in --json', () => {
    const r = runCliJson<DataStats>(['data', 'stats', HOSTILE], { cwd: root });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.badRows, 4);
    assert.deepEqual(
      r.json.badRowSamples.map((b) => b.line),
      [5, 8, 14, 21],
    );
    assert.equal(r.json.suspectFields, 1);
    assert.deepEqual(r.json.suspectFieldSamples, [{ line: 21, lines: 10, field: 'question1' }]);
    assert.deepEqual(r.json.invalidUtf8Samples, [11]);
  });

  it('stops at the broken quote with --on-bad-row error: exit 4, file:line', () => {
    const r = runCli(['data', 'stats', BROKEN_QUOTE, '--on-bad-row', 'error'], { cwd: root });
    assert.equal(r.code, 4, r.stderr);
    assert.match(flat(r.stderr), /kaggle-broken-quote\.csv:6: question1 runs over 28 lines/);
    assertClean(r, 'data stats --on-bad-row error');
  });
});

describe('hostile rows: qqp train, eval, predict', () => {
  let runDir = '';
  let train: ReturnType<typeof runCli>;
  before(() => {
    train = runCli(
      [
        'train',
        TINY,
        '--set',
        `data.source=${HOSTILE}`,
        '--set',
        'training.epochs=1',
        '--experiments-dir',
        exp,
        '--name',
        'hostile',
      ],
      { cwd: root },
    );
    const runs = readdirSync(exp);
    assert.equal(runs.length, 1, `${train.stderr}`);
    runDir = join(exp, runs[0]!);
  });

  it('train prints the skipped rows of the file, with lines and reasons', () => {
    assert.equal(train.code, 0, train.stderr);
    assertHostileWarnings(train.stderr, 'train');
    assertClean(train, 'train');
  });

  it('train writes them in train.log and records them in run.json', () => {
    const log = readFileSync(join(runDir, 'train.log'), 'utf8');
    assert.match(log, /kaggle-hostile-rows\.csv: 4 bad rows skipped \(lines 5, 8, 14, 21\)/);
    assert.match(log, /line 21: question1 runs over 10 lines/);
    assert.match(log, /1 line of invalid UTF-8/);
    const meta = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as RunMeta;
    const file = meta.data!.files[0]!;
    assert.equal(file.rows, 47);
    assert.equal(file.badRows, 4);
    assert.deepEqual(
      file.badRowSamples!.map((b) => b.line),
      [5, 8, 14, 21],
    );
    assert.deepEqual(file.suspectFieldSamples, [{ line: 21, lines: 10, field: 'question1' }]);
    assert.deepEqual(file.invalidUtf8Samples, [11]);
  });

  it('eval --data prints them and records them in eval-*.json; --json includes them', () => {
    const r = runCli(['eval', runDir, '--data', HOSTILE], { cwd: root });
    assert.equal(r.code, 0, r.stderr);
    assertHostileWarnings(r.stderr, 'eval');
    assertClean(r, 'eval');
    const saved = JSON.parse(
      readFileSync(join(runDir, 'eval-kaggle-hostile-rows.csv.json'), 'utf8'),
    ) as EvaluationResult;
    assert.equal(saved.source.kind, 'file');
    if (saved.source.kind !== 'file') return;
    assert.deepEqual(
      saved.source.badRowSamples!.map((b) => b.line),
      [5, 8, 14, 21],
    );
    assert.equal(saved.source.suspectFields, 1);
    const j = runCliJson<EvaluationResult>(['eval', runDir, '--data', HOSTILE], { cwd: root });
    assert.equal(j.code, 0, j.stderr);
    assert.ok(j.json.source.kind === 'file' && j.json.source.suspectFieldSamples?.[0]?.line === 21);
  });

  it('eval --data on a file of bad rows only: exit 4, naming the first lines', () => {
    const bad = join(root, 'all-bad.csv');
    writeFileSync(bad, 'id,qid1,qid2,question1,question2,is_duplicate\n1,1,2,A?,B?,maybe\n2,3,4,C?\n');
    const r = runCli(['eval', runDir, '--data', bad], { cwd: root });
    assert.equal(r.code, 4, r.stderr);
    assert.match(
      flat(r.stderr),
      /2 bad row\(s\) skipped, first: line 2 \(label must be 0 or 1, found "maybe"\); line 3 \(expected 6 fields, found 4\)/,
    );
    assertClean(r, 'eval of bad rows only');
  });

  it('predict prints them (a row with an empty question is predicted); --json includes them', () => {
    const out = join(root, 'out', 'preds.csv');
    mkdirSync(join(root, 'out'), { recursive: true });
    const r = runCli(['predict', runDir, '--data', HOSTILE, '--out', out], { cwd: root });
    assert.equal(r.code, 0, r.stderr);
    assertHostileWarnings(r.stderr, 'predict', { emptyKept: true });
    assert.match(r.stderr, /skipped rows have no prediction/);
    assertClean(r, 'predict');
    const j = runCliJson<PredictFileResult>(['predict', runDir, '--data', HOSTILE, '--out', out, '--force'], {
      cwd: root,
    });
    assert.equal(j.code, 0, j.stderr);
    assert.deepEqual(
      j.json.input.badRowSamples.map((b) => b.line),
      [5, 8, 21],
    );
    assert.deepEqual(j.json.input.suspectFieldSamples, [{ line: 21, lines: 10, field: 'question1' }]);
  });

  it('train with data.onBadRow error stops at the first bad row: exit 4, file:line, no stack trace', () => {
    const r = runCli(
      [
        'train',
        TINY,
        '--set',
        `data.source=${HOSTILE}`,
        '--set',
        'data.onBadRow=error',
        '--experiments-dir',
        exp,
      ],
      { cwd: root },
    );
    assert.equal(r.code, 4, r.stderr);
    assert.match(flat(r.stderr), /kaggle-hostile-rows\.csv:5: label must be 0 or 1, found "yes"/);
    assertClean(r, 'train onBadRow error');
  });

  it('wrote nothing outside the experiments folder (and the out folder predict was given)', () => {
    assert.deepEqual(readdirSync(root).sort(), ['all-bad.csv', 'exp', 'out']);
  });
});
