import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, resolve } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { parseConfigText } from '../config/source.js';
import { ConfigError, type Problem } from '../errors.js';
import { nameProblem, quoteName, SWEEP_NAME_MAX_LENGTH, toName } from '../util/names.js';
import { parsePath } from '../util/paths.js';
import { closestMatch } from '../util/suggest.js';

/**
 * A sweep spec: a base config, a search space over config paths, a strategy and the metric to
 * optimise. Parsed with positions, so every problem is reported at `spec.yaml:line:col`.
 *
 *   name: lr-units
 *   base: ../bilstm.yaml            # a config file (relative to the spec), or an inline mapping
 *   set: [training.epochs=2]        # fixed overrides applied to every trial
 *   strategy: random                # grid | random | asha
 *   parameters:
 *     training.optimizer.learningRate: { min: 0.0001, max: 0.01, distribution: loguniform }
 *     model.layers[1].layer.units: { values: [16, 32, 64] }
 *   metric: validation.accuracy     # val_accuracy also works
 *   mode: max
 *   maxTrials: 6
 *   parallel: 2
 *   seed: 1
 *   asha: { minEpochs: 1, maxEpochs: 4, reductionFactor: 2 }   # strategy asha only
 */

export const STRATEGIES = ['grid', 'random', 'asha'] as const;
export type Strategy = (typeof STRATEGIES)[number];
export const DISTRIBUTIONS = ['uniform', 'loguniform', 'int'] as const;
export type Distribution = (typeof DISTRIBUTIONS)[number];

export type ParameterSpace =
  | { path: string; values: unknown[] }
  | { path: string; min: number; max: number; distribution: Distribution };

export interface AshaSpec {
  minEpochs: number;
  maxEpochs: number;
  reductionFactor: number;
}

export interface SweepSpec {
  /** The spec file as the user named it. */
  file: string;
  /** Its text, copied into the sweep folder. */
  text: string;
  name: string;
  /** Absolute path of the base config file, or an inline mapping. */
  base: { file: string } | { inline: Record<string, unknown> };
  set: string[];
  strategy: Strategy;
  parameters: ParameterSpace[];
  /** As written (`validation.accuracy`) and as the epoch records name it (`val_accuracy`). */
  metric: string;
  metricKey: string;
  mode: 'max' | 'min';
  maxTrials: number;
  parallel: number;
  seed: number;
  asha?: AshaSpec;
  /** Where a spec path is written, for problems found after parsing (trial configs). */
  locate(path: (string | number)[], at?: 'key' | 'value'): Omit<Problem, 'message'>;
}

const RANGE = {
  type: 'object',
  additionalProperties: false,
  required: ['min', 'max'],
  properties: {
    min: { type: 'number' },
    max: { type: 'number' },
    distribution: { type: 'string', enum: [...DISTRIBUTIONS] },
  },
};
const VALUES = {
  type: 'object',
  additionalProperties: false,
  required: ['values'],
  properties: { values: { type: 'array', minItems: 1 } },
};

const SPEC_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['base', 'parameters', 'metric'],
  properties: {
    name: { type: 'string' },
    base: { anyOf: [{ type: 'string', minLength: 1 }, { type: 'object' }] },
    set: { type: 'array', items: { type: 'string' } },
    strategy: { type: 'string', enum: [...STRATEGIES] },
    parameters: { type: 'object', minProperties: 1, additionalProperties: { type: 'object' } },
    metric: { type: 'string', minLength: 1 },
    mode: { type: 'string', enum: ['max', 'min'] },
    maxTrials: { type: 'integer', minimum: 1 },
    parallel: { type: 'integer', minimum: 1 },
    seed: { type: 'integer' },
    asha: {
      type: 'object',
      additionalProperties: false,
      required: ['maxEpochs'],
      properties: {
        minEpochs: { type: 'integer', minimum: 1 },
        maxEpochs: { type: 'integer', minimum: 1 },
        reductionFactor: { type: 'number', exclusiveMinimum: 1 },
      },
    },
  },
};

const ajv = new Ajv({ allErrors: true, strict: true, verbose: true });
const validateSpec = ajv.compile(SPEC_SCHEMA);
const validateRange = ajv.compile(RANGE);
const validateValues = ajv.compile(VALUES);

/** `validation.accuracy` → `val_accuracy`, `train.loss` → `loss`; record names pass through. */
export function metricKey(metric: string): string {
  if (metric.startsWith('validation.')) return `val_${metric.slice('validation.'.length)}`;
  if (metric.startsWith('train.')) return metric.slice('train.'.length);
  return metric;
}

function ajvProblem(e: ErrorObject, prefix: (string | number)[], spec: SweepSpecLocator): Problem {
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

interface SweepSpecLocator {
  locate(path: (string | number)[], at?: 'key' | 'value'): Omit<Problem, 'message'>;
}

/** Reads and validates a spec file; throws one ConfigError listing every problem found. */
export function loadSweepSpec(file: string, cwd: string = process.cwd()): SweepSpec {
  const abs = resolve(cwd, file);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(
      'SWEEP_SPEC_UNREADABLE',
      `${file}: cannot read the sweep spec (${code === 'ENOENT' ? 'no such file' : (err as Error).message})`,
      { suggestions: ['the example specs are in configs/sweeps/'] },
    );
  }
  return parseSweepSpec(file, text, dirname(abs));
}

/** Parses spec text; `dir` is where a relative `base` path is read from. */
export function parseSweepSpec(file: string, text: string, dir: string): SweepSpec {
  const src = parseConfigText(file, text);
  const problems: Problem[] = [...src.problems];
  const locator: SweepSpecLocator = {
    locate: (path, at = 'value') => {
      for (let depth = path.length; depth >= 0; depth--) {
        const pos = src.locate(path.slice(0, depth), depth === path.length ? at : 'value');
        if (pos) return { source: file, ...pos, path: path.map(String).join('.') || undefined };
      }
      return { source: file };
    },
  };
  const fail = () => {
    const n = problems.length;
    return new ConfigError(
      'SWEEP_SPEC_INVALID',
      `${file}: ${n} problem${n === 1 ? '' : 's'} in the sweep spec`,
      {
        problems: problems.map((p) => {
          const { path, ...rest } = p;
          return path ? { ...rest, path } : rest;
        }),
      },
    );
  };
  const value = src.value;
  if (!value || problems.length > 0) {
    if (problems.length === 0) problems.push({ source: file, message: 'the spec must be a mapping' });
    throw fail();
  }
  if (!validateSpec(value)) {
    for (const e of validateSpec.errors ?? []) {
      // The anyOf of `base` yields one error per branch; say it once.
      if (e.instancePath === '/base' && e.keyword !== 'anyOf') continue;
      if (e.instancePath === '/base') {
        problems.push({
          ...locator.locate(['base']),
          message: 'must be a config file path or a config mapping',
        });
      } else problems.push(ajvProblem(e, [], locator));
    }
  }
  if (typeof value.name === 'string') {
    const problem = nameProblem(value.name, SWEEP_NAME_MAX_LENGTH);
    if (problem !== undefined) {
      problems.push({
        ...locator.locate(['name']),
        message: `sweep name ${quoteName(value.name)} ${problem}`,
        suggestion: `a sweep name becomes part of folder names, at most ${SWEEP_NAME_MAX_LENGTH} characters; for example "${toName(value.name, 'sweep', SWEEP_NAME_MAX_LENGTH)}"`,
      });
    }
  }
  if (typeof value.base === 'string' && value.base !== '') {
    // Said here, at the spec's `base:`, rather than as a problem of each trial's config.
    const baseFile = isAbsolute(value.base) ? value.base : resolve(dir, value.base);
    const st = statSync(baseFile, { throwIfNoEntry: false });
    if (!st?.isFile()) {
      problems.push({
        ...locator.locate(['base']),
        message: `cannot read the base config ${value.base} (${st ? 'a folder, not a file' : `no such file: ${baseFile}`})`,
        suggestion: 'a relative base is read from the folder of the spec',
      });
    }
  }
  const strategy = (value.strategy as Strategy | undefined) ?? 'grid';
  const parameters: ParameterSpace[] = [];
  const rawParams =
    value.parameters && typeof value.parameters === 'object'
      ? (value.parameters as Record<string, unknown>)
      : {};
  for (const [path, raw] of Object.entries(rawParams)) {
    if (!parsePath(path)) {
      problems.push({
        ...locator.locate(['parameters', path], 'key'),
        message: `"${path}" is not a config path`,
        suggestion: 'write it as for --set, e.g. training.optimizer.learningRate or model.layers[1].units',
      });
      continue;
    }
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) continue; // the schema said so
    if ('values' in raw) {
      if (!validateValues(raw)) {
        for (const e of validateValues.errors ?? [])
          problems.push(ajvProblem(e, ['parameters', path], locator));
        continue;
      }
      parameters.push({ path, values: (raw as { values: unknown[] }).values });
      continue;
    }
    if (!validateRange(raw)) {
      const missing = (validateRange.errors ?? []).some((e) => e.keyword === 'required');
      if (missing && !('min' in raw) && !('max' in raw)) {
        problems.push({
          ...locator.locate(['parameters', path]),
          message: 'needs `values: [...]`, or `min` and `max` (with `distribution: uniform|loguniform|int`)',
        });
      } else
        for (const e of validateRange.errors ?? [])
          problems.push(ajvProblem(e, ['parameters', path], locator));
      continue;
    }
    const r = raw as { min: number; max: number; distribution?: Distribution };
    const distribution = r.distribution ?? 'uniform';
    if (r.min > r.max) {
      problems.push({
        ...locator.locate(['parameters', path, 'max']),
        message: `max (${r.max}) is below min (${r.min})`,
      });
      continue;
    }
    if (distribution === 'loguniform' && r.min <= 0) {
      problems.push({
        ...locator.locate(['parameters', path, 'min']),
        message: `a loguniform range needs min > 0 (got ${r.min})`,
      });
      continue;
    }
    if (distribution === 'int' && (!Number.isInteger(r.min) || !Number.isInteger(r.max))) {
      problems.push({
        ...locator.locate(['parameters', path]),
        message: 'an int range needs integer min and max',
      });
      continue;
    }
    if (strategy === 'grid' && distribution !== 'int') {
      problems.push({
        ...locator.locate(['parameters', path]),
        message: `a grid cannot enumerate a ${distribution} range`,
        suggestion: 'list the grid points with `values: [...]`, or use strategy random or asha',
      });
      continue;
    }
    parameters.push({ path, min: r.min, max: r.max, distribution });
  }
  const asha = value.asha as Partial<AshaSpec> | undefined;
  if (strategy === 'asha' && !asha) {
    problems.push({
      ...locator.locate(['strategy']),
      message: 'strategy asha needs an `asha:` section',
      suggestion: 'asha: { minEpochs: 1, maxEpochs: 4, reductionFactor: 2 }',
    });
  }
  if (strategy !== 'asha' && asha) {
    problems.push({
      ...locator.locate(['asha'], 'key'),
      message: `\`asha\` applies only to strategy asha (strategy is ${strategy})`,
    });
  }
  if (asha && (asha.minEpochs ?? 1) > (asha.maxEpochs ?? 1)) {
    problems.push({
      ...locator.locate(['asha', 'minEpochs']),
      message: 'minEpochs must not exceed maxEpochs',
    });
  }
  if (strategy === 'asha' && parameters.some((p) => p.path === 'training.epochs')) {
    problems.push({
      ...locator.locate(['parameters', 'training.epochs'], 'key'),
      message: 'ASHA sets training.epochs itself (to asha.maxEpochs)',
    });
  }
  if ((strategy === 'random' || strategy === 'asha') && value.maxTrials === undefined) {
    problems.push({
      ...locator.locate([]),
      message: `strategy ${strategy} needs maxTrials (how many trials to sample)`,
    });
  }
  if (problems.length > 0) throw fail();

  const base = value.base as string | Record<string, unknown>;
  const metric = value.metric as string;
  return {
    file,
    text,
    name:
      (value.name as string | undefined) ??
      toName(basename(file, extname(file)), 'sweep', SWEEP_NAME_MAX_LENGTH),
    base:
      typeof base === 'string' ? { file: isAbsolute(base) ? base : resolve(dir, base) } : { inline: base },
    set: (value.set as string[] | undefined) ?? [],
    strategy,
    parameters,
    metric,
    metricKey: metricKey(metric),
    mode: (value.mode as 'max' | 'min' | undefined) ?? (/loss/.test(metric) ? 'min' : 'max'),
    maxTrials: (value.maxTrials as number | undefined) ?? Number.POSITIVE_INFINITY,
    parallel: (value.parallel as number | undefined) ?? 1,
    seed: (value.seed as number | undefined) ?? 0,
    ...(asha
      ? {
          asha: {
            minEpochs: asha.minEpochs ?? 1,
            maxEpochs: asha.maxEpochs as number,
            reductionFactor: asha.reductionFactor ?? 3,
          },
        }
      : {}),
    locate: locator.locate,
  };
}
