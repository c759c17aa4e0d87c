/**
 * Forward + backward time of `align` then `enhance` on both questions (batch 32, length 20, width
 * 100, masked, no projection) on wasm, and the tfjs kernel calls per step, with the fused alignment
 * kernel (src/backend/kernels/align.ts) and with the layer's tfjs ops (the kernel unregistered),
 * in alternating rounds. A tiny measurement for issue 18's speed point, not a test.
 * Run: `node --import tsx bench/align.ts [batch] [length] [width] [projectionUnits]`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/backend/index.js';
import { FUSED_ALIGN, FUSED_ALIGN_INFER, registerFusedAlignKernels } from '../src/backend/kernels/align.js';
import { Align, Enhance, registerLayerClasses } from '../src/layers/index.js';

const [B, T, D, P] = [32, 20, 100, 0].map((d, i) => Number(process.argv[2 + i] ?? d)) as [
  number,
  number,
  number,
  number,
];
const info = await initBackend('wasm');
registerLayerClasses();
const align = new Align({ projectionUnits: P, scale: P > 0 ? 'learned' : 'none' });
const enhance = new Enhance();
const a = tf.randomNormal([B, T, D]);
const b = tf.randomNormal([B, T, D]);
const lengths = Array.from({ length: B }, (_x, i) => 3 + (i % (T - 2)));
const mask = tf.tensor2d(
  lengths.map((n) => Array.from({ length: T }, (_y, t) => (t < n ? 1 : 0))),
  [B, T],
  'bool',
);
const loss = (x: tf.Tensor, y: tf.Tensor): tf.Scalar => {
  const [ax, bx] = align.apply([x, y], { mask: [mask, mask] }) as tf.Tensor[];
  const ea = enhance.apply([x, ax!]) as tf.Tensor;
  const eb = enhance.apply([y, bx!]) as tf.Tensor;
  return tf.add(tf.mean(ea), tf.mean(eb)) as tf.Scalar;
};
const step = () => {
  const g = tf.grads(loss)([a, b]);
  tf.dispose(g);
};
const usingOps = (ops: boolean) => {
  if (ops) {
    tf.unregisterKernel(FUSED_ALIGN, 'wasm');
    tf.unregisterKernel(FUSED_ALIGN_INFER, 'wasm');
  } else registerFusedAlignKernels('wasm');
};
const N = 25;
const ROUNDS = 4;
const times = { fused: [] as number[], ops: [] as number[] };
for (let r = 0; r < ROUNDS; r++) {
  for (const ops of [false, true]) {
    usingOps(ops);
    for (let i = 0; i < 3; i++) step();
    const t0 = performance.now();
    for (let i = 0; i < N; i++) step();
    times[ops ? 'ops' : 'fused'].push((performance.now() - t0) / N);
  }
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
/** Kernel calls of one run of `f`, by name (every engine.runKernel: forward and gradient ops). */
function kernelCalls(f: () => void): Map<string, number> {
  const engine = tf.engine() as unknown as { runKernel: (name: string, ...rest: unknown[]) => unknown };
  const original = engine.runKernel;
  const calls = new Map<string, number>();
  engine.runKernel = function (name: string, ...rest: unknown[]) {
    calls.set(name, (calls.get(name) ?? 0) + 1);
    return original.call(this, name, ...rest);
  };
  try {
    f();
  } finally {
    engine.runKernel = original;
  }
  return calls;
}
const total = (m: Map<string, number>) => [...m.values()].reduce((s, n) => s + n, 0);
console.log(
  `${info.reason}\nbatch ${B}, length ${T}, width ${D}, projection ${P || 'none'}, ${ROUNDS} rounds of ${N} steps:`,
);
for (const ops of [false, true]) {
  usingOps(ops);
  const both = kernelCalls(step);
  const forward = kernelCalls(() => tf.tidy(() => loss(a, b)).dispose());
  const ms = times[ops ? 'ops' : 'fused'];
  console.log(
    `${ops ? 'tfjs ops' : 'fused   '}: ${median(ms).toFixed(2)} ms per forward+backward (median; rounds ${ms.map((m) => m.toFixed(1)).join(' ')}; ` +
      `align + enhance on both sides, masked, mean loss); ${total(both)} kernel calls (${total(forward)} forward)`,
  );
  console.log(`  ${[...both].map(([k, n]) => `${k} ${n}`).join(', ')}`);
}
