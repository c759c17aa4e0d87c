import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { PROJECT_ROOT, runCli, runCliJson } from '../helpers/cli.js';
import { dumpDom, findChromium } from '../report/fixture.js';

const tmp = mkdtempSync(join(tmpdir(), 'qqp-sweep-cli-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

interface Trial {
  index: number;
  id: string;
  status: string;
  epochs: number;
  best: number | null;
  runId?: string;
  runDir?: string;
}

describe('qqp sweep', () => {
  it('--dry-run lists the trials and their configs', () => {
    const r = runCliJson<{
      dryRun: boolean;
      trials: { params: Record<string, unknown>; config: { training: { epochs: number } } }[];
    }>(['sweep', 'configs/sweeps/tiny.yaml', '--dry-run']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.trials.length, 4);
    assert.deepEqual(r.json.trials[3]?.params, {
      'training.optimizer.learningRate': 0.01,
      'model.layers[1].units': 8,
    });
    assert.equal(r.json.trials[0]?.config.training.epochs, 2);
    const text = runCli(['sweep', 'configs/sweeps/bilstm-lr-units.yaml', '--dry-run']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /6 trial\(s\)/);
  });

  it('refuses a bad spec with file:line:col and exit code 3', () => {
    const spec = join(tmp, 'bad.yaml');
    writeFileSync(
      spec,
      'base: nowhere.yaml\nparameters:\n  training.batchSize: { values: [8] }\nmetric: loss\nparallel: 0\n',
    );
    const r = runCli(['sweep', spec, '--dry-run']);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /bad\.yaml:5:11 parallel/);
    assert.doesNotMatch(r.stderr, /at .*\.js:\d+/);
  });

  it('runs trials in child processes with --parallel 2, then resume runs nothing again', () => {
    const exp = join(tmp, 'exp');
    const r = runCliJson<{
      id: string;
      dir: string;
      status: string;
      trials: Trial[];
      best: { configFile: string } | null;
    }>(['sweep', 'configs/sweeps/tiny.yaml', '--parallel', '2', '--experiments-dir', exp]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.status, 'completed');
    assert.equal(r.json.trials.length, 4);
    const bests = r.json.trials.map((t) => t.best as number);
    assert.deepEqual(
      [...bests].sort((a, b) => a - b),
      bests,
      'sorted by validation.loss, lowest first',
    );
    for (const t of r.json.trials) {
      assert.equal(t.status, 'completed');
      assert.equal(t.epochs, 2);
      const meta = JSON.parse(readFileSync(join(t.runDir as string, 'run.json'), 'utf8'));
      assert.deepEqual(meta.sweep, { id: r.json.id, trial: t.id, attempt: 1 });
    }
    assert.ok(r.json.best && existsSync(r.json.best.configFile));
    // After each trial's end, a progress line: elapsed time, and an ETA while trials are left.
    const progress = r.stderr.split('\n').filter((l) => l.startsWith('sweep: '));
    assert.equal(progress.length, 4, r.stderr);
    assert.match(
      progress[0] as string,
      /^sweep: 1\/4 trials done, 1 running, 2 to go {2}elapsed \d+(m\d\d)?s {2}ETA \d+(m\d\d)?s$/,
    );
    assert.match(
      progress[3] as string,
      /^sweep: 4\/4 trials done, 0 running, 0 to go {2}elapsed \d+(m\d\d)?s$/,
    );
    const again = runCliJson<{ ran: number; skipped: number }>([
      'sweep',
      '--resume',
      r.json.id,
      '--experiments-dir',
      exp,
    ]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.json.ran, 0);
    assert.equal(again.json.skipped, 4);
  });

  it('runs the TPE example (shortened), and its report shows the parameter importance and the best-so-far curve', (t) => {
    // configs/sweeps/tiny-tpe.yaml with 6 trials (3 at random), 2 epochs; its data path made absolute.
    const spec = join(tmp, 'tiny-tpe.yaml');
    const text = readFileSync(join(PROJECT_ROOT, 'configs', 'sweeps', 'tiny-tpe.yaml'), 'utf8')
      .replace(/source: \S+/, `source: ${join(PROJECT_ROOT, 'data', 'qqp-synthetic.csv')}`)
      .replace('tpe: { startupTrials: 5 }', 'tpe: { startupTrials: 3 }')
      .replace('maxTrials: 12', 'maxTrials: 6')
      .replace('training.epochs=3', 'training.epochs=2');
    assert.match(text, /maxTrials: 6/);
    writeFileSync(spec, text);
    const exp = join(tmp, 'tpe-exp');
    const r = runCliJson<{
      id: string;
      status: string;
      trials: (Trial & { params: Record<string, unknown> })[];
    }>(['sweep', spec, '--experiments-dir', exp]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.status, 'completed');
    assert.equal(r.json.trials.length, 6);
    assert.match(r.stderr, /6 trial\(s\) \(3 to be proposed as results come in\)/);
    for (const trial of r.json.trials) {
      assert.equal(
        'training.optimizer.momentum' in trial.params,
        trial.params['training.optimizer.type'] === 'sgd',
      );
      assert.ok(trial.best !== null && Number.isFinite(trial.best), JSON.stringify(trial));
    }
    const out = join(tmp, 'tpe.html');
    const report = runCli(['report', '--sweep', r.json.id, '--experiments-dir', exp, '--out', out]);
    assert.equal(report.code, 0, report.stderr);
    const html = readFileSync(out, 'utf8');
    assert.match(html, /id="sweep-importance"/);
    for (const p of [
      'training.optimizer.type',
      'training.optimizer.learningRate',
      'training.optimizer.momentum',
      'model.layers[1].units',
    ])
      assert.ok(html.includes(`<tr data-param="${p}">`), p);
    const chromium = findChromium();
    if (!chromium) {
      t.skip('chromium is not installed: the drawn best-so-far curve is not checked');
      return;
    }
    const dom = dumpDom(chromium, out);
    const host = /<div [^>]*data-chart="trials-progress"[^>]*>/.exec(dom);
    assert.ok(host, 'the best-so-far chart');
    assert.match(host[0], /data-points="6"/);
    assert.doesNotMatch(host[0], /data-error/);
  });
});
