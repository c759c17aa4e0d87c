import type { ManifestTrial, SweepEvent, SweepManifest } from '../../sweep/runner.js';
import { table } from '../render.js';

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

function statusText(t: ManifestTrial): string {
  return t.status === 'stopped' ? `stopped @${t.epochs}` : t.status;
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

/** The live view: a table redrawn in place on a terminal, one line per change otherwise. */
export class LiveTable {
  private lines = 0;
  private timer: NodeJS.Timeout | undefined;
  private manifest: SweepManifest | undefined;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly tty: boolean,
  ) {}

  handle(e: SweepEvent): void {
    this.manifest = e.manifest;
    if (e.type === 'start') {
      this.out.write(
        `sweep ${e.manifest.id}: ${e.manifest.trials.length} trial(s), ${e.toRun} to run${e.manifest.trials.length - e.toRun ? `, ${e.manifest.trials.length - e.toRun} already done` : ''}\n`,
      );
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
  }

  private draw(): void {
    if (!this.manifest) return;
    const text = table(
      ['trial', 'parameters', 'status', 'epoch', `best ${this.manifest.metric}`, 'run'],
      trialRows(this.manifest.trials),
    );
    if (this.lines > 0) this.out.write(`\x1b[${this.lines}A\x1b[0J`);
    this.out.write(`${text}\n`);
    this.lines = text.split('\n').length;
  }

  stop(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.draw();
    }
  }
}
