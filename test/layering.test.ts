import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { layers } from '../src/registry/layers.js';
import { models } from '../src/registry/models.js';
import { PROJECT_ROOT } from './helpers/cli.js';

/**
 * The dependency rules of ARCHITECTURE.md, checked on the source: folders of src/ in layers, lowest
 * first. A file imports from its own folder or from a strictly lower layer, never from a higher one
 * or from another folder of its own layer; and no two files import each other, directly or round
 * a loop. A new folder must be given its place here (and in ARCHITECTURE.md).
 */
const LAYERS: readonly (readonly string[])[] = [
  ['util', 'errors'],
  ['backend', 'data'],
  ['layers', 'embeddings'],
  ['registry'],
  ['config'],
  ['model'],
  ['runs'],
  ['train'],
  ['eval', 'report'],
  ['sweep', 'export', 'dedupe', 'serve', 'ensemble'],
  ['cli'],
  ['commands'],
  ['index'],
];

const SRC = join(PROJECT_ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

/** `src/registry/layers.ts` → `registry`; `src/errors.ts` → `errors`. */
function folderOf(file: string): string {
  const [first] = relative(SRC, file).split('/');
  return first!.replace(/\.ts$/, '');
}

/** Relative imports of a file (static, re-exports and dynamic), resolved to .ts files under src/. */
function importsOf(file: string, text: string): string[] {
  const specs = [
    ...text.matchAll(/^\s*(?:import|export)\s[^;]*?\sfrom\s+'(\.[^']+)'/gms),
    ...text.matchAll(/^\s*import\s+'(\.[^']+)'/gm),
    ...text.matchAll(/\bimport\(\s*'(\.[^']+)'\s*\)/g),
  ].map((m) => m[1]!);
  return specs.map((s) => resolve(dirname(file), s.replace(/\.js$/, '.ts')));
}

type Graph = Map<string, string[]>;

function sourceGraph(): Graph {
  const graph: Graph = new Map();
  for (const file of sourceFiles(SRC)) graph.set(file, importsOf(file, readFileSync(file, 'utf8')));
  return graph;
}

function rankOf(folder: string): number {
  return LAYERS.findIndex((l) => l.includes(folder));
}

/** Imports that break the layering, as `from → to` lines. */
function layeringViolations(graph: Graph): string[] {
  const out: string[] = [];
  for (const [file, imports] of graph) {
    const from = folderOf(file);
    for (const target of imports) {
      const to = folderOf(target);
      if (to === from) continue;
      if (rankOf(to) >= rankOf(from)) {
        out.push(`${relative(SRC, file)} → ${relative(SRC, target)} (${from} may not import ${to})`);
      }
    }
  }
  return out;
}

/** Every import cycle between files, each as the list of its files (depth-first search). */
function cycles(graph: Graph): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (!graph.has(next)) continue;
      const s = state.get(next);
      if (s === 'open') found.push(stack.slice(stack.indexOf(next)).map((f) => relative(SRC, f)));
      else if (s === undefined) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return found;
}

describe('layering of src/', () => {
  const graph = sourceGraph();

  it('reads the imports of the source (the check has something to check)', () => {
    const edges = [...graph.values()].reduce((n, l) => n + l.length, 0);
    assert.ok(graph.size > 50 && edges > 200, `${graph.size} files, ${edges} imports`);
    for (const imports of graph.values()) {
      for (const target of imports) assert.ok(graph.has(target), `import of a missing file ${target}`);
    }
  });

  it('gives every folder of src/ its place', () => {
    const folders = new Set([...graph.keys()].map(folderOf));
    for (const f of folders) assert.ok(rankOf(f) >= 0, `src/${f} has no place in the layering`);
  });

  it('has no upward import and none between folders of one layer', () => {
    assert.deepEqual(layeringViolations(graph), []);
  });

  it('has no import cycle between files', () => {
    assert.deepEqual(cycles(graph), []);
  });

  it('catches an upward import and a cycle when there is one', () => {
    const f = (p: string) => join(SRC, p);
    const bad: Graph = new Map([
      [f('registry/a.ts'), [f('config/b.ts')]],
      [f('config/b.ts'), [f('config/c.ts')]],
      [f('config/c.ts'), [f('config/b.ts')]],
      [f('data/d.ts'), [f('backend/e.ts')]],
      [f('backend/e.ts'), []],
    ]);
    assert.equal(layeringViolations(bad).length, 2);
    assert.deepEqual(cycles(bad), [['config/b.ts', 'config/c.ts']]);
  });
});

describe('src/config', () => {
  it('names no layer type and no model shape (it asks the registry entries)', () => {
    const names = new Set<string>([...layers.names, ...models.names]);
    const found: string[] = [];
    for (const file of sourceFiles(join(SRC, 'config'))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(['"`])([A-Za-z0-9]+)\1/g)) {
        if (names.has(m[2]!)) found.push(`${relative(SRC, file)}: ${m[0]}`);
      }
    }
    assert.deepEqual(found, []);
  });
});
