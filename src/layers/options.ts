/**
 * The settings of qqp's layers that their registry entries' schemas list, kept apart from the
 * layer classes so that the schemas (and `validate`, `config show`, `registry`) load without tfjs.
 */

/** Activations the token-wise layers of qqp apply themselves (one tfjs op each). */
export const SIMPLE_ACTIVATIONS = ['linear', 'relu', 'elu', 'selu', 'tanh', 'sigmoid', 'softplus'] as const;
export type SimpleActivation = (typeof SIMPLE_ACTIVATIONS)[number];

/** What `enhance` can concatenate: [a, ã, a − ã, a ∗ ã], in this order. */
export const ENHANCE_PARTS = ['input', 'aligned', 'difference', 'product'] as const;
export type EnhancePart = (typeof ENHANCE_PARTS)[number];
