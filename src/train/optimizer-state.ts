import * as tfc from '@tensorflow/tfjs-core';

type Optimizer = tfc.Optimizer;

/** One part of an optimizer's state: a name (see optimizerState) and its value. */
export interface OptimizerPart {
  name: string;
  tensor: tfc.Tensor;
}

type SlotList = { originalName: string; variable: tfc.Variable }[];

function isSlotList(value: unknown): value is SlotList {
  return (
    Array.isArray(value) &&
    value.every(
      (v) =>
        v !== null &&
        v !== undefined &&
        typeof v === 'object' &&
        typeof (v as SlotList[number]).originalName === 'string' &&
        (v as SlotList[number]).variable instanceof tfc.Variable,
    )
  );
}

const ITERATIONS = 'iterations';

/**
 * Every part of a tfjs optimizer's state, so that a restored optimizer continues exactly as the
 * one that never stopped: the iteration count, each per-variable slot (moments, accumulators) as
 * `<field>/<index>/<variable>/<slot>`, and each scalar variable by its field name (Adam's and
 * Adamax's accumulated powers `accBeta1`, `accBeta2`, Adamax's `iteration`). tfjs' own
 * `getWeights()` is not enough: it leaves out Adam's powers, which setWeights recomputes as
 * `pow(beta, t + 1)`, a float32 rounding away from the product the uninterrupted run holds, and
 * Adamax has no getWeights at all. The fields are found by walking the optimizer, so every
 * registered optimizer is covered (test/train/trainer.test.ts resumes each bit for bit).
 */
export function optimizerState(optimizer: Optimizer): OptimizerPart[] {
  const o = optimizer as unknown as Record<string, unknown> & { iterations_?: number };
  const parts: OptimizerPart[] = [{ name: ITERATIONS, tensor: tfc.scalar(o.iterations_ ?? 0, 'int32') }];
  for (const [field, value] of Object.entries(o)) {
    if (value instanceof tfc.Variable) {
      parts.push({ name: field, tensor: value });
    } else if (isSlotList(value)) {
      value.forEach((slot, i) => {
        parts.push({ name: `${field}/${i}/${slot.originalName}`, tensor: slot.variable });
      });
    }
  }
  return parts;
}

/**
 * Puts parts taken by optimizerState into an optimizer of the same type and settings (built
 * fresh, before its first step). A part the optimizer has no field for is an error (the message
 * names it): the state was taken from another kind of optimizer.
 */
export function setOptimizerState(optimizer: Optimizer, parts: readonly OptimizerPart[]): void {
  const o = optimizer as unknown as Record<string, unknown> & { iterations_?: number };
  const lists = new Map<string, SlotList>();
  for (const { name, tensor } of parts) {
    if (name === ITERATIONS) {
      o.iterations_ = tensor.dataSync()[0] ?? 0;
      continue;
    }
    const match = /^([^/]+)\/(\d+)\/(.+)$/.exec(name);
    if (match) {
      const [, field = '', index = '0', originalName = ''] = match;
      if (!isSlotList(o[field])) throw new Error(`the optimizer has no slots "${field}" (part ${name})`);
      const list = lists.get(field) ?? [];
      list[Number(index)] = { originalName, variable: tensor.clone().variable(false) };
      lists.set(field, list);
      continue;
    }
    const current = o[name];
    if (!(current instanceof tfc.Variable)) throw new Error(`the optimizer has no variable "${name}"`);
    if (current.dtype !== tensor.dtype || current.shape.join(',') !== tensor.shape.join(',')) {
      throw new Error(
        `"${name}" is ${tensor.dtype} [${tensor.shape}], the optimizer's is ${current.dtype} [${current.shape}]`,
      );
    }
    current.assign(tensor);
  }
  for (const [field, list] of lists) {
    const old = o[field] as SlotList;
    for (const slot of old) slot.variable.dispose();
    for (let i = 0; i < list.length; i++) {
      if (!list[i]) throw new Error(`the slots "${field}" are not numbered 0 to ${list.length - 1}`);
    }
    o[field] = list;
  }
}
