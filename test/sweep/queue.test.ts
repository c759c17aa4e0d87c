import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Queue } from 'bullmq';
import { loadConfig } from '../../src/config/load.js';
import type { ResolvedConfig } from '../../src/config/schema.js';
import { queueExecutor, startWorker, type WorkerEvent } from '../../src/sweep/queue.js';
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
});
