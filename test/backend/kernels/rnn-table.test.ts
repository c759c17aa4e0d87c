import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ALIGN_FUNCTIONS } from '../../../src/backend/kernels/align-wasm.js';
import { RNN_FUNCTIONS, RNN_WASM_FILE } from '../../../src/backend/kernels/rnn-wasm.js';
import { PROJECT_ROOT } from '../../helpers/cli.js';

/**
 * The runtime (src/backend/kernels/wasm-runtime.ts) calls a C function with its arguments in the
 * order of its parameter table: each table of rnn-wasm.ts and align-wasm.ts must list the parameters of its function
 * in native/rnn.c, in order, with matching kinds (i32 scalar, const array read, array written).
 */

const C_SOURCE = readFileSync(join(PROJECT_ROOT, 'native', 'rnn.c'), 'utf8');
/** The recurrent tables name the C `bias` parameter `b`, as the tfjs kernels' input is called. */
const C_NAME: Record<string, string> = { b: 'bias' };

function cParameters(fn: string): { name: string; kind: 'i32' | 'const' | 'array' }[] {
  const m = new RegExp(`EXPORT\\(${fn}\\)\\s*void ${fn}\\(([^)]*)\\)`).exec(C_SOURCE);
  assert.ok(m, `native/rnn.c exports ${fn}`);
  return m[1]!.split(',').map((decl) => {
    const d = decl.replace(/\s+/g, ' ').trim();
    const name = /(\w+)$/.exec(d)![1]!;
    if (d.startsWith('i32 ')) return { name, kind: 'i32' };
    if (d.startsWith('const f32 *')) return { name, kind: 'const' };
    assert.ok(d.startsWith('f32 *'), `unexpected parameter ${d} of ${fn}`);
    return { name, kind: 'array' };
  });
}

const FUNCTIONS = { ...RNN_FUNCTIONS, ...ALIGN_FUNCTIONS };

describe('the parameter tables of native/rnn.c', () => {
  for (const [name, fn] of Object.entries(FUNCTIONS)) {
    const renamed = name in RNN_FUNCTIONS ? C_NAME : {};
    it(`${name}: the C parameters, in order`, () => {
      assert.equal(fn.name, name);
      const table = fn.params.map((p) => ({
        name: renamed[p.name] ?? p.name,
        kind: p.role === 'rows' || p.role === 'i32' ? 'i32' : p.role === 'in' ? 'const' : 'array',
      }));
      assert.deepEqual(table, cParameters(name));
      assert.equal(fn.params.filter((p) => p.role === 'rows').length, 1, 'one rows parameter');
    });
  }

  it('are the functions the module exports', () => {
    const wasm = (globalThis as unknown as { WebAssembly: { Module: WasmModuleApi } }).WebAssembly.Module;
    const exported = wasm
      .exports(new wasm(readFileSync(RNN_WASM_FILE)))
      .filter((e) => e.kind === 'function')
      .map((e) => e.name);
    assert.deepEqual(exported.sort(), Object.keys(FUNCTIONS).sort());
  });
});

interface WasmModuleApi {
  new (bytes: Uint8Array): object;
  exports(module: object): { name: string; kind: string }[];
}
