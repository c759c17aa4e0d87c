import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readPairs } from '../../src/data/read.js';
import { QqpError } from '../../src/errors.js';
import { evaluateEnsemble, meanProbabilities } from '../../src/eval/ensemble.js';
import { evaluateRun } from '../../src/eval/evaluate.js';
import { bestF1Threshold, evaluateBinary } from '../../src/train/metrics.js';
import {
  expectedFile,
  expectedSplitProbs,
  makeTinyRun,
  syntheticHead,
  type TinyRun,
  writeFile,
} from './fixture.js';

// Two runs of tiny.yaml that differ only in their model's seed (same data, same split), and one
// whose split has another seed (other pairs in its test split).
let a: TinyRun;
let b: TinyRun;
let otherSplit: TinyRun;

before(async () => {
  a = await makeTinyRun();
  b = await makeTinyRun(['experiment.seed=8', 'experiment.name=tiny-b'], a.tmp);
  otherSplit = await makeTinyRun(['data.split.seed=2', 'experiment.name=tiny-split2'], a.tmp);
});

after(() => {
  if (a) rmSync(a.tmp, { recursive: true, force: true });
});

/** The mean of two runs' probabilities, computed here: each pair's sum in float64, rounded to float32. */
function mean2(x: Float32Array, y: Float32Array): Float32Array {
  assert.equal(x.length, y.length);
  return Float32Array.from(x, (v, i) => (v + y[i]!) / 2);
}

async function rejectsWith(p: Promise<unknown>, code: string, mentions: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof QqpError, `expected a QqpError, got ${(err as Error).stack}`);
    assert.equal(err.code, code, err.describe());
    assert.equal(err.category, 'usage');
    assert.ok(err.message.includes(mentions), `"${err.message}" should mention ${mentions}`);
    return true;
  });
}

describe('meanProbabilities', () => {
  it('is the element-wise mean', () => {
    const m = meanProbabilities([
      Float32Array.of(0.2, 1, 0),
      Float32Array.of(0.4, 0, 0),
      Float32Array.of(0.9, 0.5, 0),
    ]);
    assert.deepEqual(Array.from(m), [0.5, 0.5, 0].map(Math.fround));
  });
});

describe('evaluateEnsemble', () => {
  it("evaluates the mean of the runs' test probabilities, the threshold chosen on their mean on validation", async () => {
    const r = await evaluateEnsemble({
      runs: [a.id, b.dir],
      experimentsDir: a.experimentsDir,
      backend: 'cpu',
    });
    const ta = await expectedSplitProbs(a.dir, 'test');
    const tb = await expectedSplitProbs(b.dir, 'test');
    assert.deepEqual(ta.labels, tb.labels);
    const va = await expectedSplitProbs(a.dir, 'validation');
    const vb = await expectedSplitProbs(b.dir, 'validation');
    const threshold = bestF1Threshold(mean2(va.probs, vb.probs), va.labels).threshold;
    const expected = evaluateBinary(mean2(ta.probs, tb.probs), ta.labels, {
      threshold,
      chosenOn: 'validation',
    });
    assert.equal(r.combine, 'mean');
    assert.equal(r.count, expected.count);
    assert.equal(r.count, 60);
    assert.equal(r.logLoss, expected.logLoss);
    assert.equal(r.rocAuc, expected.rocAuc);
    assert.deepEqual(r.atHalf, expected.atHalf);
    assert.deepEqual(r.bestF1, expected.bestF1);
    assert.equal(r.source.kind === 'split' && r.source.split, 'test');
    assert.equal(r.savedTo, null);
    // The two members are different models, so the mean is neither of them.
    assert.notDeepEqual(ta.probs, tb.probs);
  });

  it("gives each member's own figures, the same as `qqp eval RUN`", async () => {
    const r = await evaluateEnsemble({
      runs: [a.dir, b.dir],
      experimentsDir: a.experimentsDir,
      backend: 'cpu',
    });
    assert.deepEqual(
      r.members.map((m) => m.run.id),
      [a.id, b.id],
    );
    for (const [i, run] of [a, b].entries()) {
      const own = await evaluateRun({
        run: run.dir,
        experimentsDir: a.experimentsDir,
        backend: 'cpu',
        save: false,
      });
      const { run: _r, ...figures } = r.members[i]!;
      const { run: _o, source: _s, backend: _b, evaluatedAt: _e, savedTo: _v, ...ownFigures } = own;
      assert.deepEqual(figures, ownFigures);
    }
    // Nothing is written into the members' folders.
    assert.equal(existsSync(join(a.dir, 'eval-test.json')), false);
  });

  it('evaluates a labelled file, and writes the result to --out', async () => {
    const file = writeFile(a.tmp, 'head.csv', syntheticHead(80));
    const out = join(a.tmp, 'ensemble.json');
    const r = await evaluateEnsemble({
      runs: [a.dir, b.dir, otherSplit.dir],
      experimentsDir: a.experimentsDir,
      data: file,
      backend: 'cpu',
      thresholdFrom: { file },
      out,
    });
    const fa = await expectedFile(a.dir, file);
    const fb = await expectedFile(b.dir, file);
    const fc = await expectedFile(otherSplit.dir, file);
    const m = Float32Array.from(fa.probs, (v, i) => (v + fb.probs[i]! + fc.probs[i]!) / 3);
    const labels = Float32Array.from((await readPairs(file)).rows, (row) => row.label as number);
    const expected = evaluateBinary(m, labels);
    assert.equal(r.count, 80);
    assert.equal(r.logLoss, expected.logLoss);
    assert.deepEqual(r.atHalf, expected.atHalf);
    assert.equal(r.members.length, 3);
    // The threshold was chosen on the evaluated file itself: optimistic, as for one run.
    assert.equal(r.bestF1.optimistic, true);
    assert.equal(r.savedTo, out);
    assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), JSON.parse(JSON.stringify(r)));
  });

  it('refuses runs that do not score the same pairs, one run, and a run given twice', async () => {
    await rejectsWith(
      evaluateEnsemble({ runs: [a.dir, otherSplit.dir], experimentsDir: a.experimentsDir, backend: 'cpu' }),
      'EVAL_ENSEMBLE_MISMATCH',
      otherSplit.id,
    );
    await rejectsWith(
      evaluateEnsemble({ runs: [a.dir], experimentsDir: a.experimentsDir, backend: 'cpu' }),
      'EVAL_ENSEMBLE_SIZE',
      'two runs',
    );
    await rejectsWith(
      evaluateEnsemble({ runs: [a.dir, a.id], experimentsDir: a.experimentsDir, backend: 'cpu' }),
      'EVAL_ENSEMBLE_REPEATED',
      a.id,
    );
  });

  it('refuses an --out it cannot write before evaluating: a folder, or a path under a file', async () => {
    await rejectsWith(
      evaluateEnsemble({
        runs: [a.dir, b.dir],
        experimentsDir: a.experimentsDir,
        backend: 'cpu',
        out: a.tmp,
      }),
      'EVAL_OUT_IS_DIRECTORY',
      a.tmp,
    );
    const file = writeFile(a.tmp, 'plain.txt', 'not a folder\n');
    await assert.rejects(
      evaluateEnsemble({
        runs: [a.dir, join(a.tmp, 'no-such-run')],
        experimentsDir: a.experimentsDir,
        backend: 'cpu',
        out: join(file, 'e.json'),
      }),
      (err: unknown) => {
        // Refused for --out, before the runs are even opened (the second does not exist).
        assert.ok(err instanceof QqpError, String(err));
        assert.equal(err.code, 'EVAL_WRITE_FAILED', err.describe());
        assert.equal(err.category, 'data');
        assert.ok(err.message.includes(join(file, 'e.json')));
        return true;
      },
    );
  });
});
