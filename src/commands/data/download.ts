import { Args, Flags } from '@oclif/core';
import { QqpCommand } from '../../cli/base.js';
import { EXIT_CODES } from '../../cli/exit-codes.js';
import { DownloadProgress, downloadedFilesTable } from '../../cli/views/download.js';
import { datasetNames, getDataset, listDatasets } from '../../data/datasets.js';
import {
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_UNPACKED_BYTES,
  type DownloadResult,
  downloadDataset,
} from '../../data/download.js';

const KNOWN = listDatasets()
  .map((d) => `  ${d.name}  ${d.description}\n    ${d.url}`)
  .join('\n');

export default class DataDownload extends QqpCommand<DownloadResult> {
  static override summary =
    'Download a public QQP dataset or pretrained word vectors, check the archive and unpack it';

  static override description =
    `The archive goes to a temporary file in the destination folder, its size and checksum (SHA-256, or MD5 where only that is published) are checked, and its files are unpacked under temporary names that are renamed only when everything succeeded: a failed or interrupted download leaves nothing that looks like data. If the files are already there, nothing is done unless --force.

Known datasets:
${KNOWN}`;

  static override examples = [
    '<%= config.bin %> <%= command.id %> glue-qqp',
    '<%= config.bin %> <%= command.id %> glue-qqp --dir ~/datasets',
    '<%= config.bin %> <%= command.id %> glue-qqp --url https://mirror.example.org/QQP-clean.zip',
    '<%= config.bin %> <%= command.id %> glove-6b',
    '<%= config.bin %> <%= command.id %> glove-6b --url https://huggingface.co/stanfordnlp/glove/resolve/main/glove.6B.zip',
    '<%= config.bin %> <%= command.id %> fasttext-crawl',
  ];

  static override args = {
    dataset: Args.string({ required: true, description: `dataset to fetch (${datasetNames().join(', ')})` }),
  };

  static override flags = {
    url: Flags.string({
      helpValue: 'URL',
      description:
        'download from this mirror instead; still checked against the known SHA-256 unless --sha256',
    }),
    sha256: Flags.string({
      helpValue: 'HEX',
      description: 'expected SHA-256 of the archive, for a mirror that serves a different file',
    }),
    dir: Flags.string({ helpValue: 'DIR', default: 'data', description: 'folder to unpack into' }),
    force: Flags.boolean({
      default: false,
      description: 'download and overwrite even if the files are already there',
    }),
    timeout: Flags.integer({
      helpValue: 'SECONDS',
      default: 60,
      min: 1,
      description: 'give up when the server sends nothing for this long',
    }),
    'max-bytes': Flags.integer({
      helpValue: 'BYTES',
      default: DEFAULT_MAX_BYTES,
      min: 1,
      description:
        'largest archive accepted (default 2 GiB): a larger Content-Length is refused before the transfer, and a longer body is cut off and deleted',
    }),
    'max-unpacked-bytes': Flags.integer({
      helpValue: 'BYTES',
      default: DEFAULT_MAX_UNPACKED_BYTES,
      min: 1,
      description:
        "most bytes the archive's files may hold unpacked (default 16 GiB): an archive that says more is refused before that file is written",
    }),
  };

  protected async execute(): Promise<DownloadResult> {
    const { args, flags } = await this.parse(DataDownload);
    const dataset = getDataset(args.dataset);
    const progress = new DownloadProgress(process.stderr);
    // Ctrl-C or SIGTERM: stop the transfer and let the library delete what it wrote.
    return this.interruptible(async (signal) => {
      try {
        return await downloadDataset(dataset, {
          dir: flags.dir,
          url: flags.url,
          sha256: flags.sha256,
          force: flags.force,
          timeoutMs: flags.timeout * 1000,
          maxBytes: flags['max-bytes'],
          maxUnpackedBytes: flags['max-unpacked-bytes'],
          signal,
          onEvent: (e) => progress.handle(e),
        });
      } catch (err) {
        progress.stop();
        if (signal.aborted) {
          this.note('interrupted: the partial download was removed');
          this.exit(EXIT_CODES.interrupted);
        }
        throw err;
      } finally {
        progress.stop();
      }
    });
  }

  protected render(result: DownloadResult): void {
    const table = downloadedFilesTable(result);
    if (result.status === 'present') {
      this.log(
        `${result.dataset} is already in ${result.dir}; nothing was downloaded (use --force to download it again).`,
      );
      this.log(table);
      return;
    }
    this.log(
      `Downloaded ${result.dataset} from ${result.url} (${(result.archiveBytes ?? 0).toLocaleString('en-US')} bytes).`,
    );
    if (result.verified && result.verifiedBy === 'md5') {
      this.log(
        `MD5 ${result.md5} verified against the published checksum (${getDataset(result.dataset).checksumSource ?? 'registry'}).`,
      );
      this.log(`SHA-256 ${result.sha256} (computed; no SHA-256 is published for ${result.dataset}).`);
    } else if (result.verified) {
      const against = result.verifiedAgainst === '--sha256' ? 'the --sha256 given' : 'the known checksum';
      this.log(`SHA-256 ${result.sha256} verified against ${against}.`);
    } else {
      this.log(
        `SHA-256 ${result.sha256} could NOT be verified: no checksum is published for ${result.dataset}. ` +
          'Compare it with a trusted source before relying on the files.',
      );
    }
    this.log(table);
    const vectors = getDataset(result.dataset).files.some(
      (f) => f.format === 'glove-text' || f.format === 'fasttext-vec',
    );
    if (vectors) {
      this.log(
        'Point embedding.pretrained.source at one of these files (a path relative to the config file).',
      );
    }
  }
}
