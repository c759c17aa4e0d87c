import { isAbsolute, relative, resolve, sep } from 'node:path';

/**
 * The one rule for a name that becomes part of a path (a run's name, a sweep's, a trial's): letters,
 * digits, `.`, `_` and `-`, starting with a letter or digit (so never `..`, `.hidden`, `-flag`, a
 * separator or a NUL), at most NAME_MAX_LENGTH characters. The config schema and the sweep spec take
 * their pattern from here; run and sweep folders are created only through names checked by it.
 */
export const NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]*$';
export const NAME_MAX_LENGTH = 100;
/** A sweep's trials are named `<sweep>-t<index>`: a sweep name leaves room for the suffix. */
export const SWEEP_NAME_MAX_LENGTH = NAME_MAX_LENGTH - 10;
export const NAME_RULE = 'letters, digits, . _ - only, starting with a letter or digit';

const NAME_RE = new RegExp(NAME_PATTERN);

/** Why `value` cannot be a name, or undefined when it can. */
export function nameProblem(value: string, maxLength = NAME_MAX_LENGTH): string | undefined {
  if (value === '') return 'is empty';
  if (value.length > maxLength) return `is too long: ${value.length} characters (at most ${maxLength})`;
  if (!NAME_RE.test(value)) return `is not allowed: ${NAME_RULE}`;
  return undefined;
}

/** A name made from any text by the rule (for defaults and suggestions); `fallback` if nothing is left. */
export function toName(text: string, fallback: string, maxLength = NAME_MAX_LENGTH): string {
  const name = text
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, maxLength);
  return name === '' ? fallback : name;
}

/** `value` quoted for a one-line message: control characters escaped, long ones shortened. */
export function quoteName(value: string): string {
  const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
  return JSON.stringify(shown);
}

/** Whether `child` resolves to a path strictly inside the folder `parent`. */
export function isInside(parent: string, child: string): boolean {
  const rel = relative(resolve(parent), resolve(child));
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}
