import { type Static, type TObject, type TSchema, type TUnsafe, Type } from '@sinclair/typebox';

/** The config object of one registry entry: `{ type: name, ...params }`, no other keys. */
export function entryConfigSchema<N extends string, P extends TObject>(entry: {
  name: N;
  description: string;
  params: P;
}): TObject {
  // A conditional default (`if`/`else` of the parameters, e.g. embedding's outputDim) is kept.
  const { if: cond, else: no } = entry.params as TObject & Record<'if' | 'else', unknown>;
  return Type.Object(
    { type: Type.Literal(entry.name, { description: entry.description }), ...entry.params.properties },
    {
      additionalProperties: false,
      description: entry.description,
      ...(cond === undefined ? {} : { if: cond }),
      ...(no === undefined ? {} : { else: no }),
    },
  );
}

export type EntryConfig<E> = E extends { name: infer N; params: infer P extends TSchema }
  ? { type: N } & Static<P>
  : never;

/**
 * A `oneOf` over registry entries, discriminated by `type` (ajv's `discriminator` keyword), so a
 * wrong entry reports only its own errors and an unknown `type` reports one error.
 */
export function discriminatedUnion<E extends { name: string; description: string; params: TObject }>(
  entries: readonly E[],
  options: { title: string; description: string; default?: unknown },
): TUnsafe<EntryConfig<E>> {
  return Type.Unsafe<EntryConfig<E>>({
    type: 'object',
    required: ['type'],
    discriminator: { propertyName: 'type' },
    oneOf: entries.map((e) => entryConfigSchema(e)),
    ...options,
  });
}
