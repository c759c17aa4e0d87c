/**
 * What length bucketing (training.bucketByLength) buys the reference model, and how long a full
 * QQP epoch would take: the model of configs/bilstm.yaml with `maskZero: true` on its embedding
 * (bucketing needs a model that masks its padding), trained through `qqp train`'s own step
 * (src/train/step.ts) on the encoded training split of real text, at batch 16, bucketing off and
 * on, each twice, alternating; on 1 thread and on the machine's cores (at most 2). The text: the
 * developers' real QQP rows (configs/shared-qqp/bilstm.yaml, when ../shared/data/qqp is there)
 * and the bundled synthetic rows (configs/bilstm.yaml). Questions' length is what bucketing acts
 * on, so these are the figures that say what it does; random ids of full length would show nothing.
 *
 * Printed per data and threads: examples/s off and on (the better of the two timings each; each
 * window's other-process CPU time beside it), the mean length a batch was cut to, and the time a
 * full QQP epoch (404,290 pairs, the size of Kaggle's train.csv) would take at that rate: an
 * extrapolation from the measured rate, not a timed epoch.
 * Run: `node --import tsx bench/buckets.ts [--batches N] [--threads 1,2] [--json]`.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { initBackend } from '../src/backend/index.js';
import { setFusedThreads } from '../src/backend/kernels/rnn-wasm.js';
import { table } from '../src/cli/render.js';
import { loadConfig } from '../src/config/load.js';
import type { ResolvedConfig } from '../src/config/schema.js';
import { buildModel } from '../src/model/build.js';
import { buildOptimizer } from '../src/registry/optimizers.js';
import { batchLength, bucketOrder, questionLengths } from '../src/train/buckets.js';
import { prepareTrainingData } from '../src/train/data.js';
import { bufferedShuffle } from '../src/train/random.js';
import { makeTrainStep } from '../src/train/step.js';
import { measureHere, type Window } from './machine.js';
import { ROOT } from './train.js';

/** Pairs in Kaggle's QQP train.csv. */
export const QQP_PAIRS = 404_290;

export interface BucketRow {
  data: string;
  threads: number;
  batch: number;
  bucket: boolean;
  examplesPerS: number;
  /** The mean length (ids per question) batches were cut to; the full length without bucketing. */
  meanLength: number;
  fullLength: number;
  window: Window;
  /** Minutes a 404,290-pair epoch would take at this rate (extrapolated). */
  qqpEpochMinutes: number;
}

export interface BucketBenchResult {
  rows: BucketRow[];
  skipped: string[];
}

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

async function measure(
  label: string,
  configFile: string,
  threads: number[],
  batches: number,
  log: (line: string) => void,
): Promise<BucketRow[]> {
  const { config: loaded } = loadConfig(configFile, {
    cwd: ROOT,
    overrides: ['model.layers[0].maskZero=true', 'training.batchSize=16'],
  });
  const data = await prepareTrainingData(loaded);
  const train = data.prepared.train;
  const padding = loaded.data.encoding.padding;
  const lengths = questionLengths(train, padding);
  const batch = loaded.training.batchSize;
  const warmup = 3;
  if ((warmup + batches) * batch > train.count)
    throw new Error(
      `${configFile}: ${warmup + batches} batches need more than its ${train.count} training pairs`,
    );
  const rows: BucketRow[] = [];
  for (const n of threads) {
    setFusedThreads(n);
    const timings = new Map<boolean, { s: number; window: Window; meanLength: number }>();
    for (const bucket of [false, true, false, true]) {
      const config: ResolvedConfig = { ...loaded, training: { ...loaded.training, bucketByLength: bucket } };
      const model = buildModel(config, { vocabSize: data.prepared.vocabulary.size });
      const optimizer = buildOptimizer(config.training.optimizer);
      const step = makeTrainStep(model, optimizer, config, train, { lengths });
      const shuffled = bufferedShuffle(train.count, train.count, 2019);
      const order = bucket ? bucketOrder(shuffled, lengths, batch, 2019) : shuffled;
      for (let i = 0; i < warmup; i++) step(order, i * batch, (i + 1) * batch);
      let lengthSum = 0;
      for (let i = warmup; i < warmup + batches; i++)
        lengthSum += bucket ? batchLength(lengths, order, i * batch, (i + 1) * batch) : train.sequenceLength;
      const timed = await measureHere(async () => {
        for (let i = warmup; i < warmup + batches; i++) step(order, i * batch, (i + 1) * batch);
      });
      model.dispose();
      optimizer.dispose();
      const best = timings.get(bucket);
      if (!best || timed.window.wallS < best.s)
        timings.set(bucket, { s: timed.window.wallS, window: timed.window, meanLength: lengthSum / batches });
      log(
        `  ${label}, ${n} thread(s), bucketing ${bucket ? 'on' : 'off'}: ${round((batches * batch) / timed.window.wallS)} ex/s`,
      );
    }
    const full = train.pair === 'concat' ? (train.sequenceLength - 1) / 2 : train.sequenceLength;
    for (const bucket of [false, true]) {
      const t = timings.get(bucket)!;
      const examplesPerS = (batches * batch) / t.s;
      rows.push({
        data: label,
        threads: n,
        batch,
        bucket,
        examplesPerS: round(examplesPerS),
        meanLength: round(bucket ? t.meanLength : full),
        fullLength: full,
        window: t.window,
        qqpEpochMinutes: round(QQP_PAIRS / examplesPerS / 60, 2),
      });
    }
  }
  return rows;
}

export async function runBucketBench(
  options: { batches?: number; threads?: number[]; log?: (line: string) => void } = {},
): Promise<BucketBenchResult> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const batches = options.batches ?? 150;
  const threads = options.threads ?? [...new Set([1, Math.min(2, availableParallelism())])];
  await initBackend('wasm');
  const skipped: string[] = [];
  const rows: BucketRow[] = [];
  const shared = join(ROOT, '..', 'shared', 'data', 'qqp');
  if (existsSync(shared)) {
    rows.push(
      ...(await measure(
        'real QQP rows',
        join(ROOT, 'configs', 'shared-qqp', 'bilstm.yaml'),
        threads,
        batches,
        log,
      )),
    );
  } else {
    skipped.push(`real QQP rows: ${shared} is not here`);
  }
  rows.push(...(await measure('bundled rows', join(ROOT, 'configs', 'bilstm.yaml'), threads, batches, log)));
  return { rows, skipped };
}

export function printBucketBench(result: BucketBenchResult, out: (line: string) => void): void {
  out(
    table(
      [
        'data',
        'threads',
        'batch',
        'bucketing',
        'train ex/s',
        'ids per question (mean)',
        'other processes (cores)',
        'full QQP epoch (extrapolated)',
      ],
      result.rows.map((r) => [
        r.data,
        r.threads,
        r.batch,
        r.bucket ? 'on' : 'off',
        r.examplesPerS,
        r.bucket ? `${r.meanLength} of ${r.fullLength}` : `${r.fullLength}`,
        r.window.otherCores,
        `${r.qqpEpochMinutes} min`,
      ]),
    ),
  );
  for (const data of new Set(result.rows.map((r) => r.data))) {
    for (const n of new Set(result.rows.filter((r) => r.data === data).map((r) => r.threads))) {
      const off = result.rows.find((r) => r.data === data && r.threads === n && !r.bucket);
      const on = result.rows.find((r) => r.data === data && r.threads === n && r.bucket);
      if (off && on)
        out(`${data}, ${n} thread(s): bucketing ÷ none ${(on.examplesPerS / off.examplesPerS).toFixed(2)}×`);
    }
  }
  out(
    `full QQP epoch: ${QQP_PAIRS.toLocaleString('en')} pairs at the measured rate (the target: 4 minutes at batch 16 on 2 cores); reference model with maskZero: true`,
  );
  for (const s of result.skipped) out(`skipped: ${s}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { batches: { type: 'string' }, threads: { type: 'string' }, json: { type: 'boolean' } },
  });
  const result = await runBucketBench({
    ...(values.batches ? { batches: Number(values.batches) } : {}),
    ...(values.threads ? { threads: values.threads.split(',').map(Number) } : {}),
  });
  if (values.json) console.log(JSON.stringify(result, null, 2));
  else printBucketBench(result, (line) => console.log(line));
}
