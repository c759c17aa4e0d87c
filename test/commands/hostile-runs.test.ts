import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { PROJECT_ROOT, runCli, runCliJson } from '../helpers/cli.js';

/**
 * Runs treated roughly: a training killed with `kill -9`, a second training of a run that is
 * being trained, the resume of a crashed run. Each step waits for what the run folder says (a
 * file, a line), never for a length of time.
 */

const TINY = join(PROJECT_ROOT, 'test', 'fixtures', 'configs', 'tiny.yaml');
const root = mkdtempSync(join(tmpdir(), 'qqp-hostile-runs-'));
after(() => rmSync(root, { recursive: true, force: true }));

interface Started {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  exitedYet: () => boolean;
  stderr: () => string;
}

const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function start(args: string[], cwd: string): Started {
  const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin', 'run.js'), ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  let done = false;
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>(
    (resolve) => {
      child.on('exit', (code, signal) => {
        done = true;
        resolve({ code, signal, stderr });
      });
    },
  );
  return { child, exited, exitedYet: () => done, stderr: () => stderr };
}

/** Waits until `ready()` holds, checking again and again; fails at once if the process ends first. */
async function until(ready: () => boolean, what: string, p: Started): Promise<void> {
  while (!ready()) {
    if (p.exitedYet()) assert.fail(`the training ended before ${what}:\n${p.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function epochsIn(dir: string): number[] {
  return readText(join(dir, 'metrics.jsonl'))
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => (JSON.parse(l) as { epoch: number }).epoch);
}

function ownerPid(dir: string): number | null {
  try {
    return (JSON.parse(readFileSync(join(dir, 'owner.json'), 'utf8')) as { pid: number }).pid;
  } catch {
    return null;
  }
}

function assertNoStack(text: string, what: string): void {
  assert.doesNotMatch(text, /^ {4}at /m, `${what}: a stack trace\n${text}`);
}

type RunsJson = {
  superseded: number;
  runs: {
    id: string;
    status: string;
    statusReason: string | null;
    sweep: { id: string; trial: string; attempt: number | null } | null;
  }[];
};

describe('qqp train, killed and resumed', () => {
  it('shows a killed training as crashed, refuses a second training of a live run, and resumes the crashed one', {
    timeout: 300_000,
  }, async () => {
    const parent = join(root, 'kill');
    mkdirSync(parent);
    const exp = join(parent, 'exp');
    const long = ['--experiments-dir', exp];

    // 1. A training with far more epochs than it will get to run.
    const first = start(
      ['train', TINY, ...long, '--set', 'training.epochs=100000', '--name', 'long'],
      parent,
    );
    let dir = '';
    await until(
      () => {
        const ids = existsSync(exp) ? readdirSync(exp) : [];
        if (ids.length !== 1) return false;
        dir = join(exp, ids[0]!);
        return epochsIn(dir).length >= 1 && ownerPid(dir) === first.child.pid;
      },
      'its first epoch was saved',
      first,
    );
    const id = dir.slice(exp.length + 1);
    const live = runCliJson<RunsJson>(['runs', ...long], { cwd: parent });
    assert.equal(live.json.runs[0]?.status, 'running', live.stderr);

    // 2. A second training of the same run is refused while the first lives: exit 6, who owns it.
    const second = runCli(['train', '--resume', id, ...long], { cwd: parent });
    assert.equal(second.code, 6, second.stderr);
    assert.match(second.stderr, new RegExp(`being trained by process ${first.child.pid} on ${hostname()}`));
    assert.match(second.stderr, new RegExp(`kill ${first.child.pid}`));
    assertNoStack(second.stderr + second.stdout, 'second resume');
    assert.equal(ownerPid(dir), first.child.pid, 'the refused training leaves the owner as it was');

    // 3. kill -9: no chance to write a final status. The readers say crashed, not running.
    first.child.kill('SIGKILL');
    assert.equal((await first.exited).signal, 'SIGKILL');
    const meta = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as { status: string };
    assert.equal(meta.status, 'running', 'run.json still says running');
    const crashed = runCliJson<RunsJson>(['runs', ...long], { cwd: parent });
    assert.equal(crashed.json.runs[0]?.status, 'crashed');
    assert.match(
      crashed.json.runs[0]?.statusReason ?? '',
      new RegExp(`process ${first.child.pid} .* is gone`),
    );
    const table = runCli(['runs', ...long], { cwd: parent });
    assert.match(table.stdout, /│ crashed/);
    const shown = runCli(['show', id, ...long, '--no-curves'], { cwd: parent });
    assert.match(shown.stdout, /crashed \(run\.json says running, but its process \d+ on .* is gone\)/);
    assert.equal(runCli(['runs', ...long, '--status', 'crashed'], { cwd: parent }).code, 0);
    // Reading a run is not training it: eval does not need (or take) the owner record.
    assert.ok(existsSync(join(dir, 'owner.json')), "the dead owner's record is still there");
    const evaluated = runCli(['eval', id, ...long], { cwd: parent });
    assert.equal(evaluated.code, 0, evaluated.stderr);

    // 4. Its resume takes the dead owner's place (said in train.log) and goes on from the checkpoint.
    const before = epochsIn(dir).length;
    const resumed = start(['train', '--resume', id, ...long], parent);
    await until(
      () => ownerPid(dir) === resumed.child.pid && epochsIn(dir).length > before,
      'the resumed run saved an epoch',
      resumed,
    );
    assert.match(
      readText(join(dir, 'train.log')),
      new RegExp(
        `owner: took the run over from process ${first.child.pid} on ${hostname()}.*\\(its process is gone\\)`,
      ),
    );
    resumed.child.kill('SIGINT');
    const end = await resumed.exited;
    assert.equal(end.code, 130, end.stderr);
    assertNoStack(end.stderr, 'resumed training');
    const epochs = epochsIn(dir);
    assert.deepEqual(
      epochs,
      epochs.map((_, i) => i + 1),
      'every epoch once, in order',
    );
    assert.equal(existsSync(join(dir, 'owner.json')), false, 'the run was given back');
    const last = runCliJson<RunsJson>(['runs', ...long], { cwd: parent });
    assert.equal(last.json.runs[0]?.status, 'interrupted');
    assert.deepEqual(readdirSync(parent), ['exp'], 'nothing written outside the experiments folder');
  });
});

describe('qqp sweep, a trial process killed', () => {
  it('reruns the trial as attempt 2; runs --sweep lists the trial once, --all shows the crashed first folder', {
    timeout: 300_000,
  }, async () => {
    const parent = join(root, 'sweep');
    mkdirSync(parent);
    const exp = join(parent, 'exp');
    const spec = join(root, 'one-trial.yaml');
    writeFileSync(
      spec,
      `name: kill\nbase: ${TINY}\nset: [training.epochs=100000]\nparameters:\n  training.batchSize: { values: [32] }\nmetric: validation.loss\n`,
    );
    const runFolders = () =>
      existsSync(exp)
        ? readdirSync(exp)
            .filter((d) => d !== 'sweeps' && d !== 'sweep-trials')
            .map((d) => join(exp, d))
        : [];

    // The sweep's trial process saves an epoch; then it is killed (its sweep goes on without it).
    const sweep = start(['sweep', spec, '--experiments-dir', exp], parent);
    let first = '';
    let trialPid: number | null = null;
    await until(
      () => {
        const [dir] = runFolders();
        if (!dir) return false;
        first = dir;
        trialPid = ownerPid(dir);
        return trialPid !== null && trialPid !== sweep.child.pid && epochsIn(dir).length >= 1;
      },
      "the trial's first epoch was saved",
      sweep,
    );
    process.kill(trialPid!, 'SIGKILL');
    const ended = await sweep.exited;
    assertNoStack(ended.stderr, 'sweep');
    const sweepId = readdirSync(join(exp, 'sweeps'))[0]!;
    const afterKill = runCliJson<RunsJson>(['runs', '--experiments-dir', exp, '--sweep', sweepId], {
      cwd: parent,
    });
    assert.deepEqual(
      afterKill.json.runs.map((r) => [r.status, r.sweep?.attempt]),
      [['crashed', 1]],
    );

    // The failed trial runs again, in a new folder: its second attempt.
    const again = start(['sweep', '--resume', sweepId, '--retry-failed', '--experiments-dir', exp], parent);
    let second = '';
    await until(
      () => {
        const dir = runFolders().find((d) => d !== first);
        if (!dir) return false;
        second = dir;
        return ownerPid(dir) !== null && epochsIn(dir).length >= 1;
      },
      "the second attempt's first epoch was saved",
      again,
    );
    again.child.kill('SIGINT');
    const stopped = await again.exited;
    assert.equal(stopped.code, 130, stopped.stderr);
    const meta = JSON.parse(readFileSync(join(second, 'run.json'), 'utf8')) as RunsJson['runs'][number];
    assert.equal(meta.sweep?.attempt, 2);

    const listed = runCliJson<RunsJson>(['runs', '--experiments-dir', exp, '--sweep', sweepId], {
      cwd: parent,
    });
    assert.deepEqual(
      listed.json.runs.map((r) => [r.id, r.status, r.sweep?.attempt]),
      [[second.slice(exp.length + 1), 'interrupted', 2]],
    );
    assert.equal(listed.json.superseded, 1);
    const table = runCli(['runs', '--experiments-dir', exp, '--sweep', sweepId], { cwd: parent });
    assert.match(table.stdout, /#2 .* interrupted/);
    assert.match(
      table.stdout,
      /1 folder\(s\) of earlier attempts of these trials left out \(--all shows them\)/,
    );
    const all = runCliJson<RunsJson>(['runs', '--experiments-dir', exp, '--sweep', sweepId, '--all'], {
      cwd: parent,
    });
    assert.deepEqual(
      all.json.runs.map((r) => [r.status, r.sweep?.attempt]),
      [
        ['crashed', 1],
        ['interrupted', 2],
      ],
    );
    assert.deepEqual(readdirSync(parent), ['exp'], 'nothing written outside the experiments folder');
  });
});
