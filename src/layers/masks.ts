import * as tfc from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/**
 * Masks for layers with several inputs or outputs. tfjs-layers 4.22 runs a model (predict, and
 * `model.apply`, which training uses) with an executor that hands a layer's `call` only the FIRST
 * input's mask and gives every output the FIRST output's mask. What it does keep is a tensor's
 * `kerasMask` (tfjs' own MultiHeadAttention reads it), set when a layer runs on concrete tensors —
 * but only by layers that make a mask from their inputs (an embedding with `maskZero`), not by the
 * ones that pass a mask on (an LSTM with `returnSequences`, dropout, dense).
 *
 * `installMaskFlow` (called by `registerLayerClasses`) makes every masking layer set `kerasMask`
 * on each of its outputs from its inputs' `kerasMask` (null where there is none), so a mask started
 * by an embedding reaches every layer below it, per input and per output; `inputMasks` reads them.
 * Each output gets its own handle of the mask (a clone: no copy of the data), since tfjs disposes a
 * tensor's kerasMask with the tensor, which its executor does to intermediate results as it goes.
 */

type Masked = Omit<tfc.Tensor, 'kerasMask'> & { kerasMask?: tfc.Tensor | null };
type Apply = tfl.layers.Layer['apply'];

let installed = false;

export function installMaskFlow(): void {
  if (installed) return;
  installed = true;
  const proto = tfl.layers.Layer.prototype as unknown as { apply: Apply };
  const original = proto.apply;
  proto.apply = function (this: tfl.layers.Layer, inputs, kwargs) {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const again = repeatedCall(this, list, kwargs);
    if (again) return again;
    const output = original.call(this, inputs, kwargs);
    remember(this, list, kwargs, output);
    if (!this.supportsMasking || !(list[0] instanceof tfc.Tensor)) return output;
    const masks = (list as unknown as Masked[]).map((x) => x.kerasMask ?? null);
    if (masks.every((m) => m === null) && !makesMask(this)) {
      setMasks(output, null);
      return output;
    }
    const mask = this.computeMask(
      inputs as tfc.Tensor | tfc.Tensor[],
      (list.length === 1 ? masks[0] : masks) as tfc.Tensor | tfc.Tensor[],
    );
    setMasks(output, mask as tfc.Tensor | tfc.Tensor[] | null);
    return output;
  };
}

/**
 * tfjs' executor runs a layer once per OUTPUT it needs (it walks output tensors, not layers), so a
 * layer of several outputs (align) would run, and be differentiated, twice per batch, and its
 * inputs' use counts go wrong (a graph reading node.1 before node.0 then finds an input disposed).
 * A layer of several outputs called again on the very same input tensors (by id, never reused) with
 * the same kwargs returns its previous outputs, while any of them is alive.
 */
const lastCall = new WeakMap<object, { ids: number[]; kwargs: string; output: tfc.Tensor[] }>();

function callKey(kwargs: unknown): string {
  const k = (kwargs ?? {}) as Record<string, unknown>;
  return JSON.stringify({ training: k.training ?? null });
}

function repeatedCall(layer: object, inputs: unknown[], kwargs: unknown): tfc.Tensor[] | undefined {
  const last = lastCall.get(layer);
  if (!last || !inputs.every((x) => x instanceof tfc.Tensor)) return undefined;
  const ids = (inputs as tfc.Tensor[]).map((x) => x.id);
  const same =
    ids.length === last.ids.length &&
    ids.every((id, i) => id === last.ids[i]) &&
    callKey(kwargs) === last.kwargs &&
    // Inside one execution the executor may already have disposed an output its readers are done
    // with (it skips outputs it has); a caller whose outputs are all gone gets a new call.
    last.output.some((t) => !t.isDisposed);
  return same ? last.output : undefined;
}

function remember(layer: object, inputs: unknown[], kwargs: unknown, output: unknown): void {
  if (!Array.isArray(output) || output.length < 2 || !output.every((t) => t instanceof tfc.Tensor)) return;
  if (!inputs.every((x) => x instanceof tfc.Tensor)) return;
  lastCall.set(layer, {
    ids: (inputs as tfc.Tensor[]).map((x) => x.id),
    kwargs: callKey(kwargs),
    output: output as tfc.Tensor[],
  });
}

/** Layers that make a mask from their input values (an embedding with maskZero). */
function makesMask(layer: tfl.layers.Layer): boolean {
  return (layer as unknown as { maskZero?: boolean }).maskZero === true;
}

function setMasks(output: unknown, mask: tfc.Tensor | tfc.Tensor[] | null | undefined): void {
  const outputs = (Array.isArray(output) ? output : [output]) as unknown[];
  outputs.forEach((x, i) => {
    if (!(x instanceof tfc.Tensor)) return;
    const m = (Array.isArray(mask) ? mask[i] : i === 0 ? mask : null) ?? null;
    // Each tensor owns its kerasMask (tfjs disposes it with the tensor): a handle of its own.
    (x as unknown as Masked).kerasMask = m === null ? null : tfc.clone(m);
  });
}

/**
 * Each input's mask ([batch, time], bool), or null: from `kwargs.mask` when it is a list with one
 * entry per input (Keras' convention, and tfjs' symbolic graph runner), else from the inputs'
 * `kerasMask`, else (a single mask given to a direct call) for the first input only.
 */
export function inputMasks(
  inputs: tfc.Tensor[],
  kwargs: { mask?: unknown } | undefined,
): (tfc.Tensor | null)[] {
  const given = kwargs?.mask as tfc.Tensor | (tfc.Tensor | null | undefined)[] | null | undefined;
  if (Array.isArray(given) && given.length === inputs.length) return given.map((m) => m ?? null);
  const carried = inputs as unknown as Masked[];
  if (carried.some((x) => x.kerasMask !== undefined)) return carried.map((x) => x.kerasMask ?? null);
  if (given instanceof tfc.Tensor) return inputs.map((_x, i) => (i === 0 ? given : null));
  return inputs.map(() => null);
}

/** The first non-null mask, or null (tfjs' type omits null, which its layers return for "no mask"). */
export function firstMask(masks: unknown): tfc.Tensor {
  const list = (Array.isArray(masks) ? masks : [masks]) as (tfc.Tensor | null | undefined)[];
  return (list.find((m) => m instanceof tfc.Tensor) ?? null) as unknown as tfc.Tensor;
}

/**
 * The mask of an element-wise merge (add, subtract, multiply, absDiff): a step is kept when every
 * masked input keeps it (inputs without a mask keep every step); null when no input has a mask.
 * (tfjs' own Merge layers combine masks wrongly: they add a leading axis and skip the last mask.)
 */
export function mergeMasks(
  mask: tfc.Tensor | (tfc.Tensor | null | undefined)[] | null | undefined,
): tfc.Tensor | null {
  if (mask == null) return null;
  const masks = (Array.isArray(mask) ? mask : [mask]).filter((m): m is tfc.Tensor => m != null);
  if (masks.length === 0) return null;
  return tfc.tidy(() => masks.slice(1).reduce((a, b) => tfc.logicalAnd(a, b), masks[0]!));
}

/** A [batch, time] mask as float32 0/1 of shape `shape` (e.g. [B, 1, T] or [B, T, 1]). */
export function maskAs(mask: tfc.Tensor, shape: number[]): tfc.Tensor {
  return tfc.reshape(tfc.cast(mask, 'float32'), shape);
}

/** Added to logits at masked places: a softmax then gives them zero weight. */
export const MASKED_LOGIT = -1e9;
