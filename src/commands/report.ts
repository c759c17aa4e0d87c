import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { QqpCommand } from '../cli/base.js';
import { compareOptionsFrom, comparisonFlags, experimentsDirFlag } from '../cli/flags.js';
import { RunError, UsageError } from '../errors.js';
import { buildReport, type ChartInfo, type Report as HtmlReport } from '../report/html.js';
import { chooseRuns } from '../report/index.js';
import { writeFileAtomic } from '../util/atomic.js';

export interface ReportResult {
  out: string;
  bytes: number;
  runs: string[];
  charts: ChartInfo[];
  sweep: string | null;
  /** The sweep's manifest the trials' sections were drawn from (null: not a sweep, or not found). */
  sweepManifest: string | null;
  objective: string | null;
  /** The run the page leads with and the metric that chose it. */
  best: HtmlReport['best'];
  warnings: string[];
}

export default class Report extends QqpCommand<ReportResult> {
  static override summary = 'Write one self-contained HTML page comparing runs, leading with the best';
  static override description =
    "The page opens with the best run (by the sweep's objective, --sort-by, or else test ROC AUC) and its test figures and ROC curve; then, for a sweep, its trials from the sweep's manifest (experiments/sweeps/<id>/manifest.json: parallel coordinates, each parameter's importance, the best value so far by trial, the trials table) and a chart of each parameter that differs against the objective; then the comparison table (metrics first, then the settings that differ), ROC, precision-recall and F1-by-threshold charts with each run's confusion matrix, per-slice tables of `qqp eval --slice`, and learning curves. Styles, data and the drawing script are inside the file: it opens in any browser with no network. Reads only the run folders and the sweep's manifest.";
  static override examples = [
    '<%= config.bin %> report --last 3 --out report.html',
    '<%= config.bin %> report --sweep lr-search --out lr-search.html',
    '<%= config.bin %> report 20261128-101500-bilstm 20261128-113000-gru --out bilstm-vs-gru.html',
  ];
  static override strict = false;
  static override args = {
    run: Args.string({
      description: 'Runs to report on: ids, run folders or parts of ids, any number (default: every run)',
    }),
  };
  static override flags = {
    ...experimentsDirFlag,
    out: Flags.string({
      char: 'o',
      description: 'The HTML file to write',
      default: 'report.html',
      helpValue: 'FILE',
    }),
    force: Flags.boolean({ description: 'Replace --out if it exists' }),
    title: Flags.string({ description: 'Page title' }),
    objective: Flags.string({
      description:
        'What the sweep charts plot the parameters against (default: best_<monitor>, e.g. best_val_loss)',
      helpValue: 'METRIC',
    }),
    ...comparisonFlags,
  };

  protected async execute(): Promise<ReportResult> {
    const { argv, flags } = await this.parse(Report);
    const out = resolve(flags.out);
    const existing = statSync(out, { throwIfNoEntry: false });
    if (existing?.isDirectory()) {
      throw new UsageError(
        'REPORT_OUT_DIR',
        `--out ${flags.out} is a folder; give a file name such as report.html`,
      );
    }
    if (existing && !flags.force) {
      throw new UsageError('REPORT_OUT_EXISTS', `--out ${flags.out} already exists; not overwriting it`, {
        suggestions: ['add --force to replace it, or choose another --out file'],
      });
    }
    const { listing, runs } = chooseRuns(
      flags['experiments-dir'],
      {
        refs: argv as string[],
        ...(flags.sweep !== undefined ? { sweep: flags.sweep } : {}),
        ...(flags.last !== undefined ? { last: flags.last } : {}),
      },
      'report on',
    );
    // The sweep code (and the config loading it needs) only when a sweep's manifest is read.
    const loadSweep = async () => (await import('../sweep/overview.js')).readSweepOverview;
    const readSweepOverview = runs.some((r) => r.sweep) || flags.sweep ? await loadSweep() : null;
    const report: HtmlReport = buildReport(runs, {
      ...(flags.sweep !== undefined ? { sweep: flags.sweep } : {}),
      ...(flags.title ? { title: flags.title } : {}),
      ...(flags.objective ? { objective: flags.objective } : {}),
      compare: compareOptionsFrom(flags),
      ...(readSweepOverview
        ? { loadSweep: (id: string) => readSweepOverview(id, listing.experimentsDir) }
        : {}),
      experimentsDir: listing.experimentsDir,
      version: this.config.version,
    });
    if (report.runs.length === 0) {
      throw new RunError(
        'NO_RUNS',
        `no run matches ${(flags.filter ?? []).map((f) => `--filter '${f}'`).join(' ')}`,
      );
    }
    writeFileAtomic(out, report.html);
    return {
      out,
      bytes: Buffer.byteLength(report.html),
      runs: report.runs,
      charts: report.charts,
      sweep: report.sweep,
      sweepManifest: report.sweepManifest,
      objective: report.objective,
      best: report.best,
      warnings: report.comparison.warnings,
    };
  }

  protected render(r: ReportResult): void {
    for (const w of r.warnings) this.note(`warning: ${w}`);
    this.log(
      `wrote ${r.out}: ${r.runs.length} run(s), ${r.charts.length} chart(s)${r.sweep ? ` (sweep ${r.sweep}, against ${r.objective})` : ''}, ${Math.ceil(r.bytes / 1024)} KiB`,
    );
    if (r.sweep)
      this.log(
        r.sweepManifest
          ? `trials from ${r.sweepManifest}`
          : "the sweep's manifest was not found: no trials' sections",
      );
    if (r.best)
      this.log(`best: ${r.best.label} ${r.best.id}, ${r.best.metricLabel} ${r.best.value.toFixed(4)}`);
    this.log(`open it in a browser: file://${r.out}`);
  }
}
