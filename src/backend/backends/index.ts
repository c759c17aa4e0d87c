/**
 * The training backends, fastest first: `training.backend: auto` tries them in this order and
 * takes the first that starts. To add one, write its entry (entry.ts says what it holds) in a file
 * of its own, list it here and give its name its place in ../names.ts.
 */
import { BACKEND_NAMES, type BackendName } from '../names.js';
import { cpuBackend } from './cpu.js';
import type { BackendEntry } from './entry.js';
import { nativeBackend } from './native.js';
import { wasmBackend } from './wasm.js';

export const BACKEND_ENTRIES = [
  nativeBackend,
  wasmBackend,
  cpuBackend,
] as const satisfies readonly BackendEntry<BackendName>[];

if (BACKEND_ENTRIES.map((b) => b.name).join() !== BACKEND_NAMES.join()) {
  throw new Error(`backends/index.ts lists ${BACKEND_ENTRIES.map((b) => b.name)}, names.ts ${BACKEND_NAMES}`);
}

export { BACKENDS, type BackendName, type BackendRequest } from '../names.js';
