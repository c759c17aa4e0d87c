import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Job, Queue } from 'bullmq';
import { cancelKey } from '../../../src/sweep/queue.js';
import { runSweep, type SweepManifest } from '../../../src/sweep/runner.js';
import { parseSweepSpec } from '../../../src/sweep/spec.js';
import { exited, PROJECT_ROOT, runCli, runCliJson, startCli } from '../../helpers/cli.js';
import { scriptedExecutor } from '../../helpers/sweep.js';

const REDIS = process.env.QQP_TEST_REDIS_URL;
const SKIP = REDIS
  ? false
  : 'QQP_TEST_REDIS_URL is not set (start one with: eval "$(scripts/redis-test-server.sh start)")';
const FIXTURES = join(PROJECT_ROOT, 'test', 'fixtures', 'configs');

const tmp = mkdtempSync(join(tmpdir(), 'qqp-sweep-cancel-cli-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A sweep folder made without training: each trial is interrupted after one scripted epoch. */
async function localSweep(experimentsDir: string): Promise<string> {
  const executor = scriptedExecutor(tmp, (job) => ({
    name: job.trial.index,
    values: [0.5],
    status: 'interrupted',
  }));
  const spec = `name: local
base: tiny.yaml
parameters:
  training.batchSize: { values: [8, 16] }
metric: validation.loss
`;
  const r = await runSweep({
    experimentsDir,
    spec: parseSweepSpec('local.yaml', spec, FIXTURES),
    specDir: FIXTURES,
    executor,
  });
  return r.id;
}

describe('qqp sweep cancel: refusals', () => {
  it('an unknown sweep: exit 6, saying where it looked', () => {
    const r = runCli(['sweep', 'cancel', 'no-such-sweep', '--experiments-dir', tmp]);
    assert.equal(r.code, 6, r.stderr);
    assert.match(r.stderr, /Error: no sweep "no-such-sweep"/);
    const j = runCliJson<{ error: { code: string } }>([
      'sweep',
      'cancel',
      'no-such-sweep',
      '--experiments-dir',
      tmp,
    ]);
    assert.equal(j.code, 6);
    assert.equal(j.json.error.code, 'SWEEP_NOT_FOUND');
  });

  it('a sweep without a queue: exit 2, pointing at Ctrl-C', async () => {
    const dir = join(tmp, 'local');
    const id = await localSweep(dir);
    const r = runCli(['sweep', 'cancel', id, '--experiments-dir', dir]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /runs its trials in the process that started it \(no --queue\)/);
    assert.match(r.stderr, /hint: stop a running local sweep with Ctrl-C in its terminal/);
    const manifest = JSON.parse(
      readFileSync(join(dir, 'sweeps', id, 'manifest.json'), 'utf8'),
    ) as SweepManifest;
    assert.equal(manifest.status, 'interrupted', 'left as it was');
  });
});

describe('qqp sweep cancel over Redis', { skip: SKIP }, () => {
  const queueName = `qqp-test-cancel-${process.pid}-${Date.now()}`;
  const children: ChildProcess[] = [];
  const sweepIds: string[] = [];
  const u = new URL(REDIS ?? 'redis://127.0.0.1:6379');
  const connection = { host: u.hostname, port: Number(u.port) };
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    const q = new Queue(queueName, { connection });
    const client = (await q.client) as unknown as { del(key: string): Promise<number> };
    for (const id of sweepIds) await client.del(cancelKey(queueName, id));
    await q.obliterate({ force: true });
    await q.close();
  });

  const start = (args: string[], log: string[]): ChildProcess => {
    const c = startCli(args, log);
    children.push(c);
    return c;
  };
  /** Waits until `ready()` holds; the bound is only a safety net against a hang. */
  const until = async (what: string, ready: () => boolean | Promise<boolean>, context: () => string) => {
    for (let i = 0; i < 2400; i++) {
      if (await ready()) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`gave up waiting for ${what}:\n${context()}`);
  };

  it('removes the waiting trial, stops the running one without requeueing it, and the manifest says cancelled', {
    timeout: 400_000,
  }, async () => {
    // Two trials of the tiny model with far more epochs than the test lets them run; one worker
    // runs one at a time, so one trial runs while the other waits on the queue.
    const specFile = join(tmp, 'slow.yaml');
    writeFileSync(
      specFile,
      `name: slow
base: ${JSON.stringify(join(FIXTURES, 'tiny.yaml'))}
set: [training.epochs=400]
parameters:
  training.optimizer.learningRate: { values: [0.001, 0.01] }
metric: validation.loss
mode: min
`,
    );
    const coordDir = join(tmp, 'coord');
    const queueFlags = ['--queue', REDIS as string, '--queue-name', queueName];
    const coordLog: string[] = [];
    const coord = start(
      ['sweep', specFile, ...queueFlags, '--experiments-dir', coordDir, '--json'],
      coordLog,
    );
    const w1Log: string[] = [];
    const w1 = start(['worker', ...queueFlags, '--experiments-dir', join(tmp, 'w1')], w1Log);
    await until(
      'worker 1 to finish an epoch',
      () => /: epoch 1\n/.test(w1Log.join('')),
      () => [coordLog.join(''), w1Log.join('')].join('\n'),
    );
    const sweeps = readdirSync(join(coordDir, 'sweeps'));
    assert.equal(sweeps.length, 1, sweeps.join());
    const id = sweeps[0] as string;
    sweepIds.push(id);
    const runningJob = /(\S+): epoch 1\n/.exec(w1Log.join(''))?.[1] as string;
    // The coordinator queues both trials, but on a busy machine the second may reach the queue after
    // the first's epoch 1: wait for it to wait there, so that the cancel has one to remove.
    const waiting = new Queue(queueName, { connection });
    try {
      await until(
        'the other trial to wait on the queue',
        async () =>
          (await waiting.getJobs(['waiting', 'prioritized'])).some(
            (j) => j.id?.startsWith(`${id}.`) && j.id !== runningJob,
          ),
        () => [coordLog.join(''), w1Log.join('')].join('\n'),
      );
    } finally {
      await waiting.close();
    }

    const cancel = runCliJson<{ cancelled: boolean; removed: string[]; running: string[]; status: string }>([
      'sweep',
      'cancel',
      id,
      '--experiments-dir',
      coordDir,
    ]);
    assert.equal(cancel.code, 0, cancel.stderr);
    assert.equal(cancel.json.cancelled, true);
    assert.equal(cancel.json.status, 'cancelled');
    assert.deepEqual(cancel.json.running, [runningJob]);
    assert.equal(cancel.json.removed.length, 1, JSON.stringify(cancel.json));
    assert.notEqual(cancel.json.removed[0], runningJob);

    // The coordinator, still following the sweep, ends cancelled with its documented exit code.
    assert.equal(await exited(coord), 8, coordLog.join(''));
    const out = coordLog.join('');
    const result = JSON.parse(out.slice(out.indexOf('{\n'))) as { status: string };
    assert.equal(result.status, 'cancelled');

    // The worker stopped its trial (after a batch) and completed the job as cancelled.
    await until(
      'worker 1 to stop its trial',
      () => w1Log.join('').includes(`${runningJob}: cancelled`),
      () => w1Log.join(''),
    );
    // Worker 1 is idle now (nothing of the sweep is left for it): Ctrl-C stops it.
    w1.kill('SIGINT');
    assert.equal(await exited(w1), 0, w1Log.join(''));
    const q = new Queue(queueName, { connection });
    try {
      const counts = await q.getJobCounts(
        'waiting',
        'delayed',
        'prioritized',
        'active',
        'completed',
        'failed',
      );
      assert.deepEqual(counts, {
        waiting: 0,
        delayed: 0,
        prioritized: 0,
        paused: 0,
        active: 0,
        completed: 1,
        failed: 0,
      });
      const job = await Job.fromId(q, runningJob);
      assert.equal(job?.returnvalue?.status, 'cancelled');
      assert.equal(job?.attemptsStarted, 1, 'started once: not handed back for a retry');

      // A second worker started now takes nothing of the sweep: the cancelled job is finished, and a
      // job of the sweep queued after the cancel (as a late coordinator might) is completed unrun.
      const late = `${id}.000000000000`;
      await q.add(
        'trial',
        { sweepId: id, trialId: '000000000000', trialIndex: 9, name: 'late', config: '{}', ask: false },
        { jobId: late },
      );
      const w2Log: string[] = [];
      const w2 = start(['worker', ...queueFlags, '--experiments-dir', join(tmp, 'w2')], w2Log);
      await until(
        'worker 2 to finish the late job',
        async () => (await (await Job.fromId(q, late))?.getState()) === 'completed',
        () => w2Log.join(''),
      );
      assert.equal((await Job.fromId(q, late))?.returnvalue?.status, 'cancelled');
      assert.match(w2Log.join(''), new RegExp(`${late.replace(/\./g, '\\.')}: cancelled`));
      assert.doesNotMatch(w2Log.join(''), /started/, w2Log.join(''));
      assert.ok(!existsSync(join(tmp, 'w2', 'sweep-trials')), 'worker 2 prepared no trial');
      w2.kill('SIGINT');
      assert.equal(await exited(w2), 0, w2Log.join(''));
    } finally {
      await q.close();
    }

    // The manifest says cancelled, for both trials, whichever process wrote it last.
    const manifest = JSON.parse(
      readFileSync(join(coordDir, 'sweeps', id, 'manifest.json'), 'utf8'),
    ) as SweepManifest;
    assert.equal(manifest.status, 'cancelled');
    assert.deepEqual(
      manifest.trials.map((t) => t.status),
      ['cancelled', 'cancelled'],
    );
    const stopped = manifest.trials.find((t) => runningJob.endsWith(t.id));
    assert.ok(stopped?.runDir, JSON.stringify(manifest.trials));
    const run = JSON.parse(readFileSync(join(stopped.runDir, 'run.json'), 'utf8')) as { status: string };
    assert.equal(run.status, 'interrupted', 'the run stopped before its 400 epochs');

    // `qqp sweep status` shows it, with the queue's view.
    const status = runCliJson<{
      status: string;
      counts: Record<string, number>;
      queue: { reachable: boolean; jobs: Record<string, number>; cancel: unknown };
    }>(['sweep', 'status', id, '--experiments-dir', coordDir]);
    assert.equal(status.code, 0, status.stderr);
    assert.equal(status.json.status, 'cancelled');
    assert.equal(status.json.counts.cancelled, 2);
    assert.equal(status.json.queue.reachable, true);
    assert.deepEqual(status.json.queue.jobs, { waiting: 0, active: 0, completed: 1, failed: 0, absent: 1 });
    assert.ok(status.json.queue.cancel);
    const text = runCli(['sweep', 'status', id, '--experiments-dir', coordDir]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`^sweep ${id}: cancelled, grid, minimise validation.loss$`, 'm'));
    assert.match(text.stdout, /^trials: 2 \(2 cancelled\)$/m);
    assert.match(text.stdout, /: waiting 0, active 0, completed 1, failed 0, not on the queue 1$/m);
    assert.match(text.stdout, /^ {2}cancelled at \S+ from /m);
  });
});
