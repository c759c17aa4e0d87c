import { Args, Flags } from '@oclif/core';
import { QqpCommand } from '../cli/base.js';
import { compareOptionsFrom, comparisonFlags, experimentsDirFlag } from '../cli/flags.js';
import { colorEnabled, table } from '../cli/render.js';
import {
  COMPARE_FORMATS,
  type CompareFormat,
  type Comparison,
  chooseRuns,
  compareRuns,
  comparisonCells,
  comparisonCsv,
  comparisonMarkdown,
  comparisonRecords,
} from '../report/index.js';

export interface CompareResult extends Comparison {
  experimentsDir: string;
  format: CompareFormat;
}

export default class Compare extends QqpCommand<CompareResult> {
  static override summary = 'Compare runs side by side: the settings that differ, then their metrics';
  static override description =
    'One row per run. Columns: the config values that differ among the runs (--all-params for all, --param to pick), then the validation metrics at the best and last epoch, the test metrics, epochs, training time and examples per second. The best value of each metric column is marked (green on a terminal, else `*`; bold in markdown). A dash marks a missing value. Reads only the run folders.';
  static override examples = [
    '<%= config.bin %> compare --last 3',
    '<%= config.bin %> compare 20261128-101500-bilstm 20261128-113000-gru --sort-by val_loss',
    "<%= config.bin %> compare --filter 'training.optimizer.type=adam' --format markdown",
    '<%= config.bin %> compare --sweep lr-search --param training.optimizer --format csv > lr.csv',
  ];
  static override strict = false;
  static override args = {
    run: Args.string({
      description: 'Runs to compare: ids, run folders or parts of ids, any number (default: every run)',
    }),
  };
  static override flags = {
    ...experimentsDirFlag,
    ...comparisonFlags,
    format: Flags.string({ description: 'Output format', options: [...COMPARE_FORMATS], default: 'table' }),
  };

  protected async execute(): Promise<CompareResult> {
    const { argv, flags } = await this.parse(Compare);
    const { listing, runs } = chooseRuns(
      flags['experiments-dir'],
      {
        refs: argv as string[],
        ...(flags.sweep !== undefined ? { sweep: flags.sweep } : {}),
        ...(flags.last !== undefined ? { last: flags.last } : {}),
      },
      'compare',
    );
    const cmp = compareRuns(runs, compareOptionsFrom(flags));
    return { ...cmp, experimentsDir: listing.experimentsDir, format: flags.format as CompareFormat };
  }

  protected render(r: CompareResult): void {
    for (const w of r.warnings) this.note(`warning: ${w}`);
    if (r.rows.length === 0) {
      this.note(`no run matches ${r.filters.map((f) => `--filter '${f}'`).join(' ')}`);
      return;
    }
    if (r.format === 'markdown') return void process.stdout.write(comparisonMarkdown(r));
    if (r.format === 'csv') return void process.stdout.write(comparisonCsv(r));
    if (r.format === 'json') return void this.log(JSON.stringify(comparisonRecords(r), null, 2));
    const color = colorEnabled();
    const cells = comparisonCells(r, { color });
    this.log(table(cells.head, cells.rows, { align: cells.align }));
    const params = r.columns.filter((c) => c.kind === 'param').length;
    const notes = [
      r.params === 'differing'
        ? params === 0
          ? r.rows.length > 1
            ? "the runs' configs are the same"
            : 'one run: no settings to compare (--all-params shows them)'
          : `settings: the ${params} config value(s) that differ (--all-params for all)`
        : '',
      Object.keys(r.best).length ? (color ? 'green: best in column' : '*: best in column') : '',
      r.sortedBy ? `sorted by ${r.sortedBy}` : '',
    ].filter(Boolean);
    this.log(notes.join('; '));
  }
}
