import { Flags } from '@oclif/core';
import { QqpCommand } from '../cli/base.js';
import { experimentsDirFlag } from '../cli/flags.js';
import { colorEnabled, table } from '../cli/render.js';
import { RUN_STATUSES, statusText } from '../report/format.js';
import {
  type EnsembleInfo,
  formatDuration,
  formatMetric,
  formatTime,
  listEnsembles,
  listRuns,
  parseLast,
  parseSince,
  type RunInfo,
  selectRuns,
} from '../report/index.js';

export interface RunsRow {
  id: string;
  name: string;
  status: string;
  createdAt: string | null;
  trainSeconds: number | null;
  backend: string | null;
  epochs: number;
  /** The best epoch's value of the run's monitor (val_loss unless early stopping says otherwise). */
  best: { metric: string; value: number; epoch: number | null } | null;
  /** Test accuracy at threshold 0.5, and the other test figures. */
  test: { accuracy: number; f1: number; auc: number | null; logLoss: number } | null;
  tags: string[];
  sweep: { id: string; trial: string; attempt: number | null } | null;
  /** Why the status is not run.json's (e.g. its process is gone). */
  statusReason: string | null;
  dir: string;
  warnings: string[];
}

export interface RunsResult {
  experimentsDir: string;
  /** Runs in the folder before filtering. */
  total: number;
  /** With --sweep: folders of earlier attempts of a trial, left out (shown with --all). */
  superseded: number;
  runs: RunsRow[];
  /** Ensemble folders (`qqp train ENSEMBLE.yaml`), listed when no filter is given. */
  ensembles: EnsembleInfo[];
}

function toRow(r: RunInfo): RunsRow {
  const bestValue = r.monitor ? r.best?.[r.monitor] : undefined;
  return {
    id: r.id,
    name: r.name,
    status: r.status,
    createdAt: r.createdAt,
    trainSeconds: r.trainSeconds,
    backend: r.backend,
    epochs: r.epochs,
    best:
      typeof bestValue === 'number' && r.monitor
        ? { metric: r.monitor, value: bestValue, epoch: r.bestEpoch }
        : null,
    test: r.test
      ? { accuracy: r.test.accuracy, f1: r.test.f1, auc: r.test.auc, logLoss: r.test.logLoss }
      : null,
    tags: r.tags,
    sweep: r.sweep,
    statusReason: r.statusReason,
    dir: r.dir,
    warnings: r.warnings,
  };
}

export default class Runs extends QqpCommand<RunsResult> {
  static override summary = 'List the runs in the experiments folder, oldest first';
  static override description =
    "Reads only the run folders; a folder with missing or broken files is listed with a warning. Columns: id, name, status, start, training time, backend, the best validation value (of the run's monitor) and the test accuracy.";
  static override examples = [
    '<%= config.bin %> runs',
    '<%= config.bin %> runs --status completed --since 7d',
    '<%= config.bin %> runs --sweep lr-search --json',
  ];
  static override flags = {
    ...experimentsDirFlag,
    sweep: Flags.string({
      description: "Only the runs of this sweep (each trial's latest attempt; --all for every folder)",
      helpValue: 'ID',
    }),
    all: Flags.boolean({
      description: 'With --sweep: also the folders of earlier attempts of a trial (a worker died, a restart)',
      dependsOn: ['sweep'],
    }),
    status: Flags.string({
      description: 'Only runs with this status (repeatable)',
      options: [...RUN_STATUSES],
      multiple: true,
    }),
    tag: Flags.string({
      description: 'Only runs with this tag (repeatable: all must match)',
      multiple: true,
    }),
    since: Flags.string({
      description: 'Only runs started since: a date (2026-11-28), date and time, or a time ago (12h, 7d)',
      helpValue: 'DATE',
    }),
    last: Flags.integer({ description: 'Only the newest N runs (after the other filters)', helpValue: 'N' }),
  };

  protected async execute(): Promise<RunsResult> {
    const { flags } = await this.parse(Runs);
    const listing = listRuns(flags['experiments-dir']);
    const last = parseLast(flags.last);
    const query = {
      ...(flags.sweep !== undefined ? { sweep: flags.sweep } : {}),
      ...(flags.status ? { status: flags.status } : {}),
      ...(flags.tag ? { tags: flags.tag } : {}),
      ...(flags.since !== undefined ? { since: parseSince(flags.since) } : {}),
      ...(last !== undefined ? { last } : {}),
    };
    const runs = selectRuns(listing, { ...query, allAttempts: flags.all });
    const superseded =
      flags.sweep !== undefined && !flags.all
        ? selectRuns(listing, { ...query, allAttempts: true }).length - runs.length
        : 0;
    this.sweepColumns = flags.sweep !== undefined;
    return {
      experimentsDir: listing.experimentsDir,
      total: listing.runs.length,
      superseded,
      runs: runs.map(toRow),
      ensembles: Object.keys(query).length === 0 ? listEnsembles(flags['experiments-dir']) : [],
    };
  }

  private sweepColumns = false;

  private trialText(x: RunsRow): string {
    if (!x.sweep) return '-';
    return `${x.sweep.trial.slice(0, 8)}${x.sweep.attempt !== null ? ` #${x.sweep.attempt}` : ''}`;
  }

  protected render(r: RunsResult): void {
    this.renderRuns(r);
    if (r.ensembles.length === 0) return;
    this.log(
      table(
        ['ensemble', 'name', 'status', 'runs completed', 'test accuracy (mean)'],
        r.ensembles.map((e) => [
          e.id,
          e.name,
          e.status,
          `${e.completed} of ${e.runs}`,
          formatMetric(e.testAccuracy ?? undefined),
        ]),
        { align: ['left', 'left', 'left', 'right', 'right'] },
      ),
    );
    this.log(
      'an ensemble: `qqp eval <ensemble>`, `qqp predict <ensemble>`; its runs: `qqp runs --experiments-dir <ensemble>/members`',
    );
  }

  private renderRuns(r: RunsResult): void {
    for (const run of r.runs) for (const w of run.warnings) this.note(`warning: ${run.id}: ${w}`);
    if (r.runs.length === 0) {
      this.log(
        r.total === 0
          ? r.ensembles.length > 0
            ? `no runs directly in ${r.experimentsDir}, ${r.ensembles.length} ensemble(s):`
            : `no runs in ${r.experimentsDir} (train one with \`qqp train CONFIG\`)`
          : `none of the ${r.total} run(s) in ${r.experimentsDir} match`,
      );
      return;
    }
    const color = colorEnabled();
    const monitors = new Set(r.runs.flatMap((x) => (x.best ? [x.best.metric] : [])));
    const oneMonitor = monitors.size === 1 ? [...monitors][0]! : null;
    const trial = this.sweepColumns;
    const rows = r.runs.map((x) => [
      x.id,
      x.name,
      ...(trial ? [this.trialText(x)] : []),
      statusText(x.status, color) + (x.warnings.length ? ' (!)' : ''),
      formatTime(x.createdAt),
      formatDuration(x.trainSeconds),
      x.backend ?? '-',
      x.best
        ? oneMonitor
          ? formatMetric(x.best.value)
          : `${x.best.metric} ${formatMetric(x.best.value)}`
        : '-',
      formatMetric(x.test?.accuracy),
    ]);
    this.log(
      table(
        [
          'id',
          'name',
          ...(trial ? ['trial #attempt'] : []),
          'status',
          'start',
          'time',
          'backend',
          oneMonitor ? `best ${oneMonitor}` : 'best validation',
          'test accuracy',
        ],
        rows,
        {
          align: [
            'left',
            'left',
            ...(trial ? (['left'] as const) : []),
            'left',
            'left',
            'right',
            'left',
            'right',
            'right',
          ],
        },
      ),
    );
    const crashed = r.runs.filter((x) => x.status === 'crashed' || x.status === 'stale');
    if (crashed.length) {
      this.log(
        `${crashed.length} run(s) whose training process is gone (crashed) or silent (stale): \`qqp show <run>\` says why; \`qqp train --resume <run>\` continues one`,
      );
    }
    const warned = r.runs.filter((x) => x.warnings.length).length;
    this.log(
      `${r.runs.length} of ${r.total} run(s) in ${r.experimentsDir}${r.superseded ? `; ${r.superseded} folder(s) of earlier attempts of these trials left out (--all shows them)` : ''}${warned ? `; (!) ${warned} with missing or broken files (warnings above)` : ''}`,
    );
  }
}
