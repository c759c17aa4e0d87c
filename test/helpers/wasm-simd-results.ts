import { pathToFileURL } from 'node:url';
import { type KernelEngineInfo, setKernelEngine } from '../../src/backend/kernels/kernel-runner.js';
import { fusedThreads, setFusedThreads } from '../../src/backend/kernels/kernel-table.js';
import { kernelEngine, stopWorkers } from '../../src/backend/kernels/rnn-wasm.js';
import { setWasmSimd, type WasmSimd } from '../../src/backend/kernels/wasm-simd.js';
import { nanForward, RNN_CASES, runAlign, runRnn } from './kernel-cases.js';

/**
 * The arrays every kernel-cases.ts call writes on the wasm engine, for test/backend/kernels/
 * wasm-simd.test.ts to compare the relaxed-SIMD module with the plain one. Where this Node does not
 * run relaxed SIMD (Node 20 without --experimental-wasm-relaxed-simd), the test runs this file as a
 * script in a child `node --experimental-wasm-relaxed-simd`, which prints the results of the module
 * QQP_WASM_SIMD chooses (unset: auto) as one JSON line.
 */

/** Each call's arrays by name, the engine that ran them, and which places of the NaN pass are NaN. */
export interface WasmSimdRun {
  info: KernelEngineInfo;
  calls: Record<string, Record<string, Float32Array>>;
  nan: boolean[];
}

/** The thread counts each call runs on (one, and split over worker threads). */
export const THREADS = [1, 2];

/** Runs every call on the wasm engine, with `simd` or (undefined) the module QQP_WASM_SIMD chooses. */
export function wasmSimdRun(simd: WasmSimd | undefined): WasmSimdRun {
  const threads = fusedThreads();
  setKernelEngine('wasm');
  setWasmSimd(simd);
  try {
    const info = kernelEngine();
    const calls: WasmSimdRun['calls'] = {};
    for (const t of THREADS) {
      setFusedThreads(t);
      RNN_CASES.forEach((c, k) => {
        calls[`${c.cell} case ${k + 1}, ${t} thread(s)`] = runRnn(c, 100 + k);
      });
      calls[`align, ${t} thread(s)`] = runAlign(7);
    }
    setFusedThreads(1);
    return { info, calls, nan: Array.from(nanForward(), Number.isNaN) };
  } finally {
    setFusedThreads(threads);
    setWasmSimd(undefined);
    setKernelEngine(undefined);
  }
}

type Encoded = Omit<WasmSimdRun, 'calls'> & { calls: Record<string, Record<string, string>> };

/** Float32Arrays as base64 of their bytes, so that every value (NaN included) survives JSON. */
function encode(run: WasmSimdRun): Encoded {
  const calls = Object.fromEntries(
    Object.entries(run.calls).map(([name, arrays]) => [
      name,
      Object.fromEntries(
        Object.entries(arrays).map(([k, a]) => [
          k,
          Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64'),
        ]),
      ),
    ]),
  );
  return { ...run, calls };
}

export function decodeWasmSimdRun(line: string): WasmSimdRun {
  const run = JSON.parse(line) as Encoded;
  const calls = Object.fromEntries(
    Object.entries(run.calls).map(([name, arrays]) => [
      name,
      Object.fromEntries(
        Object.entries(arrays).map(([k, text]) => {
          const bytes = Buffer.from(text, 'base64');
          return [
            k,
            new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)),
          ];
        }),
      ),
    ]),
  );
  return { ...run, calls };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const run = wasmSimdRun(undefined);
  await stopWorkers();
  process.stdout.write(`${JSON.stringify(encode(run))}\n`);
}
