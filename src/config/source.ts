import { readFileSync } from 'node:fs';
import { isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
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

export function parseConfigText(file: string, text: string): ConfigSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter,
    uniqueKeys: true,
    prettyErrors: true,
    keepSourceTokens: false,
  });
  const problems: Problem[] = [];
  for (const err of [...doc.errors, ...doc.warnings]) {
    const pos = err.linePos?.[0] ?? lineCounter.linePos(err.pos[0]);
    const hint = YAML_HINTS[err.code];
    const key =
      err.code === 'DUPLICATE_KEY' ? /^[^:\n]+/.exec(text.slice(err.pos[0]))?.[0]?.trim() : undefined;
    problems.push({
      source: file,
      line: pos.line,
      col: pos.col,
      message: `YAML: ${firstLine(err.message)}${key ? ` ("${key}" appears twice)` : ''}`,
      ...(hint ? { suggestion: hint } : {}),
    });
  }

  const nodeAt = (path: readonly PathSegment[]): Node | undefined => {
    const node = doc.getIn(path, true);
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
        const pair = parent.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key);
        if (pair && isScalar(pair.key) && pair.key.range) return pos(pair.key.range[0]);
      }
    }
    if (path.length === 0) return doc.contents?.range ? pos(doc.contents.range[0]) : undefined;
    const node = nodeAt(path);
    if (node?.range) return pos(node.range[0]);
    return undefined;
  };

  // The parser recovers from errors, so the schema can still report the other problems of the file.
  let value: Record<string, unknown> | undefined;
  {
    const contents = doc.contents;
    if (contents === null || (isScalar(contents) && contents.value === null)) {
      value = {};
    } else if (isMap(contents)) {
      try {
        value = doc.toJS({ maxAliasCount: 100 }) as Record<string, unknown>;
      } catch {
        value = undefined; // the errors above say why
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
