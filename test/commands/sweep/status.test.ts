import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runSweep } from '../../../src/sweep/runner.js';
import { parseSweepSpec } from '../../../src/sweep/spec.js';
import { PROJECT_ROOT, runCli, runCliJson } from '../../helpers/cli.js';
import { scriptedExecutor } from '../../helpers/sweep.js';

const FIXTURES = join(PROJECT_ROOT, 'test', 'fixtures', 'configs');
const tmp = mkdtempSync(join(tmpdir(), 'qqp-sweep-status-cli-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Trial 1 completes at 0.4, trial 2 is interrupted at 0.6: a sweep folder without training. */
const scripted = scriptedExecutor(tmp, (job) => {
  const i = job.trial.index;
  return { name: i, values: [i === 1 ? 0.4 : 0.6], status: i === 1 ? 'completed' : 'interrupted' };
});

async function sweep(queue?: string): Promise<string> {
  const spec = `name: st
base: tiny.yaml
parameters:
  training.batchSize: { values: [8, 16] }
metric: validation.loss
`;
  const r = await runSweep({
    experimentsDir: tmp,
    spec: parseSweepSpec('st.yaml', spec, FIXTURES),
    specDir: FIXTURES,
    executor: scripted,
    ...(queue ? { queue } : {}),
  });
  return r.id;
}

describe('qqp sweep status', () => {
  it("shows a local sweep's status, counts, best so far and trials; --json gives the same", async () => {
    const id = await sweep();
    const r = runCli(['sweep', 'status', id, '--experiments-dir', tmp]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^sweep ${id}: interrupted, grid, minimise validation.loss$`, 'm'));
    assert.match(r.stdout, /^trials: 2 \(1 completed, 1 interrupted\)$/m);
    assert.match(
      r.stdout,
      /^best so far: trial 1 \(training\.batchSize=8\), validation\.loss 0\.4000 at epoch 1$/m,
    );
    assert.match(r.stdout, /│ 2 +│ training\.batchSize=16 +│ interrupted +│ 1 +│ 0\.6000 +│ run-2 +│/);
    assert.doesNotMatch(r.stdout, /queue/);
    const j = runCliJson<{
      status: string;
      counts: Record<string, number>;
      best: { index: number };
      queue: null;
    }>(['sweep', 'status', id, '--experiments-dir', tmp]);
    assert.equal(j.code, 0, j.stderr);
    assert.equal(j.json.status, 'interrupted');
    assert.equal(j.json.counts.completed, 1);
    assert.equal(j.json.counts.interrupted, 1);
    assert.equal(j.json.best.index, 1);
    assert.equal(j.json.queue, null);
  });

  it('says an unreachable queue is so and still shows the folder (exit 0)', {
    timeout: 120_000,
  }, async () => {
    const id = await sweep('redis://127.0.0.1:1');
    const r = runCli(['sweep', 'status', id, '--experiments-dir', tmp]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^queue redis:\/\/127\.0\.0\.1:1 \(qqp-trials\): not reachable \(cannot reach the Redis queue at redis:\/\/127\.0\.0\.1:1.*\); the folder's view follows$/m,
    );
    assert.match(r.stdout, /^trials: 2 \(1 completed, 1 interrupted\)$/m);
  });

  it('an unknown sweep: exit 6', () => {
    const r = runCli(['sweep', 'status', 'no-such-sweep', '--experiments-dir', tmp]);
    assert.equal(r.code, 6, r.stderr);
    assert.match(r.stderr, /no sweep "no-such-sweep"/);
  });
});
