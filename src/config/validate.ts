import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Ajv, ErrorObject, Options, ValidateFunction } from 'ajv';
import { type ConfigIssue, fromInstancePath } from '../util/paths.js';
import { describeSchema, shareRepeatedSubschemas } from '../util/schema.js';
import { closestMatch } from '../util/suggest.js';
import { ConfigSchema, type ResolvedConfig } from './schema.js';

/** A schema problem before it is given a file and position. */
export type SchemaIssue = ConfigIssue;

/** How ajv compiles the config schema (here, and into the build's precompiled validator). */
export const AJV_OPTIONS: Options = {
  allErrors: true,
  discriminator: true,
  useDefaults: true,
  verbose: true,
  strict: true,
  strictRequired: false,
  // The schema ajv compiles shares its repeated parts under $defs (validatedSchema()): each is
  // compiled once, as its own function, not copied back into every place that refers to it.
  inlineRefs: false,
};

/** The file `npm run build` writes beside the compiled validate.js (scripts/build-config-validator.mjs). */
export const PRECOMPILED_VALIDATOR = 'config-validator.cjs';

/** A precompiled validator module: ajv's standalone validate function, with the hash of its schema. */
export type PrecompiledValidator = ValidateFunction & { schemaHash?: string };

/** A hash of the schema, so that a precompiled validator of another schema is never used. */
export function schemaHash(): string {
  return createHash('sha256').update(JSON.stringify(ConfigSchema)).digest('hex');
}

/**
 * The validator the build precompiled from this very schema (ajv's standalone code: compiling the
 * schema takes most of a second, loading the code a tenth), if it is there and current.
 */
function precompiled(): ValidateFunction | undefined {
  const file = fileURLToPath(new URL(`./${PRECOMPILED_VALIDATOR}`, import.meta.url));
  if (!existsSync(file)) return undefined;
  const mod = createRequire(import.meta.url)(file) as PrecompiledValidator;
  return mod.schemaHash === schemaHash() ? mod : undefined;
}

let compiled: ValidateFunction | undefined;

/**
 * The schema ajv compiles: the config schema with its repeated subschemas (the layer list under each
 * model shape) written once under $defs, which makes the validator a fraction of the size.
 */
export function validatedSchema(): Record<string, unknown> {
  return shareRepeatedSubschemas(ConfigSchema as unknown as Record<string, unknown>);
}

/** Compiles the schema with ajv, loaded only then (a precompiled validator needs only its runtime). */
function compile(): ValidateFunction {
  const { Ajv: AjvClass } = createRequire(import.meta.url)('ajv') as { Ajv: typeof Ajv };
  // Without ajv's optimising pass, which validates the same and halves the compile time.
  return new AjvClass({ ...AJV_OPTIONS, code: { optimize: false } }).compile(validatedSchema());
}

/** The validator, compiled once per process from the registry-generated schema (or precompiled). */
function validator(): ValidateFunction {
  compiled ??= precompiled() ?? compile();
  return compiled;
}

type Schema = Record<string, unknown>;

function got(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null (an empty value)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value); // JSON would say null
  return JSON.stringify(value);
}

function issueFrom(e: ErrorObject): SchemaIssue {
  const path = fromInstancePath(e.instancePath);
  const parent = (e.parentSchema ?? {}) as Schema;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String((e.params as { additionalProperty: string }).additionalProperty);
      const known = Object.keys((parent.properties as Schema | undefined) ?? {});
      const match = closestMatch(key, known);
      return {
        path: [...path, key],
        at: 'key',
        message: `unknown key "${key}"`,
        suggestion: match ? `did you mean "${match}"?` : `known keys: ${known.join(', ')}`,
      };
    }
    case 'required': {
      const key = String((e.params as { missingProperty: string }).missingProperty);
      const prop = (parent.properties as Record<string, Schema> | undefined)?.[key];
      return {
        path,
        at: 'value',
        message: `missing required key "${key}"${prop ? ` (${describeSchema(prop)})` : ''}`,
      };
    }
    case 'discriminator': {
      const params = e.params as { error: string; tag: string; tagValue: unknown };
      const branches = ((parent.oneOf as Schema[] | undefined) ?? []).map(
        (b) => ((b.properties as Record<string, Schema>)[params.tag]?.const as string) ?? '',
      );
      const kind = (parent.title as string | undefined) ?? 'component';
      if (params.error === 'mapping' && typeof params.tagValue === 'string') {
        const match = closestMatch(params.tagValue, branches);
        return {
          path: [...path, params.tag],
          at: 'value',
          message: `unknown ${kind} type "${params.tagValue}"`,
          suggestion: match ? `did you mean "${match}"?` : `known types: ${branches.join(', ')}`,
        };
      }
      return {
        path,
        at: 'value',
        message: `${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind} needs "${params.tag}": one of ${branches.map((b) => `"${b}"`).join(', ')} (got ${got((e.data as Schema | undefined)?.[params.tag])})`,
      };
    }
    case 'enum': {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues;
      const match = typeof e.data === 'string' ? closestMatch(e.data, allowed.map(String)) : undefined;
      return {
        path,
        at: 'value',
        message: `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')} (got ${got(e.data)})`,
        ...(match ? { suggestion: `did you mean "${match}"?` } : {}),
      };
    }
    case 'type':
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
    case 'minLength':
    case 'minItems':
    case 'pattern':
    case 'anyOf':
    case 'const':
      return { path, at: 'value', message: `must be ${describeSchema(parent)} (got ${got(e.data)})` };
    case 'maxLength': {
      const limit = (e.params as { limit: number }).limit;
      const length = typeof e.data === 'string' ? e.data.length : 0;
      return { path, at: 'value', message: `must be at most ${limit} characters long (got ${length})` };
    }
    case 'uniqueItems':
      return { path, at: 'value', message: 'must not list the same item twice' };
    default:
      return { path, at: 'value', message: e.message ?? `fails ${e.keyword}` };
  }
}

/**
 * Validates a merged config and fills every default in place. Returns the issues, one per problem:
 * the branch errors under an `anyOf` are folded into the one `anyOf` message.
 */
export function validateConfig(value: Record<string, unknown>): {
  config: ResolvedConfig;
  issues: SchemaIssue[];
} {
  return { config: value as unknown as ResolvedConfig, issues: schemaIssues(validator(), value) };
}

/** Runs `validate` on `value` (filling defaults) and turns its errors into issues, folded as above. */
export function schemaIssues(validate: ValidateFunction, value: unknown): SchemaIssue[] {
  validate(value);
  const errors = validate.errors ?? [];
  // A value of a type only one branch takes (a list where `true | [names]` is allowed) gets that
  // branch's own errors, which say more (an unknown name, with a did-you-mean); otherwise the
  // branches' errors fold into the anyOf's one message.
  const anyOfs = errors.filter((e) => e.keyword === 'anyOf');
  const dropped = new Set<ErrorObject>();
  const folded: string[] = [];
  for (const e of anyOfs) {
    const branches = (((e.parentSchema ?? {}) as Schema).anyOf as Schema[] | undefined) ?? [];
    const type = Array.isArray(e.data) ? 'array' : e.data === null ? 'null' : typeof e.data;
    const taking = branches.flatMap((b, i) => (b.type === type ? [i] : []));
    const prefix = e.schemaPath.replace(/\/anyOf$/, '/anyOf/');
    if (taking.length === 1 && typeof e.data === 'object') {
      dropped.add(e);
      folded.push(...branches.map((_, i) => `${prefix}${i}/`).filter((_, i) => i !== taking[0]));
    } else folded.push(prefix);
  }
  // An if/then/else (a graph node: a share or a layer) reports its branch's own errors, and also
  // "must match then/else": dropped.
  const kept = errors.filter(
    (e) => e.keyword !== 'if' && !dropped.has(e) && !folded.some((p) => e.schemaPath.startsWith(p)),
  );
  const issues: SchemaIssue[] = [];
  const seen = new Set<string>();
  for (const e of kept) {
    const issue = issueFrom(e);
    const key = `${issue.path.join('/')}|${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
  }
  return issues;
}

/** The JSON Schema (for editors and `qqp config schema`). */
export function configJsonSchema(): object {
  return ConfigSchema;
}
