import YAML from 'yaml';
import type { Problem } from '../errors.js';
import { type ConfigPath, formatPath, parsePath } from '../util/paths.js';
import { closestMatch } from '../util/suggest.js';
import { ConfigSchema } from './schema.js';
import { outOfRangeMessage, outOfRangeNumbers } from './source.js';

type Schema = Record<string, unknown>;

export interface Override {
  /** As typed: `training.batchSize=64`. */
  text: string;
  path: ConfigPath;
  /** undefined when the override removed the key (`--set path=null`). */
  value: unknown;
}

/** Finds the schema of `path`, following the `type` of discriminated unions in `current`. */
function schemaAt(
  path: ConfigPath,
  current: unknown,
): { schema: Schema } | { problem: string; suggestion?: string } {
  let schema = ConfigSchema as unknown as Schema;
  let value = current;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    // An if/then/else choosing between whole object schemas (a graph node: a share or a layer):
    // the branch the value takes. (An `else` adding only defaults, as embedding's, is not one.)
    if (schema.if && (schema.then || schema.else)) {
      const required = ((schema.if as Schema).required as string[] | undefined) ?? [];
      const takesThen =
        typeof value === 'object' &&
        value !== null &&
        required.every((k) => Object.hasOwn(value as object, k));
      const branch = (takesThen ? schema.then : schema.else) as Schema | undefined;
      if (branch?.type === 'object') schema = branch;
    }
    if (Array.isArray(schema.oneOf) && schema.discriminator) {
      const branches = schema.oneOf as Schema[];
      if (seg === 'type') {
        return {
          schema: {
            type: 'string',
            enum: branches.map((b) => (b.properties as Record<string, Schema>).type?.const),
          },
        };
      }
      // The value's own type, or the type its default would have.
      const tag = (value as Schema | undefined)?.type ?? (schema.default as Schema | undefined)?.type;
      const branch = branches.find((b) => (b.properties as Record<string, Schema>).type?.const === tag);
      if (!branch) {
        return {
          problem: `${formatPath(path.slice(0, i))} has no "type" yet, so ${formatPath(path)} cannot be set`,
        };
      }
      schema = branch;
    }
    if (typeof seg === 'number') {
      if (schema.type !== 'array') return { problem: `${formatPath(path.slice(0, i))} is not a list` };
      const length = Array.isArray(value) ? value.length : 0;
      if (seg > length || (seg === length && i < path.length - 1)) {
        return {
          problem: `${formatPath(path.slice(0, i + 1))} does not exist (the list has ${length} item(s))`,
        };
      }
      schema = schema.items as Schema;
      value = Array.isArray(value) ? value[seg] : undefined;
      continue;
    }
    const props = schema.properties as Record<string, Schema> | undefined;
    if (!props) return { problem: `${formatPath(path.slice(0, i))} has no keys` };
    const next = props[seg];
    if (!next) {
      const match = closestMatch(seg, Object.keys(props));
      return {
        problem: `unknown key "${seg}" in ${formatPath(path.slice(0, i))}`,
        ...(match ? { suggestion: `did you mean "${match}"?` } : {}),
      };
    }
    schema = next;
    value = value && typeof value === 'object' ? (value as Schema)[seg] : undefined;
  }
  return { schema };
}

/** True when the schema takes only strings: then `--set x=64` keeps "64" as text. */
function takesOnlyStrings(schema: Schema): boolean {
  if (schema.type === 'string') return true;
  const alts = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  return Array.isArray(alts) && alts.every(takesOnlyStrings);
}

function setIn(target: Schema, path: ConfigPath, value: unknown): string | undefined {
  let node: unknown = target;
  for (let i = 0; i < path.length - 1; i++) {
    const seg = path[i]!;
    const container = node as Record<string | number, unknown>;
    if (typeof seg === 'number') {
      if (!Array.isArray(container) || seg >= container.length) {
        return `${formatPath(path.slice(0, i + 1))} does not exist (the list has ${Array.isArray(container) ? container.length : 0} item(s))`;
      }
    } else if (container[seg] === undefined || container[seg] === null) {
      // A missing mapping starts as its schema default (e.g. training.optimizer: { type: adam }).
      const found = schemaAt(path.slice(0, i + 1), target);
      const def = 'schema' in found ? found.schema.default : undefined;
      container[seg] = def && typeof def === 'object' && !Array.isArray(def) ? structuredClone(def) : {};
    }
    node = container[seg];
    if (typeof node !== 'object' || node === null)
      return `${formatPath(path.slice(0, i + 1))} is not a mapping`;
  }
  const last = path[path.length - 1]!;
  if (typeof last === 'number' && (!Array.isArray(node) || last > node.length)) {
    return `${formatPath(path)} does not exist`;
  }
  (node as Record<string | number, unknown>)[last] = value;
  return undefined;
}

/** The YAML spellings of null: `--set path=null` removes the key, as `key: null` does in a file. */
const NULL_TEXTS = new Set(['null', 'Null', 'NULL', '~']);

/** Removes the key at `path` (nothing to do when it is absent already). */
function deleteIn(target: Schema, path: ConfigPath): string | undefined {
  const last = path[path.length - 1]!;
  if (typeof last === 'number') {
    return `a list item cannot be removed with null; set the whole list, e.g. --set ${formatPath(path.slice(0, -1))}=[...]`;
  }
  let node: unknown = target;
  for (const seg of path.slice(0, -1)) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string | number, unknown>)[seg];
  }
  if (typeof node === 'object' && node !== null && !Array.isArray(node)) {
    delete (node as Record<string, unknown>)[last];
  }
  return undefined;
}

/**
 * Applies `--set path=value` overrides to a merged config, in order. Values are typed by the
 * schema: a string field keeps the text as is; anything else is read as YAML (64, true, [a, b]).
 * `null` (or `~`) removes the key, so its default applies (or an optional key is absent).
 */
export function applyOverrides(
  config: Schema,
  texts: readonly string[],
): { overrides: Override[]; problems: Problem[] } {
  const overrides: Override[] = [];
  const problems: Problem[] = [];
  for (const text of texts) {
    const source = `--set ${text}`;
    const eq = text.indexOf('=');
    const path = eq > 0 ? parsePath(text.slice(0, eq).trim()) : undefined;
    if (!path || path.length === 0) {
      problems.push({
        source,
        message: 'expected PATH=VALUE',
        suggestion: 'for example --set training.batchSize=64 or --set model.layers[1].layer.units=32',
      });
      continue;
    }
    const raw = text.slice(eq + 1);
    const found = schemaAt(path, config);
    if ('problem' in found) {
      problems.push({
        source,
        path: formatPath(path),
        message: found.problem,
        ...(found.suggestion ? { suggestion: found.suggestion } : {}),
      });
      continue;
    }
    if (NULL_TEXTS.has(raw.trim())) {
      const failure = deleteIn(config, path);
      if (failure) {
        problems.push({ source, path: formatPath(path), message: failure });
        continue;
      }
      overrides.push({ text, path, value: undefined });
      continue;
    }
    let value: unknown = raw;
    if (!takesOnlyStrings(found.schema)) {
      try {
        const doc = YAML.parseDocument(raw);
        if (doc.errors[0]) throw doc.errors[0];
        const huge = outOfRangeNumbers(doc)[0];
        if (huge) {
          problems.push({ source, path: formatPath(path), message: outOfRangeMessage(huge.text) });
          continue;
        }
        value = doc.toJS();
      } catch (err) {
        problems.push({
          source,
          path: formatPath(path),
          message: `cannot read the value: ${(err as Error).message}`,
        });
        continue;
      }
    }
    const failure = setIn(config, path, value);
    if (failure) {
      problems.push({ source, path: formatPath(path), message: failure });
      continue;
    }
    overrides.push({ text, path, value });
  }
  return { overrides, problems };
}
