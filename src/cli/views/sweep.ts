import type { ManifestTrial, SweepEvent, SweepManifest } from '../../sweep/runner.js';
import type { JobCounts } from '../../sweep/status.js';
import { table, terminalWidth } from '../render.js';
import { duration } from './progress.js';

/** `qqp sweep`'s views: the live trials table and the pieces its final report shares. */

/** A metric value with 4 decimals, or `-` when there is none. */
export function metricText(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(4);
}

/** A trial's parameters as `path=value` pairs. */
export function paramText(params: Record<string, unknown>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
}

/** The status, with the epoch a stopped trial reached and a Hyperband trial's bracket. */
function statusText(t: ManifestTrial): string {
  const status = t.status === 'stopped' ? `stopped @${t.epochs}` : t.status;
  return t.bracket === undefined ? status : `${status} (bracket ${t.bracket})`;
}

/** The rows of the trials table (trial, parameters, status, epoch, best, run), live and final. */
export function trialRows(trials: readonly ManifestTrial[]): string[][] {
  return trials.map((t) => [
    String(t.index),
    paramText(t.params),
    statusText(t),
    String(t.epochs),
    metricText(t.best),
    t.runId ?? '-',
  ]);
}

/** Trials by status, the statuses that have any, in `counts`' order: `2 completed, 1 running`. */
export function trialCountsText(counts: Readonly<Record<string, number>>): string {
  const parts = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${n} ${status}`);
  return parts.length ? parts.join(', ') : 'none';
}

/** A queue's jobs of one sweep: `waiting 1, active 1, completed 2, failed 0` (and those not on it). */
export function jobCountsText(jobs: JobCounts): string {
  const text = `waiting ${jobs.waiting}, active ${jobs.active}, completed ${jobs.completed}, failed ${jobs.failed}`;
  return jobs.absent > 0 ? `${text}, not on the queue ${jobs.absent}` : text;
}

/** Where a sweep stands, as its progress line and ETA see it. */
export interface SweepProgress {
  /** Trials in the sweep. */
  total: number;
  /** Trials finished (before this session, or in it, whatever their outcome). */
  done: number;
  /** Trials a process is working on now: seconds since it took each, and epochs it has done. */
  running: { seconds: number; epochs: number }[];
  /** Trials still to start (for a queue: not yet taken by a worker). */
  waiting: number;
  /** Trials completed (or stopped by ASHA) in this session: their wall time and epochs. */
  finished: { seconds: number; epochs: number }[];
  /** Seconds since the sweep (this session) started. */
  elapsed: number;
  /** Trials at once: `parallel`, or for a queue the most seen at once so far. */
  parallel: number;
  /** A queue's workers: `parallel` is what was seen, not what was asked for. */
  queued?: boolean;
  /** ASHA's maxEpochs: the ETA is then an upper bound (every trial left runs all its epochs). */
  maxEpochs?: number;
}

/** The time left, from the trials finished so far; null before the first one ends. */
export interface SweepEta {
  seconds: number;
  /** `upper` for ASHA: as if no trial left were stopped early. */
  kind: 'estimate' | 'upper';
}

/**
 * Seconds until the sweep ends: each trial left takes the mean wall time of the trials finished in
 * this session (a running one, that less what it has run already), and they are dealt out to
 * `parallel` slots, each trial to the slot free first; the ETA is when the last slot ends. With ASHA
 * the mean is per epoch and each trial left is counted at maxEpochs, so the ETA is an upper bound
 * at the pace seen (stopped trials end sooner). Failed trials do not count towards the mean.
 */
export function sweepEta(p: SweepProgress): SweepEta | null {
  const seconds = p.finished.reduce((a, f) => a + f.seconds, 0);
  let perTrial: number;
  if (p.maxEpochs !== undefined) {
    const epochs = p.finished.reduce((a, f) => a + f.epochs, 0);
    if (epochs <= 0) return null;
    perTrial = (seconds / epochs) * p.maxEpochs;
  } else {
    if (p.finished.length === 0) return null;
    perTrial = seconds / p.finished.length;
  }
  const left = p.running.length + p.waiting;
  const slots = p.running.map((r) => Math.max(0, perTrial - r.seconds));
  while (slots.length < Math.min(Math.max(1, p.parallel), left)) slots.push(0);
  for (let i = 0; i < p.waiting; i++) {
    let first = 0;
    for (let j = 1; j < slots.length; j++) if ((slots[j] as number) < (slots[first] as number)) first = j;
    slots[first] = (slots[first] as number) + perTrial;
  }
  return {
    seconds: Math.max(0, ...slots),
    kind: p.maxEpochs !== undefined ? 'upper' : 'estimate',
  };
}

/**
 * The sweep's progress in at most `width` columns (a line wider than that only when even the
 * shortest form is), for example
 * `sweep: 3/8 trials done, 2 running, 3 to go  elapsed 4m10s  ETA 6m20s`, with ASHA
 * `ETA ≤ 6m20s (if ASHA stops no more trials)`, on a queue `ETA 6m20s (at 2 trials at once, as seen
 * so far)`, and `ETA unknown (no trial finished yet)` before the first trial ends. When the line is
 * too wide the counts, then the ETA's note, then the labels are shortened.
 */
export function sweepProgressLine(p: SweepProgress, width = 80): string {
  const eta = sweepEta(p);
  const left = p.running.length + p.waiting;
  const time = eta ? duration(eta.seconds) : '';
  const etaLong =
    left === 0
      ? ''
      : !eta
        ? 'ETA unknown (no trial finished yet)'
        : eta.kind === 'upper'
          ? `ETA ≤ ${time} (if ASHA stops no more trials)`
          : p.queued
            ? `ETA ${time} (at ${p.parallel} trial(s) at once, as seen so far)`
            : `ETA ${time}`;
  const etaShort = left === 0 ? '' : !eta ? 'ETA unknown' : `ETA ${eta.kind === 'upper' ? '≤ ' : ''}${time}`;
  const countsLong = `sweep: ${p.done}/${p.total} trials done, ${p.running.length} running, ${p.waiting} to go`;
  const countsShort = `${p.done}/${p.total} done, ${p.running.length} running`;
  const elapsed = `elapsed ${duration(p.elapsed)}`;
  const variants = [
    [countsLong, elapsed, etaLong],
    [countsShort, elapsed, etaLong],
    [countsLong, elapsed, etaShort],
    [countsShort, elapsed, etaShort],
    [countsShort, duration(p.elapsed), etaShort],
  ].map((parts) => parts.filter(Boolean).join('  '));
  return variants.find((v) => [...v].length <= width) ?? (variants.at(-1) as string);
}

/**
 * The live view: a table redrawn in place on a terminal with the progress line under it (every
 * second, so the elapsed time moves), one line per change otherwise and the progress line after
 * each trial's end. `now` (milliseconds) is the clock for elapsed time and the ETA; `queued` says
 * the trials go to a queue's workers (a trial runs from when a worker takes it).
 */
export class LiveTable {
  private lines = 0;
  private timer: NodeJS.Timeout | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private manifest: SweepManifest | undefined;
  private started = 0;
  private toRun = 0;
  private parallel = 1;
  private maxEpochs: number | undefined;
  private ended = 0;
  private mostAtOnce = 0;
  private readonly takenAt = new Map<number, number>();
  private readonly finished: { seconds: number; epochs: number }[] = [];
  /** Trials the sweep will have: more than the manifest lists while TPE still proposes. */
  private planned = 0;
  private readonly now: () => number;
  private readonly queued: boolean;
  private readonly width: () => number;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly tty: boolean,
    options: { now?: () => number; queued?: boolean; width?: () => number } = {},
  ) {
    this.now = options.now ?? (() => Date.now());
    this.queued = options.queued ?? false;
    this.width = options.width ?? (() => Math.max(20, terminalWidth(out, 80) - 1));
  }

  /** Where the sweep stands now. */
  progress(): SweepProgress {
    const trials = new Map((this.manifest?.trials ?? []).map((t) => [t.index, t]));
    const running = [...this.takenAt].map(([index, at]) => ({
      seconds: (this.now() - at) / 1000,
      epochs: trials.get(index)?.epochs ?? 0,
    }));
    const total = Math.max(this.planned, this.manifest?.trials.length ?? 0);
    return {
      total,
      done: total - this.toRun + this.ended,
      running,
      waiting: Math.max(0, this.toRun - this.ended - running.length),
      finished: [...this.finished],
      elapsed: (this.now() - this.started) / 1000,
      parallel: this.queued ? Math.max(1, this.mostAtOnce) : this.parallel,
      ...(this.queued ? { queued: true } : {}),
      ...(this.maxEpochs !== undefined ? { maxEpochs: this.maxEpochs } : {}),
    };
  }

  handle(e: SweepEvent): void {
    this.manifest = e.manifest;
    if (e.type === 'start') {
      this.started = this.now();
      this.toRun = e.toRun;
      this.parallel = e.parallel;
      this.maxEpochs = e.maxEpochs;
      this.planned = e.planned ?? e.manifest.trials.length;
      const later = this.planned - e.manifest.trials.length;
      const done = this.planned - e.toRun;
      this.out.write(
        `sweep ${e.manifest.id}: ${this.planned} trial(s)${later > 0 ? ` (${later} to be proposed as results come in)` : ''}, ${e.toRun} to run${done ? `, ${done} already done` : ''}\n`,
      );
      if (this.tty) {
        this.ticker = setInterval(() => this.draw(), 1000);
        this.ticker.unref();
      }
    } else {
      const i = e.trial.index;
      // A trial runs from its start here, or on a queue from when a worker takes it (again).
      if ((e.change === 'start' && !this.queued) || (e.change === 'run' && this.queued))
        this.takenAt.set(i, this.now());
      if (e.change === 'end') {
        const at = this.takenAt.get(i);
        this.takenAt.delete(i);
        this.ended++;
        if (at !== undefined && (e.trial.status === 'completed' || e.trial.status === 'stopped'))
          this.finished.push({ seconds: (this.now() - at) / 1000, epochs: e.trial.epochs });
      }
      this.mostAtOnce = Math.max(this.mostAtOnce, this.takenAt.size);
    }
    if (this.tty) {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.draw();
      }, 200);
      return;
    }
    if (e.type !== 'trial') return;
    const t = e.trial;
    const what =
      e.change === 'start'
        ? `started (${paramText(t.params)})`
        : e.change === 'run'
          ? `run ${t.runId} on ${t.host}`
          : e.change === 'epoch'
            ? `epoch ${t.epochs}  ${e.manifest.metric} ${metricText(t.history.at(-1)?.value)}  best ${metricText(t.best)}`
            : `${statusText(t)} after ${t.epochs} epoch(s), best ${e.manifest.metric} ${metricText(t.best)}${t.failure ? `: ${t.failure.split('\n')[0]}` : ''}`;
    this.out.write(`trial ${t.index} ${what}\n`);
    if (e.change === 'end') this.out.write(`${sweepProgressLine(this.progress(), this.width())}\n`);
  }

  private draw(): void {
    if (!this.manifest) return;
    const width = this.width();
    const text = `${table(
      ['trial', 'parameters', 'status', 'epoch', `best ${this.manifest.metric}`, 'run'],
      trialRows(this.manifest.trials),
      { width },
    )}\n${sweepProgressLine(this.progress(), width)}`;
    if (this.lines > 0) this.out.write(`\x1b[${this.lines}A\x1b[0J`);
    this.out.write(`${text}\n`);
    this.lines = text.split('\n').length;
  }

  stop(): void {
    if (this.ticker) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.draw();
    }
  }
}
