import type { Static, TObject } from '@sinclair/typebox';

/** What a builder may use besides its own parameters. */
export interface BuildContext {
  /** Rows of the embedding table: the vocabulary size (or the stated placeholder in `model summary`). */
  vocabSize: number;
  /** A fresh seed for an initializer or a dropout layer, derived from `experiment.seed`. */
  nextSeed(): number;
  /** The layer's name in the model (Keras style: `dense`, `dense_1`), when the stack names it. */
  name?: string;
}

/**
 * One registry entry: a stable name used in configs, a description, the schema of its parameters
 * (each with default and description), and the builder that turns validated parameters into an object.
 */
export interface ComponentSpec<Name extends string, P extends TObject, Built, Ctx = BuildContext> {
  readonly name: Name;
  readonly description: string;
  readonly params: P;
  build(params: Static<P>, ctx: Ctx): Built;
}

/** Turns a list of entries into a name-indexed registry, refusing a name registered twice. */
export function indexByName<const E extends readonly { name: string }[]>(
  kind: string,
  entries: E,
): { readonly [K in E[number]['name']]: Extract<E[number], { name: K }> } {
  const out: Record<string, E[number]> = {};
  for (const e of entries) {
    if (Object.hasOwn(out, e.name)) throw new Error(`${kind} "${e.name}" is registered twice`);
    out[e.name] = e;
  }
  return out as { readonly [K in E[number]['name']]: Extract<E[number], { name: K }> };
}
