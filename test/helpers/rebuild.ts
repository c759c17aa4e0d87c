import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from './cli.js';

/**
 * Runs a build script of native/ into a temporary folder (one output path an argument, in the
 * order of `committed`) and asserts that each file it makes equals the committed one, byte for
 * byte (`hint` says how to bring the committed ones up to date).
 */
export function assertRebuildMatches(script: string, committed: readonly string[], hint: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'qqp-rebuild-'));
  try {
    const outs = committed.map((_, i) => join(dir, `rebuilt-${i}`));
    const r = spawnSync('sh', [join(PROJECT_ROOT, 'native', script), ...outs], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    committed.forEach((file, i) => {
      assert.ok(
        readFileSync(outs[i]!).equals(readFileSync(join(PROJECT_ROOT, 'native', file))),
        `native/${file} differs from a rebuild: ${hint}`,
      );
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
