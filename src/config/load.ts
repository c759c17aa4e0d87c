import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { ConfigError, type Problem } from '../errors.js';
import { type ConfigPath, formatPath, startsWith } from '../util/paths.js';
import { checkConfig } from './checks.js';
import { applyOverrides, type Override } from './overrides.js';
import { mapConfigPaths } from './paths.js';
import type { ResolvedConfig } from './schema.js';
import { type ConfigSource, parseConfigText, readConfigSource } from './source.js';
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

/**
 * Data paths in a file are relative to its folder `dir`; rebase them to `cwd` so merged configs
 * agree. So are the files of pretrained vectors (`pretrained.source` of a layer; a package name is
 * not a path).
 */
function rebaseDataPaths(value: Plain, dir: string, cwd: string): void {
  mapConfigPaths(value, (p) => (p !== '' && !isAbsolute(p) ? displayPath(resolve(dir, p), cwd) : p));
}

/** What reading a config and its bases gathers: every source read (the named one first), every problem. */
interface Reading {
  sources: ConfigSource[];
  problems: Problem[];
}

/** A path as the user would write it: relative to `cwd` when inside it, else absolute. */
export function displayPath(abs: string, cwd: string): string {
  const rel = relative(cwd, abs);
  return rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? abs : rel;
}

/** Reads `file` and, depth first, the files it extends; bases merge first. */
function readFileChain(file: string, cwd: string, seen: string[], read: Reading): Plain | undefined {
  const abs = resolve(cwd, file);
  const src = readConfigSource(abs, displayPath(abs, cwd));
  if ('readError' in src) {
    read.problems.push({ source: src.file, message: `cannot read config: ${src.readError}` });
    return undefined;
  }
  return mergeChain(src, { abs, dir: dirname(abs) }, cwd, seen, read);
}

/**
 * Merges a parsed source over the files it extends. `self.abs` is the source's own file (none for
 * a text), `self.dir` the folder its relative data paths and `extends` are read from.
 */
function mergeChain(
  src: ConfigSource,
  self: { abs?: string; dir: string },
  cwd: string,
  seen: string[],
  read: Reading,
): Plain | undefined {
  const { problems } = read;
  const display = src.file;
  read.sources.push(src);
  for (const p of src.problems) problems.push(p); // not push(...): a file may have 100,000s
  if (!src.value) return undefined;
  const value = src.value;
  rebaseDataPaths(value, self.dir, cwd);
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
  const chain = self.abs === undefined ? seen : [...seen, self.abs];
  let merged: Plain = {};
  bases.forEach((base, i) => {
    const baseAbs = resolve(self.dir, base);
    const at = typeof ext === 'string' ? ['extends'] : ['extends', i];
    if (seen.includes(baseAbs) || baseAbs === self.abs) {
      problems.push({
        source: display,
        ...src.locate(at),
        path: formatPath(at),
        message: `extends itself in a cycle: ${[...chain, baseAbs].map((f) => displayPath(f, cwd)).join(' → ')}`,
      });
      return;
    }
    const before = problems.length;
    const baseDisplay = displayPath(baseAbs, cwd);
    const baseValue = readFileChain(baseDisplay, cwd, chain, read);
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

/**
 * Loads a config: YAML with positions, `extends`, `--set` overrides, schema validation with defaults,
 * and cross-field checks. Every problem is collected; none stops the others from being found.
 */
export function checkConfigFile(file: string, options: LoadOptions = {}): ConfigCheck {
  const cwd = options.cwd ?? process.cwd();
  const read: Reading = { sources: [], problems: [] };
  const merged = readFileChain(file, cwd, [], read) ?? {};
  return resolveChain(read, merged, read.sources[0]?.file ?? file, options);
}

export interface TextLoadOptions extends LoadOptions {
  /** What problems (`name:line:col`) and LoadedConfig.file call the text, e.g. `spec.yaml (base)`. */
  name: string;
  /** The folder the text's relative data paths and `extends` are read from (default: `cwd`). */
  baseDir?: string;
}

/** Like checkConfigFile, for a config given as YAML text rather than a file. */
export function checkConfigText(text: string, options: TextLoadOptions): ConfigCheck {
  const cwd = options.cwd ?? process.cwd();
  const read: Reading = { sources: [], problems: [] };
  const src = parseConfigText(options.name, text);
  const merged = mergeChain(src, { dir: resolve(cwd, options.baseDir ?? '.') }, cwd, [], read) ?? {};
  return resolveChain(read, merged, options.name, options);
}

/** Overrides, validation with defaults and cross-field checks of a merged chain. */
function resolveChain(read: Reading, merged: Plain, named: string, options: LoadOptions): ConfigCheck {
  const { sources, problems } = read;
  // A file that cannot be read leaves nothing worth validating.
  if (problems.some((p) => p.line === undefined && p.message.startsWith('cannot read'))) {
    return { file: named, problems };
  }
  // Nor does a file whose YAML could not be made into a mapping (aliases past the limit, a list):
  // its problem says why, and "missing required key" for everything would only mislead.
  if (problems.length > 0 && read.sources.some((s) => s.value === undefined)) {
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
  for (const issue of issues) problems.push(toProblem(issue));
  // Cross-field checks assume a schema-valid config with defaults filled.
  if (problems.length === 0) problems.push(...checkConfig(config).map(toProblem));
  if (problems.length > 0) return { file: named, problems };
  return {
    file: named,
    problems,
    loaded: { file: named, files: sources.map((s) => s.file).reverse(), config, overrides, locate },
  };
}

function loadedOrThrow(check: ConfigCheck): LoadedConfig {
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

/** Like checkConfigFile, but throws one ConfigError listing every problem. */
export function loadConfig(file: string, options: LoadOptions = {}): LoadedConfig {
  return loadedOrThrow(checkConfigFile(file, options));
}

/**
 * A config given as YAML text (an inline sweep base, a queued trial), loaded exactly as a file
 * would be: `extends`, `--set`, validation, cross-field checks; problems are reported at
 * `name:line:col`. Throws one ConfigError listing every problem.
 */
export function loadConfigText(text: string, options: TextLoadOptions): LoadedConfig {
  return loadedOrThrow(checkConfigText(text, options));
}
