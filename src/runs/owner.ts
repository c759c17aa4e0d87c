import { randomBytes } from 'node:crypto';
import { linkSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { RunError } from '../errors.js';
import { writeJsonAtomic } from '../util/atomic.js';
import type { RunStatus } from './records.js';

/**
 * The one owner of a run: `owner.json` in the run folder names the process that trains it (pid,
 * host, the process's own start, when it took the run, its heartbeat). A training takes it when it
 * starts or resumes and gives it back when it ends (completed, interrupted or failed); a second
 * training of the same run is refused while the owner lives. Readers (`qqp runs`, `show`, `compare`,
 * `report`) use the same record to tell a run that is training from one whose process died
 * (`effectiveStatus`). Only training owns a run: eval, predict and the readers never take it.
 *
 * The record is created with link(2) from a complete temporary file, so it appears whole and only
 * once (two processes racing for it: one gets EEXIST), and it is never half-written.
 */

export const OWNER_FILE = 'owner.json';

/** How often a training refreshes `heartbeatAt` (at least; every saved epoch refreshes it too). */
export const HEARTBEAT_SECONDS = 30;
/** An owner on another host whose heartbeat is older than this is `stale` (it may be dead). */
export const STALE_AFTER_SECONDS = 10 * 60;

/** owner.json. */
export interface OwnerRecord {
  pid: number;
  host: string;
  /** When this process took the run. */
  startedAt: string;
  /**
   * The process's own start, to tell its pid from the same number given later to another process:
   * on Linux `<boot id>:<start time in clock ticks>` from /proc; null where that cannot be read.
   */
  processStart: string | null;
  /** Refreshed while training: a run on another host whose heartbeat stopped shows as stale. */
  heartbeatAt: string;
  /** The command line that took the run. */
  command: string[];
}

/** What the readers show: run.json's status, corrected by the owner record and the summary. */
export type EffectiveStatus = RunStatus | 'crashed' | 'stale' | 'stopped' | 'unknown';

export const EFFECTIVE_STATUSES: readonly EffectiveStatus[] = [
  'running',
  'completed',
  'stopped',
  'interrupted',
  'failed',
  'crashed',
  'stale',
  'unknown',
];

/** How to see processes: this host's name, the clock, and whether a pid still is the process recorded. */
export interface OwnerContext {
  host: string;
  now: () => Date;
  isAlive: (pid: number, processStart: string | null) => boolean;
}

function readProc(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** A process's start identity (Linux: boot id and start ticks), or null where /proc is not there. */
export function processStartOf(pid: number): string | null {
  const stat = readProc(`/proc/${pid}/stat`);
  const boot = readProc('/proc/sys/kernel/random/boot_id');
  if (stat === null || boot === null) return null;
  // Fields after the command name (which is in parentheses and may hold spaces): state is field 3,
  // starttime field 22.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = fields[19];
  return ticks === undefined ? null : `${boot.trim()}:${ticks}`;
}

/**
 * Whether `pid` is still the process recorded: signal 0 says whether any process has the pid (EPERM:
 * one exists, of another user); where the start identity is known on both sides, it must match, so
 * a pid reused by a later process does not keep a dead run "running".
 */
export function processAlive(pid: number, processStart: string | null): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (processStart === null) return true;
  const now = processStartOf(pid);
  return now === null || now === processStart;
}

export function localContext(): OwnerContext {
  return { host: hostname(), now: () => new Date(), isAlive: processAlive };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses owner.json's text; null when it is not an owner record. */
export function parseOwner(text: string): OwnerRecord | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(v) || typeof v.pid !== 'number' || typeof v.host !== 'string') return null;
  return {
    pid: v.pid,
    host: v.host,
    startedAt: typeof v.startedAt === 'string' ? v.startedAt : '',
    processStart: typeof v.processStart === 'string' ? v.processStart : null,
    heartbeatAt: typeof v.heartbeatAt === 'string' ? v.heartbeatAt : '',
    command: Array.isArray(v.command) ? v.command.filter((c): c is string => typeof c === 'string') : [],
  };
}

export type OwnerRead = { record: OwnerRecord; text: string } | { missing: true } | { corrupt: string };

/** Reads a run folder's owner.json without throwing. */
export function readOwner(dir: string): OwnerRead {
  let text: string;
  try {
    text = readFileSync(join(dir, OWNER_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { missing: true };
    return { corrupt: `cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})` };
  }
  const record = parseOwner(text);
  return record ? { record, text } : { corrupt: 'not an owner record' };
}

/** How an owner stands, seen from here. */
export type OwnerState =
  /** Same host, the process is there. */
  | 'alive'
  /** Same host, the process is gone (or its pid now belongs to another process). */
  | 'dead'
  /** Another host, heartbeat recent. */
  | 'fresh'
  /** Another host, heartbeat older than STALE_AFTER_SECONDS (or unreadable). */
  | 'stale';

export function ownerState(record: OwnerRecord, context: OwnerContext = localContext()): OwnerState {
  if (record.host === context.host) {
    return context.isAlive(record.pid, record.processStart) ? 'alive' : 'dead';
  }
  const beat = Date.parse(record.heartbeatAt);
  if (Number.isNaN(beat)) return 'stale';
  return context.now().getTime() - beat > STALE_AFTER_SECONDS * 1000 ? 'stale' : 'fresh';
}

export function describeOwner(record: OwnerRecord): string {
  return `process ${record.pid} on ${record.host}${record.startedAt ? `, started ${record.startedAt}` : ''}${record.heartbeatAt ? `, last heartbeat ${record.heartbeatAt}` : ''}`;
}

export interface StatusVerdict {
  status: EffectiveStatus;
  /** The owner record, when there is one. */
  owner: (OwnerRecord & { state: OwnerState }) | null;
  /** Why the status differs from run.json's, for `qqp show`. */
  reason: string | null;
}

/**
 * The status every reader shows, from run.json's status, the summary's `stoppedBy` and owner.json:
 * a run recorded `running` whose owner is gone is `crashed` (owner on this host, process gone; or no
 * owner at all, since a training holds it until it writes its final status), or `stale` (owner on
 * another host whose heartbeat stopped); a completed run that a sweep's scheduler ended early is
 * `stopped`. The one place this is decided.
 */
export function effectiveStatus(
  dir: string,
  recorded: { status: RunStatus | 'unknown'; stoppedBy?: unknown },
  context: OwnerContext = localContext(),
): StatusVerdict {
  const read = readOwner(dir);
  const owner = 'record' in read ? { ...read.record, state: ownerState(read.record, context) } : null;
  if (recorded.status === 'completed') {
    return { status: recorded.stoppedBy === 'scheduler' ? 'stopped' : 'completed', owner, reason: null };
  }
  if (recorded.status !== 'running') return { status: recorded.status, owner, reason: null };
  if (owner === null) {
    return {
      status: 'crashed',
      owner,
      reason:
        'corrupt' in read
          ? `run.json says running, but ${OWNER_FILE} is unreadable: ${read.corrupt}`
          : `run.json says running, but no process owns the run: there is no ${OWNER_FILE}`,
    };
  }
  switch (owner.state) {
    case 'alive':
    case 'fresh':
      return { status: 'running', owner, reason: null };
    case 'dead':
      return {
        status: 'crashed',
        owner,
        reason: `run.json says running, but its ${describeOwner(owner)} is gone`,
      };
    case 'stale':
      return {
        status: 'stale',
        owner,
        reason: `run.json says running on ${owner.host}, whose heartbeat stopped ${owner.heartbeatAt ? `at ${owner.heartbeatAt}` : 'long ago'}; it may have died`,
      };
  }
}

export interface AcquireOptions {
  /** Take over an owner on another host whose heartbeat is stale (`qqp train --take-over`). */
  takeOver?: boolean;
  command?: string[];
  context?: OwnerContext;
}

/** The owner a run was taken from, for train.log. */
export interface TakenOver {
  previous: OwnerRecord | null;
  why: string;
}

function isSame(a: OwnerRecord, b: OwnerRecord): boolean {
  return a.pid === b.pid && a.host === b.host && a.startedAt === b.startedAt;
}

/** The run's owner as held by this process: its heartbeat, then its release. */
export class RunOwner {
  private timer: ReturnType<typeof setInterval> | undefined;
  private released = false;
  /** Set when another process took the run from this one (a forced take-over). */
  lostTo: OwnerRecord | null = null;

  private constructor(
    readonly dir: string,
    readonly record: OwnerRecord,
    /** The dead or stale owner this one replaced, if any. */
    readonly tookOver: TakenOver | null,
  ) {}

  /**
   * Takes the run in `dir` for this process. A live owner (this host) or one with a recent heartbeat
   * (another host) is a RunError naming it; a dead owner on this host is taken over; a stale one on
   * another host only with `takeOver`.
   */
  static acquire(dir: string, options: AcquireOptions = {}): RunOwner {
    const context = options.context ?? localContext();
    const now = context.now().toISOString();
    const record: OwnerRecord = {
      pid: process.pid,
      host: context.host,
      startedAt: now,
      processStart: processStartOf(process.pid),
      heartbeatAt: now,
      command: options.command ?? [],
    };
    let tookOver: TakenOver | null = null;
    for (let tries = 0; tries < 5; tries++) {
      if (createExclusive(dir, record)) {
        removeLeftovers(dir, context);
        return new RunOwner(dir, record, tookOver);
      }
      const current = readOwner(dir);
      if ('missing' in current) continue; // released meanwhile: try again
      if ('corrupt' in current) {
        // Never one of ours (they are created whole): nothing can be holding the run through it.
        if (removeIfUnchanged(dir, null))
          tookOver = { previous: null, why: `${OWNER_FILE} ${current.corrupt}` };
        continue;
      }
      const owner = current.record;
      const state = ownerState(owner, context);
      if (state === 'alive' || state === 'fresh')
        throw ownedError(dir, owner, state, options.takeOver === true);
      if (state === 'stale' && !options.takeOver) throw staleError(dir, owner);
      if (removeIfUnchanged(dir, current.text)) {
        tookOver = {
          previous: owner,
          why: state === 'dead' ? 'its process is gone' : 'its heartbeat stopped (--take-over)',
        };
      }
    }
    throw new RunError(
      'RUN_OWNER_RACE',
      `${join(dir, OWNER_FILE)} kept changing: another process is taking this run at the same moment`,
      { suggestions: ['`qqp runs` shows whether it is running; try again once it has settled'] },
    );
  }

  /**
   * Refreshes heartbeatAt, unless the record is no longer this process's (taken over by force):
   * then `lostTo` says by whom and nothing is written.
   */
  heartbeat(now = new Date()): void {
    if (this.released || this.lostTo) return;
    const current = readOwner(this.dir);
    if ('record' in current && !isSame(current.record, this.record)) {
      this.lostTo = current.record;
      this.stopHeartbeat();
      return;
    }
    this.record.heartbeatAt = now.toISOString();
    writeJsonAtomic(join(this.dir, OWNER_FILE), this.record);
  }

  /** A heartbeat every `seconds` while training, off the event loop's reasons to stay alive. */
  startHeartbeat(seconds = HEARTBEAT_SECONDS): void {
    this.stopHeartbeat();
    this.timer = setInterval(() => {
      try {
        this.heartbeat();
      } catch {
        // A heartbeat that cannot be written (folder gone, disk full) is retried at the next one.
      }
    }, seconds * 1000);
    this.timer.unref();
  }

  private stopHeartbeat(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Gives the run back (owner.json removed, if it is still this process's). Safe to call twice. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.stopHeartbeat();
    const current = readOwner(this.dir);
    if ('record' in current && isSame(current.record, this.record)) {
      rmSync(join(this.dir, OWNER_FILE), { force: true });
    }
  }
}

function tempBeside(dir: string, what: string): string {
  return join(dir, `.${OWNER_FILE}.${process.pid}.${randomBytes(4).toString('hex')}.${what}`);
}

/**
 * Temporary files of owner.json (this module's and the heartbeat's atomic writes) left by processes
 * killed while writing them: removed by the next owner, once their process is gone.
 */
function removeLeftovers(dir: string, context: OwnerContext): void {
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = /^\.owner\.json\.(\d+)\.[0-9a-f]+\.(tmp|old)$/.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid !== process.pid && !context.isAlive(pid, null)) rmSync(join(dir, name), { force: true });
  }
}

/** Creates owner.json whole, only if there is none: link(2) of a complete temporary file. */
function createExclusive(dir: string, record: OwnerRecord): boolean {
  const tmp = tempBeside(dir, 'tmp');
  writeFileSync(tmp, `${JSON.stringify(record, null, 2)}\n`);
  try {
    linkSync(tmp, join(dir, OWNER_FILE));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    rmSync(tmp, { force: true });
  }
}

/**
 * Moves owner.json aside and removes it if it still is the record judged (`text`; null: any
 * unparsable one). If another process replaced it meanwhile, it is put back and false returned.
 */
function removeIfUnchanged(dir: string, text: string | null): boolean {
  const file = join(dir, OWNER_FILE);
  const aside = tempBeside(dir, 'old');
  try {
    renameSync(file, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  let moved = '';
  try {
    moved = readFileSync(aside, 'utf8');
  } catch {
    // unreadable: treated as changed below only if we expected a particular text
  }
  const unchanged = text === null ? parseOwner(moved) === null : moved === text;
  if (!unchanged) {
    try {
      linkSync(aside, file);
    } catch {
      // someone else took the run meanwhile; theirs stays
    }
  }
  unlinkSync(aside);
  return unchanged;
}

function ownedError(dir: string, owner: OwnerRecord, state: OwnerState, takeOver: boolean): RunError {
  const where = join(dir, OWNER_FILE);
  if (state === 'alive') {
    return new RunError(
      'RUN_OWNED',
      `this run is being trained by ${describeOwner(owner)} (${where}); two trainings of one run would interleave its history`,
      {
        suggestions: [
          `wait for it to finish, or stop it (Ctrl-C in its terminal, or kill ${owner.pid}) and resume again`,
          'a dead owner on this host is taken over automatically; `qqp runs` shows such a run as crashed',
        ],
      },
    );
  }
  return new RunError(
    'RUN_OWNED',
    `this run is being trained on another host: ${describeOwner(owner)} (${where})${takeOver ? `; --take-over needs its heartbeat to be older than ${STALE_AFTER_SECONDS / 60} minutes` : ''}`,
    {
      suggestions: [
        `stop it on ${owner.host}, or wait; once its heartbeat is older than ${STALE_AFTER_SECONDS / 60} minutes (\`qqp runs\` says stale), \`qqp train --resume ${basename(dir)} --take-over\` takes the run over`,
      ],
    },
  );
}

function staleError(dir: string, owner: OwnerRecord): RunError {
  return new RunError(
    'RUN_OWNER_STALE',
    `this run was being trained on another host and its heartbeat stopped: ${describeOwner(owner)} (${join(dir, OWNER_FILE)})`,
    {
      suggestions: [
        `if that process is gone (check on ${owner.host}), take the run over: qqp train --resume ${basename(dir)} --take-over`,
      ],
    },
  );
}
