import { Args, Flags } from '@oclif/core';
import { QqpCommand } from '../../cli/base.js';
import { columnsFlag, parseColumnsFlag } from '../../cli/flags.js';
import { keyValueTable } from '../../cli/render.js';
import { DEFAULT_ENCODING } from '../../data/encode.js';
import { describeColumns } from '../../data/formats/columns.js';
import { DATA_FORMATS } from '../../data/schema.js';
import { computeStats, type DataStats } from '../../data/stats.js';
import { UsageError } from '../../errors.js';

/** One file's stats, or (several files) each file's in order. */
type StatsResult = DataStats | DataStats[];

export default class DataStatsCommand extends QqpCommand<StatsResult> {
  static override summary =
    'Summarise a QQP data file: rows, label balance, question lengths, vocabulary, bad rows';

  static override description =
    'Reads the file as a stream (any size), detecting its format from the first line unless --format is given, and says which format and columns it used. ' +
    'With several files, each is summarised in turn (--json: a list). ' +
    "Question lengths are in tokens of the default tokenizer; --max-length N (a config's encoding.maxLength) says what share of questions encoding would cut; the vocabulary size counts tokens seen at least --min-count times. " +
    'Bad rows are the rows training, eval and predict skip; a suspect field is a record over more than 5 lines (a quote likely not closed on its first line), also skipped.';

  static override examples = [
    '<%= config.bin %> data stats data/qqp/train.csv',
    '<%= config.bin %> data stats pairs.tsv --format pairs-tsv --min-count 2 --json',
    '<%= config.bin %> data stats mine.csv --columns question1=text_a,question2=text_b,label=dup',
    '<%= config.bin %> data stats train.parquet more.jsonl',
  ];

  static override strict = false;

  static override args = {
    file: Args.string({
      description: 'Data file (.csv, .tsv, .jsonl, .parquet); more files may follow',
      required: true,
    }),
  };

  static override flags = {
    format: Flags.string({ description: 'File format', options: [...DATA_FORMATS], default: 'auto' }),
    'on-bad-row': Flags.string({
      description: 'skip (and report) bad rows, or stop at the first one with its line number',
      options: ['skip', 'error'],
      default: 'skip',
    }),
    ...columnsFlag,
    'min-count': Flags.integer({
      description: 'Count tokens seen at least this many times in the vocabulary size',
      default: 1,
    }),
    'max-length': Flags.integer({
      description: 'Say what share of questions encoding.maxLength N would cut (tokens beyond N are dropped)',
      default: DEFAULT_ENCODING.maxLength,
    }),
  };

  protected async execute(): Promise<StatsResult> {
    const { argv, flags } = await this.parse(DataStatsCommand);
    if (flags['min-count'] < 1) {
      throw new UsageError('USAGE_MIN_COUNT', `--min-count must be 1 or more, got ${flags['min-count']}`);
    }
    if (flags['max-length'] < 1) {
      throw new UsageError('USAGE_MAX_LENGTH', `--max-length must be 1 or more, got ${flags['max-length']}`);
    }
    const columns = parseColumnsFlag(flags.columns);
    const files = argv as string[];
    const out: DataStats[] = [];
    for (const file of files) {
      out.push(
        await computeStats(file, {
          format: flags.format as (typeof DATA_FORMATS)[number],
          minCount: flags['min-count'],
          maxLength: flags['max-length'],
          onBadRow: flags['on-bad-row'] as 'skip' | 'error',
          ...(columns !== undefined ? { columns } : {}),
        }),
      );
    }
    return out.length === 1 ? out[0]! : out;
  }

  protected render(result: StatsResult): void {
    const all = Array.isArray(result) ? result : [result];
    all.forEach((s, i) => {
      if (i > 0) this.log('');
      this.renderOne(s);
    });
  }

  private renderOne(s: DataStats): void {
    const unit = s.position ?? 'line';
    const pct = (x: number | null) => (x === null ? '-' : `${(x * 100).toFixed(1)}%`);
    // At most five line numbers in the table; --json has all the samples.
    const lines = (xs: number[], total: number) =>
      total === 0
        ? ''
        : ` (${unit}${total > 1 ? 's' : ''} ${xs.slice(0, 5).join(', ')}${total > Math.min(5, xs.length) ? ', ...' : ''})`;
    const q = s.questionTokens;
    const rows: Record<string, string>[] = [
      { file: s.file },
      { format: s.format },
      { columns: s.columns ? describeColumns(s.columns) : '-' },
      { rows: s.rows.toLocaleString('en-US') },
      {
        labelled: `${s.labelled.toLocaleString('en-US')} (unlabelled ${s.unlabelled.toLocaleString('en-US')})`,
      },
      { duplicates: s.labelled ? `${s.duplicates.toLocaleString('en-US')} (${pct(s.duplicateRate)})` : '-' },
      { 'tokens per question': `p50 ${q.p50}, p90 ${q.p90}, p99 ${q.p99}, max ${q.max}, mean ${q.mean}` },
      {
        [`cut by maxLength ${s.cutByMaxLength.maxLength}`]: `${pct(s.cutByMaxLength.share)} of questions (${s.cutByMaxLength.questions.toLocaleString('en-US')})`,
      },
      { [`vocabulary (min count ${s.minCount})`]: s.vocabularySize.toLocaleString('en-US') },
      {
        'bad rows': `${s.badRows}${lines(
          s.badRowSamples.map((b) => b.line),
          s.badRows,
        )}`,
      },
      {
        'suspect fields': `${s.suspectFields}${lines(
          s.suspectFieldSamples.map((f) => f.line),
          s.suspectFields,
        )}`,
      },
      { 'invalid UTF-8 lines': `${s.invalidUtf8Lines}${lines(s.invalidUtf8Samples, s.invalidUtf8Lines)}` },
    ];
    this.log(keyValueTable(rows));
    for (const b of s.badRowSamples) this.log(`  ${unit} ${b.line}: ${b.reason}`);
    if (s.badRows > s.badRowSamples.length)
      this.log(`  ... and ${s.badRows - s.badRowSamples.length} more bad rows`);
  }
}
