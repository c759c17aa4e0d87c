import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadEnsembleSpec } from '../../src/ensemble/spec.js';
import {
  type EnsembleTrainEvent,
  type EnsembleTrainResult,
  trainEnsemble,
} from '../../src/ensemble/train.js';
import { QqpError } from '../../src/errors.js';
import { evaluateEnsemble } from '../../src/eval/ensemble.js';
import { predictPairs } from '../../src/eval/predict.js';
import { EnsembleFolder, expandRunRefs } from '../../src/runs/ensemble-folder.js';
import { RunFolder } from '../../src/runs/folder.js';
import { PROJECT_ROOT } from '../helpers/cli.js';

const CONFIGS = join(PROJECT_ROOT, 'test', 'fixtures', 'configs');
const tmp = mkdtempSync(join(tmpdir(), 'qqp-ensemble-train-'));
const experimentsDir = join(tmp, 'experiments');
// tiny.yaml (a concat LSTM) and tiny-siamese.yaml (pair features), on the same 300 rows, 1 epoch.
const specPath = join(tmp, 'pair.yaml');
writeFileSync(
  specPath,
  `name: pair\nmembers:\n  - ${join(CONFIGS, 'tiny.yaml')}\n  - ${join(CONFIGS, 'tiny-siamese.yaml')}\nseeds: [3, 4]\nset: [data.limit=300, training.epochs=1]\n`,
);
let trained: EnsembleTrainResult;
const events: EnsembleTrainEvent[] = [];

before(async () => {
  trained = await trainEnsemble({
    experimentsDir,
    spec: loadEnsembleSpec(specPath),
    backend: 'cpu',
    onEvent: (e) => events.push(e),
  });
});
after(() => rmSync(tmp, { recursive: true, force: true }));

function withoutTimes<T extends { evaluatedAt: string; savedTo: string | null }>(
  r: T,
): Omit<T, 'evaluatedAt' | 'savedTo'> {
  const { evaluatedAt: _e, savedTo: _s, ...rest } = r;
  return rest;
}

async function rejectsWith(p: Promise<unknown> | (() => unknown), code: string): Promise<void> {
  const run = typeof p === 'function' ? async () => p() : () => p;
  await assert.rejects(run, (err: unknown) => {
    assert.ok(err instanceof QqpError, `expected a QqpError, got ${(err as Error).stack}`);
    assert.equal(err.code, code, err.describe());
    return true;
  });
}

describe('trainEnsemble', () => {
  it('trains every member once per seed into members/, each an ordinary completed run', () => {
    assert.equal(trained.status, 'completed');
    assert.equal(trained.runs.length, 4);
    const configs = trained.runs.map((r) => {
      assert.equal(r.status, 'completed');
      assert.ok(r.dir?.startsWith(join(trained.dir, 'members')), r.dir ?? 'no folder');
      const { config } = RunFolder.open(r.dir!, experimentsDir).readConfig();
      return `${config.experiment.name}:${config.experiment.seed}:${config.data.limit}:${config.training.epochs}`;
    });
    assert.deepEqual(configs, [
      'tiny:3:300:1',
      'tiny-siamese:3:300:1',
      'tiny:4:300:1',
      'tiny-siamese:4:300:1',
    ]);
    const record = EnsembleFolder.find(trained.dir, experimentsDir)!.read();
    assert.equal(record.status, 'completed');
    assert.equal(readFileSync(join(trained.dir, 'ensemble.yaml'), 'utf8'), readFileSync(specPath, 'utf8'));
    assert.deepEqual(
      events.filter((e) => e.type === 'member').map((e) => (e.type === 'member' ? e.seed : null)),
      [3, 3, 4, 4],
    );
  });

  it('evaluates the mean of the runs on their test split, as qqp eval of the runs does, and saves it', async () => {
    const again = await evaluateEnsemble({
      runs: trained.runs.map((r) => r.dir!),
      experimentsDir,
      split: 'test',
      backend: 'cpu',
    });
    assert.ok(trained.test);
    assert.equal(trained.test.members.length, 4);
    assert.deepEqual(withoutTimes(trained.test), withoutTimes(again));
    const saved = JSON.parse(readFileSync(join(trained.dir, 'eval-test.json'), 'utf8'));
    assert.deepEqual(withoutTimes(saved), JSON.parse(JSON.stringify(withoutTimes(again))));
  });

  it('the ensemble folder stands for its runs in eval and predict; commands taking one run refuse it', async () => {
    const dirs = trained.runs.map((r) => r.dir!);
    assert.deepEqual(expandRunRefs([trained.dir], experimentsDir), dirs);
    assert.deepEqual(expandRunRefs([trained.id, 'other-run'], experimentsDir), [...dirs, 'other-run']);
    const viaFolder = await evaluateEnsemble({ runs: [trained.dir], experimentsDir, backend: 'cpu' });
    assert.deepEqual(withoutTimes(viaFolder), withoutTimes(trained.test!));
    const pair = { question1: 'How do I learn Go?', question2: 'How can I learn Go?' };
    const viaEnsemble = await predictPairs({
      run: [trained.dir],
      experimentsDir,
      pairs: [pair],
      backend: 'cpu',
    });
    const viaRuns = await predictPairs({ run: dirs, experimentsDir, pairs: [pair], backend: 'cpu' });
    assert.equal(viaEnsemble.predictions[0]!.probability, viaRuns.predictions[0]!.probability);
    assert.equal(viaEnsemble.members?.length, 4);
    await rejectsWith(() => RunFolder.open(trained.dir, experimentsDir), 'RUN_IS_ENSEMBLE');
  });
});

describe('an interrupted ensemble', () => {
  it('stops between runs, keeps what is done, and --resume trains the rest only', async () => {
    const dir = join(tmp, 'interrupted');
    const controller = new AbortController();
    const first = await trainEnsemble({
      experimentsDir: dir,
      spec: loadEnsembleSpec(specPath),
      backend: 'cpu',
      signal: controller.signal,
      // Stopped once the second run is announced, before its first batch.
      onEvent: (e) => {
        if (e.type === 'member' && e.index === 1) controller.abort();
      },
    });
    assert.equal(first.status, 'interrupted');
    assert.equal(first.test, null);
    assert.deepEqual(
      first.runs.map((r) => r.status),
      ['completed', 'interrupted', 'pending', 'pending'],
    );
    assert.ok(!existsSync(join(first.dir, 'eval-test.json')));
    await rejectsWith(() => expandRunRefs([first.dir], dir), 'ENSEMBLE_INCOMPLETE');
    const firstRun = join(first.runs[0]!.dir!, 'summary.json');
    const before = statSync(firstRun).mtimeMs;
    await rejectsWith(
      trainEnsemble({ experimentsDir: dir, resume: first.dir, set: ['training.epochs=2'] }),
      'ENSEMBLE_RESUME_CHANGE',
    );
    const resumed: string[] = [];
    const done = await trainEnsemble({
      experimentsDir: dir,
      resume: first.id,
      backend: 'cpu',
      onEvent: (e) => {
        if (e.type === 'member') resumed.push(`${e.index}${e.resume ? ' resumed' : ''}`);
      },
    });
    assert.equal(done.status, 'completed');
    assert.deepEqual(resumed, ['1 resumed', '2', '3']);
    assert.equal(statSync(firstRun).mtimeMs, before, 'the completed run is not trained again');
    assert.equal(done.runs[1]!.run, first.runs[1]!.run, 'the interrupted run is continued, not replaced');
    assert.ok(existsSync(join(done.dir, 'eval-test.json')));
    await rejectsWith(trainEnsemble({ experimentsDir: dir, resume: done.dir }), 'ENSEMBLE_COMPLETED');
  });
});
