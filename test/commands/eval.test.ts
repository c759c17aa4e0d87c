import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { initBackend } from '../../src/backend/index.js';
import { loadConfig } from '../../src/config/load.js';
import { encodePairs } from '../../src/data/encode.js';
import { loadDataset } from '../../src/data/load.js';
import { Vocabulary } from '../../src/data/vocabulary.js';
import { lengthBuckets } from '../../src/eval/slices.js';
import { loadModel } from '../../src/runs/model-io.js';
import type { BinaryEvaluation, EvaluationResult } from '../../src/runs/records.js';
import { predictProbabilities } from '../../src/train/predict.js';
import {
  assertSameMetrics,
  copyRun,
  expectedFile,
  expectedSplit,
  kindCsv,
  makeKindRun,
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

describe('qqp eval --slice', () => {
  let kindRun: TinyRun & { data: string };
  let flags: string[];
  before(async () => {
    kindRun = await makeKindRun();
    flags = ['--experiments-dir', kindRun.experimentsDir];
  });
  after(() => {
    if (kindRun) rmSync(kindRun.tmp, { recursive: true, force: true });
  });

  /** The test split's rows with their kind and the model's probabilities, predicted here. */
  async function testSplit() {
    await initBackend('cpu');
    const { config } = loadConfig(join(kindRun.dir, 'config.yaml'));
    const vocabulary = await Vocabulary.load(join(kindRun.dir, 'vocabulary.json'));
    const summary = JSON.parse(readFileSync(join(kindRun.dir, 'summary.json'), 'utf8')) as {
      finalWeights: string;
    };
    const model = await loadModel(join(kindRun.dir, 'model', summary.finalWeights));
    const { splits } = await loadDataset(config.data, { extraColumns: ['kind'] });
    const rows = splits.test;
    const probs = predictProbabilities(
      model,
      encodePairs(rows, vocabulary.tokenizer(), vocabulary, config.data.encoding),
    );
    model.dispose();
    return { rows, probs, tokenizer: vocabulary.tokenizer(), maxLength: config.data.encoding.maxLength };
  }

  it('--slice kind --slice length --json: per kind and per length, counted here from independent predictions; saved in eval-test.json', async () => {
    const r = runCliJson<EvaluationResult>([
      'eval',
      kindRun.id,
      '--slice',
      'kind',
      '--slice',
      'length',
      ...flags,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const slices = r.json.slices ?? [];
    assert.deepEqual(
      slices.map((s) => s.by),
      ['kind', 'length'],
    );
    // The threshold the evaluation reports: the F1-best one, chosen on the validation split.
    assert.equal(r.json.bestF1.chosenOn, 'validation');
    for (const s of slices) assert.equal(s.threshold, r.json.bestF1.threshold);
    const { rows, probs, tokenizer, maxLength } = await testSplit();
    const t = r.json.bestF1.threshold;
    const [byKind, byLength] = slices;
    for (const kind of ['paraphrase', 'entity', 'number', 'unrelated']) {
      const mine = rows.map((row, i) => ({ row, p: probs[i]! })).filter((x) => x.row.extra?.kind === kind);
      const row = byKind!.rows.find((x) => x.value === kind);
      assert.ok(row, `no row for ${kind}`);
      const errors = mine.filter((x) => x.p >= t !== (x.row.label === 1)).length;
      assert.equal(row.pairs, mine.length, kind);
      assert.equal(row.positives, mine.filter((x) => x.row.label === 1).length, kind);
      assert.equal(row.errors, errors, kind);
      assert.equal(row.accuracy, (mine.length - errors) / mine.length, kind);
      const oneClass = row.positives === 0 || row.positives === row.pairs;
      assert.equal(row.rocAuc === null, oneClass, `${kind}: AUC null exactly when one class`);
    }
    assert.equal(
      byKind!.rows.reduce((a, x) => a + x.pairs, 0),
      r.json.count,
    );
    // Length: the longer question's tokens, bucketed; buckets over maxLength 8 say cut.
    const bucketOf = lengthBuckets(maxLength).bucketOf;
    const counts = new Map<string, number>();
    for (const row of rows) {
      const b = bucketOf(
        Math.max(tokenizer.tokenize(row.question1).length, tokenizer.tokenize(row.question2).length),
      );
      counts.set(b, (counts.get(b) ?? 0) + 1);
    }
    assert.deepEqual(new Map(byLength!.rows.map((x) => [x.value, x.pairs])), counts);
    assert.ok(
      byLength!.rows.some((x) => x.value.endsWith('(cut)')),
      'some questions are over maxLength',
    );
    assert.deepEqual(JSON.parse(readFileSync(join(kindRun.dir, 'eval-test.json'), 'utf8')).slices, slices);
  });

  it('the table: titled with the threshold and where it was chosen, a row per kind', () => {
    const r = runCli(['eval', kindRun.id, '--slice', 'kind', ...flags]);
    assert.equal(r.code, 0, r.stderr);
    const at = r.stdout.indexOf('by kind, at threshold ');
    assert.ok(at > r.stdout.indexOf('│ 0.5 '), `the slice table follows the evaluation table:\n${r.stdout}`);
    assert.match(r.stdout, /by kind, at threshold \d\.\d{4} \(best F1 on validation\):/);
    assert.match(
      r.stdout,
      /kind +│ pairs │ positives │ errors │ accuracy │ +F1 │ precision │ recall │ log loss │ ROC AUC/,
    );
    for (const kind of ['paraphrase', 'entity', 'number', 'unrelated'])
      assert.match(r.stdout, new RegExp(`│ ${kind} +│ +\\d+ │`));
  });

  it('--data FILE --slice kind: the slices of a labelled file with the column', () => {
    const text = kindCsv(48);
    const file = writeFile(kindRun.tmp, 'more.csv', text);
    const r = runCliJson<EvaluationResult>(['eval', kindRun.id, '--data', file, '--slice', 'kind', ...flags]);
    assert.equal(r.code, 0, r.stderr);
    // Pairs and duplicates per kind, counted from the file's lines (label and kind are its last fields).
    const expected = new Map<string, { pairs: number; positives: number }>();
    for (const line of text.trim().split('\n').slice(1)) {
      const [label, kind] = line.split(',').slice(-2) as [string, string];
      const e = expected.get(kind) ?? { pairs: 0, positives: 0 };
      e.pairs++;
      if (label === '1') e.positives++;
      expected.set(kind, e);
    }
    const [t] = r.json.slices ?? [];
    assert.deepEqual(
      new Map(t!.rows.map((x) => [x.value, { pairs: x.pairs, positives: x.positives }])),
      expected,
    );
    for (const x of t!.rows)
      assert.equal(x.rocAuc === null, x.positives === 0 || x.positives === x.pairs, x.value);
  });
});

describe('qqp eval RUN RUN (an ensemble)', () => {
  let b: TinyRun;
  let otherSplit: TinyRun;
  before(async () => {
    b = await makeTinyRun(['experiment.seed=8', 'experiment.name=tiny-b'], run.tmp);
    otherSplit = await makeTinyRun(['data.split.seed=2', 'experiment.name=tiny-split2'], run.tmp);
  });

  it('prints each run and their mean; --json holds the figures, and --out writes them', () => {
    const out = join(run.tmp, 'ens.json');
    const r = runCli(['eval', run.id, b.id, '--out', out, ...dirFlag]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /ensemble of 2 runs \(the mean of their probabilities\), on the test split: 60 pairs/,
    );
    assert.ok(r.stdout.includes(run.id) && r.stdout.includes(b.id));
    assert.match(r.stdout, /mean of the runs/);
    // The members' thresholds were chosen on their validation split, and the table says so.
    assert.match(r.stdout, /accuracy \(F1-best on validation\)/);
    assert.ok(r.stdout.includes(`saved: ${out}`));
    const { json } = runCliJson<{ members: { run: { id: string }; logLoss: number }[]; logLoss: number }>([
      'eval',
      run.id,
      b.id,
      ...dirFlag,
    ]);
    assert.deepEqual(
      json.members.map((m) => m.run.id),
      [run.id, b.id],
    );
    assert.equal(JSON.parse(readFileSync(out, 'utf8')).logLoss, json.logLoss);
  });

  it('refuses runs with other splits, --slice and a one-run --out: usage exit code, no stack trace', () => {
    const mismatch = runCli(['eval', run.id, otherSplit.id, ...dirFlag]);
    assert.equal(mismatch.code, 2, mismatch.stderr);
    assert.match(mismatch.stderr, /do not score the same pairs on the test split/);
    assertNoStack(mismatch.stderr);
    const slice = runCli(['eval', run.id, b.id, '--slice', 'length', ...dirFlag]);
    assert.equal(slice.code, 2, slice.stderr);
    assert.match(slice.stderr, /--slice evaluates one run/);
    assertNoStack(slice.stderr);
    const out = runCli(['eval', run.id, '--out', join(run.tmp, 'x.json'), ...dirFlag]);
    assert.equal(out.code, 2, out.stderr);
    assert.match(out.stderr, /--out is for an ensemble/);
    assert.equal(existsSync(join(run.tmp, 'x.json')), false);
  });
});
