import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { BACKEND_ENTRIES, BACKENDS, initBackend, wasmBinaryFolder } from '../../src/backend/index.js';
import { fusedKernelsAvailable } from '../../src/backend/kernels/rnn.js';
import { kernelEngine } from '../../src/backend/kernels/rnn-wasm.js';
import { setRelaxedSimdForTest } from '../../src/backend/kernels/wasm-simd.js';
import { TrainingSchema } from '../../src/config/schema.js';
import { TrainingError } from '../../src/errors.js';
import { saveEnv } from '../helpers/env.js';

const require = createRequire(import.meta.url);

function installed(pkg: string): boolean {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

const processHandlers = () =>
  process.listeners('uncaughtException').length + process.listeners('unhandledRejection').length;

const NATIVE = installed('@tensorflow/tfjs-node') || installed('@tensorflow/tfjs-node-gpu');
const NATIVE_SKIP = NATIVE ? 'native TensorFlow for Node is installed on this machine' : false;

/** An import that finds no native package but works for everything else. */
const boom = async (specifier: string): Promise<unknown> => {
  throw new Error(`${specifier}: libtensorflow.so.2: cannot open shared object file\n  at dlopen`);
};

describe('initBackend', () => {
  // Taken before any backend starts (the wasm runtime adds its handlers when it first starts) and
  // after node:test has added its own.
  let handlersAtStart = -1;
  before(() => {
    handlersAtStart = processHandlers();
  });

  it('auto picks wasm when tfjs-node is absent and says why', { skip: NATIVE_SKIP }, async () => {
    const info = await initBackend('auto');
    assert.equal(info.name, 'wasm');
    assert.equal(info.requested, 'auto');
    assert.match(
      info.reason,
      /^wasm \((SIMD|no SIMD), 1 thread; fused kernels: (native (AVX-512|AVX2\+FMA)|wasm (relaxed )?SIMD), \d+ threads?\): @tensorflow\/tfjs-node is not installed$/,
    );
    assert.equal(info.details.kernels, kernelEngine().label, "the details name the kernels' engine");
    assert.equal(tf.getBackend(), 'wasm');
    assert.deepEqual(info.details.skipped, [
      { backend: 'tensorflow', reason: '@tensorflow/tfjs-node is not installed' },
    ]);
    // The binary comes from the installed package, and is the SIMD one when SIMD runs.
    const binary = info.details.wasmBinary ?? '';
    assert.ok(binary.startsWith(wasmBinaryFolder()), binary);
    assert.ok(existsSync(binary), binary);
    assert.equal(binary.endsWith('-simd.wasm'), info.details.simd);
    assert.match(info.details.provider, /^@tensorflow\/tfjs-backend-wasm \d+\.\d+\.\d+$/);
  });

  it('auto reports a native package that fails to load, then falls back', async () => {
    const info = await initBackend('auto', { importModule: boom });
    assert.equal(info.name, 'wasm');
    assert.match(info.reason, /@tensorflow\/tfjs-node-gpu failed to load: .*libtensorflow\.so\.2/);
    assert.match(info.reason, /@tensorflow\/tfjs-node failed to load/);
    assert.ok(!info.reason.includes('\n'), 'one line');
  });

  it('an explicit tensorflow that cannot load is a training error saying how to install it', {
    skip: NATIVE_SKIP,
  }, async () => {
    await assert.rejects(initBackend('tensorflow'), (err: unknown) => {
      assert.ok(err instanceof TrainingError);
      assert.equal(err.code, 'BACKEND_UNAVAILABLE');
      assert.equal(err.category, 'training');
      assert.match(err.message, /tensorflow was requested, but @tensorflow\/tfjs-node is not installed/);
      assert.ok(err.suggestions.some((s) => s.includes('npm install @tensorflow/tfjs-node')));
      return true;
    });
  });

  it('an explicit tensorflow whose package fails to load says so', async () => {
    await assert.rejects(
      initBackend('tensorflow', { importModule: boom }),
      /failed to load: .*libtensorflow/,
    );
  });

  it('leaves no process-wide error handlers of the wasm runtime behind', async () => {
    await initBackend('wasm');
    assert.equal(tf.getBackend(), 'wasm');
    assert.equal(processHandlers(), handlersAtStart);
  });

  it('QQP_KERNELS=native that cannot be met is a training error saying why and what to do', async () => {
    const restore = saveEnv(['QQP_KERNELS', 'QQP_NATIVE_ISA']);
    process.env.QQP_KERNELS = 'native';
    process.env.QQP_NATIVE_ISA = 'avx1024';
    try {
      await assert.rejects(initBackend('wasm'), (err: unknown) => {
        assert.ok(err instanceof TrainingError);
        assert.equal(err.code, 'KERNELS_UNAVAILABLE');
        assert.match(err.message, /QQP_KERNELS=native, but the native kernels cannot run/);
        assert.match(err.suggestions.join(' '), /QQP_KERNELS=wasm/);
        return true;
      });
    } finally {
      restore();
    }
  });

  it('QQP_WASM_SIMD=relaxed that cannot be met is a training error saying why and what to do', async () => {
    const restore = saveEnv(['QQP_KERNELS', 'QQP_WASM_SIMD']);
    process.env.QQP_KERNELS = 'wasm';
    process.env.QQP_WASM_SIMD = 'relaxed';
    // As on Node 20 without --experimental-wasm-relaxed-simd (Node 22 and later always run it).
    setRelaxedSimdForTest(false);
    try {
      await assert.rejects(initBackend('wasm'), (err: unknown) => {
        assert.ok(err instanceof TrainingError);
        assert.equal(err.code, 'KERNELS_UNAVAILABLE');
        assert.match(
          err.message,
          /QQP_WASM_SIMD=relaxed, but this Node \(v[\d.]+\) does not run relaxed SIMD/,
        );
        assert.match(err.suggestions.join(' '), /QQP_WASM_SIMD=plain/);
        assert.match(err.suggestions.join(' '), /--experimental-wasm-relaxed-simd/);
        return true;
      });
    } finally {
      setRelaxedSimdForTest(undefined);
      restore();
    }
  });

  it('cpu and wasm on request, with the scatter-add and fused recurrent kernels installed', async () => {
    for (const name of ['cpu', 'wasm'] as const) {
      const info = await initBackend(name);
      assert.equal(info.name, name);
      assert.match(info.reason, new RegExp(`^${name} \\(.*\\): requested$`));
      assert.equal(tf.getBackend(), name);
      assert.ok(tf.getKernel('UnsortedSegmentSum', name), `UnsortedSegmentSum on ${name}`);
      // Nothing else in this file registers them: initBackend must.
      assert.ok(fusedKernelsAvailable(), `fused LSTM/GRU kernels on ${name}`);
    }
  });
});

describe('the backend list', () => {
  it('names each backend once, fastest first, and gives training.backend its values', () => {
    assert.deepEqual(
      BACKEND_ENTRIES.map((b) => b.name),
      ['tensorflow', 'wasm', 'cpu'],
    );
    assert.deepEqual(BACKENDS, ['auto', 'tensorflow', 'wasm', 'cpu']);
    assert.deepEqual((TrainingSchema.properties.backend as { enum?: unknown }).enum, BACKENDS);
  });

  it('refuses a backend not in the list (a caller that bypassed the schema)', async () => {
    await assert.rejects(initBackend('gpu' as never), (err: unknown) => {
      assert.ok(err instanceof TrainingError);
      assert.equal(err.code, 'BACKEND_UNKNOWN');
      assert.deepEqual(err.suggestions, ['use one of auto, tensorflow, wasm, cpu']);
      return true;
    });
  });
});
