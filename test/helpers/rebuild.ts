import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from './cli.js';

/**
 * Runs a build script of native/ into a temporary folder and asserts that what it makes equals
 * the committed file, byte for byte (`hint` says how to bring the committed one up to date).
 */
export function assertRebuildMatches(script: string, committed: string, hint: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'qqp-rebuild-'));
  try {
    const out = join(dir, 'rebuilt');
    const r = spawnSync('sh', [join(PROJECT_ROOT, 'native', script), out], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(
      readFileSync(out).equals(readFileSync(join(PROJECT_ROOT, 'native', committed))),
      `native/${committed} differs from a rebuild: ${hint}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
