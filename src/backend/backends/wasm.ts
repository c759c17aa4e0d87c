import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import * as tfc from '@tensorflow/tfjs-core';
import { registerFusedAlignKernels } from '../kernels/align.js';
import { registerConvGradKernels } from '../kernels/conv-grad.js';
import { registerCopyKernels } from '../kernels/copy-kernels.js';
import { registerMatMulKernel } from '../kernels/matmul.js';
import { registerFusedRnnKernels } from '../kernels/rnn.js';
import { registerSegmentSumKernel } from '../kernels/segment-sum.js';
import { type Attempt, type BackendEntry, fusedReport, importFailure } from './entry.js';

const WASM_PACKAGE = '@tensorflow/tfjs-backend-wasm';

const require = createRequire(import.meta.url);

/** The folder of the installed wasm package's binaries, with a trailing separator. */
export function wasmBinaryFolder(): string {
  return join(dirname(require.resolve(`${WASM_PACKAGE}/package.json`)), 'dist') + sep;
}

let wasmPathsSet = false;

const PROCESS_EVENTS = ['uncaughtException', 'unhandledRejection'] as const;
type ProcessHandler = (...args: unknown[]) => void;
// The two events' listener types differ; both are plain functions for what is done with them here.
const handlersOf = (event: string) => process.listeners(event as 'uncaughtException') as ProcessHandler[];

/**
 * The Emscripten runtime inside tfjs-backend-wasm adds process handlers that rethrow any uncaught
 * exception or unhandled rejection from its own minified line, so an unrelated error would print
 * a screenful of wasm glue instead of its message. They serve no purpose here: drop those added
 * while `start` runs.
 */
async function withoutNewProcessHandlers<T>(start: () => Promise<T>): Promise<T> {
  const before = new Map(PROCESS_EVENTS.map((e) => [e, new Set(handlersOf(e))]));
  try {
    return await start();
  } finally {
    for (const event of PROCESS_EVENTS) {
      for (const handler of handlersOf(event)) {
        if (!before.get(event)!.has(handler)) process.removeListener(event, handler);
      }
    }
  }
}

/**
 * WebAssembly with XNNPACK. The binaries are read from the installed package's dist/ folder: in
 * Node, tfjs-backend-wasm reads a plain file path with fs (no fetch). Threads need
 * SharedArrayBuffer workers, which tfjs-backend-wasm does not enable in Node, so it runs on 1.
 */
async function startWasm(): Promise<Attempt> {
  let wasm: typeof import('@tensorflow/tfjs-backend-wasm');
  try {
    wasm = await import('@tensorflow/tfjs-backend-wasm');
  } catch (err) {
    return { ok: false, reason: importFailure(err, WASM_PACKAGE) };
  }
  const folder = wasmBinaryFolder();
  const simd = Boolean(await tfc.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  const binary = folder + (simd ? 'tfjs-backend-wasm-simd.wasm' : 'tfjs-backend-wasm.wasm');
  if (!existsSync(binary)) return { ok: false, reason: `wasm binary missing: ${binary}` };
  if (!wasmPathsSet) {
    wasm.setWasmPaths(folder);
    wasmPathsSet = true;
  }
  wasmBackend.registerKernels();
  const started = await withoutNewProcessHandlers(() => tfc.setBackend('wasm'));
  if (!started) return { ok: false, reason: `wasm did not start (binary ${binary})` };
  const threads = wasm.getThreadsCount();
  const fused = fusedReport();
  return {
    ok: true,
    label: `wasm (${simd ? 'SIMD' : 'no SIMD'}, ${threads} thread${threads === 1 ? '' : 's'}; ${fused.label})`,
    details: {
      tfjs: tfc.version_core,
      provider: `${WASM_PACKAGE} ${wasm.version_wasm}`,
      simd,
      threads,
      ...fused.details,
      wasmBinary: binary,
    },
  };
}

export const wasmBackend: BackendEntry<'wasm'> = {
  name: 'wasm',
  // The scatter-add UnsortedSegmentSum (tfjs has none on wasm: Embedding could not train), the
  // convolution gradients (Conv2DBackpropFilter is missing, MaxPoolGrad drops negative windows),
  // the block-copy kernels and a BatchMatMul that transposes first (after the package's own, which
  // they wrap), the fused LSTM/GRU and alignment kernels.
  registerKernels() {
    registerSegmentSumKernel('wasm');
    registerConvGradKernels('wasm');
    registerCopyKernels();
    registerMatMulKernel();
    registerFusedRnnKernels('wasm');
    registerFusedAlignKernels('wasm');
  },
  start: startWasm,
  suggestions: ['reinstall the dependencies (npm ci)', 'or set training.backend to cpu'],
};
