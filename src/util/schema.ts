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

/** Keys whose value is one schema, and keys whose value is a list or a name map of schemas. */
const ONE_SCHEMA = new Set(['items', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains']);
const SCHEMA_LIST = new Set(['oneOf', 'anyOf', 'allOf', 'prefixItems']);
const SCHEMA_MAP = new Set(['properties', 'patternProperties', '$defs']);

/** A subschema and its JSON, which the walk builds from its children's (not stringifying each again). */
interface Visited {
  schema: Schema;
  json: string;
}

/**
 * Calls `visit` on every subschema of `schema` (itself included, and each `$defs` entry) with its
 * JSON and whether it must stay in place (under an `anyOf`, or a branch of a discriminated
 * `oneOf`); `visit` returns the replacement, and children are
 * visited first. Values that are not schemas (an `enum` list, a `default`) are copied as they are.
 */
function mapSchemas(
  schema: Schema,
  visit: (node: Visited, fixed: boolean) => Visited,
  underAnyOf = false,
  branch = false,
): Visited {
  const out: Schema = {};
  const parts: string[] = [];
  const child = (value: unknown, under: boolean, isBranch = false): Visited =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? mapSchemas(value as Schema, visit, under, isBranch)
      : { schema: value as Schema, json: JSON.stringify(value) };
  const discriminated = 'discriminator' in schema;
  for (const [key, value] of Object.entries(schema)) {
    if (value === undefined || typeof value === 'function') continue; // as JSON.stringify
    const under = underAnyOf || key === 'anyOf';
    let json: string;
    if (ONE_SCHEMA.has(key)) {
      const v = child(value, under);
      out[key] = v.schema;
      json = v.json;
    } else if (SCHEMA_LIST.has(key) && Array.isArray(value)) {
      const vs = value.map((v) => child(v, under, key === 'oneOf' && discriminated));
      out[key] = vs.map((v) => v.schema);
      json = `[${vs.map((v) => v.json).join(',')}]`;
    } else if (SCHEMA_MAP.has(key) && value && typeof value === 'object') {
      const vs = Object.entries(value as Schema).map(([k, v]) => [k, child(v, under)] as const);
      out[key] = Object.fromEntries(vs.map(([k, v]) => [k, v.schema]));
      json = `{${vs.map(([k, v]) => `${JSON.stringify(k)}:${v.json}`).join(',')}}`;
    } else {
      out[key] = value;
      json = JSON.stringify(value);
    }
    parts.push(`${JSON.stringify(key)}:${json}`);
  }
  return visit({ schema: out, json: `{${parts.join(',')}}` }, underAnyOf || branch);
}

/**
 * The same schema with each subschema that occurs more than once (and is at least `minChars` of
 * JSON) written once under `$defs` and referenced where it occurred: what ajv compiles into one
 * function instead of one copy per place (the config schema lists every layer under each model
 * shape, and every layer again under `bidirectional`). Validates the same values with the same
 * errors at the same data paths; only the errors' schema paths move into `#/$defs/...`. A
 * subschema under an `anyOf` stays in place, since the validator folds an `anyOf`'s branch errors
 * by schema path, and so does each branch of a discriminated `oneOf`, whose error message lists
 * the branches' tags. For ajv with `inlineRefs: false` (else it would copy them back).
 */
export function shareRepeatedSubschemas(schema: Schema, minChars = 2000): Schema {
  let current = mapSchemas(schema, (v) => v).schema; // a plain copy: no TypeBox symbols
  const defs: Record<string, Schema> = {};
  for (;;) {
    const counts = new Map<string, number>();
    mapSchemas({ ...current, $defs: defs }, (v, fixed) => {
      if (!fixed && v.json.length >= minChars && !('$defs' in v.schema)) {
        counts.set(v.json, (counts.get(v.json) ?? 0) + 1);
      }
      return v;
    });
    let best: string | undefined;
    for (const [json, n] of counts) if (n > 1 && (!best || json.length > best.length)) best = json;
    if (!best) break;
    const name = `shared${Object.keys(defs).length}`;
    const ref = { $ref: `#/$defs/${name}` };
    const refJson = JSON.stringify(ref);
    const replace = (v: Visited, fixed: boolean): Visited =>
      !fixed && v.json === best ? { schema: ref, json: refJson } : v;
    current = mapSchemas(current, replace).schema;
    for (const [k, v] of Object.entries(defs)) defs[k] = mapSchemas(v, replace).schema;
    defs[name] = JSON.parse(best) as Schema;
  }
  return Object.keys(defs).length ? { ...current, $defs: defs } : current;
}
