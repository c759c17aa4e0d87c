import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PROJECT_ROOT } from '../../helpers/cli.js';
import { assertRebuildMatches } from '../../helpers/rebuild.js';

/**
 * native/qqp-kernels.linux-x64.node is committed so that a fresh clone needs no C toolchain; this
 * checks that native/build-addon.sh rebuilds it byte for byte from native/addon.c and native/rnn.c,
 * where the gcc that built it and the Node-API headers (devDependency node-api-headers) are here.
 */

/** The gcc that built the committed addon (native/build-addon.sh says so too). */
const BUILT_WITH = '(Debian 12.2.0';
const HEADERS = join(PROJECT_ROOT, 'node_modules', 'node-api-headers', 'include', 'node_api.h');

function skipReason(): string | false {
  if (process.platform !== 'linux' || process.arch !== 'x64') return 'the addon is built for linux-x64 only';
  const gcc = spawnSync('gcc', ['--version'], { encoding: 'utf8' });
  if (gcc.status !== 0) return 'gcc is not installed';
  const version = gcc.stdout.split('\n')[0] ?? '';
  // Another gcc builds a working addon, but not byte for byte the same one.
  if (!version.includes(BUILT_WITH)) return `${version.trim()} is not the gcc ${BUILT_WITH}) that built it`;
  if (!existsSync(HEADERS))
    return 'the Node-API headers are not installed (npm ci installs node-api-headers)';
  return false;
}

describe('native/qqp-kernels.linux-x64.node', () => {
  it('is what native/build-addon.sh makes of native/addon.c and native/rnn.c', { skip: skipReason() }, () => {
    assertRebuildMatches(
      'build-addon.sh',
      ['qqp-kernels.linux-x64.node'],
      'run `npm run build:native` and commit it',
    );
  });
});
