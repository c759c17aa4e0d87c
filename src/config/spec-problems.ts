import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { ErrorObject } from 'ajv';
import { ConfigError, type Problem } from '../errors.js';
import { closestMatch } from '../util/suggest.js';
import { type ConfigSource, parseConfigText } from './source.js';

/**
 * What the spec files beside configs (sweep specs, ensemble specs) share: problems placed at
 * `file:line:col` of the key or value they concern, ajv's errors said as such problems, and the one
 * ConfigError that lists them all.
 */

export interface SpecLocator {
  locate(path: (string | number)[], at?: 'key' | 'value'): Omit<Problem, 'message'>;
}

/** Places a path at the deepest part of it that is written in the file (the file alone if none). */
export function specLocator(src: ConfigSource, file: string): SpecLocator {
  return {
    locate: (path, at = 'value') => {
      for (let depth = path.length; depth >= 0; depth--) {
        const pos = src.locate(path.slice(0, depth), depth === path.length ? at : 'value');
        if (pos) return { source: file, ...pos, path: path.map(String).join('.') || undefined };
      }
      return { source: file };
    },
  };
}

/** One ajv error as a problem at its place: unknown keys with the closest known one, enums with theirs. */
export function ajvProblem(e: ErrorObject, prefix: (string | number)[], spec: SpecLocator): Problem {
  const path = [
    ...prefix,
    ...e.instancePath
      .split('/')
      .slice(1)
      .map((s) => (/^\d+$/.test(s) ? Number(s) : s)),
  ];
  if (e.keyword === 'additionalProperties') {
    const key = (e.params as { additionalProperty: string }).additionalProperty;
    const known = Object.keys(((e.parentSchema as { properties?: object })?.properties ?? {}) as object);
    const match = closestMatch(key, known);
    return {
      ...spec.locate([...path, key], 'key'),
      message: `unknown key "${key}"`,
      suggestion: match ? `did you mean "${match}"?` : `known keys: ${known.join(', ')}`,
    };
  }
  if (e.keyword === 'enum') {
    const allowed = (e.params as { allowedValues: string[] }).allowedValues;
    const match = typeof e.data === 'string' ? closestMatch(e.data, allowed) : undefined;
    return {
      ...spec.locate(path),
      message: `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')} (got ${JSON.stringify(e.data)})`,
      ...(match ? { suggestion: `did you mean "${match}"?` } : {}),
    };
  }
  if (e.keyword === 'required') {
    const key = (e.params as { missingProperty: string }).missingProperty;
    return { ...spec.locate(path), message: `missing required key "${key}"` };
  }
  return { ...spec.locate(path), message: e.message ?? `fails ${e.keyword}` };
}

/** The ConfigError listing every problem of a spec file (`what`: "sweep spec", "ensemble spec"). */
export function specError(
  code: string,
  file: string,
  what: string,
  problems: readonly Problem[],
): ConfigError {
  const n = problems.length;
  return new ConfigError(code, `${file}: ${n} problem${n === 1 ? '' : 's'} in the ${what}`, {
    problems: problems.map((p) => {
      const { path, ...rest } = p;
      return path ? { ...rest, path } : rest;
    }),
  });
}

/** A spec file's text and folder; an unreadable file is a ConfigError (`code`) naming it. */
export function readSpecFile(
  file: string,
  cwd: string,
  what: { code: string; name: string; examples: string },
): { text: string; dir: string } {
  const abs = resolve(cwd, file);
  try {
    return { text: readFileSync(abs, 'utf8'), dir: dirname(abs) };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(
      what.code,
      `${file}: cannot read the ${what.name} (${code === 'ENOENT' ? 'no such file' : (err as Error).message})`,
      { suggestions: [`the example specs are in ${what.examples}`] },
    );
  }
}

/**
 * A spec's text parsed with positions: its mapping, the problems list to add to, where paths are
 * written, and the error listing them. A text that is not a mapping (or is not YAML) throws at once.
 */
export function parseSpecText(
  file: string,
  text: string,
  what: { code: string; name: string },
): {
  value: Record<string, unknown>;
  problems: Problem[];
  locator: SpecLocator;
  fail: () => ConfigError;
} {
  const src = parseConfigText(file, text);
  const problems: Problem[] = [...src.problems];
  const fail = () => specError(what.code, file, what.name, problems);
  if (!src.value || problems.length > 0) {
    if (problems.length === 0) problems.push({ source: file, message: 'the spec must be a mapping' });
    throw fail();
  }
  return { value: src.value, problems, locator: specLocator(src, file), fail };
}
