import { readFileSync, statSync } from 'node:fs';
import { basename, extname, isAbsolute, resolve } from 'node:path';
import { Ajv } from 'ajv';
import { type LoadedConfig, loadConfig } from '../config/load.js';
import { mapConfigPaths } from '../config/paths.js';
import { parseConfigText } from '../config/source.js';
import {
  ajvProblem,
  parseSpecText,
  readSpecFile,
  type SpecLocator,
  specError,
} from '../config/spec-problems.js';
import type { Problem } from '../errors.js';
import { NAME_MAX_LENGTH, nameProblem, quoteName, toName } from '../util/names.js';

/**
 * An ensemble spec: configs trained once per seed, whose runs predict together with the mean of
 * their probabilities. Parsed with positions, so every problem is reported at `spec.yaml:line:col`.
 *
 *   name: re2-siamese
 *   members:                     # config files, relative to the spec
 *     - ../re2.yaml
 *     - ../siamese-features.yaml
 *   seeds: [2019, 2020]          # experiment.seed of each member's runs (default: the config's own)
 *   set: [training.epochs=3]     # overrides applied to every member
 *
 * Every run must read the same pairs (the data files, split and filters agree), so that the
 * ensemble's test and validation splits are each member's.
 */
export interface EnsembleSpec {
  /** The spec file as the user named it. */
  file: string;
  /** Its text, copied into the ensemble folder. */
  text: string;
  name: string;
  /** Absolute paths of the member configs, in the spec's order. */
  members: string[];
  /** One run of every member per seed; empty: one run each with the config's own seed. */
  seeds: number[];
  set: string[];
  locate: SpecLocator['locate'];
}

/** One run of an ensemble: a member config and the seed it is trained with (null: its own). */
export interface EnsembleRunPlan {
  config: string;
  seed: number | null;
}

const SPEC_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['members'],
  properties: {
    name: { type: 'string' },
    members: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
    seeds: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'integer' } },
    set: { type: 'array', items: { type: 'string' } },
  },
};

const validateSpec = new Ajv({ allErrors: true, strict: true, verbose: true }).compile(SPEC_SCHEMA);

/** The data settings that decide which pairs a run reads and how they are split. */
const DATA_IDENTITY = [
  'source',
  'train',
  'validation',
  'test',
  'columns',
  'dedupe',
  'dropTestOverlap',
  'format',
  'onBadRow',
  'limit',
  'split',
] as const;

/**
 * Whether a parsed YAML file is an ensemble spec rather than a config: a top-level `members` list
 * and no `model` (a config's sections are experiment, data, model, training).
 */
export function isEnsembleSpecValue(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    'members' in value &&
    !('model' in value) &&
    !('extends' in value)
  );
}

/** Whether the file at `file` is an ensemble spec (false when it cannot be read or parsed). */
export function isEnsembleSpecFile(file: string, cwd: string = process.cwd()): boolean {
  let text: string;
  try {
    text = readFileSync(resolve(cwd, file), 'utf8');
  } catch {
    return false;
  }
  return isEnsembleSpecValue(parseConfigText(file, text).value);
}

/** Reads and validates a spec file; throws one ConfigError listing every problem found. */
export function loadEnsembleSpec(file: string, cwd: string = process.cwd()): EnsembleSpec {
  const { text, dir } = readSpecFile(file, cwd, {
    code: 'ENSEMBLE_SPEC_UNREADABLE',
    name: 'ensemble spec',
    examples: 'configs/ensembles/',
  });
  return parseEnsembleSpec(file, text, dir);
}

/** Parses spec text; `dir` is where relative member paths are read from. */
export function parseEnsembleSpec(file: string, text: string, dir: string): EnsembleSpec {
  const { value, problems, locator, fail } = parseSpecText(file, text, {
    code: 'ENSEMBLE_SPEC_INVALID',
    name: 'ensemble spec',
  });
  if (!validateSpec(value)) {
    for (const e of validateSpec.errors ?? []) problems.push(ajvProblem(e, [], locator));
    throw fail();
  }
  if (typeof value.name === 'string') {
    const problem = nameProblem(value.name, NAME_MAX_LENGTH);
    if (problem !== undefined) {
      problems.push({
        ...locator.locate(['name']),
        message: `ensemble name ${quoteName(value.name)} ${problem}`,
        suggestion: `an ensemble name becomes part of its folder's name; for example "${toName(value.name, 'ensemble', NAME_MAX_LENGTH)}"`,
      });
    }
  }
  const written = value.members as string[];
  const members = written.map((m) => (isAbsolute(m) ? m : resolve(dir, m)));
  members.forEach((m, i) => {
    const st = statSync(m, { throwIfNoEntry: false });
    if (!st?.isFile()) {
      problems.push({
        ...locator.locate(['members', i]),
        message: `cannot read the member config ${written[i]} (${st ? 'a folder, not a file' : `no such file: ${m}`})`,
        suggestion: 'a relative member path is read from the folder of the spec',
      });
    }
  });
  const seeds = (value.seeds as number[] | undefined) ?? [];
  if (members.length * Math.max(1, seeds.length) < 2) {
    problems.push({
      ...locator.locate(['members']),
      message: 'an ensemble needs two runs or more: one member with one seed is a single run',
      suggestion: 'add a member config, or seeds: [2019, 2020] to train the member twice',
    });
  }
  const seen = new Map<string, number>();
  members.forEach((m, i) => {
    const first = seen.get(m);
    if (first !== undefined && seeds.length <= 1) {
      problems.push({
        ...locator.locate(['members', i]),
        message: `the same config as members[${first}]: with one seed its runs would be the same model twice`,
        suggestion: 'list each config once and give several seeds',
      });
    }
    if (first === undefined) seen.set(m, i);
  });
  if (problems.length > 0) throw fail();
  return {
    file,
    text,
    name:
      (value.name as string | undefined) ??
      toName(basename(file, extname(file)), 'ensemble', NAME_MAX_LENGTH),
    members,
    seeds,
    set: (value.set as string[] | undefined) ?? [],
    locate: locator.locate,
  };
}

/** The runs an ensemble trains, seed by seed: every member with the first seed, then the next. */
export function ensembleRuns(members: readonly string[], seeds: readonly number[]): EnsembleRunPlan[] {
  const each: (number | null)[] = seeds.length > 0 ? [...seeds] : [null];
  return each.flatMap((seed) => members.map((config) => ({ config, seed })));
}

/** The overrides a run of the ensemble is loaded with: the spec's, the command line's, then its seed. */
export function runOverrides(set: readonly string[], seed: number | null): string[] {
  return [...set, ...(seed === null ? [] : [`experiment.seed=${seed}`])];
}

/**
 * Loads the config of every run (each checked like any config, its problems at its own lines) and
 * checks that they all read the same pairs; a member that does not is refused at its line in the
 * spec, naming the setting that differs.
 */
export function loadEnsembleRuns(
  spec: Pick<EnsembleSpec, 'file' | 'locate'>,
  members: readonly string[],
  plans: readonly EnsembleRunPlan[],
  set: readonly string[],
  cwd: string = process.cwd(),
): LoadedConfig[] {
  const loaded = plans.map((p) => loadConfig(p.config, { overrides: runOverrides(set, p.seed), cwd }));
  const identity = loaded.map((l) => dataIdentity(l, cwd));
  const problems: Problem[] = [];
  const said = new Set<number>();
  identity.forEach((id, i) => {
    const first = identity[0]!;
    const differs = DATA_IDENTITY.filter((k) => JSON.stringify(id[k]) !== JSON.stringify(first[k]));
    const index = members.indexOf(plans[i]!.config);
    // Said once per member, however many seeds it has.
    if (differs.length === 0 || said.has(index)) return;
    said.add(index);
    problems.push({
      ...spec.locate(['members', index]),
      message: `reads other pairs than ${basename(plans[0]!.config)}: data.${differs.join(', data.')} differ${differs.length === 1 ? 's' : ''}`,
      suggestion:
        "an ensemble's runs must read the same files with the same split and filters, so that they score the same pairs",
    });
  });
  if (problems.length > 0) throw specError('ENSEMBLE_SPEC_INVALID', spec.file, 'ensemble spec', problems);
  return loaded;
}

function dataIdentity(loaded: LoadedConfig, cwd: string): Record<string, unknown> {
  const data = structuredClone(loaded.config.data) as Record<string, unknown>;
  const copy = { data };
  mapConfigPaths(copy, (p) => resolve(cwd, p));
  if (data.source === undefined && data.split && typeof data.split === 'object') {
    // With explicit files the split's train and test fractions are not used (only validation, seed…).
    const { train: _train, test: _test, ...rest } = data.split as Record<string, unknown>;
    data.split = rest;
  }
  return Object.fromEntries(DATA_IDENTITY.map((k) => [k, data[k]]));
}
