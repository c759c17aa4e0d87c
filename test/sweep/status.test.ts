import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runSweep } from '../../src/sweep/runner.js';
import { parseSweepSpec } from '../../src/sweep/spec.js';
import { countJobs, countTrials, sweepStatus } from '../../src/sweep/status.js';
import { PROJECT_ROOT } from '../helpers/cli.js';
import { scriptedExecutor } from '../helpers/sweep.js';

const DIR = join(PROJECT_ROOT, 'test', 'fixtures', 'configs');
const tmp = mkdtempSync(join(tmpdir(), 'qqp-sweep-status-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const GRID = `name: s
base: tiny.yaml
parameters:
  training.batchSize: { values: [8, 16, 32] }
metric: validation.loss
`;

/** Trial 8 completes at 0.3, 16 fails, 32 is interrupted after one epoch at 0.2: nothing trains. */
const scripted = scriptedExecutor(tmp, (job) => {
  const bs = job.config.training.batchSize;
  if (bs === 16) return { name: bs, values: [], status: 'failed', failure: 'scripted' };
  return { name: bs, values: [bs === 8 ? 0.3 : 0.2], status: bs === 8 ? 'completed' : 'interrupted' };
});

describe('sweep status', () => {
  it('counts trials by status, every status listed', () => {
    const counts = countTrials([
      { status: 'completed' },
      { status: 'completed' },
      { status: 'cancelled' },
      { status: 'running' },
    ]);
    assert.deepEqual(counts, {
      pending: 0,
      running: 1,
      completed: 2,
      stopped: 0,
      failed: 0,
      interrupted: 0,
      cancelled: 1,
    });
  });

  it('counts jobs: the states no worker has taken yet are waiting; a trial without a job is absent', () => {
    assert.deepEqual(
      countJobs([
        'waiting',
        'delayed',
        'prioritized',
        'active',
        'completed',
        'completed',
        'failed',
        'absent',
      ]),
      { waiting: 3, active: 1, completed: 2, failed: 1, absent: 1 },
    );
  });

  it("reads a local sweep's folder: status, counts, the best so far, trials in order, no queue", async () => {
    const r = await runSweep({
      experimentsDir: tmp,
      spec: parseSweepSpec('s.yaml', GRID, DIR),
      specDir: DIR,
      executor: scripted,
    });
    const s = await sweepStatus({ ref: r.id, experimentsDir: tmp });
    assert.equal(s.status, 'interrupted');
    assert.equal(s.strategy, 'grid');
    assert.equal(s.metric, 'validation.loss');
    assert.equal(s.counts.completed, 1);
    assert.equal(s.counts.failed, 1);
    assert.equal(s.counts.interrupted, 1);
    // The best so far is the interrupted trial's epoch (0.2 < 0.3, mode min).
    assert.deepEqual(s.best && { index: s.best.index, value: s.best.value, epoch: s.best.epoch }, {
      index: 3,
      value: 0.2,
      epoch: 1,
    });
    assert.deepEqual(
      s.trials.map((t) => t.index),
      [1, 2, 3],
    );
    assert.equal(s.queue, null);
  });

  it('says a queue is unreachable and still gives the folder view', { timeout: 60_000 }, async () => {
    const r = await runSweep({
      experimentsDir: tmp,
      spec: parseSweepSpec('s.yaml', GRID, DIR),
      specDir: DIR,
      executor: scripted,
      queue: 'redis://127.0.0.1:1',
      queueName: 'q-test',
    });
    const s = await sweepStatus({ ref: r.dir, experimentsDir: tmp });
    assert.equal(s.counts.completed, 1);
    assert.ok(s.queue && !s.queue.reachable, JSON.stringify(s.queue));
    assert.equal(s.queue.name, 'q-test');
    assert.match(s.queue.error, /cannot reach the Redis queue at redis:\/\/127\.0\.0\.1:1/);
  });
});
