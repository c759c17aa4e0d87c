import { type TSchema, type TUnsafe, Type } from '@sinclair/typebox';

/**
 * A string enum as plain JSON Schema `{ type: 'string', enum: [...] }` (one ajv error for a wrong
 * value, where a union of literals would report one error per branch).
 */
export function StringEnum<const T extends readonly string[]>(
  values: T,
  options: { default?: T[number]; description?: string } = {},
): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

/** Property names of an object schema, for "did you mean" on unknown keys. */
export function propertyNames(schema: TSchema): string[] {
  const props = (schema as { properties?: Record<string, unknown> }).properties;
  return props ? Object.keys(props) : [];
}

type Schema = Record<string, unknown>;

function article(word: string): string {
  return /^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`;
}

/** Short words for what a schema accepts: `an integer >= 1`, `one of "pre", "post"`. */
export function describeSchema(schema: Schema): string {
  if (typeof schema.title === 'string') return `${article(schema.title)} (a mapping with "type")`;
  if ('const' in schema) return JSON.stringify(schema.const);
  if (Array.isArray(schema.enum)) return `one of ${schema.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  const alts = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (Array.isArray(alts)) return alts.map(describeSchema).join(' or ');
  const type = schema.type as string | undefined;
  let text =
    type === undefined
      ? 'a value'
      : type === 'array'
        ? 'a list'
        : type === 'object'
          ? 'a mapping'
          : article(type);
  const bounds: string[] = [];
  if (typeof schema.minimum === 'number') bounds.push(`>= ${schema.minimum}`);
  if (typeof schema.exclusiveMinimum === 'number') bounds.push(`> ${schema.exclusiveMinimum}`);
  if (typeof schema.maximum === 'number') bounds.push(`<= ${schema.maximum}`);
  if (typeof schema.exclusiveMaximum === 'number') bounds.push(`< ${schema.exclusiveMaximum}`);
  if (typeof schema.minLength === 'number' && schema.minLength > 0) bounds.push('that is not empty');
  if (typeof schema.minItems === 'number' && schema.minItems > 0)
    bounds.push(`of at least ${schema.minItems} item(s)`);
  if (typeof schema.pattern === 'string') bounds.push(`matching ${schema.pattern}`);
  if (bounds.length) text += ` ${bounds.join(' and ')}`;
  return text;
}
