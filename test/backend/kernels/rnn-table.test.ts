import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ALIGN_FUNCTIONS } from '../../../src/backend/kernels/align-wasm.js';
import { GEMM_FUNCTIONS } from '../../../src/backend/kernels/gemm-wasm.js';
import {
  RNN_FUNCTIONS,
  RNN_RELAXED_WASM_FILE,
  RNN_WASM_FILE,
} from '../../../src/backend/kernels/rnn-wasm.js';
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

const FUNCTIONS = { ...RNN_FUNCTIONS, ...ALIGN_FUNCTIONS, ...GEMM_FUNCTIONS };

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
      // One rows parameter (the kernels split a batch by it), or none for a function that runs
      // whole on the calling thread (gemm_repeat, the bench's matrix product).
      const rowsParams = fn.params.filter((p) => p.role === 'rows').length;
      assert.equal(rowsParams, name === 'gemm_repeat' ? 0 : 1, 'rows parameters');
    });
  }

  it("are the native addon's functions, in its order, with the same arguments (native/addon.c, native/x86-entry.h)", () => {
    const addon = readFileSync(join(PROJECT_ROOT, 'native', 'addon.c'), 'utf8');
    const entry = readFileSync(join(PROJECT_ROOT, 'native', 'x86-entry.h'), 'utf8');
    const list = (name: string) => {
      const m = new RegExp(`${name}\\[\\] = \\{([^}]*)\\}`).exec(addon);
      assert.ok(m, `native/addon.c defines ${name}`);
      return m[1]!.split(',').map((v) => v.trim().replace(/"/g, ''));
    };
    const names = list('KERNEL_NAMES');
    const counts = list('KERNEL_ARGS').map(Number);
    const firstPointer = list('KERNEL_FIRST_POINTER').map(Number);
    assert.deepEqual([...names].sort(), Object.keys(FUNCTIONS).sort(), 'the addon has every function');
    names.forEach((name, k) => {
      const fn = FUNCTIONS[name as keyof typeof FUNCTIONS];
      assert.equal(counts[k], fn.params.length, `${name}: KERNEL_ARGS`);
      assert.equal(
        firstPointer[k],
        fn.params.findIndex((p) => p.role !== 'rows' && p.role !== 'i32'),
        `${name}: KERNEL_FIRST_POINTER`,
      );
      // x86-entry.h's case k calls the function with I(...) for integers and P(...) for pointers.
      const call = new RegExp(`case ${k}:\\s*${name}\\(([^;]*)\\);`).exec(entry);
      assert.ok(call, `x86-entry.h: case ${k} calls ${name}`);
      const kinds = call[1]!.split(',').map((a) => a.trim());
      assert.deepEqual(
        kinds,
        fn.params.map((p, i) => `${p.role === 'rows' || p.role === 'i32' ? 'I' : 'P'}(${i})`),
        `${name}: x86-entry.h passes each argument in order, as an integer or a pointer`,
      );
    });
  });

  it('are what the relaxed-SIMD build exports too (its export section read, since Node 20 cannot compile it)', () => {
    const plain = exportNames(readFileSync(RNN_WASM_FILE));
    assert.ok(plain.includes('0:lstm_forward'), "the reader finds the plain build's exports");
    assert.deepEqual(exportNames(readFileSync(RNN_RELAXED_WASM_FILE)), plain);
  });

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

/** A module's exports as `kind:name` (0 function, 3 global), from its export section. */
function exportNames(bytes: Uint8Array): string[] {
  let at = 8; // magic and version
  const uleb = (): number => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const b = bytes[at++]!;
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return value;
    }
  };
  while (at < bytes.length) {
    const id = bytes[at++]!;
    const size = uleb();
    if (id !== 7) {
      at += size;
      continue;
    }
    return Array.from({ length: uleb() }, () => {
      const length = uleb();
      const name = new TextDecoder().decode(bytes.subarray(at, at + length));
      at += length;
      const kind = bytes[at++]!;
      uleb(); // index
      return `${kind}:${name}`;
    });
  }
  return [];
}
