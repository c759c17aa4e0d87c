/** Tiny real runs for the dedupe tests (seconds each), and a corpus of synthetic questions. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { loadConfig } from '../../src/config/load.js';
import { train } from '../../src/train/trainer.js';
import { PROJECT_ROOT } from '../helpers/cli.js';

export interface TinyRuns {
  tmp: string;
  experimentsDir: string;
  /** Run ids: a siamese model with pair features, and the sequential tiny model. */
  siamese: string;
  sequential: string;
}

export async function makeTinyRuns(): Promise<TinyRuns> {
  const tmp = mkdtempSync(join(tmpdir(), 'qqp-dedupe-'));
  const experimentsDir = join(tmp, 'experiments');
  const ids: string[] = [];
  for (const name of ['tiny-siamese.yaml', 'tiny.yaml']) {
    const r = await train({
      experimentsDir,
      loaded: loadConfig(join(PROJECT_ROOT, 'test', 'fixtures', 'configs', name)),
      backend: 'cpu',
    });
    if (r.status !== 'completed') throw new Error(`${name} did not complete: ${r.status}`);
    ids.push(r.id);
  }
  return { tmp, experimentsDir, siamese: ids[0]!, sequential: ids[1]! };
}

/** The first `n` distinct questions of the bundled synthetic data, in file order. */
export function syntheticQuestions(n: number, skip = 0): string[] {
  const rows = parse(readFileSync(join(PROJECT_ROOT, 'data', 'qqp-synthetic.csv'), 'utf8'), {
    columns: true,
  }) as { question1: string; question2: string }[];
  const seen = new Set<string>();
  const out: string[] = [];
  for (const r of rows) {
    for (const q of [r.question1.trim(), r.question2.trim()]) {
      if (q === '' || seen.has(q)) continue;
      seen.add(q);
      if (seen.size > skip) out.push(q);
      if (out.length === n) return out;
    }
  }
  return out;
}
