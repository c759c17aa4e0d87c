import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
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

type RunsJson = { runs: { id: string; status: string; statusReason: string | null }[] };

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
