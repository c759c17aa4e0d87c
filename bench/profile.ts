/**
 * Where a training step of the reference model (configs/bilstm.yaml, vocabulary 10,000, random
 * token ids) spends its kernel time: tf.profile over a few steps of `qqp train`'s own step
 * (src/train/step.ts) after warm-up, summed per tfjs kernel. The fused Adam update (native, where it
 * runs) is no tfjs kernel: it is in the wall time, not the kernel time. Times are wall-clock per kernel call as tfjs measures them on wasm, and
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
import { buildOptimizer } from '../src/registry/optimizers.js';
import { makeTrainStep } from '../src/train/step.js';
import { randomPairs, setImplementation } from './train.js';

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
const optimizer = buildOptimizer(config.training.optimizer);
/** Ids in 1..9999, zero after a row's length (lengths from 3 to seqLen). */
const ids = () => {
  const out = new Int32Array(batch * seqLen);
  for (let i = 0; i < batch; i++) {
    const length = 3 + ((i * 7) % (seqLen - 2));
    for (let t = 0; t < length; t++) out[i * seqLen + t] = 1 + Math.floor(Math.random() * 9998);
  }
  return out;
};
const data = randomPairs(
  config,
  model.inputNames.map(() => ids()),
);
// The step `qqp train` runs (src/train/step.ts), with the fused Adam update where it runs.
const step = makeTrainStep(model, optimizer, config, data);
const order = Uint32Array.from({ length: batch }, (_, i) => i);
for (let i = 0; i < 3; i++) step(order, 0, batch);

const perKernel = new Map<string, { ms: number; calls: number }>();
let wall = 0;
for (let r = 0; r < STEPS; r++) {
  const t0 = performance.now();
  const profile = await tf.profile(async () => {
    step(order, 0, batch);
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
