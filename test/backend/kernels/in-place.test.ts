import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { fusedThreads, setFusedThreads } from '../../../src/backend/kernels/kernel-table.js';
import { loadNativeKernels, NativeEngine } from '../../../src/backend/kernels/native-runtime.js';
import { runEntry, setKernelEngine } from '../../../src/backend/kernels/rnn-wasm.js';
import { randomArray, rng } from '../../helpers/layers.js';

/**
 * Arrays that share one memory (as tfjs' wasm heap holds every tensor) go to the native kernels
 * where they are (kernel-runner.ts: negative pointers into `ext`, native/x86-entry.h), not copied:
 * an LSTM forward and backward on arrays carved out of one ArrayBuffer gives the same bits as on
 * separate arrays, on one thread and three (the weight gradients' later parts summed into the
 * array in place), with the first array at byte 0 (never passed in place: pointer 0 is null), and
 * the call does pass the memory. Skips, saying why, where the addon cannot run.
 */

const native = loadNativeKernels();
const SKIP = native.ok ? false : `the native kernels cannot run here: ${native.reason}`;
const DEFAULT_THREADS = fusedThreads();

after(() => {
  setKernelEngine(undefined);
  setFusedThreads(DEFAULT_THREADS);
});

const B = 5;
const T = 6;
const F = 11;
const H = 7;
const G = 4 * H;
const SIZES: Record<string, number> = {
  x: B * T * F,
  w: F * G,
  u: H * G,
  b: G,
  h0: B * H,
  c0: B * H,
  mask: B * T,
  hs: B * T * H,
  cs: B * T * H,
  gates: B * T * G,
  dhs: B * T * H,
  dx: B * T * F,
  dw: F * G,
  du: H * G,
  db: G,
  dh0: B * H,
  dc0: B * H,
};
const INPUTS = ['x', 'w', 'u', 'b', 'h0', 'c0', 'mask', 'dhs'];

/** The arrays of a forward and a backward call: separate, or views of one buffer from `first` bytes on. */
function arrays(shared: false | { first: number }): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  const names = Object.keys(SIZES);
  if (shared) {
    const total = names.reduce((n, k) => n + SIZES[k]! + 3, 0);
    const buffer = new ArrayBuffer(shared.first + total * 4);
    let at = shared.first;
    for (const k of names) {
      out[k] = new Float32Array(buffer, at, SIZES[k]!);
      at += (SIZES[k]! + 3) * 4; // odd gaps: nothing is aligned for it
    }
  } else {
    for (const k of names) out[k] = new Float32Array(SIZES[k]!);
  }
  const rand = rng(3);
  for (const k of INPUTS) out[k]!.set(randomArray(rand, SIZES[k]!, 0.5));
  for (let i = 0; i < B * T; i++) out.mask![i] = i % T < T - (i % 3) ? 1 : 0;
  return out;
}

function run(a: Record<string, Float32Array>): void {
  const shape = { batch: B, steps: T, features: F, units: H };
  const opts = { reverse: false, activation: 'tanh', recurrentActivation: 'sigmoid' } as const;
  runEntry('lstm_forward', shape, opts, a);
  runEntry('lstm_backward', shape, opts, { ...a, dcs: null });
}

describe('native kernels on arrays where they are', { skip: SKIP }, () => {
  it('give the bits of separate arrays, on 1 and 3 threads, and are passed the shared memory', () => {
    setKernelEngine('native');
    const passed: (ArrayBuffer | undefined)[] = [];
    const execute = NativeEngine.prototype.execute;
    NativeEngine.prototype.execute = function (this: NativeEngine, fn, parts, ext) {
      passed.push(ext);
      return execute.call(this, fn, parts, ext);
    };
    try {
      for (const threads of [1, 3]) {
        setFusedThreads(threads);
        for (const first of [0, 20]) {
          const separate = arrays(false);
          run(separate);
          passed.length = 0;
          const shared = arrays({ first });
          run(shared);
          assert.deepEqual(
            passed.map((m) => m === shared.x!.buffer),
            [true, true],
            'both calls passed the shared memory',
          );
          for (const k of Object.keys(SIZES)) {
            assert.deepEqual(shared[k], separate[k], `${threads} threads, first at byte ${first}: ${k}`);
          }
        }
      }
    } finally {
      NativeEngine.prototype.execute = execute;
    }
  });
});
