import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Job, Queue } from 'bullmq';
import { NetworkError, RunError, UsageError } from '../../src/errors.js';
import { cancelSweep } from '../../src/sweep/cancel.js';
import { cancelKey } from '../../src/sweep/queue.js';
import { runSweep, type SweepManifest, type TrialExecutor } from '../../src/sweep/runner.js';
import { parseSweepSpec } from '../../src/sweep/spec.js';
import { PROJECT_ROOT } from '../helpers/cli.js';
import { scriptedExecutor } from '../helpers/sweep.js';

const REDIS = process.env.QQP_TEST_REDIS_URL;
const SKIP = REDIS
  ? false
  : 'QQP_TEST_REDIS_URL is not set (start one with: eval "$(scripts/redis-test-server.sh start)")';
const DIR = join(PROJECT_ROOT, 'test', 'fixtures', 'configs');
const tmp = mkdtempSync(join(tmpdir(), 'qqp-sweep-cancel-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const GRID = `name: c
base: tiny.yaml
parameters:
  training.batchSize: { values: [8, 16] }
metric: validation.loss
`;

/** Every trial ends with `status` after one epoch; nothing trains. */
const ending = (status: 'completed' | 'interrupted'): TrialExecutor =>
  scriptedExecutor(tmp, (job) => ({ name: job.config.training.batchSize, values: [0.5], status }));

async function sweep(status: 'completed' | 'interrupted', queue?: string) {
  return runSweep({
    experimentsDir: tmp,
    spec: parseSweepSpec('c.yaml', GRID, DIR),
    specDir: DIR,
    executor: ending(status),
    ...(queue ? { queue } : {}),
  });
}

const manifestText = (dir: string) => readFileSync(join(dir, 'manifest.json'), 'utf8');

describe('sweep cancel', () => {
  it('an unknown sweep is a RunError naming where it looked', async () => {
    await assert.rejects(cancelSweep({ ref: 'no-such-sweep', experimentsDir: tmp }), (err: unknown) => {
      assert.ok(err instanceof RunError);
      assert.equal(err.code, 'SWEEP_NOT_FOUND');
      assert.match(err.message, /no sweep "no-such-sweep"/);
      return true;
    });
  });

  it('a sweep without a queue is refused, saying Ctrl-C stops it; its manifest is left as it was', async () => {
    const r = await sweep('interrupted');
    const before = manifestText(r.dir);
    await assert.rejects(cancelSweep({ ref: r.id, experimentsDir: tmp }), (err: unknown) => {
      assert.ok(err instanceof UsageError);
      assert.equal(err.code, 'SWEEP_NOT_QUEUED');
      assert.match(err.message, /no --queue/);
      assert.match(err.suggestions.join('\n'), /Ctrl-C/);
      return true;
    });
    assert.equal(manifestText(r.dir), before);
  });

  it('a completed sweep is left as it is: nothing to cancel', async () => {
    const r = await sweep('completed', 'redis://127.0.0.1:1');
    const before = manifestText(r.dir);
    const c = await cancelSweep({ ref: r.dir, experimentsDir: tmp });
    assert.equal(c.cancelled, false);
    assert.equal(c.status, 'completed');
    assert.equal(c.best?.trial.best, 0.5);
    assert.equal(manifestText(r.dir), before, 'not even the queue was asked');
  });

  it('an unreachable queue changes nothing: a NetworkError', { timeout: 60_000 }, async () => {
    const r = await sweep('interrupted', 'redis://127.0.0.1:1');
    const before = manifestText(r.dir);
    await assert.rejects(cancelSweep({ ref: r.id, experimentsDir: tmp }), (err: unknown) => {
      assert.ok(err instanceof NetworkError);
      assert.equal(err.code, 'QUEUE_UNREACHABLE');
      return true;
    });
    assert.equal(manifestText(r.dir), before);
  });
});

describe('sweep cancel on a queue', { skip: SKIP }, () => {
  const queueName = `qqp-test-cancel-lib-${process.pid}-${Date.now()}`;
  const u = new URL(REDIS ?? 'redis://127.0.0.1:6379');
  const connection = { host: u.hostname, port: Number(u.port) };
  const sweepIds: string[] = [];
  after(async () => {
    const q = new Queue(queueName, { connection });
    const client = (await q.client) as unknown as { del(key: string): Promise<number> };
    for (const id of sweepIds) await client.del(cancelKey(queueName, id));
    await q.obliterate({ force: true });
    await q.close();
  });

  it("removes the sweep's waiting jobs (no other sweep's), marks it cancelled and keeps what finished", async () => {
    // Trial 1 completed, trial 2 interrupted with its job still waiting (its coordinator was stopped).
    const r = await runSweep({
      experimentsDir: tmp,
      spec: parseSweepSpec('c.yaml', GRID, DIR),
      specDir: DIR,
      executor: async (job, hooks) => {
        const status = job.trial.index === 1 ? 'completed' : 'interrupted';
        return ending(status)(job, hooks, new AbortController().signal);
      },
      queue: REDIS as string,
      queueName,
    });
    sweepIds.push(r.id);
    assert.equal(r.status, 'interrupted');
    const trials = [...r.trials].sort((a, b) => a.index - b.index);
    const waitingId = `${r.id}.${trials[1]?.id}`;
    const otherId = 'other-sweep.abcdefabcdef';
    const q = new Queue(queueName, { connection });
    try {
      await q.add('trial', { sweepId: r.id }, { jobId: waitingId });
      await q.add('trial', { sweepId: 'other-sweep' }, { jobId: otherId });
      const c = await cancelSweep({ ref: r.id, experimentsDir: tmp });
      assert.equal(c.cancelled, true);
      assert.equal(c.was, 'interrupted');
      assert.equal(c.queueName, queueName, "the manifest's queue name");
      assert.deepEqual(c.removed, [waitingId]);
      assert.deepEqual(c.running, []);
      assert.equal(await Job.fromId(q, waitingId), undefined);
      assert.equal(await (await Job.fromId(q, otherId))?.getState(), 'waiting', "another sweep's job stays");
    } finally {
      await q.close();
    }
    const manifest = JSON.parse(manifestText(r.dir)) as SweepManifest;
    assert.equal(manifest.status, 'cancelled');
    assert.deepEqual(
      manifest.trials.map((t) => [t.index, t.status, t.best]),
      [
        [1, 'completed', 0.5],
        [2, 'cancelled', 0.5],
      ],
    );
    const results = JSON.parse(readFileSync(join(r.dir, 'results.json'), 'utf8')) as {
      status: string;
      best: { trial: number } | null;
    };
    assert.equal(results.status, 'cancelled');
    assert.ok(results.best, 'best.yaml and results.json from what finished');
    assert.ok(existsSync(join(r.dir, 'best.yaml')));
  });
});
