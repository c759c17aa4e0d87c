import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { fusedThreads, setFusedThreads } from '../../../src/backend/kernels/kernel-table.js';
import { loadNativeKernels } from '../../../src/backend/kernels/native-runtime.js';
import { kernelEngine, setKernelEngine } from '../../../src/backend/kernels/rnn-wasm.js';
import { relaxedSimdRuns } from '../../../src/backend/kernels/wasm-simd.js';
import { saveEnv } from '../../helpers/env.js';
import { assertArraysClose, nanForward, RNN_CASES, runAlign, runRnn } from '../../helpers/kernel-cases.js';

/**
 * The native kernels (native/qqp-kernels.linux-x64.node: native/rnn.c built for x86-64, AVX2 with
 * FMA and AVX-512) against the WebAssembly module built from the same C (the one this Node runs,
 * relaxed SIMD or plain): every function, forward and backward, LSTM, GRU and align, gives the
 * same arrays to 1e-5 of the array's largest magnitude (the calls and the comparison are
 * test/helpers/kernel-cases.ts'), on every instruction set this CPU runs, on one thread and split
 * over three. NaN goes through as it does in WebAssembly. Then the choice of engine: QQP_KERNELS
 * and QQP_NATIVE_ISA. Where the addon cannot run (not linux-x64, or a CPU without AVX2), the comparisons skip, saying why.
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
    const wasm = on('wasm', undefined, 1, nanForward);
    for (const isa of ISAS) {
      const got = on('native', isa, 1, nanForward);
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
  const restore = saveEnv(['QQP_KERNELS', 'QQP_NATIVE_ISA', 'QQP_WASM_SIMD']);
  delete process.env.QQP_WASM_SIMD;
  after(() => {
    restore();
    setKernelEngine(undefined);
  });

  it('is wasm with QQP_KERNELS=wasm, and says so and which module runs', () => {
    process.env.QQP_KERNELS = 'wasm';
    // Which module runs where is wasm-simd.test.ts' subject; here, that the label names it.
    const relaxed = relaxedSimdRuns();
    assert.deepEqual(kernelEngine(), {
      name: 'wasm',
      label: relaxed ? 'wasm relaxed SIMD' : 'wasm SIMD',
      reason: 'QQP_KERNELS=wasm',
      module: relaxed ? 'rnn-relaxed.wasm' : 'rnn.wasm',
    });
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
