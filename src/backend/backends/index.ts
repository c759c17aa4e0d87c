/**
 * The training backends, fastest first: `training.backend: auto` tries them in this order and
 * takes the first that starts. To add one, write its entry (entry.ts says what it holds) in a file
 * of its own and list it here.
 */
import { cpuBackend } from './cpu.js';
import { nativeBackend } from './native.js';
import { wasmBackend } from './wasm.js';

export const BACKEND_ENTRIES = [nativeBackend, wasmBackend, cpuBackend] as const;

/** What actually runs. */
export type BackendName = (typeof BACKEND_ENTRIES)[number]['name'];
/** What a config asks for (`training.backend`, `--backend`): a backend, or `auto`. */
export type BackendRequest = 'auto' | BackendName;

/** `training.backend`'s values: `auto`, then the backends in list order. */
export const BACKENDS: readonly BackendRequest[] = ['auto', ...BACKEND_ENTRIES.map((b) => b.name)];
