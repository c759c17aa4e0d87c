/**
 * Reads the synthetic generator's data files (scripts/synthetic/data/*.yaml) and checks them, so that
 * a broken file stops generation with its name, the line and what is wrong, instead of a crash or a
 * silently different dataset. Two kinds of checks: the shape of each file (fields, types), then what
 * the generator relies on (template.ts: every template mentions every slot, forms name one value...).
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Document, isNode, LineCounter, parseDocument } from 'yaml';
import { DataError, type Problem } from '../../src/errors.js';
import { didYouMean } from '../../src/util/suggest.js';
import { NEEDS, unsupportedKinds } from './kinds.js';
import { entityProblems, familyProblems, numberProblems } from './template.js';
import type { Family, NumberType, Slot, SlotKind, SyntheticData } from './types.js';

/** The folder the committed data/qqp-synthetic.csv is generated from. */
export const DATA_DIR = fileURLToPath(new URL('./data/', import.meta.url));

/** The files of a data folder, by what they hold. */
export const DATA_FILES = {
  families: 'families.yaml',
  contexts: 'contexts.yaml',
  entities: 'entities.yaml',
  numbers: 'numbers.yaml',
  surface: 'surface.yaml',
} as const;

type Path = (string | number)[];

function formatPath(path: Path): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function describeValue(v: unknown): string {
  if (v === null) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** "is missing (a list)" or "must be a list, found a mapping". */
function mustBe(what: string, v: unknown): string {
  return v === undefined ? `is missing (${what})` : `must be ${what}, found ${describeValue(v)}`;
}

/** One data file: its parsed value, and the problems found in it, located by line where possible. */
class DataFile {
  readonly problems: Problem[] = [];
  /** The file's content; undefined when it could not be read or parsed (a problem says why). */
  readonly value: unknown;
  readonly parsed: boolean = false;
  private readonly doc: Document | undefined;
  private readonly lines = new LineCounter();

  constructor(
    readonly path: string,
    readonly source: string,
  ) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      this.problem(null, code === 'ENOENT' ? 'no such file' : String(e));
      return;
    }
    this.doc = parseDocument(text, { lineCounter: this.lines, uniqueKeys: true, prettyErrors: false });
    for (const err of [...this.doc.errors, ...this.doc.warnings]) {
      const pos = this.lines.linePos(err.pos[0]);
      const message = (err.message.split('\n')[0] ?? err.message).replace(/ at line \d+, column \d+:?$/, '');
      this.problems.push({ source, line: pos.line, col: pos.col, message: `YAML: ${message}` });
    }
    if (this.doc.errors.length === 0) {
      this.value = this.doc.toJS();
      this.parsed = true;
    }
  }

  /** Records a problem at `path` in the file (its line when the path exists), or at no line with null. */
  problem(path: Path | null, message: string, suggestion?: string): void {
    if (path === null) {
      this.problems.push({ source: this.source, message, ...(suggestion ? { suggestion } : {}) });
      return;
    }
    // A missing field is shown at the mapping it is missing from.
    let node: unknown;
    for (let n = path.length; n >= 0 && !isNode(node); n--) {
      node = n === 0 ? this.doc?.contents : this.doc?.getIn(path.slice(0, n), true);
    }
    const range = isNode(node) ? node.range : undefined;
    const pos = range ? this.lines.linePos(range[0]) : undefined;
    this.problems.push({
      source: this.source,
      ...(pos ? { line: pos.line, col: pos.col } : {}),
      ...(path.length > 0 ? { path: formatPath(path) } : {}),
      message,
      ...(suggestion ? { suggestion } : {}),
    });
  }

  mustBe(path: Path, what: string, v: unknown): void {
    this.problem(path, mustBe(what, v));
  }

  /** `v` as a mapping with only `allowed` keys (others are reported), or undefined. */
  map(v: unknown, path: Path, allowed?: readonly string[]): Record<string, unknown> | undefined {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      this.mustBe(path, 'a mapping', v);
      return undefined;
    }
    const m = v as Record<string, unknown>;
    if (allowed) {
      for (const key of Object.keys(m)) {
        if (!allowed.includes(key)) {
          this.problem(
            [...path, key],
            `unknown field "${key}" (known: ${allowed.join(', ')})`,
            didYouMean(key, allowed),
          );
        }
      }
    }
    return m;
  }

  list(v: unknown, path: Path, { nonEmpty = true } = {}): unknown[] | undefined {
    if (!Array.isArray(v)) {
      this.mustBe(path, 'a list', v);
      return undefined;
    }
    if (nonEmpty && v.length === 0) {
      this.problem(path, 'must not be empty');
      return undefined;
    }
    return v;
  }

  string(v: unknown, path: Path): string | undefined {
    if (typeof v !== 'string' || v.trim() === '') {
      this.mustBe(path, 'a non-empty text', v);
      return undefined;
    }
    return v;
  }

  int(v: unknown, path: Path): number | undefined {
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) {
      this.mustBe(path, 'a whole number', v);
      return undefined;
    }
    return v;
  }

  strings(v: unknown, path: Path, options?: { nonEmpty?: boolean }): string[] | undefined {
    const items = this.list(v, path, options);
    if (!items) return undefined;
    const out = items.map((item, i) => this.string(item, [...path, i]));
    return out.every((s) => s !== undefined) ? (out as string[]) : undefined;
  }
}

const SLOT_KINDS: readonly SlotKind[] = ['entity', 'number', 'intent', 'negation'];
const SLOT_FIELDS = ['name', 'kind', 'type', 'size'];

function readSlot(file: DataFile, v: unknown, path: Path): Slot | undefined {
  const m = file.map(v, path, SLOT_FIELDS);
  if (!m) return undefined;
  const name = file.string(m.name, [...path, 'name']);
  if (name !== undefined && !/^\w+$/.test(name)) {
    file.problem([...path, 'name'], `"${name}" is not a slot name (letters, digits and _ only)`);
    return undefined;
  }
  if (!SLOT_KINDS.includes(m.kind as SlotKind)) {
    const kind = m.kind;
    const hint = typeof kind === 'string' ? didYouMean(kind, SLOT_KINDS) : undefined;
    file.problem([...path, 'kind'], mustBe(`one of ${SLOT_KINDS.join(', ')}`, kind), hint);
    return undefined;
  }
  const kind = m.kind as SlotKind;
  if (name === undefined) return undefined;
  if (kind === 'entity' || kind === 'number') {
    if (m.size !== undefined)
      file.problem([...path, 'size'], `an ${kind} slot takes no size: its type gives its values`);
    const type = m.type === undefined ? name : file.string(m.type, [...path, 'type']);
    return type === undefined ? undefined : { name, kind, type };
  }
  if (m.type !== undefined) file.problem([...path, 'type'], `a ${kind} slot takes no type`);
  if (kind === 'negation') {
    if (m.size !== undefined && m.size !== 2) file.problem([...path, 'size'], 'a negation slot has size 2');
    return { name, kind, size: 2 };
  }
  if (m.size === undefined) {
    file.problem(path, 'an intent slot needs a size: how many options its templates write');
    return undefined;
  }
  const size = file.int(m.size, [...path, 'size']);
  if (size !== undefined && size < 2) file.problem([...path, 'size'], 'must be 2 or more');
  return size === undefined ? undefined : { name, kind, size };
}

function readPair(file: DataFile, v: unknown, path: Path): [string, string] | undefined {
  const names = file.strings(v, path);
  if (names && names.length !== 2) file.problem(path, `must name two slots, found ${names.length}`);
  return names?.length === 2 ? [names[0] as string, names[1] as string] : undefined;
}

function readFamilies(file: DataFile, contexts: boolean): Family[] {
  const items = (file.parsed && file.list(file.value, [])) || [];
  const fields = ['id', 'topic', 'slots', 'templates', 'symmetric', 'ordered', ...(contexts ? ['fits'] : [])];
  const families: Family[] = [];
  items.forEach((item, i) => {
    const m = file.map(item, [i], fields);
    if (!m) return;
    const id = file.string(m.id, [i, 'id']);
    const topic = file.string(m.topic, [i, 'topic']);
    const slotItems = m.slots === undefined ? [] : file.list(m.slots, [i, 'slots'], { nonEmpty: false });
    const slots = slotItems?.map((s, j) => readSlot(file, s, [i, 'slots', j]));
    const templates = file.strings(m.templates, [i, 'templates']);
    const symmetric = m.symmetric === undefined ? undefined : readPair(file, m.symmetric, [i, 'symmetric']);
    const ordered = m.ordered === undefined ? undefined : readPair(file, m.ordered, [i, 'ordered']);
    const fits = contexts ? file.strings(m.fits, [i, 'fits']) : undefined;
    if (id === undefined || topic === undefined || !templates || !slots?.every((s) => s !== undefined))
      return;
    if ((m.symmetric !== undefined && !symmetric) || (m.ordered !== undefined && !ordered)) return;
    if (contexts && !fits) return;
    families.push({
      id,
      topic,
      slots: slots as Slot[],
      templates,
      ...(symmetric ? { symmetric } : {}),
      ...(ordered ? { ordered } : {}),
      ...(fits ? { fits } : {}),
    });
  });
  return families;
}

function readEntities(file: DataFile): Map<string, string[][]> {
  const entities = new Map<string, string[][]>();
  const m = file.parsed ? file.map(file.value, []) : undefined;
  for (const [type, v] of Object.entries(m ?? {})) {
    const values = file.list(v, [type]);
    const read = values?.map((forms, i) => file.strings(forms, [type, i]));
    if (read?.every((f) => f !== undefined)) entities.set(type, read as string[][]);
  }
  return entities;
}

const PLACEHOLDER = /\{(\w*)\}/g;

/** What each number-form placeholder writes for a value; undefined when the value has none. */
const PLACEHOLDERS = new Map<string, (n: number, words: readonly string[]) => string | undefined>([
  ['n', (n) => String(n)],
  // Thousands separators by hand: toLocaleString would depend on the machine's locale.
  ['commas', (n) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',')],
  ['word', (n, words) => words[n]],
  ['thousands', (n) => (n !== 0 && n % 1000 === 0 ? String(n / 1000) : undefined)],
]);

/** A number form with its placeholders filled (see numbers.yaml), or undefined when one has no value. */
function renderForm(form: string, n: number, words: readonly string[]): string | undefined {
  let missing = false;
  const text = form.replace(PLACEHOLDER, (_, name: string) => {
    const value = PLACEHOLDERS.get(name)?.(n, words);
    if (value === undefined) missing = true;
    return value ?? '';
  });
  return missing ? undefined : text;
}

function readNumbers(file: DataFile): Map<string, NumberType> {
  const numbers = new Map<string, NumberType>();
  const m = file.parsed ? file.map(file.value, [], ['words', 'types']) : undefined;
  if (!m) return numbers;
  const words = m.words === undefined ? [] : (file.strings(m.words, ['words'], { nonEmpty: false }) ?? []);
  for (const [type, v] of Object.entries(file.map(m.types, ['types']) ?? {})) {
    const path = ['types', type];
    const t = file.map(v, path, ['values', 'from', 'to', 'forms']);
    if (!t) continue;
    let values: number[] | undefined;
    if (t.values !== undefined) {
      if (t.from !== undefined || t.to !== undefined)
        file.problem(path, 'give either values or from/to, not both');
      const items = file.list(t.values, [...path, 'values']);
      const ints = items?.map((x, i) => file.int(x, [...path, 'values', i]));
      if (ints?.every((x) => x !== undefined)) values = ints as number[];
      if (values && new Set(values).size !== values.length) {
        file.problem([...path, 'values'], 'values repeat');
        values = undefined;
      }
    } else if (t.from === undefined || t.to === undefined) {
      file.problem(path, 'needs its values: either values: [...] or from: and to:');
    } else {
      const from = file.int(t.from, [...path, 'from']);
      const to = file.int(t.to, [...path, 'to']);
      if (from !== undefined && to !== undefined && from > to)
        file.problem([...path, 'to'], `must not be below from (${from})`);
      else if (from !== undefined && to !== undefined)
        values = Array.from({ length: to - from + 1 }, (_, i) => from + i);
    }
    const forms = file.strings(t.forms, [...path, 'forms']);
    forms?.forEach((form, i) => {
      for (const [, name] of form.matchAll(PLACEHOLDER)) {
        if (!PLACEHOLDERS.has(name ?? '')) {
          const known = [...PLACEHOLDERS.keys()];
          file.problem(
            [...path, 'forms', i],
            `unknown placeholder {${name}} (known: {${known.join('}, {')}})`,
            didYouMean(name ?? '', known),
          );
        }
      }
    });
    if (!values || !forms) continue;
    numbers.set(type, {
      values,
      forms: (n) => forms.flatMap((form) => renderForm(form, n, words) ?? []),
    });
  }
  return numbers;
}

function readSurface(file: DataFile): Pick<SyntheticData, 'prefixes' | 'suffixes' | 'readAsWords'> {
  const m = file.parsed ? file.map(file.value, [], ['prefixes', 'suffixes', 'readAsWords']) : undefined;
  if (!m) return { prefixes: [], suffixes: [], readAsWords: [] };
  return {
    prefixes: file.strings(m.prefixes, ['prefixes']) ?? [],
    suffixes: file.strings(m.suffixes, ['suffixes']) ?? [],
    readAsWords:
      m.readAsWords === undefined
        ? []
        : (file.strings(m.readAsWords, ['readAsWords'], { nonEmpty: false }) ?? []),
  };
}

function display(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

/**
 * Reads and checks the data files in `dir` (default: the committed ones). Throws a DataError listing
 * every problem found, each with its file (and line where it has one).
 */
export function loadSyntheticData(dir: string = DATA_DIR): SyntheticData {
  const open = (name: string) => {
    const path = join(dir, name);
    return new DataFile(path, display(path));
  };
  const files = {
    families: open(DATA_FILES.families),
    contexts: open(DATA_FILES.contexts),
    entities: open(DATA_FILES.entities),
    numbers: open(DATA_FILES.numbers),
    surface: open(DATA_FILES.surface),
  };
  const families = readFamilies(files.families, false);
  const contexts = readFamilies(files.contexts, true);
  const entities = readEntities(files.entities);
  const numbers = readNumbers(files.numbers);
  const { prefixes, suffixes, readAsWords } = readSurface(files.surface);

  const all = Object.values(files);
  // What the generator relies on, checked only on files whose shape is right (else the messages
  // would repeat the shape problems in other words).
  if (all.every((f) => f.problems.length === 0)) {
    const lexicon = { entities, numbers, readAsWords };
    const ids = new Set<string>();
    for (const [file, list] of [
      [files.families, families],
      [files.contexts, contexts],
    ] as const) {
      list.forEach((f, i) => {
        if (ids.has(f.id)) file.problem([i, 'id'], `${f.id}: duplicate family id`);
        ids.add(f.id);
        for (const p of familyProblems(f, lexicon)) {
          file.problem(p.template === undefined ? [i] : [i, 'templates', p.template], p.message);
        }
      });
    }
    for (const kind of unsupportedKinds(families)) {
      files.families.problem(null, `no family can make ${kind} pairs, which need ${NEEDS[kind]}`);
    }
    for (const p of entityProblems(lexicon)) files.entities.problem(null, p);
    for (const p of numberProblems(lexicon)) files.numbers.problem(null, p);
  }
  const problems = all.flatMap((f) => f.problems);
  if (problems.length > 0) {
    throw new DataError(
      'SYNTHETIC_DATA',
      `the synthetic data files in ${display(dir)} have ${problems.length === 1 ? 'a problem' : `${problems.length} problems`}`,
      {
        problems,
        suggestions: ['each file starts with a comment that says what it holds and how it is written'],
      },
    );
  }
  return { families, contexts, entities, numbers, readAsWords, prefixes, suffixes };
}
