import cliProgress from 'cli-progress';
import { describeFile } from '../../data/read.js';
import type { RowProgress, RunRef } from '../../eval/index.js';
import { describeEmbeddings, type RunSummary } from '../../runs/records.js';
import type { TrainEvent } from '../../train/trainer.js';
import { formatCount, terminalWidth } from '../render.js';
import { skippedWarnings } from './skipped.js';

function fmt(n: number, digits = 4): string {
  return Number.isFinite(n) ? n.toFixed(digits) : String(n);
}

/** Seconds as `41s`, `4m10s` or `1h02m` (`?` when unknown). */
export function duration(seconds: number): string {
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

/** Short names for the metrics on a narrow epoch line; `val_`/`test_` prefixes are kept. */
const SHORT_METRIC: Record<string, string> = {
  accuracy: 'acc',
  precision: 'prec',
  recall: 'rec',
  binaryCrossentropy: 'bce',
};

function shortName(key: string): string {
  const m = /^(val_|test_)?(.*)$/.exec(key);
  const prefix = m?.[1] ?? '';
  const name = m?.[2] ?? key;
  return prefix + (SHORT_METRIC[name] ?? name);
}

/** A learning rate in at most 3 significant digits (float32 noise such as 0.0009999999 hidden). */
function lrText(lr: number | undefined): string {
  return lr === undefined || !Number.isFinite(lr) ? '-' : String(Number(lr.toPrecision(3)));
}

/** Greedy packing of `fields` into lines of at most `width`, the first after `first`, the others after `indent`. */
function pack(fields: readonly string[], width: number, first: string, indent: string): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const f of fields) {
    const joined = empty ? `${line}${f}` : `${line}  ${f}`;
    if (!empty && joined.length > width) {
      lines.push(line);
      line = `${indent}${f}`;
    } else line = joined;
    empty = false;
  }
  lines.push(line);
  return lines;
}

/**
 * The summary of one epoch, in lines of at most `width` columns (a field wider than the line is
 * never cut). On one line when it fits, with the metrics' full names:
 * `epoch 3/10  loss 0.4123  accuracy 0.8011  test_loss 0.4500  test_accuracy 0.7900  lr 0.001  41.2s  96 ex/s  *`;
 * else with short names (`acc`, `prec`, `rec`, `bce`; the `val_`/`test_` prefix always kept); else
 * on two lines, the training figures, learning rate, time, speed and `*` first and the `val_*` or
 * `test_*` figures below, aligned under the first figure (each wrapped again if still too wide).
 * `best` adds the `*` that marks a new best epoch.
 */
export function epochLines(
  record: Record<string, number>,
  epochs: number,
  options: { best?: boolean; width?: number } = {},
): string[] {
  const width = options.width ?? 80;
  const skip = new Set(['epoch', 'seconds', 'examplesPerSecond', 'learningRate']);
  const entries = Object.entries(record).filter(([k]) => !skip.has(k));
  const isEval = (k: string) => k.startsWith('val_') || k.startsWith('test_');
  const head = `epoch ${record.epoch}/${epochs}  `;
  const tail = [
    `lr ${lrText(record.learningRate)}`,
    `${fmt(record.seconds ?? 0, 1)}s`,
    `${fmt(record.examplesPerSecond ?? 0, 0)} ex/s`,
    ...(options.best ? ['*'] : []),
  ];
  const field = (name: (k: string) => string) => (e: [string, number]) => `${name(e[0])} ${fmt(e[1])}`;
  for (const name of [(k: string) => k, shortName]) {
    const line = head + [...entries.map(field(name)), ...tail].join('  ');
    if (line.length <= width) return [line];
  }
  const indent = ' '.repeat(head.length);
  const train = entries.filter(([k]) => !isEval(k)).map(field(shortName));
  const evaluated = entries.filter(([k]) => isEval(k)).map(field(shortName));
  return [
    ...pack([...train, ...tail], width, head, indent),
    ...(evaluated.length ? pack(evaluated, width, indent, indent) : []),
  ];
}

/** `epochLines` in one string (lines joined by newlines). */
export function epochLine(record: Record<string, number>, epochs: number, best = false, width = 80): string {
  return epochLines(record, epochs, { best, width }).join('\n');
}

/** What the live training bar shows; `trainBarLine` renders it. */
export interface BarState {
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  loss: number;
  accuracy: number;
  examplesPerSecond: number;
  /** Seconds left in this epoch (NaN when not yet known). */
  epochLeft: number;
  /** Seconds left in the whole run (NaN when not yet known). */
  runLeft: number;
}

const BAR_FULL = '\u2588';
const BAR_EMPTY = '\u2591';

/**
 * The live training bar in at most `width` columns, for example
 * `epoch 3/10 ████░░░░ 120/500  loss 0.4123  acc 0.8011  96 ex/s  ETA 41s, run 4m10s`.
 * Epoch, examples/s and both ETAs always stay; when the line is too wide, loss and accuracy get
 * fewer digits, then the batch count, accuracy and loss go, and the bar shrinks last.
 */
export function trainBarLine(s: BarState, width = 80): string {
  const head = `epoch ${s.epoch}/${s.epochs}`;
  const speed = `${Number.isFinite(s.examplesPerSecond) ? s.examplesPerSecond.toFixed(0) : '-'} ex/s`;
  const eta = `ETA ${duration(s.epochLeft)}${s.epochs > s.epoch ? `, run ${duration(s.runLeft)}` : ''}`;
  const count = `${s.batch}/${s.batches}`;
  const fmt = (n: number, digits = 4) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
  const variants: string[][] = [
    [count, `loss ${fmt(s.loss)}`, `acc ${fmt(s.accuracy)}`],
    [count, `loss ${fmt(s.loss, 3)}`, `acc ${fmt(s.accuracy, 3)}`],
    [`loss ${fmt(s.loss, 3)}`, `acc ${fmt(s.accuracy, 3)}`],
    [`loss ${fmt(s.loss, 3)}`],
    [],
  ];
  const done = s.batches > 0 ? Math.min(1, Math.max(0, s.batch / s.batches)) : 0;
  const bar = (size: number) => {
    const full = Math.round(done * size);
    return BAR_FULL.repeat(full) + BAR_EMPTY.repeat(size - full);
  };
  for (const [i, middle] of variants.entries()) {
    const tail = [...middle, speed, eta].join('  ');
    const room = width - head.length - tail.length - 2;
    const last = i === variants.length - 1;
    if (room >= 6 || (last && room >= 4)) return `${head} ${bar(Math.min(24, room))} ${tail}`;
    if (last && head.length + tail.length + 2 <= width) return `${head}  ${tail}`;
  }
  return `${head}  ${speed}  ${eta}`.slice(0, Math.max(0, width));
}

/**
 * Seconds left in the run: what is left of this epoch, plus the epochs still to come at the mean
 * wall time of the epochs this process has finished (or, before the first one ends, at this epoch's
 * own pace).
 */
export function runSecondsLeft(
  epoch: number,
  epochs: number,
  epochLeft: number,
  epochSecondsDone: readonly number[],
  thisEpochSoFar: number,
): number {
  const perEpoch =
    epochSecondsDone.length > 0
      ? epochSecondsDone.reduce((a, b) => a + b, 0) / epochSecondsDone.length
      : thisEpochSoFar + epochLeft;
  return epochLeft + Math.max(0, epochs - epoch) * perEpoch;
}

/**
 * Shows training progress on stderr: a live bar (epoch, batch, loss, accuracy, examples/s, the
 * epoch's and the run's ETA) fitted to the terminal's width, else a plain line every
 * `plainEverySeconds` and at each epoch's end. `now` (milliseconds) is the clock for the ETAs.
 */
export class TrainProgress {
  private bar: cliProgress.SingleBar | undefined;
  private epochs = 0;
  private lastPlain = 0;
  private epochStarted = 0;
  private epochExamples = 0;
  private readonly epochSeconds: number[] = [];

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly live = Boolean(process.stderr.isTTY && process.stdout.isTTY),
    private readonly plainEverySeconds = 10,
    private readonly now: () => number = () => performance.now(),
  ) {}

  private line(text: string): void {
    if (this.bar) {
      this.bar.stop();
      this.bar = undefined;
    }
    this.stream.write(`${text}\n`);
  }

  /** The bar's state after a batch event, with both ETAs from the clock. */
  barState(e: Extract<TrainEvent, { type: 'batch' }>): BarState {
    const epochLeft =
      e.examplesPerSecond > 0
        ? Math.max(0, this.epochExamples - e.examples) / e.examplesPerSecond
        : Number.NaN;
    const soFar = (this.now() - this.epochStarted) / 1000;
    return {
      epoch: e.epoch,
      epochs: this.epochs,
      batch: e.batch,
      batches: e.batches,
      loss: e.loss,
      accuracy: e.accuracy,
      examplesPerSecond: e.examplesPerSecond,
      epochLeft,
      runLeft: runSecondsLeft(e.epoch, this.epochs, epochLeft, this.epochSeconds, soFar),
    };
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
        this.epochStarted = this.now();
        this.epochExamples = e.examples;
        this.lastPlain = this.now();
        if (this.live) {
          const width = () => Math.max(20, (this.stream.columns || 80) - 1);
          const state: BarState = {
            epoch: e.epoch,
            epochs: e.epochs,
            batch: 0,
            batches: e.batches,
            loss: Number.NaN,
            accuracy: Number.NaN,
            examplesPerSecond: Number.NaN,
            epochLeft: Number.NaN,
            runLeft: Number.NaN,
          };
          this.bar = new cliProgress.SingleBar({
            stream: this.stream,
            format: (_options, _params, payload: { state?: BarState }) =>
              trainBarLine(payload.state ?? state, width()),
            hideCursor: true,
            fps: 5,
          });
          this.bar.start(e.batches, 0, { state });
        }
        break;
      case 'batch':
        if (this.bar) {
          this.bar.update(e.batch, { state: this.barState(e) });
        } else if ((this.now() - this.lastPlain) / 1000 >= this.plainEverySeconds) {
          this.lastPlain = this.now();
          const s = this.barState(e);
          this.stream.write(
            `epoch ${e.epoch}/${this.epochs} batch ${e.batch}/${e.batches}  loss ${fmt(e.loss)}  acc ${fmt(e.accuracy)}  ${e.examplesPerSecond.toFixed(0)} ex/s  ETA ${duration(s.epochLeft)}${this.epochs > e.epoch ? `, run ${duration(s.runLeft)}` : ''}\n`,
          );
        }
        break;
      case 'evaluating':
        break;
      case 'epochEnd':
        this.epochSeconds.push((this.now() - this.epochStarted) / 1000);
        this.line(epochLine(e.record, this.epochs, e.improved, terminalWidth(this.stream, 80)));
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

  private readonly stream: NodeJS.WriteStream;
  private readonly live: boolean;
  private readonly everySeconds: number;
  /** What is counted: `pairs` (predict, eval), `questions` (dedupe). */
  private readonly unit: string;

  constructor(
    private readonly label: string,
    options: { unit?: string; stream?: NodeJS.WriteStream; live?: boolean; everySeconds?: number } = {},
  ) {
    this.stream = options.stream ?? process.stderr;
    this.live = options.live ?? Boolean(this.stream.isTTY);
    this.everySeconds = options.everySeconds ?? 5;
    this.unit = options.unit ?? 'pairs';
  }

  update(p: RowProgress): void {
    const seconds = (performance.now() - this.started) / 1000;
    const speed = seconds > 0 ? Math.round(p.done / seconds) : 0;
    if (this.live) {
      if (!this.bar) {
        this.bar = new cliProgress.SingleBar(
          {
            stream: this.stream,
            format: `${this.label} {bar} {value}/{total} ${this.unit}  {speed} ${this.unit}/s  ETA {eta_formatted}`,
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
        `${this.label}: ${formatCount(p.done)} of ${p.estimated ? '~' : ''}${formatCount(p.total)} ${this.unit}${pct}, ${formatCount(speed)} ${this.unit}/s\n`,
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
