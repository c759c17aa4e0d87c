/**
 * One timed epoch of the reference model (configs/bilstm.yaml) at QQP's full size: an epoch that
 * trains on 404,290 pairs (the rows of Kaggle's train.csv), through `qqp train`'s own trainer, so
 * the figure is a measured epoch, not one extrapolated from a rate (bench/buckets.ts does that).
 * The text: a CSV made in a temp dir by repeating the rows of the shared Kaggle sample
 * (../shared/data/qqp/kaggle-train-first10k.csv) when it is there, else of the bundled synthetic
 * rows, with as many rows as make the config's 80% training split 404,290 pairs. The config is the
 * reference one with `training.epochs=1` and the data source replaced; `--bucket` also sets
 * `maskZero: true` on the embedding and `training.bucketByLength: true`. Threads: QQP_THREADS (the
 * machine's cores by default), as for `qqp train`.
 * Printed: the training split's size, the epoch's training time and examples/s (without the
 * evaluation of the held-out split that follows it), the whole epoch with that evaluation, the load
 * average at the start and the CPU time other processes took meanwhile. The last line of stdout is
 * the JSON.
 * Run: `node --import tsx bench/epoch.ts [--bucket] [--pairs N]`.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fusedThreads } from '../src/backend/kernels/kernel-table.js';
import { loadConfig } from '../src/config/load.js';
import { readPairs } from '../src/data/read.js';
import { train } from '../src/train/trainer.js';
import { writeLargeCsv } from './data.js';
import { measureHere } from './machine.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SHARED_SAMPLE = join(ROOT, '..', 'shared', 'data', 'qqp', 'kaggle-train-first10k.csv');
const BUNDLED = join(ROOT, 'data', 'qqp-synthetic.csv');
const log = (line: string) => process.stderr.write(`${line}\n`);

const { values } = parseArgs({
  options: {
    bucket: { type: 'boolean' },
    pairs: { type: 'string', default: '404290' },
  },
});
const pairs = Number(values.pairs);
if (!Number.isInteger(pairs) || pairs < 1000) throw new Error('--pairs must be an integer >= 1000');

const source = existsSync(SHARED_SAMPLE) ? SHARED_SAMPLE : BUNDLED;
const seed = (await readPairs(source)).rows;
const tmp = mkdtempSync(join(tmpdir(), 'qqp-bench-epoch-'));
try {
  const reference = loadConfig(join(ROOT, 'configs', 'bilstm.yaml'));
  const trainShare = reference.config.data.split?.train ?? 0.8;
  // Enough rows that the training split holds `pairs` (the split may round either way: checked below).
  const rows = Math.ceil(pairs / trainShare);
  const file = join(tmp, 'qqp-full-size.csv');
  log(
    `writing ${rows.toLocaleString('en-US')} rows repeating ${seed.length.toLocaleString('en-US')} of ${source}`,
  );
  await writeLargeCsv(file, rows, seed);
  const overrides = [`data.source=${file}`, 'training.epochs=1'];
  if (values.bucket) overrides.push('model.layers[0].maskZero=true', 'training.bucketByLength=true');
  const loaded = loadConfig(join(ROOT, 'configs', 'bilstm.yaml'), { overrides });
  let trainCount = 0;
  let backend = '';
  let record: { seconds: number; examplesPerSecond: number } | null = null;
  const { value: r, window } = await measureHere(() =>
    train({
      experimentsDir: join(tmp, 'experiments'),
      loaded,
      onEvent: (e) => {
        if (e.type === 'backend') backend = e.info.reason;
        if (e.type === 'data') {
          trainCount = e.sizes.train;
          log(
            `training split ${e.sizes.train.toLocaleString('en-US')} pairs, held out ${e.sizes.test.toLocaleString('en-US')}; ${backend}`,
          );
        }
        if (e.type === 'epochEnd') record = e.record;
      },
    }),
  );
  const load = window.loadAvg;
  const others = window.otherCores;
  if (r.status !== 'completed' || !record) throw new Error(`training did not complete: ${r.status}`);
  const { seconds, examplesPerSecond } = record as { seconds: number; examplesPerSecond: number };
  const trainSeconds = trainCount / examplesPerSecond;
  const result = {
    pairs: trainCount,
    bucketing: Boolean(values.bucket),
    threads: fusedThreads(),
    backend,
    text: source,
    trainSeconds,
    examplesPerSecond,
    epochSecondsWithEvaluation: seconds,
    loadAverageAtStart: load,
    otherProcessesCores: others,
  };
  console.log(
    `one epoch of ${trainCount.toLocaleString('en-US')} pairs (${values.bucket ? 'bucketing on' : 'bucketing off'}, ${fusedThreads()} thread(s)): ` +
      `training ${(trainSeconds / 60).toFixed(2)} min (${examplesPerSecond.toFixed(0)} ex/s), ` +
      `${(seconds / 60).toFixed(2)} min with the held-out evaluation; load average ${load.toFixed(2)} at the start, ` +
      `other processes ${others.toFixed(2)} cores meanwhile`,
  );
  if (trainCount < pairs) console.log(`(the split gave ${trainCount} pairs, fewer than ${pairs})`);
  console.log(JSON.stringify(result));
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
