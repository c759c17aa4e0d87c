import * as tfc from '@tensorflow/tfjs-core';
import { fusedThreads } from './kernel-table.js';
import { nativeKernelEngine } from './rnn-wasm.js';
import { type KernelBackendName, TENSOR_IO } from './tensor-io.js';

/**
 * Adam's update of every weight in one call of the native kernels (native/addon.c, `adam`), instead of tfjs' AdamOptimizer.applyGradients: about ten tfjs operations per weight
 * tensor, each a pass over memory and a tensor made and freed (at batch 16 they took over a third
 * of the reference model's step). The update is tfjs' own, operation for operation in float32, so
 * the weights and moments are the same to the bit; the moments stay in the optimizer's own slots
 * and its accumulated powers and iteration count advance as tfjs advances them, so checkpoints,
 * resume and `optimizerState` see an ordinary AdamOptimizer.
 *
 * The moments are updated in place. The new weights go to new tensors, which the variables are
 * assigned, as tfjs' own update does: tfjs-backend-wasm keeps XNNPACK operators with a packed copy
 * of a matrix product's weights for as long as the weights' tensor lives (its BatchMatMul caches
 * them by tensor id), so weights changed in place would go on multiplying with their old values.
 * Either way the kernel reads each array once and writes each once: nothing is copied.
 *
 * It runs when the kernels run on the native engine, the backend is wasm or cpu (whose tensors'
 * memory JavaScript can see) and the optimizer is tfjs' Adam; otherwise, or with
 * QQP_FUSED_OPTIMIZER=off, `applyGradients` returns false and the caller uses tfjs'.
 */

interface AdamFields {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tfc.Variable;
  accBeta2: tfc.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tfc.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tfc.Variable }[];
  incrementIterations(): void;
}

interface RefCounting {
  refCount(dataId: tfc.DataId): number;
}

let forced: boolean | undefined;

/** Turns the fused update on or off for the process (undefined: back to QQP_FUSED_OPTIMIZER); for tests and the bench. */
export function setFusedOptimizer(on: boolean | undefined): void {
  forced = on;
}

function enabled(): boolean {
  if (forced !== undefined) return forced;
  const v = (process.env.QQP_FUSED_OPTIMIZER ?? '').trim().toLowerCase();
  if (v === '' || v === 'on' || v === 'auto') return true;
  if (v === 'off') return false;
  throw new Error(
    `QQP_FUSED_OPTIMIZER must be on or off, not ${JSON.stringify(process.env.QQP_FUSED_OPTIMIZER)}`,
  );
}

/** Whether the next Adam step of this optimizer on the current backend runs fused. */
export function fusedOptimizerRuns(optimizer: tfc.Optimizer): boolean {
  const backend = tfc.getBackend();
  return (
    enabled() &&
    // tfjs' Optimizer answers instanceof for any optimizer: the class itself is compared.
    optimizer.constructor === tfc.AdamOptimizer &&
    (backend === 'wasm' || backend === 'cpu') &&
    nativeKernelEngine() !== undefined
  );
}

/** The memory (dataIds) the update may write in place: made or checked by ownMemory. */
const owned = new WeakSet<object>();

/**
 * Makes a moment the only holder of its memory, since the update writes it in place: a copy when
 * another tensor shares it, and on the cpu backend once in any case (tfjs keeps the very array a
 * tensor was made from, which its maker may hold too).
 */
function ownMemory(v: tfc.Variable, backend: RefCounting, cpu: boolean): void {
  const shared = backend.refCount(v.dataId) > 1;
  if (owned.has(v.dataId) && !shared) return;
  if (shared || cpu) {
    const copy = tfc.tidy(() => tfc.mul(v, tfc.scalar(1)));
    v.assign(copy);
    copy.dispose();
  }
  owned.add(v.dataId);
}

/**
 * One Adam step of `grads` (by variable name, as tfc.variableGrads gives them), fused, when
 * fusedOptimizerRuns; returns false, having done nothing, when it does not.
 */
export function applyGradients(optimizer: tfc.Optimizer, grads: tfc.NamedTensorMap): boolean {
  if (!fusedOptimizerRuns(optimizer)) return false;
  const engine = nativeKernelEngine()!;
  const o = optimizer as unknown as AdamFields;
  const backend = tfc.backend() as unknown as RefCounting;
  const names = Object.keys(grads);
  const registered = tfc.engine().registeredVariables;
  const cpu = tfc.getBackend() === 'cpu';

  // Everything that allocates comes first: the wasm heap may grow, and views are taken after.
  const io = TENSOR_IO[tfc.getBackend() as KernelBackendName](tfc.backend());
  const updates: {
    value: tfc.Variable;
    grad: tfc.Tensor;
    m: tfc.Variable;
    v: tfc.Variable;
    out: ReturnType<typeof io.output>;
  }[] = [];
  names.forEach((name, i) => {
    const value = registered[name];
    if (!value) throw new Error(`fused Adam: no variable named ${name}`);
    // The slots as tfjs' AdamOptimizer makes them, so that its state is the same either way.
    o.accumulatedFirstMoment[i] ??= {
      originalName: `${name}/m`,
      variable: tfc.tidy(() => tfc.zerosLike(value).variable(false)),
    };
    o.accumulatedSecondMoment[i] ??= {
      originalName: `${name}/v`,
      variable: tfc.tidy(() => tfc.zerosLike(value).variable(false)),
    };
    const grad = grads[name];
    if (!grad) return;
    if (value.dtype !== 'float32' || grad.dtype !== 'float32')
      throw new Error(`fused Adam: ${name} is not float32`);
    const m = o.accumulatedFirstMoment[i]!.variable;
    const v = o.accumulatedSecondMoment[i]!.variable;
    for (const t of [m, v]) ownMemory(t, backend, cpu);
    if ([value, m, v].some((t) => t.dataId === grad.dataId))
      throw new Error(`fused Adam: ${name}'s gradient shares memory with its weight or a moment`);
    updates.push({ value, grad, m, v, out: io.output(value.shape) });
  });

  // The constants as tfjs' ops compute them, each rounded to float32 (the array does that).
  const acc1 = o.accBeta1.dataSync()[0]!;
  const acc2 = o.accBeta2.dataSync()[0]!;
  const constants = new Float32Array([
    o.beta1,
    1 - o.beta1,
    o.beta2,
    1 - o.beta2,
    Math.fround(1 - acc1),
    Math.fround(1 - acc2),
    o.epsilon,
    -o.learningRate,
  ]);

  const arrays: Float32Array[] = [];
  for (const u of updates)
    arrays.push(io.read(u.value), io.read(u.grad), io.read(u.m), io.read(u.v), u.out.values());
  engine.adam(arrays, constants, fusedThreads());
  for (const u of updates) {
    const next = tfc.engine().makeTensorFromTensorInfo(u.out.info);
    u.value.assign(next);
    next.dispose();
  }

  tfc.tidy(() => {
    o.accBeta1.assign(tfc.mul(o.accBeta1, o.beta1));
    o.accBeta2.assign(tfc.mul(o.accBeta2, o.beta2));
  });
  o.incrementIterations();
  return true;
}
