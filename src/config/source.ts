import { readFileSync } from 'node:fs';
import {
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  type Pair,
  parseDocument,
  visit,
  type YAMLMap,
} from 'yaml';
import type { Problem } from '../errors.js';
import type { PathSegment } from '../util/paths.js';

/**
 * One config file parsed with positions, so that a problem found later in the merged config can be
 * reported at the line and column where the offending value (or key) was written.
 */
export interface ConfigSource {
  file: string;
  /** The document as plain data; undefined when it could not be parsed into a mapping. */
  value: Record<string, unknown> | undefined;
  problems: Problem[];
  /** Where `path` is written in this file (the key for `at: 'key'`), or undefined when it is not. */
  locate(path: readonly PathSegment[], at?: 'key' | 'value'): { line: number; col: number } | undefined;
}

function firstLine(message: string): string {
  const line = message.split('\n')[0] ?? message;
  return line.replace(/ at line \d+, column \d+:?$/, '').trim();
}

const YAML_HINTS: Record<string, string> = {
  DUPLICATE_KEY: 'a key may appear once per mapping; remove or rename one of them',
  BAD_INDENT:
    'check the indentation: nested keys need more spaces than their parent, and tabs are not allowed',
  TAB_AS_INDENT: 'indent with spaces, not tabs',
  MISSING_CHAR: 'a bracket or quote is not closed',
  BLOCK_AS_IMPLICIT_KEY: 'a key is missing its ":" or a value is indented too far',
};

/** How many alias uses (`*name`) a config may expand; more is refused (a guard against YAML bombs). */
const MAX_ALIAS_COUNT = 100;

/** The pairs of a mapping by their scalar key (the first of duplicates, as yaml's own look-up). */
const pairIndex = new WeakMap<YAMLMap, Map<unknown, Pair>>();
function pairOf(map: YAMLMap, key: unknown): Pair | undefined {
  let index = pairIndex.get(map);
  if (index === undefined) {
    index = new Map();
    for (const p of map.items) {
      if (isPair(p) && isScalar(p.key) && !index.has(p.key.value)) index.set(p.key.value, p as Pair);
    }
    pairIndex.set(map, index);
  }
  return index.get(key);
}

/**
 * Keys written twice in one mapping, each with the offset of the second. yaml's own check
 * (`uniqueKeys`) compares every key with every earlier one, which takes minutes on a mapping of a
 * few hundred thousand keys; a set per mapping takes linear time.
 */
function duplicateKeys(doc: ReturnType<typeof parseDocument>): { key: string; offset: number }[] {
  const found: { key: string; offset: number }[] = [];
  visit(doc, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const p of map.items) {
        if (!isScalar(p.key)) continue;
        if (seen.has(p.key.value)) found.push({ key: String(p.key.value), offset: p.key.range?.[0] ?? 0 });
        else seen.add(p.key.value);
      }
    },
  });
  return found;
}

/** YAML's own spellings of infinity and not-a-number, which are meant. */
const INF_NAN_RE = /^[-+]?\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$/;

/**
 * Numbers written with more digits or exponent than a double holds (`1e400`): YAML reads them as
 * infinity (which JSON then shows as null), so they are found by their source text.
 */
export function outOfRangeNumbers(doc: ReturnType<typeof parseDocument>): { text: string; offset: number }[] {
  const found: { text: string; offset: number }[] = [];
  visit(doc, {
    Scalar(_, node) {
      if (typeof node.value !== 'number' || Number.isFinite(node.value)) return;
      const text = node.source ?? String(node.value);
      if (!INF_NAN_RE.test(text)) found.push({ text, offset: node.range?.[0] ?? 0 });
    },
  });
  return found;
}

/** The message for one of outOfRangeNumbers. */
export function outOfRangeMessage(text: string): string {
  return `the number is out of range (got ${text}): numbers beyond about ±1.8e308 cannot be represented`;
}

export function parseConfigText(file: string, text: string): ConfigSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter,
    uniqueKeys: false, // checked below, in linear time
    prettyErrors: true,
    keepSourceTokens: false,
  });
  const problems: Problem[] = [];
  const yamlProblems: (Problem & { offset: number })[] = [];
  for (const err of [...doc.errors, ...doc.warnings]) {
    const pos = err.linePos?.[0] ?? lineCounter.linePos(err.pos[0]);
    const hint = YAML_HINTS[err.code];
    yamlProblems.push({
      offset: err.pos[0],
      source: file,
      line: pos.line,
      col: pos.col,
      message: `YAML: ${firstLine(err.message)}`,
      ...(hint ? { suggestion: hint } : {}),
    });
  }
  for (const { key, offset } of duplicateKeys(doc)) {
    const pos = lineCounter.linePos(offset);
    yamlProblems.push({
      offset,
      source: file,
      line: pos.line,
      col: pos.col,
      message: `YAML: Map keys must be unique ("${key}" appears twice)`,
      suggestion: YAML_HINTS.DUPLICATE_KEY!,
    });
  }
  for (const { text: number, offset } of outOfRangeNumbers(doc)) {
    const pos = lineCounter.linePos(offset);
    yamlProblems.push({
      offset,
      source: file,
      line: pos.line,
      col: pos.col,
      message: outOfRangeMessage(number),
    });
  }
  yamlProblems.sort((a, b) => a.offset - b.offset);
  for (const { offset: _, ...problem } of yamlProblems) problems.push(problem);

  // A walk with an index per mapping (not doc.getIn, which scans a mapping's keys at each step):
  // locating each of many problems in a large mapping stays linear.
  const nodeAt = (path: readonly PathSegment[]): Node | undefined => {
    let node: unknown = doc.contents;
    for (const seg of path) {
      if (isMap(node)) node = pairOf(node, seg)?.value;
      else if (isSeq(node) && typeof seg === 'number') node = node.items[seg];
      else return undefined;
    }
    return node && typeof node === 'object' && 'range' in node ? (node as Node) : undefined;
  };
  const pos = (offset: number) => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, col: p.col };
  };
  const locate: ConfigSource['locate'] = (path, at = 'value') => {
    if (at === 'key' && path.length > 0) {
      const parent = path.length === 1 ? doc.contents : nodeAt(path.slice(0, -1));
      const key = path[path.length - 1];
      if (isMap(parent)) {
        const pair = pairOf(parent, key);
        if (pair && isScalar(pair.key) && pair.key.range) return pos(pair.key.range[0]);
      }
    }
    if (path.length === 0) return doc.contents?.range ? pos(doc.contents.range[0]) : undefined;
    const node = nodeAt(path);
    if (node?.range) return pos(node.range[0]);
    return undefined;
  };

  /** Where the alias limit was passed: the alias past the limit, or the first alias (nested ones). */
  const aliasLimitAt = () => {
    const offsets: number[] = [];
    visit(doc, {
      Alias(_, alias) {
        offsets.push(alias.range?.[0] ?? 0);
      },
    });
    return pos((offsets.length > MAX_ALIAS_COUNT ? offsets[MAX_ALIAS_COUNT] : offsets[0]) ?? 0);
  };
  const aliasLimitMessage = () =>
    `YAML: the aliases (*name) of this file expand to more than ${MAX_ALIAS_COUNT} copies: the alias limit was hit ` +
    '(it guards against files that grow huge when expanded); nothing else of the file was checked';

  // The parser recovers from errors, so the schema can still report the other problems of the file.
  let value: Record<string, unknown> | undefined;
  {
    const contents = doc.contents;
    if (contents === null || (isScalar(contents) && contents.value === null)) {
      value = {};
    } else if (isMap(contents)) {
      try {
        value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as Record<string, unknown>;
      } catch (err) {
        value = undefined; // the errors above say why, or:
        if (err instanceof ReferenceError && /alias count/i.test(err.message)) {
          problems.push({ source: file, ...aliasLimitAt(), message: aliasLimitMessage() });
        }
      }
    } else if (doc.errors.length === 0) {
      const where = contents.range ? pos(contents.range[0]) : { line: 1, col: 1 };
      problems.push({
        source: file,
        ...where,
        message: `a config must be a mapping of sections (experiment, data, model, training), found ${isSeq(contents) ? 'a list' : 'a single value'}`,
      });
    }
  }
  return { file, value, problems, locate };
}

/** Reads and parses `path`; problems name the file as `display`. */
export function readConfigSource(
  path: string,
  display: string = path,
): ConfigSource | { file: string; readError: string } {
  const file = display;
  try {
    return parseConfigText(file, readFileSync(path, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a directory, not a file'
          : (err as Error).message;
    return { file, readError: reason };
  }
}
