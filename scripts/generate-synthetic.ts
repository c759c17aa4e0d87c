/**
 * Writes the bundled SYNTHETIC duplicate-question dataset (Kaggle train.csv format) from the
 * templates and word lists in scripts/synthetic/data/ (or another folder of the same files, --data).
 * With no flags it reproduces data/qqp-synthetic.csv byte for byte.
 *
 * Usage: npm run data:synthetic -- [--seed N] [--rows N] [--entities N] [--out path] [--data folder]
 */
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { QqpError, UsageError } from '../src/errors.js';
import { DATA_DIR, loadSyntheticData, SYNTHETIC_DEFAULTS, writeSyntheticCsv } from './synthetic/index.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_OUT = join(ROOT, 'data', 'qqp-synthetic.csv');

function intFlag(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value))
    throw new UsageError('SYNTHETIC_FLAG', `--${name} must be a whole number, got "${value}"`);
  return Number(value);
}

async function main(): Promise<void> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse();
  } catch (e) {
    throw new UsageError('SYNTHETIC_FLAG', (e as Error).message, {
      suggestions: [
        'usage: npm run data:synthetic -- [--seed N] [--rows N] [--entities N] [--out path] [--data folder]',
      ],
    });
  }
  const { values } = parsed;
  const options = {
    seed: intFlag('seed', values.seed, SYNTHETIC_DEFAULTS.seed),
    rows: intFlag('rows', values.rows, SYNTHETIC_DEFAULTS.rows),
    entities: intFlag('entities', values.entities, SYNTHETIC_DEFAULTS.entities),
  };
  const out = values.out ?? DEFAULT_OUT;
  const data = loadSyntheticData(values.data ?? DATA_DIR);
  const r = await writeSyntheticCsv(out, options, data);
  const where = relative(process.cwd(), r.path) || r.path;
  process.stdout.write(
    `wrote ${where}: ${r.rows} pairs, ${r.duplicates} duplicates (${((100 * r.duplicates) / r.rows).toFixed(1)}%), ` +
      `${r.bytes} bytes, sha256 ${r.sha256} (seed ${options.seed}, ${options.entities} entities per type)\n`,
  );
}

function parse() {
  return parseArgs({
    options: {
      seed: { type: 'string' },
      rows: { type: 'string' },
      entities: { type: 'string' },
      out: { type: 'string' },
      data: { type: 'string' },
    },
    allowPositionals: false,
  });
}

main().catch((e: unknown) => {
  if (e instanceof QqpError) {
    process.stderr.write(`error: ${e.describe()}\n${e.suggestions.map((s) => `  ${s}\n`).join('')}`);
    process.exit(e.category === 'usage' ? 2 : 4);
  }
  throw e;
});
