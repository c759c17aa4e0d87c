import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BinaryEvaluation, EvaluationResult } from '../../src/runs/records.js';
import {
  assertSameMetrics,
  copyRun,
  expectedFile,
  expectedSplit,
  makeTinyRun,
  syntheticHead,
  type TinyRun,
  writeFile,
} from '../eval/fixture.js';
import { runCli, runCliJson } from '../helpers/cli.js';

// These spawn the built CLI: run `npm run build` first (npm test does).

let run: TinyRun;
let dirFlag: string[];

before(async () => {
  run = await makeTinyRun();
  dirFlag = ['--experiments-dir', run.experimentsDir];
});

after(() => {
  if (run) rmSync(run.tmp, { recursive: true, force: true });
});

function assertNoStack(stderr: string): void {
  assert.doesNotMatch(stderr, /\n\s+at /, `a stack trace in:\n${stderr}`);
}

describe('qqp eval', () => {
  it('prints a table for the test split and saves eval-test.json', () => {
    const r = runCli(['eval', run.id, ...dirFlag]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /on the test split: 60 pairs/);
    assert.match(r.stdout, /log loss \d\.\d{4}, ROC AUC/);
    assert.match(r.stdout, /threshold .* accuracy .* precision .* recall .* F1 .* TP .* FP .* TN .* FN/);
    assert.match(r.stdout, /│ 0\.5 +│/);
    assert.match(r.stdout, /\(best F1 on validation\)/);
    assert.ok(r.stdout.includes(`saved: ${join(run.dir, 'eval-test.json')}`));
    assert.ok(existsSync(join(run.dir, 'eval-test.json')));
  });

  it('--json: the figures are evaluateBinary of independent predictions, and the saved file holds them', async () => {
    const r = runCliJson<EvaluationResult>(['eval', run.dir, '--split', 'validation', ...dirFlag]);
    assert.equal(r.code, 0, r.stderr);
    assertSameMetrics(r.json, await expectedSplit(run.dir, 'validation'));
    assert.deepEqual(r.json.source.kind === 'split' && r.json.source.split, 'validation');
    assert.deepEqual(JSON.parse(readFileSync(join(run.dir, 'eval-validation.json'), 'utf8')), r.json);
    // The operating curve the report draws from is in the file.
    assert.equal(r.json.curve!.tp.at(-1)! + r.json.curve!.fp.at(-1)!, r.json.count);
  });

  it('the F1-best threshold: chosen on validation by default, on a file with --threshold-from, optimistic on its own pairs', () => {
    const v = runCliJson<EvaluationResult>(['eval', run.id, ...dirFlag]);
    assert.equal(v.code, 0, v.stderr);
    assert.equal(v.json.bestF1.chosenOn, 'validation');
    assert.equal(v.json.bestF1.optimistic, false);
    const own = runCli(['eval', run.id, '--split', 'validation', ...dirFlag]);
    assert.equal(own.code, 0, own.stderr);
    assert.match(own.stdout, /\(best F1 on validation, optimistic: chosen on these pairs\)/);
    const file = writeFile(run.tmp, 'tune.csv', syntheticHead(80));
    const f = runCliJson<EvaluationResult>(['eval', run.id, '--threshold-from', file, ...dirFlag]);
    assert.equal(f.code, 0, f.stderr);
    assert.equal(f.json.bestF1.chosenOn, 'tune.csv');
    assert.equal(f.json.bestF1.optimistic, false);
  });

  it('--data evaluates a labelled file and saves eval-<file name>.json', async () => {
    const file = writeFile(run.tmp, 'dev.csv', syntheticHead(80));
    const r = runCliJson<EvaluationResult>(['eval', run.id, '--data', file, ...dirFlag]);
    assert.equal(r.code, 0, r.stderr);
    assertSameMetrics(r.json, (await expectedFile(run.dir, file)).evaluation as BinaryEvaluation);
    assert.equal(r.json.savedTo, join(run.dir, 'eval-dev.csv.json'));
    assert.deepEqual(JSON.parse(readFileSync(join(run.dir, 'eval-dev.csv.json'), 'utf8')), r.json);
  });

  it('--columns reads a file whose columns have other names, with the figures of the standard file', () => {
    const standard = writeFile(run.tmp, 'standard.csv', syntheticHead(80));
    const [header, ...rows] = syntheticHead(80).split('\n');
    const renamed = (header as string)
      .replace('question1', 'text_a')
      .replace('question2', 'text_b')
      .replace('is_duplicate', 'dup')
      .replace(/^"?id"?,/, 'pair,');
    const mine = writeFile(run.tmp, 'mine.csv', [renamed, ...rows].join('\n'));
    const expected = runCliJson<EvaluationResult>(['eval', run.id, '--data', standard, ...dirFlag]);
    assert.equal(expected.code, 0, expected.stderr);
    const without = runCli(['eval', run.id, '--data', mine, ...dirFlag]);
    assert.equal(without.code, 4, 'the renamed columns are not found without --columns');
    assertNoStack(without.stderr);
    const columns = '--columns=question1=text_a,question2=text_b,label=dup,id=pair';
    const r = runCliJson<EvaluationResult>(['eval', run.id, '--data', mine, columns, ...dirFlag]);
    assert.equal(r.code, 0, r.stderr);
    const figures = (e: EvaluationResult) => [e.count, e.positives, e.logLoss, e.rocAuc, e.atHalf];
    assert.deepEqual(figures(r.json), figures(expected.json));
    const bad = runCli(['eval', run.id, '--data', mine, '--columns', 'question1', ...dirFlag]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--columns: /);
  });

  it('an unlabelled file, a missing file: clear errors (exit 4), no stack trace', () => {
    const unlabelled = writeFile(run.tmp, 'test.csv', 'test_id,question1,question2\n0,Why?,Why not?\n');
    const u = runCli(['eval', run.id, '--data', unlabelled, ...dirFlag]);
    assert.equal(u.code, 4);
    assert.match(u.stderr, /test\.csv has no labels \(kaggle-test-csv\)/);
    assert.match(u.stderr, /hint: predict it instead: qqp predict/);
    assertNoStack(u.stderr);

    const m = runCliJson<{ error: { code: string } }>([
      'eval',
      run.id,
      '--data',
      join(run.tmp, 'nope.csv'),
      ...dirFlag,
    ]);
    assert.equal(m.code, 4);
    assert.equal(m.json.error.code, 'DATA_FILE_NOT_FOUND');
  });

  it('a missing run or a damaged run folder exits 6 naming the file', () => {
    const missing = runCli(['eval', 'no-such-run', ...dirFlag]);
    assert.equal(missing.code, 6);
    assert.match(missing.stderr, /no run "no-such-run"/);
    assertNoStack(missing.stderr);

    const noVocab = copyRun(run, 'no-vocab');
    rmSync(join(noVocab, 'vocabulary.json'));
    const v = runCli(['eval', 'no-vocab', ...dirFlag]);
    assert.equal(v.code, 6);
    assert.ok(v.stderr.includes(join(noVocab, 'vocabulary.json')), v.stderr);
    assertNoStack(v.stderr);

    const badWeights = copyRun(run, 'bad-weights');
    writeFileSync(join(badWeights, 'model', 'last', 'weights.bin'), 'not weights');
    const w = runCliJson<{ error: { code: string; message: string } }>(['eval', 'bad-weights', ...dirFlag]);
    assert.equal(w.code, 6);
    assert.equal(w.json.error.code, 'RUN_MODEL_CORRUPT');
    assert.ok(w.json.error.message.includes(join(badWeights, 'model', 'last', 'weights.bin')));
  });

  it('an unfinished run is evaluated with model/last and a note on stderr', () => {
    const dir = copyRun(run, 'unfinished');
    rmSync(join(dir, 'summary.json'));
    const r = runCli(['eval', 'unfinished', ...dirFlag]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /note: run unfinished did not complete .*model\/last/);
    assert.match(r.stdout, /last epoch's weights/);
  });
});
