import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadNativeKernels } from '../../../src/backend/kernels/native-runtime.js';
import { kernelEngine, setKernelEngine, stopWorkers } from '../../../src/backend/kernels/rnn-wasm.js';
import {
  RELAXED_SIMD_PROBE,
  relaxedSimdRuns,
  setRelaxedSimdForTest,
} from '../../../src/backend/kernels/wasm-simd.js';
import { PROJECT_ROOT } from '../../helpers/cli.js';
import { saveEnv } from '../../helpers/env.js';
import { assertArraysClose } from '../../helpers/kernel-cases.js';
import { decodeWasmSimdRun, type WasmSimdRun, wasmSimdRun } from '../../helpers/wasm-simd-results.js';

/**
 * The two WebAssembly builds of native/rnn.c (src/backend/kernels/wasm-simd.ts): relaxed SIMD
 * (native/rnn-relaxed.wasm, fused multiply-adds) gives what plain SIMD (native/rnn.wasm) gives, to
 * the tolerance native.test.ts holds native to (1e-5 of each array's largest magnitude), for every
 * function, forward and backward, LSTM, GRU and align, on one thread and on two, with NaN in the
 * same places. Where this Node runs relaxed SIMD only with a flag (Node 20), the relaxed module
 * runs in a child `node --experimental-wasm-relaxed-simd` (NODE_OPTIONS may not carry that flag).
 * Then the detection (a probe module that WebAssembly.validate accepts exactly where relaxed SIMD
 * runs) and QQP_WASM_SIMD.
 */

const FLAG = '--experimental-wasm-relaxed-simd';
const NODE_MAJOR = Number(process.versions.node.split('.')[0]);
/** What Node itself documents: relaxed SIMD by default from Node 22, behind the flag before. */
const RELAXED_EXPECTED = NODE_MAJOR >= 22 || process.execArgv.includes(FLAG);

/** The relaxed module's run: here when this Node runs it, else in a child started with the flag. */
function relaxedRun(): WasmSimdRun {
  if (relaxedSimdRuns()) return wasmSimdRun('relaxed');
  const env: NodeJS.ProcessEnv = { ...process.env };
  // The child chooses by itself (auto), and prints its results rather than a test report.
  delete env.QQP_WASM_SIMD;
  delete env.NODE_TEST_CONTEXT;
  const r = spawnSync(
    process.execPath,
    [FLAG, '--import', 'tsx', join(PROJECT_ROOT, 'test', 'helpers', 'wasm-simd-results.ts')],
    { cwd: PROJECT_ROOT, env, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 },
  );
  assert.equal(r.status, 0, `the child with ${FLAG} failed: ${r.stderr}`);
  const line = r.stdout
    .trim()
    .split('\n')
    .findLast((l) => l.startsWith('{'));
  assert.ok(line, `the child printed no results: ${r.stdout}`);
  return decodeWasmSimdRun(line);
}

describe('the relaxed-SIMD module against the plain one', () => {
  let plain: WasmSimdRun;
  let relaxed: WasmSimdRun;
  before(async () => {
    plain = wasmSimdRun('plain');
    relaxed = relaxedRun();
    await stopWorkers();
  });

  it('each ran the module it names', () => {
    assert.deepEqual(
      [plain.info.label, plain.info.module],
      ['wasm SIMD', 'rnn.wasm'],
      'QQP_WASM_SIMD=plain runs rnn.wasm',
    );
    assert.deepEqual(
      [relaxed.info.label, relaxed.info.module],
      ['wasm relaxed SIMD', 'rnn-relaxed.wasm'],
      'where relaxed SIMD runs, it is the one chosen',
    );
  });

  it('give the plain module the same arrays, every call', () => {
    const names = Object.keys(plain.calls);
    assert.deepEqual(Object.keys(relaxed.calls), names);
    assert.ok(names.length >= 10, `${names.length} calls compared`);
    for (const name of names)
      assertArraysClose(relaxed.calls[name]!, plain.calls[name]!, `relaxed SIMD, ${name}`, 'plain SIMD');
  });

  it('pass NaN through as the plain module does', () => {
    assert.ok(relaxed.nan[0], 'a NaN input gives a NaN state');
    assert.deepEqual(relaxed.nan, plain.nan);
  });
});

describe('the detection of relaxed SIMD', () => {
  it(`finds it exactly where Node runs it (Node ≥ 22, or ${FLAG})`, () => {
    assert.equal(relaxedSimdRuns(), RELAXED_EXPECTED);
  });

  it('refuses the probe for its relaxed instruction alone: with a plain SIMD one instead, any Node takes it', () => {
    const at = RELAXED_SIMD_PROBE.findIndex((b, i) => b === 0xfd && RELAXED_SIMD_PROBE[i + 1] === 0x85);
    assert.ok(at > 0, 'the probe holds f32x4.relaxed_madd (0xfd 0x85 0x02)');
    // v128.bitselect (0xfd 0x52) takes the same three v128 operands, one byte shorter: the code
    // section and the body shrink by one.
    const plainProbe = Uint8Array.from([...RELAXED_SIMD_PROBE.slice(0, at), 0xfd, 0x52, 0x0b]);
    plainProbe[20]! -= 1;
    plainProbe[22]! -= 1;
    const wasm = (globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } }).WebAssembly;
    assert.equal(wasm.validate(plainProbe), true);
    assert.equal(wasm.validate(RELAXED_SIMD_PROBE), RELAXED_EXPECTED);
  });
});

describe('QQP_WASM_SIMD', () => {
  const restore = saveEnv(['QQP_KERNELS', 'QQP_WASM_SIMD', 'QQP_NATIVE_ISA']);
  before(() => {
    process.env.QQP_KERNELS = 'wasm';
    delete process.env.QQP_NATIVE_ISA;
  });
  after(() => {
    restore();
    setRelaxedSimdForTest(undefined);
    setKernelEngine(undefined);
  });

  const engine = () => {
    const { label, module } = kernelEngine();
    return { label, module };
  };
  const RELAXED = { label: 'wasm relaxed SIMD', module: 'rnn-relaxed.wasm' };
  const PLAIN = { label: 'wasm SIMD', module: 'rnn.wasm' };

  it('unset or auto: relaxed where it runs, else plain', () => {
    for (const runs of [true, false]) {
      setRelaxedSimdForTest(runs);
      for (const value of [undefined, 'auto', ' AUTO ']) {
        if (value === undefined) delete process.env.QQP_WASM_SIMD;
        else process.env.QQP_WASM_SIMD = value;
        assert.deepEqual(engine(), runs ? RELAXED : PLAIN, `QQP_WASM_SIMD=${value}, relaxed runs: ${runs}`);
      }
    }
    setRelaxedSimdForTest(undefined);
    delete process.env.QQP_WASM_SIMD;
    assert.deepEqual(engine(), RELAXED_EXPECTED ? RELAXED : PLAIN, 'on this Node, as detected');
  });

  it('plain: plain, even where relaxed runs', () => {
    process.env.QQP_WASM_SIMD = 'plain';
    setRelaxedSimdForTest(true);
    assert.deepEqual(engine(), PLAIN);
    setRelaxedSimdForTest(undefined);
  });

  it('relaxed: relaxed where it runs, else an error saying why', () => {
    process.env.QQP_WASM_SIMD = 'relaxed';
    setRelaxedSimdForTest(true);
    assert.deepEqual(engine(), RELAXED);
    setRelaxedSimdForTest(false);
    assert.throws(
      () => kernelEngine(),
      /QQP_WASM_SIMD=relaxed, but this Node \(v[\d.]+\) does not run relaxed SIMD/,
    );
    setRelaxedSimdForTest(undefined);
  });

  it(`relaxed on a Node 20 without ${FLAG}: the error names the flag`, {
    skip: RELAXED_EXPECTED ? `this Node runs relaxed SIMD (${process.version})` : false,
  }, () => {
    process.env.QQP_WASM_SIMD = 'relaxed';
    assert.throws(() => kernelEngine(), new RegExp(`QQP_WASM_SIMD=relaxed, but .*node ${FLAG}`));
  });

  it('refuses an unknown value, naming the choices, whichever engine runs', () => {
    process.env.QQP_WASM_SIMD = 'fma';
    assert.throws(() => kernelEngine(), /QQP_WASM_SIMD must be relaxed, plain or auto, not "fma"/);
    delete process.env.QQP_KERNELS;
    assert.throws(() => kernelEngine(), /QQP_WASM_SIMD must be relaxed, plain or auto/);
    process.env.QQP_KERNELS = 'wasm';
  });

  it('relaxed that cannot run is no error when the native kernels run (no wasm module does)', {
    skip: loadNativeKernels().ok ? false : 'the native kernels cannot run here',
  }, () => {
    delete process.env.QQP_KERNELS;
    process.env.QQP_WASM_SIMD = 'relaxed';
    setRelaxedSimdForTest(false);
    assert.equal(kernelEngine().name, 'native');
    setRelaxedSimdForTest(undefined);
    process.env.QQP_KERNELS = 'wasm';
  });
});
