import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RunError, UsageError } from '../errors.js';
import { isInside, NAME_MAX_LENGTH, nameProblem, quoteName, toName } from '../util/names.js';

/** Run ids sort by time: `20261128-021502-bilstm`. */
export function makeRunId(name: string, now: Date, taken: (id: string) => boolean): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}-${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
  const base = `${stamp}-${name}`;
  if (!taken(base)) return base;
  for (let i = 2; ; i++) if (!taken(`${base}-${i}`)) return `${base}-${i}`;
}

/** What a checked name names, for the message: `run name "../x" ...`. */
export type NameKind = 'run' | 'sweep' | 'trial' | 'ensemble';

/**
 * Checks a name that becomes part of a path (the rule is in src/util/names.ts) and returns it, or
 * throws a UsageError (exit 2) that states the rule and suggests a name that follows it.
 */
export function checkName(kind: NameKind, value: string, maxLength = NAME_MAX_LENGTH): string {
  const problem = nameProblem(value, maxLength);
  if (problem === undefined) return value;
  throw new UsageError('BAD_NAME', `${kind} name ${quoteName(value)} ${problem}`, {
    suggestions: [
      `a ${kind} name becomes part of a folder name (1-${maxLength} characters); for example "${toName(value, kind, maxLength)}"`,
    ],
  });
}

/**
 * Creates a new folder `<stamp>-<name>` (see makeRunId) under `root` and returns its id and path:
 * the name is checked first (nothing is created for a bad one), and a path that would resolve
 * outside `root` is refused even so. Run and sweep folders are created only here.
 */
export function createNamedFolder(
  root: string,
  kind: NameKind,
  name: string,
  now: Date,
  maxLength = NAME_MAX_LENGTH,
): { id: string; dir: string } {
  checkName(kind, name, maxLength);
  const id = makeRunId(name, now, (candidate) => existsSync(join(root, candidate)));
  const dir = join(root, id);
  if (!isInside(root, dir) || resolve(dir, '..') !== resolve(root)) {
    throw new RunError('FOLDER_OUTSIDE', `refusing to create ${dir}: it is not a folder of ${root}`);
  }
  mkdirSync(root, { recursive: true });
  mkdirSync(dir);
  return { id, dir };
}
