import { join } from 'node:path';
import cliProgress from 'cli-progress';
import Table from 'cli-table3';
import { findDataset } from '../../data/datasets.js';
import type { DownloadEvent, DownloadResult } from '../../data/download.js';
import { formatBytes } from '../render.js';

/** `qqp data download`'s views: the transfer's progress and the table of the files it unpacked. */

const MB = 1_000_000;

/** A bar on a terminal; elsewhere (CI logs, pipes) a line per tenth of the transfer. */
export class DownloadProgress {
  private bar: cliProgress.SingleBar | undefined;
  private lastStep = 0;
  private started = false;

  constructor(private readonly stream: NodeJS.WriteStream) {}

  handle(e: DownloadEvent): void {
    switch (e.type) {
      case 'request':
        if (!this.started) this.line(`downloading ${e.url}`);
        this.started = true;
        break;
      case 'redirect':
        this.line(`  redirected to ${e.to}`);
        break;
      case 'response':
        this.lastStep = 0;
        if (this.stream.isTTY && e.totalBytes !== undefined && e.totalBytes > 0) {
          this.bar = new cliProgress.SingleBar(
            {
              stream: this.stream,
              format: '  [{bar}] {percentage}% | {got} of {size} | ETA {eta_formatted}',
              hideCursor: true,
              clearOnComplete: true,
            },
            cliProgress.Presets.shades_classic,
          );
          this.bar.start(e.totalBytes, 0, { got: formatBytes(0), size: formatBytes(e.totalBytes) });
        } else {
          this.line(`  size: ${e.totalBytes === undefined ? 'not announced' : formatBytes(e.totalBytes)}`);
        }
        break;
      case 'progress':
        if (this.bar) {
          this.bar.update(e.receivedBytes, { got: formatBytes(e.receivedBytes) });
        } else if (e.totalBytes !== undefined && e.totalBytes > 0) {
          const step = Math.floor((e.receivedBytes / e.totalBytes) * 10);
          if (step > this.lastStep) {
            this.lastStep = step;
            this.line(`  ${step * 10}% (${formatBytes(e.receivedBytes)} of ${formatBytes(e.totalBytes)})`);
          }
        } else {
          // Unknown size: a line every 8 MB.
          const step = Math.floor(e.receivedBytes / (8 * MB));
          if (step > this.lastStep) {
            this.lastStep = step;
            this.line(`  ${formatBytes(e.receivedBytes)}`);
          }
        }
        break;
      case 'downloaded':
        this.stop();
        this.line(`  received ${e.bytes.toLocaleString('en-US')} bytes, SHA-256 ${e.sha256}`);
        break;
      case 'extract':
        this.line(`  unpacked ${e.file}`);
        break;
    }
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }

  private line(text: string): void {
    this.stream.write(`${text}\n`);
  }
}

/** The unpacked (or already present) files: path, bytes, format, what was done. */
export function downloadedFilesTable(result: DownloadResult): string {
  const formats = new Map(
    (findDataset(result.dataset)?.files ?? []).map((f) => [join(result.dir, ...f.path.split('/')), f.format]),
  );
  // No colour codes when the output is piped or saved.
  const plain = !process.stdout.isTTY || process.env.NO_COLOR !== undefined;
  const table = new Table({
    head: ['file', 'bytes', 'format', 'status'],
    ...(plain ? { style: { head: [], border: [] } } : {}),
  });
  for (const f of result.files) {
    table.push([f.path, f.bytes.toLocaleString('en-US'), formats.get(f.path) ?? '', f.action]);
  }
  return table.toString();
}
