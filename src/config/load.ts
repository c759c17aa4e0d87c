import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { DATA_PATH_FIELDS } from '../data/schema.js';
import { ConfigError, type Problem } from '../errors.js';
import { type ConfigPath, formatPath, startsWith } from '../util/paths.js';
import { checkConfig } from './checks.js';
import { applyOverrides, type Override } from './overrides.js';
import type { ResolvedConfig } from './schema.js';
import { type ConfigSource, readConfigSource } from './source.js';
import { type SchemaIssue, validateConfig } from './validate.js';

export interface LoadOptions {
  /** `--set PATH=VALUE` texts, applied in order after `extends`. */
  overrides?: readonly string[];
  /** Directory data paths are rebased to (default: the current directory). */
  cwd?: string;
}

export interface LoadedConfig {
  /** The file named by the user. */
  file: string;
  /** Every file read, the bases first and `file` last. */
  files: string[];
  /** Defaults filled, extends and overrides applied, `extends` removed. */
  config: ResolvedConfig;
  overrides: Override[];
  /** Where a config path was written: a file position, or the --set that set it. */
  locate(path: ConfigPath, at?: 'key' | 'value'): Omit<Problem, 'message'>;
}

export interface ConfigCheck {
  file: string;
  problems: Problem[];
  loaded?: LoadedConfig;
}

type Plain = Record<string, unknown>;

function isPlainObject(v: unknown): v is Plain {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Deep merge: mappings merge key by key, anything else (lists included) is replaced, and `null`
 * removes the key. A mapping
 * whose `type` changes (another model shape, optimizer or layer) replaces the base's whole, since
 * the base's parameters belong to the other type.
 */
export function deepMerge(base: Plain, over: Plain): Plain {
  const out: Plain = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === null) {
      delete out[k]; // `key: null` removes what a base set (e.g. data.source, to name explicit files)
      continue;
    }
    const b = out[k];
    const sameKind = isPlainObject(b) && isPlainObject(v) && (v.type === undefined || v.type === b.type);
    out[k] = sameKind ? deepMerge(b as Plain, v as Plain) : v;
  }
  return out;
}

/** Data paths in a file are relative to that file; rebase them to `cwd` so merged configs agree. */
function rebaseDataPaths(value: Plain, file: string, cwd: string): void {
  const data = value.data;
  if (!isPlainObject(data)) return;
  for (const field of DATA_PATH_FIELDS) {
    const p = data[field];
    if (typeof p === 'string' && p !== '' && !isAbsolute(p)) {
      data[field] = displayPath(resolve(dirname(file), p), cwd);
    }
  }
}

interface Chain {
  sources: ConfigSource[];
  merged: Plain;
  problems: Problem[];
}

/** A path as the user would write it: relative to `cwd` when inside it, else absolute. */
export function displayPath(abs: string, cwd: string): string {
  const rel = relative(cwd, abs);
  return rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? abs : rel;
}

/** Reads `file` and, depth first, the files it extends; bases merge first. */
function readChain(
  file: string,
  cwd: string,
  seen: string[],
  read: Omit<Chain, 'merged'>,
): Plain | undefined {
  const { problems } = read;
  const abs = resolve(cwd, file);
  const display = displayPath(abs, cwd);
  const src = readConfigSource(abs, display);
  if ('readError' in src) {
    problems.push({ source: display, message: `cannot read config: ${src.readError}` });
    return undefined;
  }
  read.sources.push(src);
  problems.push(...src.problems);
  if (!src.value) return undefined;
  const value = src.value;
  rebaseDataPaths(value, abs, cwd);
  const ext = value.extends;
  delete value.extends;
  if (ext === undefined) return value;
  const bases = typeof ext === 'string' ? [ext] : Array.isArray(ext) ? ext : undefined;
  if (!bases?.every((b) => typeof b === 'string' && b !== '')) {
    problems.push({
      source: display,
      ...src.locate(['extends']),
      path: 'extends',
      message: 'must be a file path or a list of file paths',
    });
    return value;
  }
  let merged: Plain = {};
  bases.forEach((base, i) => {
    const baseAbs = resolve(dirname(abs), base);
    const at = typeof ext === 'string' ? ['extends'] : ['extends', i];
    if (seen.includes(baseAbs) || baseAbs === abs) {
      problems.push({
        source: display,
        ...src.locate(at),
        path: formatPath(at),
        message: `extends itself in a cycle: ${[...seen, abs, baseAbs].map((f) => displayPath(f, cwd)).join(' → ')}`,
      });
      return;
    }
    const before = problems.length;
    const baseDisplay = displayPath(baseAbs, cwd);
    const baseValue = readChain(baseDisplay, cwd, [...seen, abs], read);
    const readFailed = problems
      .slice(before)
      .find((p) => p.source === baseDisplay && p.message.startsWith('cannot read config'));
    if (readFailed) {
      // Report a missing base where it is named.
      problems.splice(problems.indexOf(readFailed), 1, {
        ...readFailed,
        source: display,
        ...src.locate(at),
        path: formatPath(at),
        message: `cannot read "${base}" (${readFailed.message.replace('cannot read config: ', '')})`,
      });
    }
    if (baseValue) merged = deepMerge(merged, baseValue);
  });
  return deepMerge(merged, value);
}

function readAll(file: string, cwd: string): Chain {
  const read: Omit<Chain, 'merged'> = { sources: [], problems: [] };
  const merged = readChain(file, cwd, [], read) ?? {};
  // The named file first: it wins when locating a path written in several files.
  return { sources: read.sources, merged, problems: read.problems };
}

/**
 * Loads a config: YAML with positions, `extends`, `--set` overrides, schema validation with defaults,
 * and cross-field checks. Every problem is collected; none stops the others from being found.
 */
export function checkConfigFile(file: string, options: LoadOptions = {}): ConfigCheck {
  const cwd = options.cwd ?? process.cwd();
  const { sources, merged, problems } = readAll(file, cwd);
  const named = sources[0]?.file ?? file;
  // A file that cannot be read leaves nothing worth validating.
  if (problems.some((p) => p.line === undefined && p.message.startsWith('cannot read'))) {
    return { file: named, problems };
  }
  const { overrides, problems: overrideProblems } = applyOverrides(merged, options.overrides ?? []);
  problems.push(...overrideProblems);

  const locate: LoadedConfig['locate'] = (path, at = 'value') => {
    const override = [...overrides].reverse().find((o) => startsWith(path, o.path));
    if (override) return { source: `--set ${override.text}`, path: formatPath(path) };
    // The most derived file that writes the path (or its nearest written parent) owns it.
    for (let depth = path.length; depth >= 0; depth--) {
      const prefix = path.slice(0, depth);
      for (const src of sources) {
        const pos = src.locate(prefix, depth === path.length ? at : 'value');
        if (pos && (depth > 0 || src === sources[0]))
          return { source: src.file, ...pos, path: formatPath(path) };
      }
    }
    return { source: named, path: formatPath(path) };
  };
  const toProblem = (issue: SchemaIssue): Problem => ({
    ...locate(issue.path, issue.at),
    message: issue.message,
    ...(issue.suggestion ? { suggestion: issue.suggestion } : {}),
  });

  const { config, issues } = validateConfig(merged);
  problems.push(...issues.map(toProblem));
  // Cross-field checks assume a schema-valid config with defaults filled.
  if (problems.length === 0) problems.push(...checkConfig(config).map(toProblem));
  if (problems.length > 0) return { file: named, problems };
  return {
    file: named,
    problems,
    loaded: { file: named, files: sources.map((s) => s.file).reverse(), config, overrides, locate },
  };
}

/** Like checkConfigFile, but throws one ConfigError listing every problem. */
export function loadConfig(file: string, options: LoadOptions = {}): LoadedConfig {
  const check = checkConfigFile(file, options);
  if (!check.loaded) {
    const n = check.problems.length;
    throw new ConfigError(
      'CONFIG_INVALID',
      `${check.file}: ${n} problem${n === 1 ? '' : 's'} in the config`,
      {
        problems: check.problems,
      },
    );
  }
  return check.loaded;
}
