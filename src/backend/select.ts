import './tfjs.js';
import { TrainingError } from '../errors.js';
import type { Attempt, BackendDetails, BackendEntry } from './backends/entry.js';
import { BACKEND_ENTRIES, BACKENDS, type BackendName, type BackendRequest } from './backends/index.js';
import { quietTfjs } from './quiet.js';

export interface BackendInfo {
  name: BackendName;
  requested: BackendRequest;
  /** One line for people: `wasm (SIMD, 1 thread): @tensorflow/tfjs-node is not installed`. */
  reason: string;
  details: BackendDetails;
}

export interface InitBackendOptions {
  /** Loads a package by name (default: dynamic `import`); tests replace it to simulate failures. */
  importModule?: (specifier: string) => Promise<unknown>;
}

function skipped(tried: { backend: string; reason: string }[]): string {
  return tried.map((t) => t.reason).join('; ');
}

function chosen(
  entry: BackendEntry<BackendName>,
  attempt: Attempt & { ok: true },
  requested: BackendRequest,
  tried: BackendDetails['skipped'],
): BackendInfo {
  const why = requested === 'auto' ? skipped(tried) || 'the fastest available' : 'requested';
  return {
    name: entry.name,
    details: { ...attempt.details, skipped: tried },
    requested,
    reason: `${attempt.label}: ${why}`,
  };
}

/**
 * Chooses and starts the training backend. `auto` tries the backends of src/backend/backends in
 * their order (native TensorFlow through tfjs-node-gpu or tfjs-node when installed and loadable,
 * else wasm, else cpu) and says in `reason` why it passed over the others. An explicit choice that
 * cannot start is an error. Each backend registers qqp's kernels on itself before it starts
 * (without the scatter-add `UnsortedSegmentSum`, Embedding cannot train on wasm and crawls on
 * cpu). tfjs' own banners and warnings are silenced so the caller prints `reason`.
 */
export async function initBackend(
  requested: BackendRequest,
  options: InitBackendOptions = {},
): Promise<BackendInfo> {
  quietTfjs();
  const context = { importModule: options.importModule ?? ((s: string) => import(s)) };
  const tried: BackendDetails['skipped'] = [];
  const candidates: readonly BackendEntry<BackendName>[] =
    requested === 'auto' ? BACKEND_ENTRIES : BACKEND_ENTRIES.filter((b) => b.name === requested);
  if (candidates.length === 0) {
    throw new TrainingError('BACKEND_UNKNOWN', `unknown backend ${JSON.stringify(requested)}`, {
      suggestions: [`use one of ${BACKENDS.join(', ')}`],
    });
  }
  for (const entry of candidates) {
    const attempt = await entry.start(context);
    if (attempt.ok) return chosen(entry, attempt, requested, tried);
    if (requested !== 'auto') {
      throw new TrainingError(
        'BACKEND_UNAVAILABLE',
        `backend ${entry.name} was requested, but ${attempt.reason}`,
        { suggestions: [...entry.suggestions] },
      );
    }
    tried.push({ backend: entry.name, reason: attempt.reason });
  }
  throw new TrainingError('BACKEND_UNAVAILABLE', `no training backend started: ${skipped(tried)}`);
}
