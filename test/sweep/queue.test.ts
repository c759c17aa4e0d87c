import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Job, Queue } from 'bullmq';
import { loadConfig } from '../../src/config/load.js';
import type { ResolvedConfig } from '../../src/config/schema.js';
import {
  cancelKey,
  cancelQueuedSweep,
  queueExecutor,
  startWorker,
  type WorkerEvent,
} from '../../src/sweep/queue.js';
import type { ManifestTrial } from '../../src/sweep/runner.js';
import { PROJECT_ROOT } from '../helpers/cli.js';

const REDIS = process.env.QQP_TEST_REDIS_URL;
const SKIP = REDIS
  ? false
  : 'QQP_TEST_REDIS_URL is not set (start one with: eval "$(scripts/redis-test-server.sh start)")';

describe('queued trials', { skip: SKIP }, () => {
  const tmp = mkdtempSync(join(tmpdir(), 'qqp-queue-'));
  const queueName = `qqp-test-queue-${process.pid}-${Date.now()}`;
  after(async () => {
    const u = new URL(REDIS as string);
    const q = new Queue(queueName, { connection: { host: u.hostname, port: Number(u.port) } });
    const client = (await q.client) as unknown as { del(key: string): Promise<number> };
    await client.del(cancelKey(queueName, 'sweep2'));
    await q.obliterate({ force: true });
    await q.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('a trial whose config does not validate fails on the worker, once, saying where', {
    timeout: 60_000,
  }, async () => {
    const { config } = loadConfig(join(PROJECT_ROOT, 'test', 'fixtures', 'configs', 'tiny.yaml'));
    const broken = { ...config, training: { ...config.training, batchSize: 0 } } as ResolvedConfig;
    const events: WorkerEvent[] = [];
    const worker = await startWorker({
      url: REDIS as string,
      queueName,
      concurrency: 1,
      experimentsDir: join(tmp, 'w'),
      onEvent: (e) => events.push(e),
    });
    const coordinator = await queueExecutor({ url: REDIS as string, queueName, pollMs: 50 });
    try {
      const trial = { index: 1, id: 'abcdefabcdef' } as ManifestTrial;
      const outcome = await coordinator.executor(
        {
          sweepId: 'sweep1',
          trial,
          configFile: join(tmp, 'unused.yaml'),
          config: broken,
          name: 'sweep1-t1',
          ask: false,
        },
        { onRun: () => {}, onEpoch: () => false },
        new AbortController().signal,
      );
      assert.equal(outcome.status, 'failed');
      assert.match(
        outcome.failure ?? '',
        /^CONFIG_INVALID: queued trial sweep1\.abcdefabcdef: 1 problem in the config\n {2}queued trial sweep1\.abcdefabcdef:\d+:\d+ training\.batchSize: /,
      );
      const ends = events.filter((e) => e.type === 'trial' && e.change === 'end');
      assert.equal(ends.length, 1, 'run once: no retries of a config that cannot validate');
    } finally {
      await coordinator.close();
      await worker.close();
    }
  });

  it('a cancelled sweep: the coordinator queues nothing, a worker completes a late job unrun; a resume lifts it', {
    timeout: 60_000,
  }, async () => {
    const { config } = loadConfig(join(PROJECT_ROOT, 'test', 'fixtures', 'configs', 'tiny.yaml'));
    const trial = { index: 1, id: 'bcdefabcdefa' } as ManifestTrial;
    const jobId = `sweep2.${trial.id}`;
    const job = {
      sweepId: 'sweep2',
      trial,
      configFile: join(tmp, 'unused.yaml'),
      config,
      name: 'sweep2-t1',
      ask: false,
    };
    const hooks = { onRun: () => {}, onEpoch: () => false };
    assert.deepEqual(
      await cancelQueuedSweep({ url: REDIS as string, queueName, sweepId: 'sweep2', trialIds: [trial.id] }),
      { removed: [], running: [] },
    );
    const coordinator = await queueExecutor({ url: REDIS as string, queueName, pollMs: 50 });
    const u = new URL(REDIS as string);
    const q = new Queue(queueName, { connection: { host: u.hostname, port: Number(u.port) } });
    try {
      const outcome = await coordinator.executor(job, hooks, new AbortController().signal);
      assert.equal(outcome.status, 'cancelled');
      assert.equal(await Job.fromId(q, jobId), undefined, 'nothing queued');

      // A job of the sweep queued anyway (by a coordinator that had not seen the cancel yet).
      await q.add(
        'trial',
        { sweepId: 'sweep2', trialId: trial.id, trialIndex: 1, name: 'sweep2-t1', config: '{}', ask: false },
        { jobId },
      );
      const events: WorkerEvent[] = [];
      let ended: () => void = () => {};
      const end = new Promise<void>((r) => {
        ended = r;
      });
      const worker = await startWorker({
        url: REDIS as string,
        queueName,
        concurrency: 1,
        experimentsDir: join(tmp, 'w2'),
        onEvent: (e) => {
          events.push(e);
          if (e.type === 'trial' && e.change === 'end' && e.jobId === jobId) ended();
        },
      });
      await end;
      await worker.close();
      const changes = events.flatMap((e) => (e.type === 'trial' ? [[e.change, e.outcome?.status]] : []));
      assert.deepEqual(changes, [['end', 'cancelled']], 'not started');
      const done = await Job.fromId(q, jobId);
      assert.equal(await done?.getState(), 'completed');
      assert.equal(done?.returnvalue?.status, 'cancelled');

      // A resume lifts the cancel: the cancelled job is replaced by a new one, waiting for a worker.
      await coordinator.clearCancel('sweep2');
      const stopped = new AbortController();
      stopped.abort();
      const again = await coordinator.executor(job, hooks, stopped.signal);
      assert.equal(again.status, 'interrupted', 'left on the queue for the workers');
      assert.equal(await (await Job.fromId(q, jobId))?.getState(), 'waiting');
    } finally {
      await q.close();
      await coordinator.close();
    }
  });
});
