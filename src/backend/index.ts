import * as tfc from '@tensorflow/tfjs-core';
import './tfjs.js';

/**
 * The one place that chooses and initialises tfjs backends. Commands never call tf.setBackend.
 * (Training-time choice among tensorflow, wasm and cpu, and the custom kernels, live here too.)
 */

const TFJS_NOISE = [/^Orthogonal initializer is being called on a matrix with more than/];

let quieted = false;

/**
 * tfjs prints start-up banners and initializer warnings straight to the console; qqp reports the
 * backend in its own one line instead, so those messages are dropped (all others pass through).
 */
export function quietTfjs(): void {
  if (quieted) return;
  quieted = true;
  // PROD silences tfjs' own warnings (the "install our node backend" banner among them) and skips
  // debug-only checks.
  tfc.env().set('PROD', true);
  const warn = console.warn.bind(console);
  console.warn = (...args: unknown[]) => {
    const first = typeof args[0] === 'string' ? args[0] : '';
    if (TFJS_NOISE.some((re) => re.test(first.trim()))) return;
    warn(...args);
  };
}

/** A backend for building models and inspecting them (no training): the pure-JS cpu backend. */
export async function useInspectionBackend(): Promise<string> {
  quietTfjs();
  await tfc.setBackend('cpu');
  await tfc.ready();
  return tfc.getBackend();
}

export { registerSegmentSumKernel } from './kernels/segment-sum.js';
export {
  type BackendDetails,
  type BackendInfo,
  type BackendName,
  type BackendRequest,
  type InitBackendOptions,
  initBackend,
  wasmBinaryFolder,
} from './select.js';
