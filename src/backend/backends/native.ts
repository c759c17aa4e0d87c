import * as tfc from '@tensorflow/tfjs-core';
import { registerConvGradKernels } from '../kernels/conv-grad.js';
import { type Attempt, type BackendEntry, importFailure, type StartContext } from './entry.js';

const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

/**
 * Native TensorFlow through tfjs-node(-gpu), the first of the two that loads and starts. Its C++
 * start-up logging is turned down unless the user set the level; tfjs-node registers the
 * `tensorflow` backend in the same tfjs-core. qqp registers no kernels on it (the fused layers use
 * tfjs ops there).
 */
async function startNative({ importModule }: StartContext): Promise<Attempt> {
  const tried: { backend: string; reason: string }[] = [];
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
  for (const pkg of NATIVE_PACKAGES) {
    let mod: { version?: Record<string, string> };
    try {
      mod = (await importModule(pkg)) as typeof mod;
    } catch (err) {
      tried.push({ backend: pkg, reason: importFailure(err, pkg) });
      continue;
    }
    nativeBackend.registerKernels();
    if (!tfc.findBackendFactory('tensorflow') || !(await tfc.setBackend('tensorflow'))) {
      tried.push({ backend: pkg, reason: `${pkg} loaded but its tensorflow backend did not start` });
      continue;
    }
    const version = mod.version?.['tfjs-node'] ?? 'unknown version';
    const gpu = pkg.endsWith('-gpu');
    return {
      ok: true,
      label: `tensorflow (native${gpu ? ', CUDA' : ''})`,
      details: { tfjs: tfc.version_core, provider: `${pkg} ${version}` },
    };
  }
  // "not installed" for both packages says the same thing twice: keep the plain one.
  const notInstalled = tried.every((t) => t.reason.endsWith('is not installed'));
  return {
    ok: false,
    reason: notInstalled ? '@tensorflow/tfjs-node is not installed' : tried.map((t) => t.reason).join('; '),
  };
}

export const nativeBackend: BackendEntry<'tensorflow'> = {
  name: 'tensorflow',
  // The Conv2D gradient with dilations (tfjs has none); dilations of 1 keep tfjs' own.
  registerKernels: () => registerConvGradKernels('tensorflow'),
  start: startNative,
  suggestions: [
    'install native TensorFlow for Node: npm install @tensorflow/tfjs-node (or @tensorflow/tfjs-node-gpu with CUDA); its install step downloads libtensorflow',
    'or set training.backend to auto (wasm when native TensorFlow is absent) or wasm',
  ],
};
