import cliProgress from 'cli-progress';
import { describeFile } from '../../data/read.js';
import type { RowProgress, RunRef } from '../../eval/index.js';
import { describeEmbeddings, type RunSummary } from '../../runs/records.js';
import type { TrainEvent } from '../../train/trainer.js';
import { formatCount } from '../render.js';
import { skippedWarnings } from './skipped.js';

function fmt(n: number, digits = 4): string {
  return Number.isFinite(n) ? n.toFixed(digits) : String(n);
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const m = Math.floor(s / 60);
  const h = Math.floor(m / 60);
  return h > 0
    ? `${h}h${String(m % 60).padStart(2, '0')}m`
    : m > 0
      ? `${m}m${String(s % 60).padStart(2, '0')}s`
      : `${s}s`;
}

/** Epoch lines like Keras': `epoch 3/10  loss 0.4123  accuracy 0.8011  val_loss ...  41.2s  96 ex/s`. */
export function epochLine(record: Record<string, number>, epochs: number): string {
  const skip = new Set(['epoch', 'seconds', 'examplesPerSecond', 'learningRate']);
  const parts = Object.entries(record)
    .filter(([k]) => !skip.has(k))
    .map(([k, v]) => `${k} ${fmt(v)}`);
  return `epoch ${record.epoch}/${epochs}  ${parts.join('  ')}  lr ${record.learningRate}  ${fmt(record.seconds ?? 0, 1)}s  ${fmt(record.examplesPerSecond ?? 0, 0)} ex/s`;
}

/**
 * Shows training progress on stderr: a live bar (epoch, batch, loss, accuracy, examples/s, ETA)
 * on a terminal, else a plain line every `plainEverySeconds` and at each epoch's end.
 */
export class TrainProgress {
  private bar: cliProgress.SingleBar | undefined;
  private epochs = 0;
  private lastPlain = 0;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly live = Boolean(process.stderr.isTTY && process.stdout.isTTY),
    private readonly plainEverySeconds = 10,
  ) {}

  private line(text: string): void {
    if (this.bar) {
      this.bar.stop();
      this.bar = undefined;
    }
    this.stream.write(`${text}\n`);
  }

  handle(e: TrainEvent): void {
    switch (e.type) {
      case 'run':
        this.line(
          e.resumedAt ? `resuming run ${e.id} at epoch ${e.resumedAt} (${e.dir})` : `run ${e.id} (${e.dir})`,
        );
        for (const note of e.notes ?? []) this.line(`note: ${note}`);
        break;
      case 'backend':
        this.line(`backend: ${e.info.reason}`);
        break;
      case 'data':
        this.line(
          `data: ${e.sizes.train} train, ${e.sizes.validation} validation, ${e.sizes.test} test pairs; vocabulary ${e.vocabularySize}` +
            (e.validationSplit === 'test'
              ? '; no validation split, so test_* are the test split per epoch (reporting only, never used to pick weights)'
              : ''),
        );
        for (const f of e.files) this.line(`  ${describeFile(f)}`);
        for (const f of e.files) for (const text of skippedWarnings(f.file, f)) this.line(text);
        for (const v of e.embeddings ?? []) this.line(describeEmbeddings(v));
        for (const text of e.dropped) this.line(text);
        this.line(
          e.monitor
            ? `* on an epoch line: best ${e.monitor} so far (saved as model/best)`
            : 'no best epoch: nothing picks one without a validation split or training.earlyStopping',
        );
        break;
      case 'epochStart':
        this.epochs = e.epochs;
        this.lastPlain = performance.now();
        if (this.live) {
          this.bar = new cliProgress.SingleBar(
            {
              stream: this.stream,
              format: `epoch ${e.epoch}/${e.epochs} {bar} {value}/{total} batches  loss {loss}  acc {acc}  {speed} ex/s  ETA {eta_formatted}`,
              barsize: 24,
              hideCursor: true,
              etaBuffer: 50,
              fps: 5,
            },
            cliProgress.Presets.shades_classic,
          );
          this.bar.start(e.batches, 0, { loss: '-', acc: '-', speed: '-' });
        }
        break;
      case 'batch':
        if (this.bar) {
          this.bar.update(e.batch, {
            loss: fmt(e.loss),
            acc: fmt(e.accuracy),
            speed: e.examplesPerSecond.toFixed(0),
          });
        } else if ((performance.now() - this.lastPlain) / 1000 >= this.plainEverySeconds) {
          this.lastPlain = performance.now();
          const eta =
            e.examplesPerSecond > 0
              ? ((e.batches - e.batch) / e.batch) * (e.examples / e.examplesPerSecond)
              : Number.NaN;
          this.stream.write(
            `epoch ${e.epoch}/${this.epochs} batch ${e.batch}/${e.batches}  loss ${fmt(e.loss)}  acc ${fmt(e.accuracy)}  ${e.examplesPerSecond.toFixed(0)} ex/s  ETA ${duration(eta)}\n`,
          );
        }
        break;
      case 'evaluating':
        break;
      case 'epochEnd':
        this.line(epochLine(e.record, this.epochs) + (e.improved ? '  *' : ''));
        break;
      case 'earlyStop':
        this.line(
          `early stopping at epoch ${e.epoch}: ${e.monitor} has not improved since epoch ${e.bestEpoch}`,
        );
        break;
      case 'interrupted':
        this.line(
          `interrupted at epoch ${e.epoch}, batch ${e.batch}; the checkpoint holds ${e.epochsCompleted} completed epoch(s)`,
        );
        break;
    }
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}

/**
 * Progress of a long pass over pairs on stderr: a live bar on a terminal, else a plain line every
 * `everySeconds` (logs and CI stay readable). Shared with `qqp eval`.
 */
export class RowProgressView {
  private bar: cliProgress.SingleBar | undefined;
  private started = performance.now();
  private lastPlain = performance.now();

  constructor(
    private readonly label: string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly live = Boolean(process.stderr.isTTY),
    private readonly everySeconds = 5,
  ) {}

  update(p: RowProgress): void {
    const seconds = (performance.now() - this.started) / 1000;
    const speed = seconds > 0 ? Math.round(p.done / seconds) : 0;
    if (this.live) {
      if (!this.bar) {
        this.bar = new cliProgress.SingleBar(
          {
            stream: this.stream,
            format: `${this.label} {bar} {value}/{total} pairs  {speed} pairs/s  ETA {eta_formatted}`,
            barsize: 24,
            hideCursor: true,
            fps: 5,
          },
          cliProgress.Presets.shades_classic,
        );
        this.bar.start(p.total, 0, { speed: '-' });
      }
      this.bar.setTotal(p.total);
      this.bar.update(p.done, { speed: formatCount(speed) });
      return;
    }
    if ((performance.now() - this.lastPlain) / 1000 >= this.everySeconds) {
      this.lastPlain = performance.now();
      const pct = p.total > 0 ? ` (${Math.min(100, (100 * p.done) / p.total).toFixed(0)}%)` : '';
      this.stream.write(
        `${this.label}: ${formatCount(p.done)} of ${p.estimated ? '~' : ''}${formatCount(p.total)} pairs${pct}, ${formatCount(speed)} pairs/s\n`,
      );
    }
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}

/** `run <id>, best epoch's weights`: which model answered. */
export function runLine(run: RunRef): string {
  return `run ${run.id}, ${run.weights === 'best' ? "best epoch's" : "last epoch's"} weights`;
}

/**
 * Which epoch's weights the run kept, and why: `kept the weights of epoch 10 (the last)`, with the
 * best epoch when one was picked (`best val_loss at epoch 3`), or `of epoch 2 (best val_loss, early
 * stopping restored them)`.
 */
export function keptLine(s: RunSummary): string {
  if (s.finalWeights === 'best' && s.bestEpoch !== null) {
    return `kept the weights of epoch ${s.bestEpoch} (best ${s.bestMonitor}, early stopping restored them)`;
  }
  const best =
    s.bestMonitor && s.bestEpoch !== null && s.bestEpoch !== s.epochs
      ? `best ${s.bestMonitor} at epoch ${s.bestEpoch}; `
      : '';
  const why = s.bestMonitor && s.bestEpoch === s.epochs ? `the last, and best ${s.bestMonitor}` : 'the last';
  return `${best}kept the weights of epoch ${s.last?.epoch ?? s.epochs} (${why})`;
}
