import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import * as tfc from '@tensorflow/tfjs-core';
import './tfjs.js';
import type { TrainingConfig } from '../config/schema.js';
import { TrainingError } from '../errors.js';
import { quietTfjs } from './index.js';
import { registerConvGradKernels } from './kernels/conv-grad.js';
import { registerCopyKernels } from './kernels/copy-kernels.js';
import { registerFusedRnnKernels } from './kernels/rnn.js';
import { fusedThreads } from './kernels/rnn-wasm.js';
import { registerSegmentSumKernel } from './kernels/segment-sum.js';

/** What a config asks for (`training.backend`). */
export type BackendRequest = TrainingConfig['backend'];
/** What actually runs. */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface BackendDetails {
  /** Version of @tensorflow/tfjs-core. */
  tfjs: string;
  /** The package that provides the backend and its version, e.g. `@tensorflow/tfjs-backend-wasm 4.22.0`. */
  provider: string;
  /** wasm only: whether the SIMD binary runs. */
  simd?: boolean;
  /** Threads the kernels run on (wasm: XNNPACK's pool; cpu: 1); absent for native TensorFlow. */
  threads?: number;
  /** wasm and cpu: threads qqp's fused LSTM/GRU kernels split a batch over (QQP_THREADS). */
  fusedRnnThreads?: number;
  /** wasm only: the binary loaded (from the installed package, never fetched). */
  wasmBinary?: string;
  /** Each backend tried before the one chosen, and why it was passed over. */
  skipped: { backend: string; reason: string }[];
}

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

const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;
const WASM_PACKAGE = '@tensorflow/tfjs-backend-wasm';

type Attempt =
  | { ok: true; info: Omit<BackendInfo, 'requested' | 'reason'> & { label: string } }
  | { ok: false; reason: string };

const require = createRequire(import.meta.url);

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0]!.trim();
}

function isNotInstalled(err: unknown, pkg: string): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && firstLine(err).includes(`'${pkg}'`)
  );
}

function skipped(tried: { backend: string; reason: string }[]): string {
  return tried.map((t) => t.reason).join('; ');
}

/**
 * Native TensorFlow through tfjs-node(-gpu). Its C++ start-up logging is turned down unless the
 * user set the level; tfjs-node registers the `tensorflow` backend in the same tfjs-core.
 */
async function tryNative(importModule: (s: string) => Promise<unknown>): Promise<Attempt> {
  const tried: { backend: string; reason: string }[] = [];
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
  for (const pkg of NATIVE_PACKAGES) {
    let mod: { version?: Record<string, string> };
    try {
      mod = (await importModule(pkg)) as typeof mod;
    } catch (err) {
      tried.push({
        backend: pkg,
        reason: isNotInstalled(err, pkg)
          ? `${pkg} is not installed`
          : `${pkg} failed to load: ${firstLine(err)}`,
      });
      continue;
    }
    if (!tfc.findBackendFactory('tensorflow') || !(await tfc.setBackend('tensorflow'))) {
      tried.push({ backend: pkg, reason: `${pkg} loaded but its tensorflow backend did not start` });
      continue;
    }
    registerConvGradKernels('tensorflow');
    const version = mod.version?.['tfjs-node'] ?? 'unknown version';
    const gpu = pkg.endsWith('-gpu');
    return {
      ok: true,
      info: {
        name: 'tensorflow',
        label: `tensorflow (native${gpu ? ', CUDA' : ''})`,
        details: { tfjs: tfc.version_core, provider: `${pkg} ${version}`, skipped: [] },
      },
    };
  }
  // "not installed" for both packages says the same thing twice: keep the plain one.
  const notInstalled = tried.every((t) => t.reason.endsWith('is not installed'));
  return {
    ok: false,
    reason: notInstalled ? '@tensorflow/tfjs-node is not installed' : skipped(tried),
  };
}

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
async function tryWasm(): Promise<Attempt> {
  let wasm: typeof import('@tensorflow/tfjs-backend-wasm');
  try {
    wasm = await import('@tensorflow/tfjs-backend-wasm');
  } catch (err) {
    return {
      ok: false,
      reason: isNotInstalled(err, WASM_PACKAGE)
        ? `${WASM_PACKAGE} is not installed`
        : `${WASM_PACKAGE} failed to load: ${firstLine(err)}`,
    };
  }
  const folder = wasmBinaryFolder();
  const simd = Boolean(await tfc.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  const binary = folder + (simd ? 'tfjs-backend-wasm-simd.wasm' : 'tfjs-backend-wasm.wasm');
  if (!existsSync(binary)) return { ok: false, reason: `wasm binary missing: ${binary}` };
  if (!wasmPathsSet) {
    wasm.setWasmPaths(folder);
    wasmPathsSet = true;
  }
  registerSegmentSumKernel('wasm');
  registerConvGradKernels('wasm');
  registerCopyKernels();
  registerFusedRnnKernels('wasm');
  const started = await withoutNewProcessHandlers(() => tfc.setBackend('wasm'));
  if (!started) return { ok: false, reason: `wasm did not start (binary ${binary})` };
  const threads = wasm.getThreadsCount();
  return {
    ok: true,
    info: {
      name: 'wasm',
      label: `wasm (${simd ? 'SIMD' : 'no SIMD'}, ${threads} thread${threads === 1 ? '' : 's'}; ${fusedLabel()})`,
      details: {
        tfjs: tfc.version_core,
        provider: `${WASM_PACKAGE} ${wasm.version_wasm}`,
        simd,
        threads,
        fusedRnnThreads: fusedThreads(),
        wasmBinary: binary,
        skipped: [],
      },
    },
  };
}

function fusedLabel(): string {
  const n = fusedThreads();
  return `fused LSTM/GRU kernels on ${n} thread${n === 1 ? '' : 's'}`;
}

async function useCpu(): Promise<Attempt> {
  registerSegmentSumKernel('cpu');
  registerConvGradKernels('cpu');
  registerFusedRnnKernels('cpu');
  if (!(await tfc.setBackend('cpu'))) return { ok: false, reason: 'the cpu backend did not start' };
  return {
    ok: true,
    info: {
      name: 'cpu',
      label: `cpu (plain JavaScript, slow; ${fusedLabel()})`,
      details: {
        tfjs: tfc.version_core,
        provider: '@tensorflow/tfjs-backend-cpu',
        threads: 1,
        fusedRnnThreads: fusedThreads(),
        skipped: [],
      },
    },
  };
}

function chosen(
  attempt: Attempt & { ok: true },
  requested: BackendRequest,
  tried: BackendDetails['skipped'],
) {
  const why = requested === 'auto' ? skipped(tried) || 'the fastest available' : 'requested';
  const { label, ...info } = attempt.info;
  return {
    ...info,
    requested,
    reason: `${label}: ${why}`,
    details: { ...info.details, skipped: tried },
  } satisfies BackendInfo;
}

/**
 * Chooses and starts the training backend. `auto` takes native TensorFlow (tfjs-node-gpu, then
 * tfjs-node) when installed and loadable, else wasm, else cpu, and says in `reason` why. An
 * explicit choice that cannot start is an error. The scatter-add `UnsortedSegmentSum` kernel is
 * installed on wasm and cpu before first use (without it Embedding cannot train on wasm and
 * crawls on cpu). tfjs' own banners and warnings are silenced so the caller prints `reason`.
 */
export async function initBackend(
  requested: BackendRequest,
  options: InitBackendOptions = {},
): Promise<BackendInfo> {
  quietTfjs();
  const importModule = options.importModule ?? ((s: string) => import(s));
  const tried: BackendDetails['skipped'] = [];

  if (requested === 'auto' || requested === 'tensorflow') {
    const native = await tryNative(importModule);
    if (native.ok) return chosen(native, requested, tried);
    if (requested === 'tensorflow') {
      throw new TrainingError(
        'BACKEND_UNAVAILABLE',
        `backend tensorflow was requested, but ${native.reason}`,
        {
          suggestions: [
            'install native TensorFlow for Node: npm install @tensorflow/tfjs-node (or @tensorflow/tfjs-node-gpu with CUDA); its install step downloads libtensorflow',
            'or set training.backend to auto (wasm when native TensorFlow is absent) or wasm',
          ],
        },
      );
    }
    tried.push({ backend: 'tensorflow', reason: native.reason });
  }

  if (requested === 'auto' || requested === 'wasm') {
    const wasm = await tryWasm();
    if (wasm.ok) return chosen(wasm, requested, tried);
    if (requested === 'wasm') {
      throw new TrainingError('BACKEND_UNAVAILABLE', `backend wasm was requested, but ${wasm.reason}`, {
        suggestions: ['reinstall the dependencies (npm ci)', 'or set training.backend to cpu'],
      });
    }
    tried.push({ backend: 'wasm', reason: wasm.reason });
  }

  const cpu = await useCpu();
  if (cpu.ok) return chosen(cpu, requested, tried);
  throw new TrainingError(
    'BACKEND_UNAVAILABLE',
    `no training backend started: ${skipped(tried)}; ${cpu.reason}`,
  );
}
