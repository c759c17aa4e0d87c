import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { RunError } from '../../src/errors.js';
import {
  effectiveStatus,
  OWNER_FILE,
  type OwnerContext,
  type OwnerRecord,
  ownerState,
  processAlive,
  processStartOf,
  RunOwner,
  readOwner,
  STALE_AFTER_SECONDS,
} from '../../src/runs/owner.js';

// Liveness here is decided by processes (a child that has exited), host names and recorded times,
// never by how long something takes.

const root = mkdtempSync(join(tmpdir(), 'qqp-owner-'));
after(() => rmSync(root, { recursive: true, force: true }));
let folders = 0;
function runDir(): string {
  const dir = join(root, `run-${++folders}`);
  mkdirSync(dir);
  return dir;
}

/** The pid of a process that has exited (and been reaped): nothing answers to it now. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  assert.equal(r.status, 0);
  assert.ok(r.pid > 0);
  return r.pid;
}

const NOW = new Date('2026-12-01T12:00:00.000Z');
function at(now: Date, host = hostname()): OwnerContext {
  return { host, now: () => now, isAlive: processAlive };
}

function record(fields: Partial<OwnerRecord>): OwnerRecord {
  return {
    pid: process.pid,
    host: hostname(),
    startedAt: NOW.toISOString(),
    processStart: null,
    heartbeatAt: NOW.toISOString(),
    command: ['train'],
    ...fields,
  };
}

function writeOwner(dir: string, r: OwnerRecord): void {
  writeFileSync(join(dir, OWNER_FILE), JSON.stringify(r));
}

function ownerOf(dir: string): OwnerRecord {
  const read = readOwner(dir);
  assert.ok('record' in read, JSON.stringify(read));
  return read.record;
}

describe('RunOwner', () => {
  it('takes a run for this process, refuses a second owner while it lives, and gives it back', () => {
    const dir = runDir();
    const owner = RunOwner.acquire(dir, { command: ['train', 'x'] });
    const held = ownerOf(dir);
    assert.equal(held.pid, process.pid);
    assert.equal(held.host, hostname());
    assert.deepEqual(held.command, ['train', 'x']);
    assert.equal(held.processStart, processStartOf(process.pid));
    assert.equal(owner.tookOver, null);

    assert.throws(
      () => RunOwner.acquire(dir),
      (e: unknown) =>
        e instanceof RunError &&
        e.code === 'RUN_OWNED' &&
        e.category === 'run' &&
        e.message.includes(`process ${process.pid} on ${hostname()}`) &&
        e.suggestions.some((s) => s.includes(`kill ${process.pid}`)),
    );
    // --take-over does not take a run from a live process on this host either.
    assert.throws(() => RunOwner.acquire(dir, { takeOver: true }), /being trained by process/);

    owner.release();
    assert.equal(existsSync(join(dir, OWNER_FILE)), false);
    owner.release(); // twice is harmless
    RunOwner.acquire(dir).release();
  });

  it('takes over a dead owner on this host, and says whose it was', () => {
    const dir = runDir();
    const pid = deadPid();
    writeOwner(dir, record({ pid }));
    assert.equal(ownerState(ownerOf(dir)), 'dead');
    const owner = RunOwner.acquire(dir);
    assert.equal(owner.tookOver?.previous?.pid, pid);
    assert.match(owner.tookOver?.why ?? '', /process is gone/);
    assert.equal(ownerOf(dir).pid, process.pid);
    owner.release();
  });

  it('counts a reused pid (same number, another process start) as dead', (t) => {
    const mine = processStartOf(process.pid);
    if (mine === null) return t.skip('no /proc: the start identity is not recorded here');
    assert.equal(processAlive(process.pid, mine), true);
    assert.equal(processAlive(process.pid, 'another-boot:1'), false);
    const dir = runDir();
    writeOwner(dir, record({ processStart: 'another-boot:1' }));
    const owner = RunOwner.acquire(dir);
    assert.equal(owner.tookOver?.previous?.processStart, 'another-boot:1');
    owner.release();
  });

  it('refuses an owner on another host until its heartbeat is stale and --take-over is given', () => {
    const dir = runDir();
    const fresh = record({ host: 'other-host.example', pid: 4242 });
    writeOwner(dir, fresh);
    const shortlyAfter = at(new Date(NOW.getTime() + 60_000));
    assert.throws(
      () => RunOwner.acquire(dir, { takeOver: true, context: shortlyAfter }),
      (e: unknown) =>
        e instanceof RunError &&
        e.code === 'RUN_OWNED' &&
        e.message.includes('process 4242 on other-host.example') &&
        /--take-over needs its heartbeat to be older/.test(e.message),
    );
    const later = at(new Date(NOW.getTime() + (STALE_AFTER_SECONDS + 1) * 1000));
    assert.throws(
      () => RunOwner.acquire(dir, { context: later }),
      (e: unknown) =>
        e instanceof RunError &&
        e.code === 'RUN_OWNER_STALE' &&
        e.suggestions.some((s) => s.includes('--take-over')),
    );
    assert.equal(ownerOf(dir).host, 'other-host.example', 'a refusal leaves the owner as it was');
    const owner = RunOwner.acquire(dir, { takeOver: true, context: later });
    assert.equal(owner.tookOver?.previous?.host, 'other-host.example');
    assert.equal(ownerOf(dir).pid, process.pid);
    owner.release();
  });

  it('takes over an unreadable owner record', () => {
    const dir = runDir();
    writeFileSync(join(dir, OWNER_FILE), '{"pid": 12');
    const owner = RunOwner.acquire(dir);
    assert.equal(owner.tookOver?.previous, null);
    assert.match(owner.tookOver?.why ?? '', /not an owner record/);
    owner.release();
  });

  it('refreshes its heartbeat, and notices when another process took the run from it', () => {
    const dir = runDir();
    const owner = RunOwner.acquire(dir);
    const beat = new Date('2030-01-01T00:00:00.000Z');
    owner.heartbeat(beat);
    assert.equal(ownerOf(dir).heartbeatAt, beat.toISOString());
    const other = record({ host: 'other-host.example', pid: 7 });
    writeOwner(dir, other);
    owner.heartbeat(new Date('2030-01-01T00:01:00.000Z'));
    assert.equal(owner.lostTo?.host, 'other-host.example');
    assert.deepEqual(ownerOf(dir), other, "the other owner's record is not overwritten");
    owner.release();
    assert.deepEqual(ownerOf(dir), other, 'nor removed');
  });

  it('leaves no temporary files beside owner.json, and removes those of killed processes', () => {
    const dir = runDir();
    const pid = deadPid();
    writeOwner(dir, record({ pid }));
    // What a process killed inside a write leaves: the heartbeat's temporary file, a take-over's.
    writeFileSync(join(dir, `.${OWNER_FILE}.${pid}.0a1b2c3d.tmp`), '{"pid": 1');
    writeFileSync(join(dir, `.${OWNER_FILE}.${pid}.0a1b2c3e.old`), '');
    writeFileSync(join(dir, '.config.yaml.1.0a1b2c3d.tmp'), 'not ours');
    const owner = RunOwner.acquire(dir);
    owner.heartbeat();
    owner.release();
    assert.deepEqual(readdirSync(dir), ['.config.yaml.1.0a1b2c3d.tmp']);
  });
});

describe('effectiveStatus', () => {
  it("is run.json's status while the owner lives, crashed once it is gone", () => {
    const dir = runDir();
    const owner = RunOwner.acquire(dir);
    assert.equal(effectiveStatus(dir, { status: 'running' }).status, 'running');
    owner.release();
    const gone = effectiveStatus(dir, { status: 'running' });
    assert.equal(gone.status, 'crashed');
    assert.match(gone.reason ?? '', /no process owns the run/);

    const pid = deadPid();
    writeOwner(dir, record({ pid }));
    const dead = effectiveStatus(dir, { status: 'running' });
    assert.equal(dead.status, 'crashed');
    assert.equal(dead.owner?.pid, pid);
    assert.match(dead.reason ?? '', new RegExp(`process ${pid} on .* is gone`));
  });

  it('is stale for another host whose heartbeat stopped, running while it beats', () => {
    const dir = runDir();
    writeOwner(dir, record({ host: 'other-host.example', pid: 4242 }));
    assert.equal(effectiveStatus(dir, { status: 'running' }, at(NOW)).status, 'running');
    const later = at(new Date(NOW.getTime() + (STALE_AFTER_SECONDS + 1) * 1000));
    const stale = effectiveStatus(dir, { status: 'running' }, later);
    assert.equal(stale.status, 'stale');
    assert.match(stale.reason ?? '', /other-host\.example/);
  });

  it('says stopped for a trial its scheduler ended, and keeps the final statuses', () => {
    const dir = runDir();
    assert.equal(effectiveStatus(dir, { status: 'completed', stoppedBy: 'scheduler' }).status, 'stopped');
    assert.equal(effectiveStatus(dir, { status: 'completed' }).status, 'completed');
    // A process that died after writing its final status (before giving the run back) changes nothing.
    writeOwner(dir, record({ pid: deadPid() }));
    for (const status of ['interrupted', 'failed', 'completed', 'unknown'] as const) {
      assert.equal(effectiveStatus(dir, { status }).status, status);
    }
  });
});
