import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Queue } from 'bullmq';
import { exited, runCliJson, startCli } from '../helpers/cli.js';

const REDIS = process.env.QQP_TEST_REDIS_URL;
const SKIP = REDIS
  ? false
  : 'QQP_TEST_REDIS_URL is not set (start one with: eval "$(scripts/redis-test-server.sh start)")';

describe('qqp worker over Redis', { skip: SKIP }, () => {
  const tmp = mkdtempSync(join(tmpdir(), 'qqp-worker-'));
  const queueName = `qqp-test-${process.pid}-${Date.now()}`;
  const children: ChildProcess[] = [];
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    const u = new URL(REDIS as string);
    const q = new Queue(queueName, { connection: { host: u.hostname, port: Number(u.port) } });
    await q.obliterate({ force: true });
    await q.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  const start = (args: string[], log: string[]): ChildProcess => {
    const c = startCli(args, log);
    children.push(c);
    return c;
  };

  it('two workers finish every trial exactly once, though one is killed mid-trial', {
    timeout: 240_000,
  }, async () => {
    const workerArgs = (name: string) => [
      'worker',
      '--queue',
      REDIS as string,
      '--queue-name',
      queueName,
      '--experiments-dir',
      join(tmp, name),
      '--lock-seconds',
      '2',
    ];
    const log1: string[] = [];
    const log2: string[] = [];
    const w1 = start(workerArgs('w1'), log1);
    const w2 = start(workerArgs('w2'), log2);
    const coordLog: string[] = [];
    const coord = start(
      [
        'sweep',
        'configs/sweeps/tiny.yaml',
        '--queue',
        REDIS as string,
        '--queue-name',
        queueName,
        '--experiments-dir',
        join(tmp, 'coord'),
        '--json',
      ],
      coordLog,
    );
    // Kill worker 1 outright once it has finished an epoch of a trial (mid-trial: 2 epochs each).
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (/: epoch 1/.test(log1.join(''))) {
          clearInterval(timer);
          w1.kill('SIGKILL');
          resolve();
        } else if (coord.exitCode !== null) {
          clearInterval(timer);
          reject(
            new Error(`the sweep ended before worker 1 trained:\n${coordLog.join('')}\n${log1.join('')}`),
          );
        }
      }, 100);
    });
    const code = await exited(coord);
    const out = coordLog.join('');
    assert.equal(code, 0, out);
    const result = JSON.parse(out.slice(out.indexOf('{'))) as { id: string; dir: string; status: string };
    assert.equal(result.status, 'completed');
    const manifest = JSON.parse(readFileSync(join(result.dir, 'manifest.json'), 'utf8')) as {
      trials: {
        id: string;
        status: string;
        epochs: number;
        attempts: number;
        runDir?: string;
        history: unknown[];
      }[];
    };
    assert.equal(manifest.trials.length, 4);
    for (const t of manifest.trials) {
      assert.equal(t.status, 'completed', JSON.stringify(t));
      assert.equal(t.epochs, 2);
      assert.equal(t.history.length, 2, 'each epoch recorded once');
      assert.equal(t.attempts, 1);
    }
    // The killed worker's trial was finished by worker 2: its run is under w2.
    const killedTrial = /(\S+\.\w{12}): epoch 1/.exec(log1.join(''))?.[1]?.split('.').at(-1);
    const rerun = manifest.trials.find((t) => t.id === killedTrial);
    assert.ok(
      rerun?.runDir?.includes(join(tmp, 'w2')),
      `trial ${killedTrial} finished on worker 2: ${rerun?.runDir}`,
    );
    // Its rerun counts as a further attempt (BullMQ's count of the job's starts), in run.json. (On a
    // busy machine another trial's lock may lapse too and that trial run again: at least 1 there.)
    const attempt = (dir: string) =>
      (JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as { sweep: { attempt?: number } }).sweep
        .attempt ?? 0;
    for (const t of manifest.trials) {
      assert.ok(
        attempt(t.runDir as string) >= (t === rerun ? 2 : 1),
        `${t.id}: ${attempt(t.runDir as string)}`,
      );
    }
    // The killed worker's folders: its trial process, orphaned, may go on to finish its trial (and
    // give its owner record back) or still hold it; once every such process is gone, no folder of
    // worker 1 may say running, and one whose owner record was left behind says crashed.
    const w1Dir = join(tmp, 'w1');
    const folders = readdirSync(w1Dir).map((d) => join(w1Dir, d));
    assert.ok(folders.length >= 1, 'worker 1 made a run folder');
    const owned = folders.filter((d) => existsSync(join(d, 'owner.json')));
    for (const dir of owned) {
      const pid = (JSON.parse(readFileSync(join(dir, 'owner.json'), 'utf8')) as { pid: number }).pid;
      const alive = () => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      };
      while (alive()) await new Promise((r) => setTimeout(r, 50));
    }
    const w1Runs = runCliJson<{ runs: { dir: string; status: string }[] }>([
      'runs',
      '--experiments-dir',
      w1Dir,
    ]);
    for (const r of w1Runs.json.runs) {
      assert.notEqual(r.status, 'running', `${r.dir} says running after its process is gone`);
      if (owned.includes(r.dir) && existsSync(join(r.dir, 'owner.json')))
        assert.equal(r.status, 'crashed', w1Runs.stdout);
    }
    // Every trial completed exactly once on the queue.
    const u = new URL(REDIS as string);
    const q = new Queue(queueName, { connection: { host: u.hostname, port: Number(u.port) } });
    const counts = await q.getJobCounts('completed', 'failed', 'active', 'waiting');
    await q.close();
    assert.equal(counts.completed, 4, JSON.stringify(counts));
    assert.equal(counts.failed, 0, JSON.stringify(counts));
    assert.equal(counts.active, 0, JSON.stringify(counts));
    // Ctrl-C stops an idle worker cleanly: it says so, reports its trials and exits 0.
    w2.kill('SIGINT');
    assert.equal(await exited(w2), 0, log2.join(''));
    assert.match(
      log2.join(''),
      /SIGINT: stopping the running trials after their batch; they go back to the queue/,
    );
    assert.match(log2.join(''), /worker stopped after \d+ trial\(s\)/);
  });
});
