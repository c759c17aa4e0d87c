import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { assertRebuildMatches } from '../../helpers/rebuild.js';

/**
 * native/rnn.wasm and native/rnn-relaxed.wasm are committed so that a fresh clone needs no C
 * toolchain; this checks that native/build.sh rebuilds both byte for byte from native/rnn.c (the
 * relaxed one through native/relaxed-opcodes.mjs), where clang and wasm-ld are here.
 */

/** The clang that built the committed module (native/build.sh says so too). */
const BUILT_WITH = 'clang version 14.0.6';

function skipReason(): string | false {
  const clang = spawnSync('clang', ['--version'], { encoding: 'utf8' });
  if (clang.status !== 0 || spawnSync('wasm-ld', ['--version']).status !== 0) {
    return 'clang and wasm-ld are not installed (apt-get install -y clang lld)';
  }
  const version = clang.stdout.split('\n')[0] ?? '';
  // Another clang builds a working module, but not byte for byte the same one.
  if (!version.includes(BUILT_WITH)) return `${version.trim()} is not the ${BUILT_WITH} that built it`;
  return false;
}

describe('native/rnn.wasm and native/rnn-relaxed.wasm', () => {
  it('are what native/build.sh makes of native/rnn.c, plain SIMD and relaxed', {
    skip: skipReason(),
  }, () => {
    assertRebuildMatches(
      'build.sh',
      ['rnn.wasm', 'rnn-relaxed.wasm'],
      'run `npm run build:wasm` and commit them',
    );
  });
});
