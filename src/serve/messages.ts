import { closestMatch } from '../util/suggest.js';

/** One error of ajv (fastify's `error.validation`), the fields used here. */
export interface SchemaIssue {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/** An error answer: status, stable code, and a message for the person who sent the request. */
export interface ErrorAnswer {
  status: number;
  code: string;
  message: string;
}

const FORMS =
  'send {"question1": "...", "question2": "..."}, {"pairs": [{"question1": "...", "question2": "..."}, ...]} or a list of pairs';

/** A JSON pointer into the body as a path people read: `pairs[2].question1`, `[0].question2`. */
export function bodyPath(pointer: string): string {
  if (pointer === '') return 'the body';
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(seg) ? `[${seg}]` : out === '' ? seg : `.${seg}`;
  }
  return out;
}

function valueAt(body: unknown, pointer: string): unknown {
  let v = body;
  for (const raw of pointer.split('/').slice(1)) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string, unknown>)[raw.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return v;
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return v.length <= 40 ? `the string ${JSON.stringify(v)}` : 'a string';
  if (v === undefined) return 'nothing';
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** The fields an object at `pointer` may have: a pair's, or a request's of the form it was sent in. */
function fieldsOf(pointer: string, body: unknown): string[] {
  if (/\/\d+$/.test(pointer)) return ['question1', 'question2'];
  const parent = valueAt(body, pointer);
  if (typeof parent === 'object' && parent !== null && 'pairs' in parent) return ['pairs', 'threshold'];
  return ['question1', 'question2', 'threshold'];
}

const list = (names: readonly string[]) =>
  names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;

/** One issue in words. */
function describe(issue: SchemaIssue, body: unknown): string {
  const at = bodyPath(issue.instancePath);
  const value = valueAt(body, issue.instancePath);
  const field = issue.instancePath.split('/').at(-1) ?? '';
  switch (issue.keyword) {
    case 'required': {
      const missing = String(issue.params.missingProperty);
      return issue.instancePath === ''
        ? `${missing} is missing`
        : `${at} has no ${missing}: a pair is {"question1": "...", "question2": "..."}`;
    }
    case 'additionalProperties': {
      const extra = String(issue.params.additionalProperty);
      const where = issue.instancePath === '' ? 'the body' : at;
      const fields = fieldsOf(issue.instancePath, body);
      const meant = closestMatch(extra, fields);
      return meant
        ? `${where} has an unknown field "${extra}" (did you mean "${meant}"?)`
        : `${where} has an unknown field "${extra}" (it may have ${list(fields)})`;
    }
    case 'type':
      if (issue.instancePath === '') return `the body is ${kindOf(value)}`;
      if (field === 'threshold') return `threshold must be a number from 0 to 1, got ${kindOf(value)}`;
      if (field === 'pairs') return `pairs must be a list of pairs, got ${kindOf(value)}`;
      if (/^\d+$/.test(field))
        return `${at} must be a pair {"question1": "...", "question2": "..."}, got ${kindOf(value)}`;
      return `${at} must be a string, got ${kindOf(value)}`;
    case 'pattern':
      return `${at} is empty: give both questions`;
    case 'minimum':
    case 'maximum':
      return `threshold must be a number from 0 to 1, got ${JSON.stringify(value)}`;
    case 'minItems':
      return `${issue.instancePath === '' ? 'the list' : at} is empty: give at least one pair`;
    case 'maxItems':
      return `${issue.instancePath === '' ? 'the list' : at} has ${Array.isArray(value) ? value.length : 'too many'} pairs, more than the ${issue.params.limit} a request may hold: split it`;
    default:
      return `${at} ${issue.message ?? 'is not valid'}`;
  }
}

/** Issues in words, at most this many in one message. */
const MAX_LISTED = 5;

/**
 * The answer to a body the schema refused: 413 when the list holds more pairs than allowed, else
 * 400; the message says which field is wrong and what would be right.
 */
export function validationAnswer(issues: readonly SchemaIssue[], body: unknown): ErrorAnswer {
  // ajv's if/then/else adds an issue for the branch taken ("must match then schema"): not news.
  const real = issues.filter((i) => i.keyword !== 'if');
  const tooMany = real.find((i) => i.keyword === 'maxItems');
  if (tooMany) {
    return { status: 413, code: 'TOO_MANY_PAIRS', message: describe(tooMany, body) };
  }
  // The questions missing from the body itself, said once: "question1 and question2 are missing".
  const missing = real
    .filter((i) => i.keyword === 'required' && i.instancePath === '')
    .map((i) => String(i.params.missingProperty));
  const texts = [
    ...(missing.length > 0 ? [`${list(missing)} ${missing.length > 1 ? 'are' : 'is'} missing`] : []),
    ...new Set(
      real.filter((i) => !(i.keyword === 'required' && i.instancePath === '')).map((i) => describe(i, body)),
    ),
  ];
  const misshapen =
    texts.length === 0 ||
    missing.length > 0 ||
    real.some((i) => i.instancePath === '' && i.keyword === 'type');
  if (texts.length === 0) texts.push('the body is not a valid request');
  const more = texts.length > MAX_LISTED ? `; and ${texts.length - MAX_LISTED} more` : '';
  return {
    status: 400,
    code: 'BAD_REQUEST',
    message: texts.slice(0, MAX_LISTED).join('; ') + more + (misshapen ? `: ${FORMS}` : ''),
  };
}
