/**
 * The training backends' names, fastest first (`training.backend: auto` tries them in this
 * order), apart from their entries (backends/), which load tfjs and its kernels: the config schema
 * and the commands' `--backend` flag read these names without loading tfjs. backends/index.ts
 * lists one entry per name, in this order (it fails at load if they differ).
 */
export const BACKEND_NAMES = ['tensorflow', 'wasm', 'cpu'] as const;

/** What actually runs. */
export type BackendName = (typeof BACKEND_NAMES)[number];
/** What a config asks for (`training.backend`, `--backend`): a backend, or `auto`. */
export type BackendRequest = 'auto' | BackendName;

/** `training.backend`'s values: `auto`, then the backends in list order. */
export const BACKENDS: readonly BackendRequest[] = ['auto', ...BACKEND_NAMES];
