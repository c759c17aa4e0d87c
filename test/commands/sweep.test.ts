import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli, runCliJson } from '../helpers/cli.js';

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
});
