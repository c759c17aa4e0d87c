import { statSync } from 'node:fs';
import { basename, extname, isAbsolute, resolve } from 'node:path';
import { Ajv } from 'ajv';
import { ajvProblem, parseSpecText, readSpecFile, type SpecLocator } from '../config/spec-problems.js';
import type { Problem } from '../errors.js';
import { nameProblem, quoteName, SWEEP_NAME_MAX_LENGTH, toName } from '../util/names.js';
import { parsePath } from '../util/paths.js';
import { closestMatch } from '../util/suggest.js';
import {
  type Condition,
  DISTRIBUTIONS,
  type Distribution,
  type ParameterSpace,
  parameterValues,
  sameValue,
} from './space.js';

/**
 * A sweep spec: a base config, a search space over config paths, a strategy and the metric to
 * optimise. Parsed with positions, so every problem is reported at `spec.yaml:line:col`.
 *
 *   name: lr-units
 *   base: ../bilstm.yaml            # a config file (relative to the spec), or an inline mapping
 *   set: [training.epochs=2]        # fixed overrides applied to every trial
 *   strategy: random                # grid | random | asha | tpe | hyperband
 *   parameters:
 *     training.optimizer.learningRate: { min: 0.0001, max: 0.01, distribution: loguniform }
 *     model.layers[1].layer.units: { values: [16, 32, 64] }
 *     training.optimizer.type: { values: [adam, sgd] }
 *     training.optimizer.momentum: { min: 0, max: 0.95, when: { training.optimizer.type: sgd } }
 *   metric: validation.accuracy     # val_accuracy also works
 *   mode: max
 *   maxTrials: 6
 *   parallel: 2
 *   seed: 1
 *   asha: { minEpochs: 1, maxEpochs: 4, reductionFactor: 2 }   # strategy asha only
 *   hyperband: { minEpochs: 1, maxEpochs: 9, reductionFactor: 3 }   # strategy hyperband only
 *   tpe: { startupTrials: 10, candidates: 24, gamma: 0.25 }     # strategy tpe only (optional)
 *   stopping: { rule: median, minEpochs: 1, minTrials: 3 }      # any strategy (optional)
 */

export const STRATEGIES = ['grid', 'random', 'asha', 'tpe', 'hyperband'] as const;
export type Strategy = (typeof STRATEGIES)[number];
export { type Condition, DISTRIBUTIONS, type Distribution, type ParameterSpace } from './space.js';

export interface AshaSpec {
  minEpochs: number;
  maxEpochs: number;
  reductionFactor: number;
}

/** Hyperband: ASHA brackets whose first rungs are minEpochs · η^b, b = 0, 1, … */
export type HyperbandSpec = AshaSpec;

export interface TpeSpec {
  /** Random trials before the estimator takes over. */
  startupTrials: number;
  /** Points drawn from the good trials' density per parameter, the best ratio kept. */
  candidates: number;
  /** Fraction of the finished trials that count as good. */
  gamma: number;
}

/** TPE's settings where the spec gives none (gamma 0.25 as the paper's reference implementation). */
export const TPE_DEFAULTS: TpeSpec = { startupTrials: 10, candidates: 24, gamma: 0.25 };

/** The epochs every trial is given when a scheduler stops trials early (ASHA, Hyperband). */
export function epochBudget(spec: Pick<SweepSpec, 'asha' | 'hyperband'>): number | undefined {
  return spec.asha?.maxEpochs ?? spec.hyperband?.maxEpochs;
}

/** The median stopping rule (Golovin et al. 2017), usable with any strategy. */
export interface StoppingSpec {
  rule: 'median';
  /** No trial is stopped before this epoch. */
  minEpochs: number;
  /** Nor before this many other trials have reported the epoch. */
  minTrials: number;
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
  hyperband?: HyperbandSpec;
  tpe?: TpeSpec;
  stopping?: StoppingSpec;
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
    when: { type: 'object', minProperties: 1 },
  },
};
const VALUES = {
  type: 'object',
  additionalProperties: false,
  required: ['values'],
  properties: { values: { type: 'array', minItems: 1 }, when: { type: 'object', minProperties: 1 } },
};

const BUDGET = {
  type: 'object',
  additionalProperties: false,
  required: ['maxEpochs'],
  properties: {
    minEpochs: { type: 'integer', minimum: 1 },
    maxEpochs: { type: 'integer', minimum: 1 },
    reductionFactor: { type: 'number', exclusiveMinimum: 1 },
  },
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
    asha: BUDGET,
    hyperband: BUDGET,
    tpe: {
      type: 'object',
      additionalProperties: false,
      properties: {
        startupTrials: { type: 'integer', minimum: 1 },
        candidates: { type: 'integer', minimum: 1 },
        gamma: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
      },
    },
    stopping: {
      type: 'object',
      additionalProperties: false,
      required: ['rule'],
      properties: {
        rule: { type: 'string', enum: ['median'] },
        minEpochs: { type: 'integer', minimum: 1 },
        minTrials: { type: 'integer', minimum: 1 },
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

/** Reads and validates a spec file; throws one ConfigError listing every problem found. */
export function loadSweepSpec(file: string, cwd: string = process.cwd()): SweepSpec {
  const { text, dir } = readSpecFile(file, cwd, {
    code: 'SWEEP_SPEC_UNREADABLE',
    name: 'sweep spec',
    examples: 'configs/sweeps/',
  });
  return parseSweepSpec(file, text, dir);
}

/** Parses spec text; `dir` is where a relative `base` path is read from. */
export function parseSweepSpec(file: string, text: string, dir: string): SweepSpec {
  const { value, problems, locator, fail } = parseSpecText(file, text, {
    code: 'SWEEP_SPEC_INVALID',
    name: 'sweep spec',
  });
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
      parameters.push({ path, values: (raw as { values: unknown[] }).values, ...whenOf(raw) });
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
    parameters.push({ path, min: r.min, max: r.max, distribution, ...whenOf(raw) });
  }
  problems.push(...conditionProblems(parameters, rawParams, locator));
  // A section for one strategy: needed by it (asha, hyperband), refused with any other.
  for (const section of ['asha', 'hyperband', 'tpe'] as const) {
    const given = value[section] !== undefined;
    if (strategy === section && !given && section !== 'tpe') {
      problems.push({
        ...locator.locate(['strategy']),
        message: `strategy ${section} needs ${section === 'asha' ? 'an' : 'a'} \`${section}:\` section`,
        suggestion: `${section}: { minEpochs: 1, maxEpochs: ${section === 'asha' ? '4, reductionFactor: 2' : '9, reductionFactor: 3'} }`,
      });
    }
    if (strategy !== section && given) {
      problems.push({
        ...locator.locate([section], 'key'),
        message: `\`${section}\` applies only to strategy ${section} (strategy is ${strategy})`,
      });
    }
  }
  const asha = value.asha as Partial<AshaSpec> | undefined;
  const hyperband = value.hyperband as Partial<HyperbandSpec> | undefined;
  for (const [section, budget] of [
    ['asha', asha],
    ['hyperband', hyperband],
  ] as const) {
    if (budget && (budget.minEpochs ?? 1) > (budget.maxEpochs ?? 1)) {
      problems.push({
        ...locator.locate([section, 'minEpochs']),
        message: 'minEpochs must not exceed maxEpochs',
      });
    }
  }
  if (
    (strategy === 'asha' || strategy === 'hyperband') &&
    parameters.some((p) => p.path === 'training.epochs')
  ) {
    problems.push({
      ...locator.locate(['parameters', 'training.epochs'], 'key'),
      message: `${strategy === 'asha' ? 'ASHA' : 'Hyperband'} sets training.epochs itself (to ${strategy}.maxEpochs)`,
    });
  }
  if (strategy !== 'grid' && value.maxTrials === undefined) {
    problems.push({
      ...locator.locate([]),
      message: `strategy ${strategy} needs maxTrials (how many trials to sample)`,
    });
  }
  if (problems.length > 0) throw fail();

  const base = value.base as string | Record<string, unknown>;
  const metric = value.metric as string;
  const tpe = value.tpe as Partial<TpeSpec> | undefined;
  const stopping = value.stopping as Partial<StoppingSpec> | undefined;
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
    ...(asha ? { asha: budgetOf(asha) } : {}),
    ...(hyperband ? { hyperband: budgetOf(hyperband) } : {}),
    ...(strategy === 'tpe'
      ? {
          tpe: { ...TPE_DEFAULTS, ...tpe },
        }
      : {}),
    ...(stopping
      ? {
          stopping: {
            rule: stopping.rule ?? 'median',
            minEpochs: stopping.minEpochs ?? 1,
            minTrials: stopping.minTrials ?? 3,
          },
        }
      : {}),
    locate: locator.locate,
  };
}

function budgetOf(b: Partial<AshaSpec>): AshaSpec {
  return {
    minEpochs: b.minEpochs ?? 1,
    maxEpochs: b.maxEpochs as number,
    reductionFactor: b.reductionFactor ?? 3,
  };
}

/** The conditions as written (`when: { path: value | [values] }`), checked by conditionProblems. */
function whenOf(raw: object): { when?: Condition[] } {
  const when = (raw as { when?: Record<string, unknown> }).when;
  if (!when) return {};
  return {
    when: Object.entries(when).map(([path, v]) => ({ path, values: Array.isArray(v) ? v : [v] })),
  };
}

/** The values a parameter can take, when it can be listed (listed values, an int range). */
function listedValues(p: ParameterSpace): unknown[] | undefined {
  if (!('values' in p) && p.max - p.min > 1000) return undefined;
  return parameterValues(p);
}

/**
 * A condition names a parameter declared before its own (so a point is built in order, and no
 * cycle can be written), one whose values are listed, and only values it can take.
 */
function conditionProblems(
  parameters: readonly ParameterSpace[],
  raw: Record<string, unknown>,
  spec: SpecLocator,
): Problem[] {
  const problems: Problem[] = [];
  const order = Object.keys(raw);
  for (const p of parameters) {
    for (const c of p.when ?? []) {
      const at = ['parameters', p.path, 'when', c.path];
      const target = parameters.find((q) => q.path === c.path);
      if (!target) {
        const match = closestMatch(c.path, order);
        problems.push({
          ...spec.locate(at, 'key'),
          message: `the condition names "${c.path}", which is not a parameter of this sweep`,
          suggestion: match ? `did you mean "${match}"?` : `parameters: ${order.join(', ')}`,
        });
        continue;
      }
      if (target === p) {
        problems.push({ ...spec.locate(at, 'key'), message: 'a parameter cannot depend on itself' });
        continue;
      }
      if (order.indexOf(c.path) > order.indexOf(p.path)) {
        problems.push({
          ...spec.locate(at, 'key'),
          message: `"${c.path}" is declared after "${p.path}"; a condition names a parameter declared before it`,
          suggestion: `move "${c.path}" above "${p.path}" under parameters`,
        });
        continue;
      }
      const listed = listedValues(target);
      if (!listed) {
        problems.push({
          ...spec.locate(at, 'key'),
          message: `"${c.path}" is a continuous range; a condition needs a parameter with listed values or an int range`,
        });
        continue;
      }
      for (const v of c.values) {
        if (listed.some((l) => sameValue(l, v))) continue;
        problems.push({
          ...spec.locate(at),
          message: `${JSON.stringify(v)} is not a value of "${c.path}"`,
          suggestion: `one of ${listed
            .slice(0, 12)
            .map((l) => JSON.stringify(l))
            .join(', ')}${listed.length > 12 ? ', …' : ''}`,
        });
      }
    }
  }
  return problems;
}
