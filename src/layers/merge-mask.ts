import * as tfc from '@tensorflow/tfjs-core';

/**
 * The mask of an element-wise merge: a step is kept when every masked input keeps it (inputs
 * without a mask keep every step); null when no input has a mask. (tfjs' own Merge layers combine
 * masks wrongly: they add a leading axis and skip the last mask.)
 */
export function mergeMasks(
  mask: tfc.Tensor | (tfc.Tensor | null | undefined)[] | null | undefined,
): tfc.Tensor | null {
  if (mask == null) return null;
  const masks = (Array.isArray(mask) ? mask : [mask]).filter((m): m is tfc.Tensor => m != null);
  if (masks.length === 0) return null;
  return tfc.tidy(() => masks.slice(1).reduce((a, b) => tfc.logicalAnd(a, b), masks[0]!));
}
