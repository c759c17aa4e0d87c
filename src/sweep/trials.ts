import { createHash } from 'node:crypto';
import { isAbsolute } from 'node:path';
import YAML from 'yaml';
import { hasValidationSplit } from '../config/checks.js';
import { checkConfigFile, checkConfigText, displayPath } from '../config/load.js';
import { mapConfigPaths } from '../config/paths.js';
import type { ResolvedConfig } from '../config/schema.js';
import { ConfigError, formatProblem, type Problem } from '../errors.js';
import { parsePath } from '../util/paths.js';
import { Rng } from '../util/rng.js';
import { gridPoints, randomPoint, type TrialParams } from './space.js';
import { epochBudget, type ParameterSpace, type SweepSpec } from './spec.js';

export type { TrialParams } from './space.js';
export { gridPoints } from './space.js';

export interface Trial {
  /** 1-based position in the sweep. */
  index: number;
  /** Hash of the resolved config: the trial's identity across resumes and machines. */
  id: string;
  params: TrialParams;
  /** The `--set` texts that make the base config this trial's. */
  overrides: string[];
  /** Data paths relative to the current directory, as loadConfig gives them. */
  config: ResolvedConfig;
}

/** `count` points drawn from `seed`; the same seed gives the same points. */
export function randomPoints(
  parameters: readonly ParameterSpace[],
  count: number,
  seed: number,
): TrialParams[] {
  const rng = new Rng(seed);
  const out: TrialParams[] = [];
  for (let i = 0; i < count; i++) out.push(randomPoint(parameters, rng));
  return out;
}

/** A value as `--set` text: strings as they are (the schema types them), the rest as YAML/JSON. */
export function overrideText(path: string, value: unknown): string {
  return `${path}=${typeof value === 'string' ? value : JSON.stringify(value)}`;
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** The trial identity: sha256 of the resolved config with sorted keys, first 12 hex digits. */
export function configHash(config: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(canonical(config)))
    .digest('hex')
    .slice(0, 12);
}

/** What turns points into trials: each point's config resolved and checked, problems kept. */
export interface TrialMaker {
  /** The point's trial, or undefined with its problems added to `problems` (said once each). */
  make(params: TrialParams, index: number): Trial | undefined;
  /** Problems found so far, located where the spec writes their cause. */
  readonly problems: Problem[];
}

/**
 * Resolves points of the spec's space into full trial configs. An inline base is loaded as text,
 * its relative paths read from the spec's folder; its problems name it `<spec> (base)` until
 * relocate() moves them to where the spec writes them.
 */
export function trialMaker(spec: SweepSpec, specDir: string, cwd: string = process.cwd()): TrialMaker {
  const inline =
    'inline' in spec.base
      ? { name: `${spec.file} (base)`, text: YAML.stringify(spec.base.inline), baseDir: specDir }
      : undefined;
  const budget = epochBudget(spec);
  const fixed = [...spec.set, ...(budget !== undefined ? [`training.epochs=${budget}`] : [])];
  const problems: Problem[] = [];
  // The same problem from several trials is said once.
  const said = new Set<string>();
  return {
    problems,
    make(params, index) {
      const paramTexts = Object.entries(params).map(([p, v]) => overrideText(p, v));
      const overrides = [...fixed, ...paramTexts];
      const check = inline
        ? checkConfigText(inline.text, { name: inline.name, baseDir: inline.baseDir, overrides, cwd })
        : checkConfigFile((spec.base as { file: string }).file, { overrides, cwd });
      if (!check.loaded) {
        for (const p of check.problems) {
          const located = relocate(p, spec, inline?.name);
          const text = formatProblem(located);
          if (said.has(text)) continue;
          said.add(text);
          problems.push(located);
        }
        return undefined;
      }
      const config = check.loaded.config;
      if (inline) {
        // Absolute data paths inside the current directory are made relative to it, as they always
        // were for inline bases: part of the trial identity (the config hash), so it stays.
        mapConfigPaths(config, (p) => (isAbsolute(p) ? displayPath(p, cwd) : p));
      }
      return { index, id: configHash(config), params, overrides, config };
    },
  };
}

/** How many trials a strategy that learns from results draws at random before it starts to. */
export function startupTrials(spec: SweepSpec): number {
  return spec.tpe ? Math.min(spec.maxTrials, spec.tpe.startupTrials) : spec.maxTrials;
}

/**
 * The sweep's trials that can be known before any has run: grid points, or points sampled from
 * the spec's seed (random, asha, hyperband, and TPE's random start-up trials), each resolved into
 * a full config. Identical configs are one trial. Problems (a parameter path the config has not
 * got, a value of the wrong type) are reported where the spec writes them.
 */
export function generateTrials(spec: SweepSpec, specDir: string, cwd: string = process.cwd()): Trial[] {
  const limit = startupTrials(spec);
  let points: TrialParams[];
  if (spec.strategy === 'grid') {
    points = gridPoints(spec.parameters);
    if (Number.isFinite(limit)) points = points.slice(0, limit);
  } else {
    // Duplicates (likely in small discrete spaces) are skipped, so draw more than needed.
    points = randomPoints(spec.parameters, limit * 20, spec.seed);
  }
  const maker = trialMaker(spec, specDir, cwd);
  const trials: Trial[] = [];
  const seen = new Set<string>();
  // Every trial is checked, so all problems come at once (not one trial's, then the next's after a
  // fix). A failed trial counts toward the limit.
  let failed = 0;
  for (const params of points) {
    if (trials.length + failed >= limit) break;
    const trial = maker.make(params, trials.length + 1);
    if (!trial) {
      failed++;
      continue;
    }
    if (seen.has(trial.id)) continue;
    seen.add(trial.id);
    trials.push(trial);
  }
  const problems = [...maker.problems];
  const metricProblem = trials[0] ? checkMetric(spec, trials[0].config) : undefined;
  if (metricProblem) problems.push(metricProblem);
  if (problems.length > 0) {
    const n = problems.length;
    throw new ConfigError(
      'SWEEP_TRIALS_INVALID',
      `${spec.file}: ${n} problem${n === 1 ? '' : 's'} in the sweep's trial configs`,
      {
        problems,
      },
    );
  }
  return trials;
}

/** The metric must be one the epoch records carry: loss, or a configured metric (val_ or not). */
function checkMetric(spec: SweepSpec, config: ResolvedConfig): Problem | undefined {
  const name = spec.metricKey.replace(/^val_/, '');
  const known = ['loss', ...config.training.metrics];
  if (spec.metricKey.startsWith('val_') && !hasValidationSplit(config)) {
    return {
      ...spec.locate(['metric']),
      message: `the trials have no validation split, so they record no "${spec.metricKey}" (their per-epoch figures are on the test split, and trials are never chosen on it)`,
      suggestion:
        "give the trials a validation split, e.g. set: ['data.split.validation=0.1'] (taken from train)",
    };
  }
  if (known.includes(name)) return undefined;
  return {
    ...spec.locate(['metric']),
    message: `the trials' epochs do not record "${spec.metricKey}"`,
    suggestion: `one of ${known.flatMap((k) => [`validation.${k}`, k]).join(', ')} (or add it to training.metrics)`,
  };
}

/** Moves a problem of a trial config to where the spec wrote its cause (`inline`: the inline base's name). */
function relocate(p: Problem, spec: SweepSpec, inline: string | undefined): Problem {
  const setMatch = /^--set (.*)$/.exec(p.source);
  if (setMatch) {
    const text = setMatch[1] ?? '';
    const path = text.slice(0, text.indexOf('='));
    const param = spec.parameters.find((q) => q.path === path);
    if (param) return { ...p, ...spec.locate(['parameters', param.path], 'key'), path: p.path ?? path };
    const i = spec.set.indexOf(text);
    if (i >= 0) return { ...p, ...spec.locate(['set', i]) };
    return { ...p, ...spec.locate([spec.hyperband ? 'hyperband' : 'asha', 'maxEpochs']) };
  }
  if (inline !== undefined && p.source === inline) {
    const at = p.path ? (parsePath(p.path) ?? []) : [];
    return { ...p, ...spec.locate(['base', ...at]), ...(p.path ? { path: p.path } : {}) };
  }
  return p;
}
