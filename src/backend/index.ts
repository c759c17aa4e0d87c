import * as tfc from '@tensorflow/tfjs-core';
import './tfjs.js';
import { quietTfjs } from './quiet.js';

/**
 * The one place that chooses and initialises tfjs backends. Commands never call tf.setBackend.
 * The training backends are the entries of backends/ (auto tries them in list order), started by
 * `initBackend` (select.ts); each registers its own share of qqp's kernels (kernels/).
 */

/** A backend for building models and inspecting them (no training): the pure-JS cpu backend. */
export async function useInspectionBackend(): Promise<string> {
  quietTfjs();
  await tfc.setBackend('cpu');
  await tfc.ready();
  return tfc.getBackend();
}

export type { BackendDetails } from './backends/entry.js';
export { BACKEND_ENTRIES, BACKENDS, type BackendName, type BackendRequest } from './backends/index.js';
export { wasmBinaryFolder } from './backends/wasm.js';
export {
  applyGradients as applyFusedAdam,
  fusedOptimizerRuns,
  setFusedOptimizer,
} from './kernels/adam.js';
export { type BackendInfo, type InitBackendOptions, initBackend } from './select.js';
