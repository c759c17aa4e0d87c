import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PROJECT_ROOT, runCli, runCliJson } from '../helpers/cli.js';

const TINY = 'test/fixtures/configs/tiny.yaml';

interface Result {
  id: string;
  dir: string;
  status: string;
  summary: { epochs: number; test: { atHalf: { accuracy: number }; logLoss: number } | null };
}

function metricsWithoutTimes(dir: string): unknown[] {
  return readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const { seconds: _s, examplesPerSecond: _e, ...rest } = JSON.parse(l);
      return rest;
    });
}

/** Starts `qqp train`, sends SIGINT once the first epoch has ended, and resolves with the exit. */
function trainAndInterrupt(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin', 'run.js'), ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stderr = '';
    let sent = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no exit within 120 s:\n${stderr}`));
    }, 120_000);
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!sent && /epoch 1\/\d+ {2}loss/.test(stderr)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stderr });
    });
  });
}

describe('qqp train', () => {
  it('trains, printing the backend and epoch lines, and reports the run as JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qqp-cli-train-'));
    const r = runCliJson<Result>(['train', TINY, '--experiments-dir', dir, '--set', 'training.epochs=2']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.status, 'completed');
    assert.equal(r.json.summary.epochs, 2);
    assert.ok(r.json.summary.test && r.json.summary.test.atHalf.accuracy >= 0);
    assert.match(r.stderr, /^backend: cpu/m);
    assert.match(r.stderr, /^epoch 2\/2 {2}loss \d/m);
    assert.doesNotMatch(r.stderr, /Hi there|Orthogonal initializer/);
  });

  it('on SIGINT finishes the batch, keeps the checkpoint, exits 130; --resume ends as an uninterrupted run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qqp-cli-sigint-'));
    const set = ['--set', 'training.epochs=25'];
    const cut = await trainAndInterrupt(['train', TINY, '--experiments-dir', dir, ...set]);
    assert.equal(cut.code, 130, cut.stderr);
    assert.match(cut.stderr, /SIGINT: finishing the current batch/);
    const id = /run (\S+) \(/.exec(cut.stderr)?.[1] ?? '';
    const meta = JSON.parse(readFileSync(join(dir, id, 'run.json'), 'utf8'));
    assert.equal(meta.status, 'interrupted');
    assert.ok(
      meta.epochsCompleted >= 1 && meta.epochsCompleted < 25,
      `epochs completed: ${meta.epochsCompleted}`,
    );

    const resumed = runCliJson<Result>(['train', '--resume', id, '--experiments-dir', dir]);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, new RegExp(`resuming run ${id} at epoch ${meta.epochsCompleted + 1}`));
    const whole = runCliJson<Result>(['train', TINY, '--experiments-dir', dir, ...set]);
    assert.equal(whole.code, 0, whole.stderr);
    assert.deepEqual(metricsWithoutTimes(resumed.json.dir), metricsWithoutTimes(whole.json.dir));
    assert.deepEqual(resumed.json.summary.test, whole.json.summary.test);
  });

  it('explains bad invocations without a stack trace', () => {
    const none = runCli(['train']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /give a config to train, or --resume RUN/);
    const missing = runCli(['train', '--resume', 'no-such-run', '--experiments-dir', tmpdir()]);
    assert.equal(missing.code, 6);
    assert.match(missing.stderr, /no run "no-such-run"/);
    const bad = runCli(['train', TINY, '--set', 'training.batchSize=0']);
    assert.equal(bad.code, 3);
    assert.match(bad.stderr, /training.batchSize: must be an integer >= 1 \(got 0\)/);
    for (const r of [none, missing, bad]) assert.doesNotMatch(r.stderr, /\n\s+at /);
  });
});
