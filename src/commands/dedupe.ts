import { Args, Flags } from '@oclif/core';
import { BACKENDS } from '../backend/names.js';
import { QqpCommand } from '../cli/base.js';
import { EXIT_CODES } from '../cli/exit-codes.js';
import { experimentsDirFlag, parseThreshold } from '../cli/flags.js';
import { formatCount } from '../cli/render.js';
import { RowProgressView, runLine } from '../cli/views/progress.js';
import type { DedupeResult } from '../dedupe/index.js';
import { DEFAULT_RANK, RANKINGS, type Ranking, RETRIEVERS, type Retriever } from '../dedupe/options.js';
import { UsageError } from '../errors.js';
import { DEFAULT_THRESHOLD } from '../eval/options.js';

export default class Dedupe extends QqpCommand<DedupeResult> {
  static override summary =
    'Find the duplicates of each question in a corpus (or of new questions) with a run';
  static override description =
    'Candidates come from BM25 over the corpus (tokenized as the run tokenizes) and, with --retrieve encoder for a siamese model, from the nearest ' +
    "encodings of its encoder; the run's final model scores them and the top k of each question (by --rank) are written to --out as CSV: " +
    'query_id,candidate_id,rank,probability,duplicate,retrieved,query,candidate. --clusters writes the groups of duplicates ' +
    '(connected components of the written pairs at or above --threshold). The corpus is a CSV/TSV with a question (or text) column ' +
    'and an optional id column, a .txt file with a question a line, or a file of pairs (its distinct questions). ' +
    'Files are written whole or not at all; the same run and files give the same output.';
  static override examples = [
    '<%= config.bin %> dedupe 20261128-101500-siamese --data questions.csv --top-k 5 --out duplicates.csv',
    '<%= config.bin %> dedupe 20261128-101500-siamese --data questions.csv --query new.csv --out matches.csv',
    '<%= config.bin %> dedupe 20261128-101500-siamese --data questions.csv --out pairs.csv --clusters clusters.csv --threshold 0.7',
  ];
  static override args = {
    run: Args.string({ description: 'Run folder, or run id under --experiments-dir', required: true }),
  };
  static override flags = {
    ...experimentsDirFlag,
    data: Flags.string({ description: 'The corpus of questions', helpValue: 'FILE', required: true }),
    query: Flags.string({
      description: 'New questions to match against the corpus (default: the corpus against itself)',
      helpValue: 'FILE',
    }),
    out: Flags.string({
      description: 'CSV file of candidate pairs to write',
      helpValue: 'FILE',
      required: true,
    }),
    clusters: Flags.string({
      description: 'Also write the clusters of duplicates to this CSV',
      helpValue: 'FILE',
    }),
    'top-k': Flags.integer({
      description: 'Pairs written for each question, most probable first',
      default: 10,
      min: 1,
    }),
    candidates: Flags.integer({
      description: 'Candidates each retriever proposes per question, for the model to score',
      default: 30,
      min: 1,
    }),
    retrieve: Flags.string({
      description:
        'Retrievers, comma-separated: lexical (BM25; the default), encoder (nearest encodings, siamese models only)',
      helpValue: 'LIST',
    }),
    rank: Flags.string({
      description:
        "Order of each question's candidates: lexical (BM25's; the best measured), model (probability), blend (both, fused by rank)",
      options: [...RANKINGS],
      default: DEFAULT_RANK,
    }),
    threshold: Flags.string({
      description: `Probability at or above which a pair is a duplicate (default ${DEFAULT_THRESHOLD})`,
      helpValue: 'T',
    }),
    'only-duplicates': Flags.boolean({ description: 'Write only the pairs at or above --threshold' }),
    force: Flags.boolean({ description: 'Replace --out and --clusters if they exist' }),
    backend: Flags.string({ options: [...BACKENDS], description: "Override the run's training.backend" }),
  };

  protected async execute(): Promise<DedupeResult> {
    const { args, flags } = await this.parse(Dedupe);
    const threshold = parseThreshold(flags.threshold);
    const retrievers = flags.retrieve === undefined ? undefined : parseRetrievers(flags.retrieve);
    const { dedupe } = await import('../dedupe/index.js');
    const progress = new RowProgressView('dedupe', { unit: 'questions' });
    let phase = '';
    try {
      const r = await this.interruptible(
        (signal) =>
          dedupe({
            run: args.run,
            experimentsDir: flags['experiments-dir'],
            data: flags.data,
            ...(flags.query ? { query: flags.query } : {}),
            out: flags.out,
            ...(flags.clusters ? { clusters: flags.clusters } : {}),
            topK: flags['top-k'],
            candidates: flags.candidates,
            ...(retrievers ? { retrievers } : {}),
            rank: flags.rank as Ranking,
            threshold,
            onlyDuplicates: flags['only-duplicates'],
            force: flags.force,
            ...(flags.backend ? { backend: flags.backend as (typeof BACKENDS)[number] } : {}),
            signal,
            onProgress: (p) => {
              if (p.phase !== 'searching') {
                if (p.phase !== phase && !this.jsonEnabled())
                  this.note(`dedupe: ${p.phase} ${formatCount(p.total)} questions`);
                phase = p.phase;
                return;
              }
              progress.update({ done: p.done, total: p.total, estimated: false });
            },
          }),
        {
          onFirst: (signal) => {
            progress.stop();
            this.note(`\n${signal}: stopping after the current block; nothing will be written`);
          },
          onAgain: (signal) => {
            progress.stop();
            this.note(`\n${signal} again: stopping now`);
          },
        },
      );
      if (r.status === 'interrupted') this.resultExitCode = EXIT_CODES.interrupted;
      return r;
    } finally {
      progress.stop();
    }
  }

  protected render(r: DedupeResult): void {
    for (const n of r.run.notes) this.note(`note: ${n}`);
    if (r.status === 'interrupted' || r.out === null) {
      this.log('interrupted: nothing was written');
      return;
    }
    const c = r.corpus;
    const merged = c.merged > 0 ? ` (${formatCount(c.merged)} repeated texts merged)` : '';
    const asked = r.queries ? `${formatCount(r.queries.questions)} queries against ` : '';
    this.log(`${asked}${formatCount(c.questions)} questions of ${c.file}${merged}`);
    this.log(
      `retrieved by ${r.retrievers.join(' + ')} (${r.candidates} each), ranked by ${r.rank}, scored ${formatCount(r.scoredPairs)} pairs (${r.scorer === 'encoder' ? 'encoder once a question, head per pair' : 'whole model per pair'}) in ${r.seconds.toFixed(1)}s`,
    );
    this.log(
      `wrote ${formatCount(r.pairs)} pairs to ${r.out}; ${formatCount(r.duplicatePairs)} at or above threshold ${r.threshold}; ${runLine(r.run)}`,
    );
    if (r.clusters) {
      this.log(
        `wrote ${formatCount(r.clusters.count)} clusters of duplicates (${formatCount(r.clusters.questions)} questions, largest ${r.clusters.largest}) to ${r.clusters.file}`,
      );
    }
    for (const q of [c, ...(r.queries ? [r.queries] : [])]) {
      if (q.emptyRows > 0) {
        this.note(
          `note: ${q.file}: skipped ${q.emptyRows} row(s) without a question (lines ${q.emptyLines.join(', ')})`,
        );
      }
    }
  }
}

function parseRetrievers(text: string): Retriever[] {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const bad = names.filter((n) => !(RETRIEVERS as readonly string[]).includes(n));
  if (names.length === 0 || bad.length > 0) {
    throw new UsageError(
      'DEDUPE_BAD_RETRIEVER',
      `--retrieve ${text}: ${bad.length > 0 ? `unknown retriever ${bad.join(', ')}` : 'no retriever named'}`,
      { suggestions: [`choose from ${RETRIEVERS.join(', ')}, e.g. --retrieve lexical,encoder`] },
    );
  }
  return [...new Set(names)] as Retriever[];
}
