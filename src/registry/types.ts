import type { Static, TObject, TUnsafe } from '@sinclair/typebox';
import type { PretrainedTable } from '../embeddings/table.js';
import type { Tfjs } from '../layers/tfjs.js';
import { StringEnum } from '../util/schema.js';
import { discriminatedUnion, type EntryConfig } from './union.js';

/** What a builder may use besides its own parameters. */
export interface BuildContext {
  /**
   * tfjs and qqp's layer classes (`TFJS` of src/layers/tfjs.ts), given by whoever builds: the
   * registry imports tfjs only as types, so its schemas and facts load without it.
   */
  tf: Tfjs;
  /** Rows of the embedding table: the vocabulary size (or the stated placeholder in `model summary`). */
  vocabSize: number;
  /** A fresh seed for an initializer or a dropout layer, derived from `experiment.seed`. */
  nextSeed(): number;
  /** The layer's name in the model (Keras style: `dense`, `dense_1`), when the stack names it. */
  name?: string;
  /**
   * Pretrained vectors by `pretrained.source`: the table laid out for the vocabulary (training), or
   * only the vectors' dimension (summary, validation: no data); undefined when not prepared.
   */
  pretrained?: (source: string) => PretrainedTable | { dim: number } | undefined;
}

/** What every registry entry has: a stable name used in configs, a description and its parameters. */
export interface Entry {
  readonly name: string;
  readonly description: string;
  /** The schema of its parameters, each with default and description (empty for plain names). */
  readonly params: TObject;
}

/**
 * One buildable registry entry: its name, description, parameter schema and the builder that turns
 * validated parameters into an object.
 */
export interface ComponentSpec<Name extends string, P extends TObject, Built, Ctx = BuildContext>
  extends Entry {
  readonly name: Name;
  readonly params: P;
  build(params: Static<P>, ctx: Ctx): Built;
}

/**
 * How a config names an entry: `object` (`{ type: name, ...params }`, a union discriminated by
 * `type`) or `name` (the bare name: losses and metrics, which take no parameters).
 */
export type EntryForm = 'object' | 'name';

/** One kind of component: its list (in the order shown to users), an index by name, and its schema. */
export interface Registry<E extends Entry, F extends EntryForm = 'object'> {
  /** In words, singular: `layer`, `model shape`. */
  readonly kind: string;
  readonly list: readonly E[];
  readonly byName: { readonly [K in E['name']]: Extract<E, { name: K }> };
  readonly names: readonly E['name'][];
  /** The JSON Schema of a config that names one entry (see `EntryForm`). */
  readonly schema: TUnsafe<F extends 'name' ? E['name'] : EntryConfig<E>>;
  /** The entry a validated config names (`{ type }`, or the bare name). */
  entryOf(config: { type: E['name'] } | E['name']): E;
}

export interface RegistryOptions<F extends EntryForm> {
  title: string;
  description: string;
  default?: unknown;
  form?: F;
}

/**
 * Turns a list of entries into a registry: indexed by name (a name registered twice is an error),
 * with its schema generated from the entries, so the list of names exists once.
 */
export function defineRegistry<const L extends readonly Entry[], F extends EntryForm = 'object'>(
  kind: string,
  list: L,
  options: RegistryOptions<F>,
): Registry<L[number], F> {
  type E = L[number];
  const byName: Record<string, E> = {};
  for (const e of list) {
    if (Object.hasOwn(byName, e.name)) throw new Error(`${kind} "${e.name}" is registered twice`);
    byName[e.name] = e;
  }
  const names = list.map((e) => e.name) as E['name'][];
  const { form, title, ...rest } = options;
  // A plain name is a string enum (one ajv error for a wrong value); it carries no title.
  const schema = (
    form === 'name'
      ? StringEnum(names, rest as { description: string })
      : discriminatedUnion(list, { title, ...rest })
  ) as Registry<E, F>['schema'];
  return {
    kind,
    list,
    byName: byName as Registry<E, F>['byName'],
    names,
    schema,
    entryOf(config) {
      const name = typeof config === 'string' ? config : config.type;
      const entry = byName[name];
      // Configs are validated against the schema first, so an unknown name here is a bug.
      if (!entry) throw new Error(`unknown ${kind} "${name}"`);
      return entry;
    },
  };
}

/** Builds the object a validated config describes, with its entry's builder. */
export function buildEntry<Built, Ctx>(
  registry: Registry<Entry & { build(params: never, ctx: Ctx): Built }, 'object'>,
  config: { type: string },
  ctx: Ctx,
): Built {
  const entry = registry.entryOf(config) as unknown as { build(params: unknown, ctx: Ctx): Built };
  return entry.build(config, ctx);
}
