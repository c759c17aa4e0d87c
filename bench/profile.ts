/**
 * Where a training step of the reference model (configs/bilstm.yaml, vocabulary 10,000, random
 * token ids) spends its kernel time: tf.profile over a few `trainOnBatch` steps after warm-up,
 * summed per tfjs kernel. Times are wall-clock per kernel call as tfjs measures them on wasm, and
 * profiling itself slows the step; read the shares, not the totals. `unnamed scope` is the fused
 * layers' tf.customGrad wrapper, which contains the QqpFusedLstm call: it is listed but left out of
 * the shares, so nothing is counted twice.
 * Run: `node --import tsx bench/profile.ts [fused|layers] [batch] [config]` (default fused 16
 * configs/bilstm.yaml). A config of two questions (a graph: decatt, esim, re2) is fed random ids on
 * each input, the later steps of some rows padding, so masks are exercised.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/backend/index.js';
import { table } from '../src/cli/render.js';
import { loadConfig } from '../src/config/load.js';
import { sequenceLength } from '../src/data/encode.js';
import { buildModel } from '../src/model/build.js';
import { losses } from '../src/registry/objectives.js';
import { buildOptimizer } from '../src/registry/optimizers.js';
import { setImplementation } from './train.js';

const impl = process.argv[2] === 'layers' ? 'layers' : 'fused';
const batch = Number(process.argv[3] ?? 16);
const STEPS = 5;

const info = await initBackend('wasm');
const configFile = process.argv[4] ?? new URL('../configs/bilstm.yaml', import.meta.url).pathname;
const { config } = loadConfig(configFile);
if (setImplementation(config.model, impl) === 0 && impl === 'layers')
  throw new Error('no lstm or gru layer to run as tfjs-layers');
const seqLen = sequenceLength(config.data.encoding);
const model = buildModel(config, { vocabSize: 10_000 });
model.compile({
  optimizer: buildOptimizer(config.training.optimizer),
  loss: losses.byName[config.training.loss].fn,
});
/** Ids in 1..9999, zero after a row's length (lengths from 3 to seqLen). */
const ids = () =>
  tf.tidy(() => {
    const lengths = tf.tensor2d(
      Array.from({ length: batch }, (_x, i) => [3 + ((i * 7) % (seqLen - 2))]),
      [batch, 1],
      'int32',
    );
    const keep = tf.less(tf.range(0, seqLen, 1, 'int32').reshape([1, seqLen]), lengths);
    return tf.mul(tf.randomUniform([batch, seqLen], 1, 9999, 'int32'), tf.cast(keep, 'int32'));
  });
const xs = model.inputNames.length === 1 ? ids() : model.inputNames.map(() => ids());
const ys = tf.cast(tf.randomUniform([batch, 1], 0, 2, 'int32'), 'float32');
for (let i = 0; i < 3; i++) await model.trainOnBatch(xs, ys);

const perKernel = new Map<string, { ms: number; calls: number }>();
let wall = 0;
for (let r = 0; r < STEPS; r++) {
  const t0 = performance.now();
  const profile = await tf.profile(async () => {
    await model.trainOnBatch(xs, ys);
  });
  wall += performance.now() - t0;
  for (const k of profile.kernels) {
    const ms = await k.kernelTimeMs;
    const e = perKernel.get(k.name) ?? { ms: 0, calls: 0 };
    e.ms += typeof ms === 'number' ? ms : 0;
    e.calls += 1;
    perKernel.set(k.name, e);
  }
}
const SCOPE = 'unnamed scope';
const ELEMENTWISE = new Set(['Add', 'Sub', 'Multiply', 'RealDiv', 'Sqrt', 'Square', 'Maximum']);
const rows = [...perKernel.entries()].sort((a, b) => b[1].ms - a[1].ms);
const total = rows.reduce((n, [name, e]) => (name === SCOPE ? n : n + e.ms), 0);
const shareOf = (pick: (name: string) => boolean) =>
  (100 * rows.reduce((n, [name, e]) => (pick(name) ? n + e.ms : n), 0)) / total;
console.log(`${impl}, batch ${batch}, ${info.reason}; ${STEPS} profiled steps`);
console.log(
  table(
    ['kernel', 'ms/step', 'calls/step', 'share'],
    rows
      .slice(0, 20)
      .map(([name, e]) => [
        name,
        (e.ms / STEPS).toFixed(2),
        e.calls / STEPS,
        name === SCOPE ? '(contains QqpFused*)' : `${((100 * e.ms) / total).toFixed(1)}%`,
      ]),
  ),
);
console.log(
  `kernel time ${(total / STEPS).toFixed(1)} ms/step, wall ${(wall / STEPS).toFixed(1)} ms/step while profiling; ` +
    `fused recurrent kernels ${shareOf((n) => n.startsWith('QqpFused')).toFixed(0)}%, ` +
    `element-wise ops (${[...ELEMENTWISE].join(', ')}) ${shareOf((n) => ELEMENTWISE.has(n)).toFixed(0)}% of kernel time`,
);
