import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { runAlignEntry } from '../../../src/backend/kernels/align-wasm.js';
import { fusedThreads, setFusedThreads } from '../../../src/backend/kernels/kernel-table.js';
import { loadNativeKernels } from '../../../src/backend/kernels/native-runtime.js';
import {
  type EntryName,
  kernelEngine,
  type RnnOptions,
  type RnnShape,
  runEntry,
  setKernelEngine,
} from '../../../src/backend/kernels/rnn-wasm.js';
import { saveEnv } from '../../helpers/env.js';
import { randomArray, rng } from '../../helpers/layers.js';

/**
 * The native kernels (native/qqp-kernels.linux-x64.node: native/rnn.c built for x86-64, AVX2 with
 * FMA and AVX-512) against the WebAssembly module built from the same C: every function, forward
 * and backward, LSTM, GRU and align, gives the same arrays to 1e-5 of the array's largest
 * magnitude (the products are summed in another order and with fused multiply-adds), on every
 * instruction set this CPU runs, on one thread and split over three; shapes leave tails that fill
 * no whole vector, rows are masked, sequences reversed, a bias left out. NaN goes through as it
 * does in WebAssembly. Then the choice of engine: QQP_KERNELS and QQP_NATIVE_ISA.
 * Where the addon cannot run (not linux-x64, or a CPU without AVX2), the comparisons skip, saying why.
 */

const native = loadNativeKernels();
const SKIP = native.ok ? false : `the native kernels cannot run here: ${native.reason}`;
const ISAS = native.ok ? availableIsas() : [];
const DEFAULT_THREADS = fusedThreads();

function availableIsas(): string[] {
  const found: string[] = [];
  const restore = saveEnv(['QQP_NATIVE_ISA']);
  for (const isa of ['avx512', 'avx2']) {
    process.env.QQP_NATIVE_ISA = isa;
    if (loadNativeKernels().ok) found.push(isa);
  }
  restore();
  return found;
}

/** Runs `body` on one engine (and instruction set), restoring the settings after. */
function on<T>(engine: 'native' | 'wasm', isa: string | undefined, threads: number, body: () => T): T {
  const restore = saveEnv(['QQP_NATIVE_ISA']);
  if (isa) process.env.QQP_NATIVE_ISA = isa;
  setKernelEngine(engine);
  setFusedThreads(threads);
  try {
    const info = kernelEngine();
    assert.equal(info.name, engine, `runs on ${engine}`);
    return body();
  } finally {
    setKernelEngine(undefined);
    setFusedThreads(DEFAULT_THREADS);
    restore();
  }
}

function assertArraysClose(
  actual: Record<string, Float32Array>,
  expected: Record<string, Float32Array>,
  what: string,
) {
  for (const [name, want] of Object.entries(expected)) {
    const got = actual[name]!;
    assert.equal(got.length, want.length, `${what}: ${name} length`);
    let scale = 0;
    for (const v of want) scale = Math.max(scale, Math.abs(v));
    const tol = 1e-5 * Math.max(scale, 1e-3);
    for (let i = 0; i < want.length; i++) {
      const d = Math.abs(got[i]! - want[i]!);
      if (!(d <= tol))
        assert.fail(`${what}: ${name}[${i}] is ${got[i]}, WebAssembly gives ${want[i]} (tolerance ${tol})`);
    }
  }
}

interface RnnCase {
  cell: 'lstm' | 'gru';
  shape: RnnShape;
  opts: RnnOptions;
  masked: boolean;
  bias: boolean;
}

const RNN_CASES: RnnCase[] = [
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

/** Forward, then backward from given output gradients: every array either pass writes. */
function runRnn(c: RnnCase, seed: number): Record<string, Float32Array> {
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

function runAlign(seed: number): Record<string, Float32Array> {
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

describe('the native kernels against the WebAssembly module', { skip: SKIP }, () => {
  after(() => setKernelEngine(undefined));

  RNN_CASES.forEach((c, k) => {
    const expected = on('wasm', undefined, 1, () => runRnn(c, 100 + k));
    for (const isa of ISAS)
      for (const threads of [1, 3]) {
        it(`${c.cell} forward and backward, case ${k + 1}, ${isa}, ${threads} thread(s)`, () => {
          const got = on('native', isa, threads, () => runRnn(c, 100 + k));
          assertArraysClose(got, expected, `${c.cell} case ${k + 1} on ${isa}`);
        });
      }
  });

  const alignExpected = on('wasm', undefined, 1, () => runAlign(7));
  for (const isa of ISAS)
    for (const threads of [1, 2]) {
      it(`align forward and backward, ${isa}, ${threads} thread(s)`, () => {
        assertArraysClose(
          on('native', isa, threads, () => runAlign(7)),
          alignExpected,
          `align on ${isa}`,
        );
      });
    }

  it('pass NaN through as WebAssembly does', () => {
    const shape = { batch: 2, steps: 3, features: 4, units: 16 };
    const opts = { reverse: false, activation: 'tanh', recurrentActivation: 'sigmoid' } as const;
    const forward = () => {
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
    };
    const wasm = on('wasm', undefined, 1, forward);
    for (const isa of ISAS) {
      const got = on('native', isa, 1, forward);
      assert.ok(Number.isNaN(got[0]!), `${isa}: NaN input gives NaN state`);
      assert.deepEqual(
        Array.from(got, Number.isNaN),
        Array.from(wasm, Number.isNaN),
        `${isa}: NaN in the same places as WebAssembly`,
      );
    }
  });
});

describe('the choice of kernel engine', () => {
  const restore = saveEnv(['QQP_KERNELS', 'QQP_NATIVE_ISA']);
  after(() => {
    restore();
    setKernelEngine(undefined);
  });

  it('is wasm with QQP_KERNELS=wasm, and says so', () => {
    process.env.QQP_KERNELS = 'wasm';
    assert.deepEqual(kernelEngine(), { name: 'wasm', label: 'wasm SIMD', reason: 'QQP_KERNELS=wasm' });
  });

  it('refuses an unknown QQP_KERNELS, naming the choices', () => {
    process.env.QQP_KERNELS = 'gpu';
    assert.throws(() => kernelEngine(), /QQP_KERNELS must be native, wasm or auto, not "gpu"/);
  });

  it('is native by default where the addon runs, else wasm with the reason', () => {
    delete process.env.QQP_KERNELS;
    delete process.env.QQP_NATIVE_ISA;
    const info = kernelEngine();
    if (native.ok) {
      assert.equal(info.name, 'native');
      assert.match(info.label, /^native (AVX-512|AVX2\+FMA)$/);
    } else {
      assert.equal(info.name, 'wasm');
      assert.equal(info.reason, native.reason);
    }
  });

  it('with QQP_KERNELS=native, fails with the reason when the addon cannot run (here: an instruction set no CPU has)', () => {
    process.env.QQP_KERNELS = 'native';
    process.env.QQP_NATIVE_ISA = 'avx1024';
    assert.throws(() => kernelEngine(), /QQP_KERNELS=native, but the native kernels cannot run: .*avx1024/);
    delete process.env.QQP_KERNELS;
    // Without the request, the same machine falls back to wasm and says why.
    const info = kernelEngine();
    assert.equal(info.name, 'wasm');
    assert.match(info.reason ?? '', /QQP_NATIVE_ISA=avx1024/);
  });
});
