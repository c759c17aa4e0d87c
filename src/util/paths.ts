/** A location inside a config document: keys and list indices. */
export type PathSegment = string | number;
export type ConfigPath = PathSegment[];

/** `['model', 'layers', 2, 'units']` → `model.layers[2].units`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out === '' ? '(top level)' : out;
}

/** An ajv instancePath (`/model/layers/2/units`) → segments, numbers for list indices. */
export function fromInstancePath(instancePath: string): ConfigPath {
  if (instancePath === '') return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/**
 * Parses a --set path: `training.batchSize`, `model.layers[2].units` or `model.layers.2.units`.
 * Returns undefined when the text is not a path.
 */
export function parsePath(text: string): ConfigPath | undefined {
  if (!/^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*|\[\d+\]|\.\d+)*$/.test(text)) return undefined;
  const out: ConfigPath = [];
  for (const m of text.matchAll(/([A-Za-z_]\w*)|\[(\d+)\]|\.(\d+)/g)) {
    if (m[1] !== undefined) out.push(m[1]);
    else out.push(Number(m[2] ?? m[3]));
  }
  return out;
}

export function startsWith(path: readonly PathSegment[], prefix: readonly PathSegment[]): boolean {
  return prefix.length <= path.length && prefix.every((seg, i) => path[i] === seg);
}

/** A problem at a path of a config, before it is given a file and position. */
export interface ConfigIssue {
  path: ConfigPath;
  /** Point at the key (unknown keys) rather than the value. */
  at: 'key' | 'value';
  message: string;
  suggestion?: string;
}

/** Issues found inside a part of a config (paths relative to it), placed under `prefix`. */
export function underPath(prefix: readonly PathSegment[], issues: readonly ConfigIssue[]): ConfigIssue[] {
  return issues.map((issue) => ({ ...issue, path: [...prefix, ...issue.path] }));
}
