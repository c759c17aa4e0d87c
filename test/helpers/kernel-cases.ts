import assert from 'node:assert/strict';
import { runAlignEntry } from '../../src/backend/kernels/align-wasm.js';
import {
  type EntryName,
  type RnnOptions,
  type RnnShape,
  runEntry,
} from '../../src/backend/kernels/rnn-wasm.js';
import { randomArray, rng } from './layers.js';

/**
 * The calls that compare two engines (or two builds) of qqp's kernels, native/rnn.c: every
 * function, forward and backward, LSTM, GRU and align, on shapes that leave tails that fill no
 * whole vector, with rows masked, sequences reversed and a bias left out; and the comparison, to
 * 1e-5 of each array's largest magnitude (the products are summed in another order, or with fused
 * multiply-adds). test/backend/kernels/native.test.ts (native against wasm) and wasm-simd.test.ts
 * (relaxed SIMD against plain) use them.
 */

/** Asserts that every array of `actual` is within tolerance of the same one of `expected`, which `reference` names. */
export function assertArraysClose(
  actual: Record<string, Float32Array>,
  expected: Record<string, Float32Array>,
  what: string,
  reference = 'WebAssembly',
) {
  for (const [name, want] of Object.entries(expected)) {
    const got = actual[name];
    assert.ok(got, `${what}: ${name} is missing`);
    assert.equal(got.length, want.length, `${what}: ${name} length`);
    let scale = 0;
    for (const v of want) scale = Math.max(scale, Math.abs(v));
    const tol = 1e-5 * Math.max(scale, 1e-3);
    for (let i = 0; i < want.length; i++) {
      const d = Math.abs(got[i]! - want[i]!);
      if (!(d <= tol))
        assert.fail(`${what}: ${name}[${i}] is ${got[i]}, ${reference} gives ${want[i]} (tolerance ${tol})`);
    }
  }
}

export interface RnnCase {
  cell: 'lstm' | 'gru';
  shape: RnnShape;
  opts: RnnOptions;
  masked: boolean;
  bias: boolean;
}

export const RNN_CASES: RnnCase[] = [
  {
    cell: 'lstm',
    shape: { batch: 5, steps: 7, features: 13, units: 19 },
    opts: { reverse: false, activation: 'tanh', recurrentActivation: 'sigmoid' },
    masked: true,
    bias: true,
  },
  {
    cell: 'lstm',
    shape: { batch: 4, steps: 6, features: 32, units: 16 },
    opts: { reverse: true, activation: 'relu', recurrentActivation: 'hardSigmoid' },
    masked: false,
    bias: false,
  },
  {
    cell: 'gru',
    shape: { batch: 6, steps: 5, features: 9, units: 21 },
    opts: { reverse: true, activation: 'tanh', recurrentActivation: 'sigmoid' },
    masked: true,
    bias: true,
  },
  {
    cell: 'gru',
    shape: { batch: 3, steps: 4, features: 16, units: 32 },
    opts: { reverse: false, activation: 'linear', recurrentActivation: 'sigmoid' },
    masked: false,
    bias: false,
  },
];

/** Forward, then backward from given output gradients, on the current engine: every array either pass writes. */
export function runRnn(c: RnnCase, seed: number): Record<string, Float32Array> {
  const rand = rng(seed);
  const { batch: B, steps: T, features: F, units: H } = c.shape;
  const G = (c.cell === 'lstm' ? 4 : 3) * H;
  const mask = c.masked
    ? Float32Array.from({ length: B * T }, (_, i) => (i % T < T - (Math.floor(i / T) % 3) ? 1 : 0))
    : null;
  const ins = {
    x: randomArray(rand, B * T * F),
    w: randomArray(rand, F * G, 0.5),
    u: randomArray(rand, H * G, 0.5),
    b: c.bias ? randomArray(rand, G, 0.5) : null,
    h0: randomArray(rand, B * H),
    mask,
  };
  const f32 = (n: number) => new Float32Array(n);
  const seq = { hs: f32(B * T * H), gates: f32(B * T * G) };
  const grads = {
    dx: f32(B * T * F),
    dw: f32(F * G),
    du: f32(H * G),
    db: c.bias ? f32(G) : null,
    dh0: f32(B * H),
  };
  const dhs = randomArray(rand, B * T * H);
  if (c.cell === 'lstm') {
    const c0 = randomArray(rand, B * H);
    const cs = f32(B * T * H);
    const dc0 = f32(B * H);
    runEntry('lstm_forward', c.shape, c.opts, { ...ins, c0, ...seq, cs });
    runEntry('lstm_backward' as EntryName, c.shape, c.opts, { ...ins, c0, ...seq, cs, dhs, ...grads, dc0 });
    return { ...seq, cs, ...onlyArrays(grads), dc0 };
  }
  const rh = f32(B * T * H);
  runEntry('gru_forward', c.shape, c.opts, { ...ins, ...seq, rh });
  runEntry('gru_backward', c.shape, c.opts, { ...ins, ...seq, rh, dhs, ...grads });
  return { ...seq, rh, ...onlyArrays(grads) };
}

function onlyArrays(o: Record<string, Float32Array | null>): Record<string, Float32Array> {
  return Object.fromEntries(Object.entries(o).filter((e): e is [string, Float32Array] => e[1] !== null));
}

/** align forward and backward on the current engine: every array either pass writes. */
export function runAlign(seed: number): Record<string, Float32Array> {
  const rand = rng(seed);
  const shape = { batch: 3, stepsA: 7, stepsB: 19, scoreWidth: 5, width: 17 };
  const { batch: B, stepsA: Ta, stepsB: Tb, scoreWidth: P, width: D } = shape;
  const ma = Float32Array.from({ length: B * Ta }, (_, i) =>
    i % Ta < [7, 3, 0][Math.floor(i / Ta)]! ? 1 : 0,
  );
  const mb = Float32Array.from({ length: B * Tb }, (_, i) =>
    i % Tb < [19, 1, 12][Math.floor(i / Tb)]! ? 1 : 0,
  );
  const ins = {
    sa: randomArray(rand, B * Ta * P),
    sb: randomArray(rand, B * Tb * P),
    a: randomArray(rand, B * Ta * D),
    b: randomArray(rand, B * Tb * D),
    ma,
    mb,
    scale: Float32Array.of(0.7),
  };
  const f32 = (n: number) => new Float32Array(n);
  const fwd = { at: f32(B * Ta * D), bt: f32(B * Tb * D), pa: f32(B * Ta * Tb), pb: f32(B * Tb * Ta) };
  runAlignEntry('align_forward', shape, { ...ins, ...fwd });
  const bwd = {
    dsa: f32(B * Ta * P),
    dsb: f32(B * Tb * P),
    da: f32(B * Ta * D),
    db: f32(B * Tb * D),
    dscale: f32(1),
  };
  runAlignEntry('align_backward', shape, {
    ...ins,
    pa: fwd.pa,
    pb: fwd.pb,
    dat: randomArray(rand, B * Ta * D),
    dbt: randomArray(rand, B * Tb * D),
    ...bwd,
  });
  return { ...fwd, ...bwd };
}

/** An LSTM forward pass (on the current engine) whose first input is NaN: hs [2, 3, 16]. */
export function nanForward(): Float32Array {
  const shape = { batch: 2, steps: 3, features: 4, units: 16 };
  const opts = { reverse: false, activation: 'tanh', recurrentActivation: 'sigmoid' } as const;
  const x = new Float32Array(2 * 3 * 4).fill(0.1);
  x[0] = Number.NaN; // row 0, step 0
  const hs = new Float32Array(2 * 3 * 16);
  runEntry('lstm_forward', shape, opts, {
    x,
    w: new Float32Array(4 * 64).fill(0.1),
    u: new Float32Array(16 * 64).fill(0.1),
    h0: new Float32Array(2 * 16),
    c0: new Float32Array(2 * 16),
    hs,
  });
  return hs;
}
