/**
 * What the synthetic generator reads from scripts/synthetic/data/ (see data.ts), once checked.
 * The files themselves say what their fields mean and how templates are written.
 */

export type SlotKind = 'entity' | 'number' | 'intent' | 'negation';

export interface Slot {
  name: string;
  kind: SlotKind;
  /** Entity type (a key of `Lexicon.entities`) or number type (a key of `Lexicon.numbers`). */
  type?: string;
  /** Number of values of an intent/negation slot. */
  size?: number;
}

/**
 * A question family: one question intent with slots, and templates that are all paraphrases of each
 * other (families.yaml); context sentences have the same shape (contexts.yaml).
 */
export interface Family {
  id: string;
  topic: string;
  slots: Slot[];
  templates: string[];
  /** Two slots whose values may be exchanged without changing the meaning ("A or B?"). */
  symmetric?: [string, string];
  /** Two slots whose exchange reverses the meaning ("from A to B"): a word-order hard negative. */
  ordered?: [string, string];
  /** Context sentences only: the question topics they may go with. */
  fits?: string[];
}

/** A quantity: its possible values, and every surface form of a value (the first is the usual one). */
export interface NumberType {
  values: readonly number[];
  forms(value: number): string[];
}

/** The words a template's slots are filled with. */
export interface Lexicon {
  /** Entity type -> entities; an entity is its surface forms, the usual one first (entities.yaml). */
  entities: ReadonlyMap<string, readonly (readonly string[])[]>;
  /** Number type -> its values and forms (numbers.yaml). */
  numbers: ReadonlyMap<string, NumberType>;
  /** Capitalised words read as words, not letter by letter, for "a"/"an" (surface.yaml). */
  readAsWords: readonly string[];
}

/** Everything the generator needs besides its options. */
export interface SyntheticData extends Lexicon {
  families: readonly Family[];
  contexts: readonly Family[];
  /** Sentences now and then put before a question (surface.yaml). */
  prefixes: readonly string[];
  /** Sentences now and then put after a question (surface.yaml). */
  suffixes: readonly string[];
}
