import type { Family, Slot } from './types.js';

/**
 * How a pair was made. `paraphrase` is the only duplicate kind; the hard negatives share most words
 * with their partner but change one thing (`entity`, `number`, `negation`, `intent`, or `order`:
 * two slots exchanged, "from A to B" vs "from B to A"); `topic` keeps the family but changes every
 * entity/number; `unrelated` pairs two families.
 */
export type PairKind =
  | 'paraphrase'
  | 'entity'
  | 'number'
  | 'negation'
  | 'intent'
  | 'order'
  | 'topic'
  | 'related'
  | 'unrelated';

export const PAIR_KINDS: readonly PairKind[] = [
  'paraphrase',
  'entity',
  'number',
  'negation',
  'intent',
  'order',
  'topic',
  'related',
  'unrelated',
];

export const HARD_NEGATIVE_KINDS: readonly PairKind[] = ['entity', 'number', 'negation', 'intent', 'order'];

/** Whether family `f` can make pairs of `kind`. */
export function supports(f: Family, kind: PairKind): boolean {
  const has = (k: Slot['kind']) => f.slots.some((s) => s.kind === k);
  switch (kind) {
    case 'paraphrase':
    case 'unrelated':
    case 'related':
      return true;
    case 'entity':
      return has('entity');
    case 'number':
      return has('number');
    case 'negation':
      return has('negation');
    case 'intent':
      return has('intent');
    case 'order':
      return f.ordered !== undefined;
    case 'topic':
      return has('entity') || has('number');
  }
}

/** What the families must offer for each pair kind. */
export const NEEDS: Readonly<Record<PairKind, string>> = {
  paraphrase: 'a family',
  entity: 'a family with an entity slot',
  number: 'a family with a number slot',
  negation: 'a family with a negation slot',
  intent: 'a family with an intent slot',
  order: 'a family with `ordered` slots',
  topic: 'a family with an entity or number slot',
  related: 'two families',
  unrelated: 'two families',
};

/** The pair kinds no family can make; the generator needs every kind. */
export function unsupportedKinds(families: readonly Family[]): PairKind[] {
  return PAIR_KINDS.filter((kind) =>
    kind === 'unrelated' || kind === 'related'
      ? families.length < 2
      : !families.some((f) => supports(f, kind)),
  );
}
