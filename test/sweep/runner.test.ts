import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import YAML from 'yaml';
import type { EpochRecord } from '../../src/runs/records.js';
import {
  runSweep,
  type SweepManifest,
  type TrialExecutor,
  type TrialOutcome,
} from '../../src/sweep/runner.js';
import { parseSweepSpec } from '../../src/sweep/spec.js';
import { sweepStatus } from '../../src/sweep/status.js';
import { configHash } from '../../src/sweep/trials.js';
import { PROJECT_ROOT } from '../helpers/cli.js';

const DIR = join(PROJECT_ROOT, 'test', 'fixtures', 'configs');
const tmp = mkdtempSync(join(tmpdir(), 'qqp-sweep-runner-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const GRID = `name: g
base: tiny.yaml
set: [training.epochs=2]
parameters:
  training.batchSize: { values: [8, 16, 32] }
metric: validation.loss
`;

function record(epoch: number, valLoss: number): EpochRecord {
  return { epoch, learningRate: 0.001, seconds: 0, examplesPerSecond: 0, loss: valLoss, val_loss: valLoss };
}

/** A scripted executor: the metric of each epoch comes from `script(batchSize)`, nothing is trained. */
function fake(
  script: (batchSize: number) => number[],
  ending: (batchSize: number) => TrialOutcome['status'] = () => 'completed',
): { executor: TrialExecutor; ran: number[]; identities: [string, string][] } {
  const ran: number[] = [];
  const identities: [string, string][] = [];
  const executor: TrialExecutor = async (job, hooks) => {
    const bs = job.config.training.batchSize;
    ran.push(bs);
    identities.push([configHash(job.config), job.trial.id]);
    hooks.onRun({ id: `run-${bs}-${ran.length}`, dir: join(tmp, `run-${bs}`), host: 'test' });
    let epochs = 0;
    for (const [i, v] of script(bs).entries()) {
      epochs = i + 1;
      if (await hooks.onEpoch(record(epochs, v))) return { status: 'stopped', epochs };
    }
    const status = ending(bs);
    return { status, epochs, ...(status === 'failed' ? { failure: 'scripted failure' } : {}) };
  };
  return { executor, ran, identities };
}

describe('runSweep', () => {
  it('runs every trial, writes the folder and sorts by the metric', async () => {
    const { executor, ran, identities } = fake((bs) => [1, bs / 100]);
    const r = await runSweep({
      experimentsDir: tmp,
      spec: parseSweepSpec('g.yaml', GRID, DIR),
      specDir: DIR,
      executor,
      parallel: 2,
    });
    assert.equal(r.status, 'completed');
    assert.deepEqual(
      [...ran].sort((a, b) => a - b),
      [8, 16, 32],
    );
    assert.deepEqual(
      r.trials.map((t) => t.best),
      [0.08, 0.16, 0.32],
    );
    // The executor gets each trial's config read back (validated) from the folder: its hash is the trial id.
    assert.equal(identities.length, 3);
    for (const [hash, id] of identities) assert.equal(hash, id);
    for (const f of ['spec.yaml', 'manifest.json', 'results.json', 'best.yaml'])
      assert.ok(existsSync(join(r.dir, f)), f);
    const best = YAML.parse(readFileSync(join(r.dir, 'best.yaml'), 'utf8'));
    assert.equal(best.training.batchSize, 8);
    // Data paths are relative to the sweep folder, so the file trains from anywhere.
    assert.ok(existsSync(join(r.dir, best.data.source)), best.data.source);
  });

  it('resume skips finished trials, reruns interrupted ones, failed ones only on request', async () => {
    const first = fake(
      () => [0.5],
      (bs) => (bs === 16 ? 'interrupted' : bs === 32 ? 'failed' : 'completed'),
    );
    const r1 = await runSweep({
      experimentsDir: tmp,
      spec: parseSweepSpec('g.yaml', GRID, DIR),
      specDir: DIR,
      executor: first.executor,
    });
    assert.equal(r1.status, 'interrupted');
    const manifest = JSON.parse(readFileSync(join(r1.dir, 'manifest.json'), 'utf8')) as SweepManifest;
    assert.deepEqual(
      manifest.trials.map((t) => t.status),
      ['completed', 'interrupted', 'failed'],
    );

    const second = fake(() => [0.4]);
    const r2 = await runSweep({ experimentsDir: tmp, resume: r1.id, executor: second.executor });
    assert.deepEqual(second.ran, [16]);
    assert.equal(r2.skipped, 2);

    const third = fake(() => [0.3]);
    const r3 = await runSweep({
      experimentsDir: tmp,
      resume: r1.dir,
      retryFailed: true,
      executor: third.executor,
    });
    assert.deepEqual(third.ran, [32]);
    assert.equal(r3.status, 'completed');
    assert.deepEqual(
      r3.trials.map((t) => [t.index, t.attempts, t.status]),
      [
        [3, 2, 'completed'],
        [2, 2, 'completed'],
        [1, 1, 'completed'],
      ],
    );

    const fourth = fake(() => [0.1]);
    await runSweep({ experimentsDir: tmp, resume: r1.id, executor: fourth.executor });
    assert.deepEqual(fourth.ran, [], 'a finished sweep runs nothing again');
  });

  it('a trial that comes back cancelled ends the sweep cancelled; finished trials keep their results', async () => {
    const first = fake(
      () => [0.5],
      (bs) => (bs === 16 ? 'cancelled' : 'completed'),
    );
    const r1 = await runSweep({
      experimentsDir: tmp,
      spec: parseSweepSpec('g.yaml', GRID, DIR),
      specDir: DIR,
      executor: first.executor,
      parallel: 1,
    });
    assert.equal(r1.status, 'cancelled');
    assert.deepEqual(first.ran, [8, 16], 'no trial starts after a cancelled one');
    const manifest = JSON.parse(readFileSync(join(r1.dir, 'manifest.json'), 'utf8')) as SweepManifest;
    assert.equal(manifest.status, 'cancelled');
    assert.deepEqual(
      manifest.trials.map((t) => t.status),
      ['completed', 'cancelled', 'cancelled'],
    );
    const results = JSON.parse(readFileSync(join(r1.dir, 'results.json'), 'utf8')) as {
      status: string;
      best: { trial: number } | null;
    };
    assert.equal(results.status, 'cancelled');
    assert.equal(results.best?.trial, 1, 'the completed trial is still the best so far');
    assert.equal(YAML.parse(readFileSync(join(r1.dir, 'best.yaml'), 'utf8')).training.batchSize, 8);

    // A resume runs the cancelled trials again, and only those.
    const second = fake(() => [0.4]);
    const r2 = await runSweep({ experimentsDir: tmp, resume: r1.id, executor: second.executor });
    assert.deepEqual(
      [...second.ran].sort((a, b) => a - b),
      [16, 32],
    );
    assert.equal(r2.status, 'completed');
  });

  it('resumes an interrupted trial in its own folder, also when a crash left its checkpoint half replaced', async () => {
    const first = fake(
      () => [0.5],
      (bs) => (bs === 8 ? 'completed' : 'interrupted'),
    );
    const r1 = await runSweep({
      experimentsDir: tmp,
      spec: parseSweepSpec('g.yaml', GRID, DIR),
      specDir: DIR,
      executor: first.executor,
    });
    // Trial 16 has its checkpoint; trial 32 was killed between the two renames of its replacement:
    // only the folder moved aside is left (a process id that no longer runs).
    const manifest = JSON.parse(readFileSync(join(r1.dir, 'manifest.json'), 'utf8')) as SweepManifest;
    const runDirOf = (bs: number) => manifest.trials.find((t) => t.runDir?.endsWith(`run-${bs}`))?.runDir;
    for (const bs of [16, 32]) assert.ok(runDirOf(bs), `trial ${bs} has a run folder`);
    mkdirSync(join(runDirOf(16) as string, 'checkpoint'), { recursive: true });
    mkdirSync(join(runDirOf(32) as string, '.checkpoint.99999999.0123abcd.tmp.old'), { recursive: true });
    for (const t of manifest.trials) t.host = hostname();
    writeFileSync(join(r1.dir, 'manifest.json'), JSON.stringify(manifest));
    const resumed: (string | undefined)[] = [];
    const second = fake(() => [0.4]);
    const r2 = await runSweep({
      experimentsDir: tmp,
      resume: r1.id,
      executor: (job, hooks, signal) => {
        resumed.push(job.resumeRunDir);
        return second.executor(job, hooks, signal);
      },
    });
    assert.equal(r2.status, 'completed');
    assert.deepEqual([...resumed].sort(), [runDirOf(16), runDirOf(32)].sort());
  });

  it('a trial config broken in the folder fails that trial, saying where; the others run', async () => {
    const first = fake(
      () => [0.5],
      () => 'interrupted',
    );
    const r1 = await runSweep({
      experimentsDir: tmp,
      spec: parseSweepSpec('g.yaml', GRID, DIR),
      specDir: DIR,
      executor: first.executor,
    });
    const manifest = JSON.parse(readFileSync(join(r1.dir, 'manifest.json'), 'utf8')) as SweepManifest;
    const broken = manifest.trials[1];
    assert.ok(broken);
    const file = join(r1.dir, broken.config);
    writeFileSync(file, readFileSync(file, 'utf8').replace(/batchSize: 16/, 'batchSize: sixteen'));
    const second = fake(() => [0.4]);
    const r2 = await runSweep({ experimentsDir: tmp, resume: r1.id, executor: second.executor });
    assert.deepEqual(second.ran, [8, 32]);
    const t = r2.trials.find((x) => x.index === broken.index);
    assert.equal(t?.status, 'failed');
    assert.match(t?.failure ?? '', /^CONFIG_INVALID: /);
    assert.match(t?.failure ?? '', /trials\/\w{12}\.yaml:\d+:\d+ training\.batchSize: /);
    assert.equal(r2.status, 'completed');
  });

  it('ASHA stops the weak trials at the rungs', async () => {
    const spec = parseSweepSpec(
      'a.yaml',
      `base: tiny.yaml
strategy: asha
asha: { minEpochs: 1, maxEpochs: 4, reductionFactor: 2 }
maxTrials: 3
parameters:
  training.batchSize: { values: [8, 16, 32] }
metric: validation.loss
seed: 5
`,
      DIR,
    );
    // Losses per epoch by batch size; trials run one at a time in their sampled order.
    const curves: Record<number, number[]> = {
      8: [0.5, 0.4, 0.3, 0.2],
      16: [0.6, 0.55, 0.5, 0.45],
      32: [0.45, 0.5, 0.4, 0.3],
    };
    const { executor, ran } = fake((bs) => curves[bs] ?? []);
    const r = await runSweep({ experimentsDir: tmp, spec, specDir: DIR, executor, parallel: 1 });
    assert.equal(ran.length, 3);
    const byBs = Object.fromEntries(r.trials.map((t) => [t.params['training.batchSize'], t]));
    // Expected from the rung rule, given the order the seed drew.
    const order = ran.join(',');
    const expected: Record<string, Record<number, [string, number]>> = {};
    // Replay the rule by hand for the order drawn: lone values go on; below the median stops.
    const rung: Record<number, number[]> = { 1: [], 2: [] };
    const want: Record<number, [string, number]> = {};
    for (const bs of ran) {
      const c = curves[bs] as number[];
      let stopped: number | undefined;
      for (const e of [1, 2]) {
        const t = rung[e] as number[];
        t.push(c[e - 1] as number);
        const s = [...t].sort((a, b) => a - b);
        const q = (s.length - 1) * 0.5;
        const cut =
          (s[Math.floor(q)] as number) +
          ((s[Math.ceil(q)] as number) - (s[Math.floor(q)] as number)) * (q - Math.floor(q));
        if (t.length > 1 && (c[e - 1] as number) > cut) {
          stopped = e;
          break;
        }
      }
      want[bs] = stopped === undefined ? ['completed', 4] : ['stopped', stopped];
    }
    expected[order] = want;
    for (const bs of ran)
      assert.deepEqual([byBs[bs]?.status, byBs[bs]?.epochs], want[bs], `batch ${bs} (order ${order})`);
    assert.ok(
      r.trials.some((t) => t.status === 'stopped'),
      `some trial stops (order ${order})`,
    );
  });
});

/** An executor whose epoch metrics come from the trial's learning rate: best near 0.003. */
function byLearningRate(epochs: (lr: number) => number[]): {
  executor: TrialExecutor;
  jobs: { index: number; lr: number; bracket: number | undefined; ask: boolean }[];
} {
  const jobs: { index: number; lr: number; bracket: number | undefined; ask: boolean }[] = [];
  const executor: TrialExecutor = async (job, hooks) => {
    const lr = job.config.training.optimizer.learningRate as number;
    jobs.push({ index: job.trial.index, lr, bracket: job.trial.bracket, ask: job.ask });
    hooks.onRun({ id: `run-${job.trial.id}`, dir: join(tmp, `lr-${job.trial.id}`), host: 'test' });
    let done = 0;
    for (const v of epochs(lr)) {
      done++;
      if (await hooks.onEpoch(record(done, v))) return { status: 'stopped', epochs: done };
    }
    return { status: 'completed', epochs: done };
  };
  return { executor, jobs };
}

const LR_SPACE = `base: tiny.yaml
parameters:
  training.optimizer.learningRate: { min: 0.00001, max: 0.1, distribution: loguniform }
metric: validation.loss
`;

describe('runSweep with strategies that learn or stop', () => {
  it('TPE proposes trials after its start-up ones until maxTrials, and a resume goes on where it stopped', async () => {
    const spec = parseSweepSpec(
      't.yaml',
      `${LR_SPACE}strategy: tpe\ntpe: { startupTrials: 4 }\nmaxTrials: 14\nseed: 2\nset: [training.epochs=1]\n`,
      DIR,
    );
    const loss = (lr: number) => [Math.abs(Math.log10(lr) + 2.5)];
    // Interrupted after 9 trials: the signal aborts once the ninth has started.
    const controller = new AbortController();
    const first = byLearningRate(loss);
    const r1 = await runSweep({
      experimentsDir: tmp,
      spec,
      specDir: DIR,
      signal: controller.signal,
      executor: (job, hooks, signal) => {
        if (job.trial.index === 9) controller.abort();
        return first.executor(job, hooks, signal);
      },
    });
    assert.equal(r1.status, 'interrupted');
    assert.deepEqual(
      first.jobs.map((j) => j.index),
      [1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    const manifest = JSON.parse(readFileSync(join(r1.dir, 'manifest.json'), 'utf8')) as SweepManifest;
    assert.equal(manifest.trials.length, 9, 'proposed trials are in the manifest, with their config files');
    const status = await sweepStatus({ ref: r1.id, experimentsDir: tmp });
    assert.equal(status.planned, 14, 'the status counts the trials TPE has yet to propose');
    for (const t of manifest.trials) assert.ok(existsSync(join(r1.dir, t.config)));
    const second = byLearningRate(loss);
    const r2 = await runSweep({ experimentsDir: tmp, resume: r1.id, executor: second.executor });
    assert.equal(r2.status, 'completed');
    assert.equal(r2.trials.length, 14);
    assert.deepEqual(
      second.jobs.map((j) => j.index),
      [10, 11, 12, 13, 14],
      'nothing finished is run again',
    );
    // The same spec run in one go proposes the same trials: proposals depend on the seed, the trial
    // number and the results, not on the process.
    const whole = byLearningRate(loss);
    await runSweep({ experimentsDir: tmp, spec, specDir: DIR, executor: whole.executor });
    assert.deepEqual(
      whole.jobs.map((j) => j.lr),
      [...first.jobs, ...second.jobs].map((j) => j.lr),
    );
    // And it learns: the proposed trials are closer to the optimum than the random start-up ones.
    const gap = (js: { lr: number }[]) => js.reduce((a, j) => a + loss(j.lr)[0]!, 0) / js.length;
    assert.ok(
      gap(whole.jobs.slice(8)) < gap(whole.jobs.slice(0, 4)) / 2,
      `${gap(whole.jobs.slice(8))} vs ${gap(whole.jobs.slice(0, 4))}`,
    );
  });

  it('TPE with parallel trials gives each slot its own point', async () => {
    const spec = parseSweepSpec(
      't.yaml',
      `${LR_SPACE}strategy: tpe\ntpe: { startupTrials: 2 }\nmaxTrials: 8\nparallel: 3\nset: [training.epochs=1]\n`,
      DIR,
    );
    const { executor, jobs } = byLearningRate((lr) => [Math.abs(Math.log10(lr) + 2.5)]);
    const r = await runSweep({ experimentsDir: tmp, spec, specDir: DIR, executor });
    assert.equal(r.trials.length, 8);
    assert.equal(new Set(jobs.map((j) => j.lr)).size, 8);
  });

  it('Hyperband deals trials to brackets and stops them at their own brackets’ rungs', async () => {
    const spec = parseSweepSpec(
      'h.yaml',
      `${LR_SPACE}strategy: hyperband\nhyperband: { minEpochs: 1, maxEpochs: 4, reductionFactor: 2 }\nmaxTrials: 10\nseed: 4\n`,
      DIR,
    );
    const { executor, jobs } = byLearningRate((lr) =>
      [1, 2, 3, 4].map((e) => Math.abs(Math.log10(lr) + 2.5) + 1 / e),
    );
    const r = await runSweep({ experimentsDir: tmp, spec, specDir: DIR, executor });
    assert.equal(r.status, 'completed');
    assert.ok(jobs.every((j) => j.ask && j.bracket !== undefined));
    const byBracket = [0, 1, 2].map((b) => r.trials.filter((t) => t.bracket === b));
    assert.ok(
      byBracket.every((ts) => ts.length > 0),
      JSON.stringify(r.trials.map((t) => t.bracket)),
    );
    // Bracket 0 judges at epoch 1, bracket 1 first at 2; bracket 2 (first rung 4 = maxEpochs) never stops.
    for (const t of byBracket[0]!.filter((x) => x.status === 'stopped')) assert.ok([1, 2].includes(t.epochs));
    for (const t of byBracket[1]!.filter((x) => x.status === 'stopped')) assert.equal(t.epochs, 2);
    assert.ok(byBracket[2]!.every((t) => t.status === 'completed' && t.epochs === 4));
    assert.ok(r.trials.some((t) => t.status === 'stopped'));
    const results = JSON.parse(readFileSync(join(r.dir, 'results.json'), 'utf8')) as {
      trials: { index: number; bracket?: number }[];
    };
    for (const t of results.trials)
      assert.equal(t.bracket, r.trials.find((x) => x.index === t.index)?.bracket);
  });

  it('the median rule stops trials behind the others, with any strategy, never at the last epoch', async () => {
    const spec = parseSweepSpec(
      'm.yaml',
      `base: tiny.yaml
set: [training.epochs=3]
parameters:
  training.optimizer.learningRate: { values: [0.003, 0.002, 0.004, 0.00001, 0.1] }
stopping: { rule: median, minEpochs: 1, minTrials: 2 }
metric: validation.loss
`,
      DIR,
    );
    const { executor, jobs } = byLearningRate((lr) => [1, 2, 3].map(() => Math.abs(Math.log10(lr) + 2.5)));
    const r = await runSweep({ experimentsDir: tmp, spec, specDir: DIR, executor });
    assert.ok(jobs.every((j) => j.ask));
    const status = Object.fromEntries(r.trials.map((t) => [t.params['training.optimizer.learningRate'], t]));
    assert.equal(status[0.003]?.status, 'completed');
    assert.equal(status[0.00001]?.status, 'stopped');
    assert.equal(status[0.00001]?.epochs, 1);
    assert.equal(status[0.1]?.status, 'stopped');
    assert.ok(r.trials.every((t) => t.status !== 'stopped' || t.epochs < 3));
  });
});

describe('runSweep: TPE on a queue', () => {
  it('keeps only proposalSlots (default the spec’s parallel) trials in flight, so it learns between them', async () => {
    const spec = parseSweepSpec(
      't.yaml',
      `${LR_SPACE}strategy: tpe\ntpe: { startupTrials: 2 }\nmaxTrials: 7\nparallel: 2\nset: [training.epochs=1]\n`,
      DIR,
    );
    for (const [slots, expected] of [
      [undefined, 2],
      [3, 3],
    ] as const) {
      let running = 0;
      let most = 0;
      const { executor } = byLearningRate((lr) => [Math.abs(Math.log10(lr) + 2.5)]);
      const r = await runSweep({
        experimentsDir: tmp,
        spec,
        specDir: DIR,
        queue: 'redis://example:6379',
        parallel: Number.MAX_SAFE_INTEGER,
        ...(slots ? { proposalSlots: slots } : {}),
        executor: async (job, hooks, signal) => {
          running++;
          most = Math.max(most, running);
          // Let the other slots start (or not) before this trial ends.
          await new Promise((r) => setImmediate(r));
          const outcome = await executor(job, hooks, signal);
          running--;
          return outcome;
        },
      });
      assert.equal(r.trials.length, 7);
      assert.equal(most, expected);
    }
  });
});

describe('runSweep: TPE in a small space', () => {
  it('ends when every point has been tried, before maxTrials', async () => {
    const spec = parseSweepSpec(
      't.yaml',
      `base: tiny.yaml
strategy: tpe
tpe: { startupTrials: 2 }
maxTrials: 6
set: [training.epochs=1]
parameters:
  training.optimizer.learningRate: { values: [0.001, 0.003, 0.01] }
metric: validation.loss
`,
      DIR,
    );
    const { executor, jobs } = byLearningRate((lr) => [Math.abs(Math.log10(lr) + 2.5)]);
    const r = await runSweep({ experimentsDir: tmp, spec, specDir: DIR, executor });
    assert.equal(r.status, 'completed');
    assert.deepEqual(jobs.map((j) => j.lr).sort(), [0.001, 0.003, 0.01]);
  });
});
